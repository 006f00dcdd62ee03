"""``make bench``: one table of speed and memory, every figure measured in this run.

Rows: the floor (PyAV decoding every frame of the 30 s 1080x1920 bench clip), the
fast and full profiles' per-video time as a ratio of it (models loaded), each
analyzer's share of the analysis time, peak RSS per worker process (full profile,
from the memory batch), fast-profile throughput of the real engine at 1 and 2
workers, the tree's memory near video 10 against near the last video of a batch
(``--batch``, default 100, every 10th video a long 1080p one), and the cached rerun.
Beside the synthetic clip: the same per-video ratios and shares on real-content clips
built at bench time from a folder of the user's own clips (``--real DIR`` or
``$SPARKSCOUT_BENCH_MEDIA``; see bench_real.py), and the first result of a cold
one-video run (``sparkscout score ONE.mp4 --workers 1 --no-cache``) against its floor.
Writes the raw numbers to .bench/results.json.

    python benchmarks/bench.py [--real DIR] [--batch 100] [--copies 12] [--repeat 3] [--skip memory ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cached_rerun  # noqa: E402
import bench_engine  # noqa: E402
import bench_pipeline  # noqa: E402
import bench_real  # noqa: E402

PARTS = ("pipeline", "real", "first", "throughput", "memory", "rerun")
TARGETS = {"fast": "<= 1.3", "full": "<= 2.2"}  # real content (issue 23); the synthetic clip's are looser


def _real_rows(r: dict) -> list[tuple[str, str, str]]:
    q = r["real"]
    if not q.get("clips"):
        return [("real content", q.get("note", "skipped"), "")]
    rows = [(f"real content: floor, mean of {len(q['clips'])} clips (30 s 1080x1920, 1 slice)",
             f"{q['floor_s']:.2f} s", "")]
    for name in ("fast", "full"):
        x = q["profiles"][name]
        rows.append((f"real {name}: per video (models loaded) / floor",
                     f"{x['warm_s']:.2f} s = {x['ratio']:.2f} x (per clip {', '.join(map(str, x['ratios']))})",
                     TARGETS[name]))
        for a, share in sorted(x["share"].items(), key=lambda kv: -kv[1]):
            if share >= 0.005:
                rows.append((f"real {name}:   share {a}", f"{share * 100:.1f} % ({x['analyzers_s'][a]:.2f} s)", ""))
    return rows


def _first_rows(r: dict) -> list[tuple[str, str, str]]:
    f = r["first"]
    rows = []
    for name in ("fast", "full"):
        x = f[name]
        got = x.get("first_result_s")
        rows.append((f"{name}: cold one-video run, first result ({f['clip']}, floor {f['floor_s']:.2f} s)",
                     f"{got:.1f} s (workers ready {x.get('workers_ready_s', float('nan')):.1f} s, video "
                     f"{x.get('video_s') or float('nan'):.1f} s)" if got else "no result", f"<= {f['floor_s'] + 5:.1f}"))
        # start-up: what the cold run costs beyond the same clip scored by a warm worker
        warm = r.get("real", {}).get("profiles", {}).get(name, {}).get("warm_per_clip", {}).get(f["clip"])
        if got and warm is not None:
            rows.append((f"{name}: start-up = first result - per video (models loaded), same clip",
                         f"{got - warm:.1f} s", "<= 5.0"))
    return rows


def _rows(r: dict) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    if "pipeline" in r:
        p = r["pipeline"]
        rows.append((f"floor: PyAV decode, {p['clip']} ({p['clip_mb']} MB)", f"{p['floor_s']:.2f} s", ""))
        for name, target in (("fast", "<= 1.5"), ("full", "<= 4.0")):
            x = p["profiles"][name]
            rows.append((f"{name}: per video (models loaded) / floor", f"{x['warm_s']:.2f} s = {x['ratio']:.2f} x",
                         target))
            rows.append((f"{name}: first video incl. model loading", f"{x['cold_s']:.2f} s", ""))
            for a, share in sorted(x["share"].items(), key=lambda kv: -kv[1]):
                rows.append((f"{name}:   share {a}", f"{share * 100:.1f} % ({x['analyzers_s'][a]:.2f} s)", ""))
    if "real" in r:
        rows.extend(_real_rows(r))
    if "first" in r:
        rows.extend(_first_rows(r))
    if "memory" in r:
        m = r["memory"]
        rows.append((f"peak RSS per worker ({m['profile']}, {m['worker_processes']} worker processes)",
                     f"{m['peak_worker_rss_mb']:.0f} MB", "<= 1200"))
    if "throughput" in r:
        t = r["throughput"]
        for key in ("w1", "w2"):
            x = t[key]
            rows.append((f"fast throughput, {x['workers']} worker(s), {x['videos']} copies",
                         f"{x['per_min_warm']} /min warm, {x['per_min']} /min incl. loading", ""))
        rows.append(("throughput 2 workers / 1 worker (warm; incl. loading)",
                     f"{t['ratio_warm']} x; {t['ratio_wall']} x", ">= 1.8"))
        if "w1_one_core" in t:
            x = t["w1_one_core"]
            rows.append(("fast throughput, 1 worker pinned to 1 core", f"{x['per_min_warm']} /min warm", ""))
            rows.append(("2 workers / 1 worker on 1 core (scaling of workers)", f"{t['ratio_warm_vs_one_core']} x",
                         ""))
    if "memory" in r:
        m = r["memory"]
        rows.append((f"memory, batch of {m['batch']} ({m['long_videos']} x {m['long_s']} s), {m['workers']} workers",
                     f"{m['tree_rss_at_10_mb']} -> {m['tree_rss_at_end_mb']} MB ({m['change_pct']:+} %)",
                     "within 10 %"))
    if "rerun" in r:
        c = r["rerun"]
        rows.append((f"cached rerun of {c['videos']} fixtures: first / rerun",
                     f"{c['first_s']:.1f} s / {c['rerun_s']:.1f} s = {c['ratio']} x", ">= 10"))
        rows.append(("  rerun ranking identical; runtimes imported",
                     f"{c['identical']}; {', '.join(c['runtimes_loaded']) or 'none'}", "True; none"))
    return rows


def _save(r: dict) -> None:
    bench_pipeline.BENCH_DIR.mkdir(exist_ok=True)
    (bench_pipeline.BENCH_DIR / "results.json").write_text(json.dumps(r, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=100, help="videos in the memory batch (default 100)")
    ap.add_argument("--copies", type=int, default=12, help="distinct clip copies per throughput run")
    ap.add_argument("--repeat", type=int, default=3, help="timed repeats for floor and profiles")
    ap.add_argument("--memory-profile", default="full", choices=("fast", "full"))
    ap.add_argument("--skip", action="append", default=[], choices=PARTS)
    ap.add_argument("--real", default=os.environ.get("SPARKSCOUT_BENCH_MEDIA"),
                    help="folder of real clips to build the real-content rows from (default $SPARKSCOUT_BENCH_MEDIA)")
    ap.add_argument("--real-count", type=int, default=3, help="real clips used (default 3)")
    args = ap.parse_args()
    clip = bench_pipeline.make_bench_clip(bench_pipeline.clip_path())
    r: dict = {}
    if "pipeline" not in args.skip:
        r["pipeline"] = bench_pipeline.measure(clip, args.repeat)
        _save(r)  # a long run stopped later keeps what it measured
    if "real" not in args.skip:
        r["real"] = bench_real.measure_real(args.real, args.real_count, max(1, args.repeat - 1))
        _save(r)
    if "first" not in args.skip:
        real = bench_real.real_sources(args.real, 1)
        r["first"] = bench_real.measure_first(bench_real.build_real_clip(real[0]) if real else clip)
        _save(r)
    skip = [s for s in ("throughput", "memory") if s in args.skip]
    engine_args = ["--clip", str(clip), "--copies", str(args.copies), "--batch", str(args.batch),
                   "--memory-profile", args.memory_profile] + [a for s in skip for a in ("--skip", s)]
    if len(skip) < 2:
        r.update(bench_engine.main(engine_args, on_part=lambda part: _save({**r, **part})))
    if "rerun" not in args.skip:
        r["rerun"] = bench_cached_rerun.measure()
    rows = _rows(r) or [("nothing measured (every part skipped)", "", "")]
    w0, w1 = max(len(a) for a, _, _ in rows), max(len(b) for _, b, _ in rows)
    print(f"{'measure':<{w0}}  {'value':<{w1}}  target")
    print("-" * (w0 + w1 + 16))
    for a, b, c in rows:
        print(f"{a:<{w0}}  {b:<{w1}}  {c}")
    _save(r)


if __name__ == "__main__":
    main()
