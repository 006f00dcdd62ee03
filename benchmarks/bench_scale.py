"""Many cores: the real engine's throughput at 1, 4, 8 and 16 workers on distinct real-content clips.

Clips: ``--count`` (default 48) **distinct** 30 s 1080x1920 one-slice H.264 + AAC clips
built at bench time from a folder of the user's own videos (``--media DIR`` or
``$SPARKSCOUT_BENCH_MEDIA``) by bench_real.build_real_clip: one per source first, then
each source again started at another time offset and/or mirrored left to right, so no
two clips show the same picture at the same time (an offset variant shows much of its
source's footage shifted in time; a mirrored one, every picture flipped) and no hash or
cache can dedupe them (checked: the clips' SHA-256 are all different). x264 ``--preset veryfast`` by default (bench_real's clips
use medium: 2.3x the encoding and 1.14-1.4x the decoding CPU time in one test; the floor is
measured on these very clips). Clips are kept in .bench/real/ and reused by a rerun.

Per worker count (``--workers``, default 1,4,8,16; counts above this machine's cores are
skipped with a line saying so): ``scoring.api.score`` on the clips (cache off, no ledger,
``--profile fast`` unless told otherwise) and the result times. Reported: videos/min
steady (while every worker is busy with warm videos, each video counted for the share of
its run inside that stretch: see :func:`steady_rate`), in bench_engine's window (from the
``workers``-th result to the last) and including model loading (the whole call),
speed-up and efficiency = speed-up / workers against the 1-worker run (which gets every
core's threads, as ``--workers 1`` does), and the per-worker thread budget the engine
chose. The 1-worker run scores the last ``--w1-count`` clips (every
source at least once) to keep the whole run short; its rate is per video. Per worker
count also the mean seconds per video inside a worker, over the videos that are warm
(not a worker's first) in every run: its slowdown against one worker is the engine's
counterpart of the floor's slowdown below.

Decode floor at each count: PyAV decoding every frame of distinct clips, one decoder
alone and ``workers`` decoders at once (processes): the machine's memory-bandwidth and
I/O ceiling. If the floor's own efficiency falls like the engine's, the machine is the
limit; if the floor scales and the engine does not, our code is.

Also recorded: ``os.sched_getaffinity``, the CPU model (/proc/cpuinfo), the load
average before and after. JSON to .bench/scale.json (``--out``) and a printed table.
About 6-7 minutes for ``fast`` on a 16-core machine, estimated (docs/DEVICE.md; building 48 clips is 2.5-3).

    python benchmarks/bench_scale.py --media ~/clips [--count 48] [--workers 1,4,8,16] [--profile fast]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine  # noqa: E402  (puts the repo root on sys.path too)
import bench_pipeline  # noqa: E402
import bench_real  # noqa: E402

from scoring.media.probe import probe  # noqa: E402

T0 = time.perf_counter()


def log(msg: str) -> None:
    """Progress line with the seconds since start (a device command has a hard time limit)."""
    print(f"[{time.perf_counter() - T0:6.1f} s] {msg}", flush=True)


# ---------------------------------------------------------------- logic (unit-tested)

def parse_workers(spec: str, cores: int) -> tuple[list[int], list[str]]:
    """``"1,4,8,16"`` -> (sorted distinct counts <= ``cores``, one line per count skipped).

    Raises ValueError for anything that is not a comma-separated list of positive integers.
    """
    counts = set()
    for part in spec.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"--workers: {spec!r} is not a list of positive integers (e.g. 1,4,8,16)")
        counts.add(int(part))
    kept = sorted(c for c in counts if c <= cores)
    skipped = [f"skipping {c} workers: this machine has {cores} core{'s' if cores != 1 else ''}"
               for c in sorted(counts) if c > cores]
    return kept, skipped


def plan_variants(n_sources: int, count: int) -> list[tuple[int, float, bool]]:
    """``count`` distinct (source index, offset as a fraction of its length, mirrored).

    Round-robin over the sources (the first ``n_sources`` clips are every source once,
    unshifted); a source's k-th variant alternates plain and mirrored and moves the
    offset along the source: k=0 (0, plain), 1 (0, mirror), 2 (1/m, plain), ...
    with m = the number of offsets each source needs.
    """
    if n_sources < 1:
        return []
    per_source = math.ceil(count / n_sources)
    offsets = math.ceil(per_source / 2)
    out = []
    for i in range(count):
        src, k = i % n_sources, i // n_sources
        out.append((src, (k // 2) / offsets, bool(k % 2)))
    return out


def scaling(runs: list[dict], key: str = "per_min_steady") -> list[dict]:
    """Speed-up and efficiency (speed-up / workers) of each run against the 1-worker run.

    ``runs``: dicts with ``workers`` and the rate under ``key`` (videos/min). Returns
    ``{"workers", "speedup", "efficiency"}`` per run (None where a rate is missing).
    """
    base = next((r.get(key) for r in runs if r["workers"] == 1), None)
    out = []
    for r in runs:
        rate = r.get(key)
        speedup = rate / base if rate and base else None
        out.append({"workers": r["workers"], "speedup": round(speedup, 2) if speedup else None,
                    "efficiency": round(speedup / r["workers"], 2) if speedup else None})
    return out


def per_video_costs(runs: list[dict]) -> dict[int, float | None]:
    """Mean seconds per video in the worker, per worker count, over the same warm videos.

    ``runs``: dicts with ``workers`` and ``video_s`` ([path, seconds, ...] in the order
    finished). A run's first ``workers`` videos to finish are left out (each worker's
    first video also loads the models); the mean is over the videos every run has warm,
    so the counts compare like with like. None where no video is common.
    """
    warm = [{p: s for p, s, *_ in r["video_s"][r["workers"]:]} for r in runs]
    common = set.intersection(*(set(w) for w in warm)) if warm else set()
    return {r["workers"]: (round(sum(w[p] for p in common) / len(common), 3) if common else None)
            for r, w in zip(runs, warm)}


def steady_rate(done: list[tuple[float, float]], workers: int) -> float | None:
    """Videos/min while every worker is busy with warm videos, or None if no such stretch.

    ``done``: (seconds from the start to the video's result, seconds it took in the
    worker) per video, in the order finished; a video ran from ``finish - took`` to
    ``finish``. The stretch runs from the ``workers``-th result (every worker has
    finished its first video, which also loaded the models) to the last start (after
    it workers fall idle one by one). Each video counts for the share of its run inside
    the stretch, so work already under way at either end is neither lost nor counted
    twice: the plain window from the ``workers``-th result to the last (bench_engine's
    ``per_min_warm``) counts work done before it when the first videos finish at
    different times, and reads high with few videos per worker. None also when the
    stretch is shorter than half a warm video (too few videos per worker).
    """
    if len(done) <= workers:
        return None
    t1 = done[workers - 1][0]
    t2 = max(finish - took for finish, took in done)
    warm = sorted(took for _, took in done[workers:])
    if t2 - t1 < 0.5 * warm[len(warm) // 2]:  # shorter than half a video: no steady stretch to speak of
        return None
    work = sum(max(0.0, min(finish, t2) - max(finish - took, t1)) / took for finish, took in done if took > 0)
    return round(work / (t2 - t1) * 60, 2)


def thread_budget(status_lines: list[str]) -> int | None:
    """Threads per worker from the engine's "loading models in N worker processes (T threads each)"."""
    for line in status_lines:
        m = re.search(r"\((\d+) threads? each\)", line)
        if m:
            return int(m.group(1))
    return None


# ---------------------------------------------------------------- the machine

def machine() -> dict:
    """Cores this process may use, CPU model, load average."""
    model = None
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), None)
    except OSError:
        pass
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return {"cpu_model": model, "cpu_count": os.cpu_count(), "affinity": affinity,
            "cores": len(affinity) or os.cpu_count() or 1, "python": sys.version.split()[0]}


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- clips

def _build(job: tuple[str, float, bool, str]) -> str:
    src, offset, mirror, preset = job
    return str(bench_real.build_real_clip(Path(src), offset=offset, mirror=mirror, preset=preset))


def build_clips(folder: str, count: int, jobs: int, preset: str = "veryfast") -> tuple[list[Path], dict]:
    """``count`` distinct clips from the videos of ``folder`` (built in ``jobs`` processes)."""
    sources, seen = [], set()
    for p in bench_real.real_sources(folder, 10**6):
        if p.stem in seen:  # build_real_clip names clips by stem: two alike would be one clip
            log(f"  skipping source {p} (another source has the name {p.stem})")
            continue
        try:
            dur = probe(str(p)).duration_s  # the pipeline's own probe: a bad file raises MediaError
        except Exception as exc:  # noqa: BLE001  (a broken file is reported, the others go on)
            log(f"  skipping source {p}: {type(exc).__name__}: {exc}")
            continue
        seen.add(p.stem)
        sources.append((p, dur))
    if not sources:
        raise SystemExit(f"no readable video files in {folder!r} (looked for {', '.join(bench_real.EXTENSIONS)})")
    plan = plan_variants(len(sources), count)
    todo = [(str(sources[s][0]), round(frac * sources[s][1], 1), mirror, preset) for s, frac, mirror in plan]
    log(f"building {count} distinct clips from {len(sources)} sources in {jobs} processes "
        f"(kept in {bench_pipeline.BENCH_DIR / 'real'}; a rerun reuses them)")
    t = time.perf_counter()
    built: dict[int, Path] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_build, job): i for i, job in enumerate(todo)}
        for n, fut in enumerate(as_completed(futures), 1):
            built[futures[fut]] = Path(fut.result())
            if n % max(1, jobs) == 0 or n == len(todo):
                log(f"  {n}/{len(todo)} clips built")
    clips = [built[i] for i in range(len(todo))]
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in clips}
    if len(digests) != len(clips):
        raise SystemExit("two built clips are byte-identical: the variants did not differ")
    info = {"sources": len(sources), "source_files": [p.name for p, _ in sources],
            "preset": preset,
            "variants": [{"clip": c.name, "offset_s": o, "mirror": m} for c, (_, o, m, _) in zip(clips, todo)],
            "build_s": round(time.perf_counter() - t, 1), "distinct_sha256": len(digests),
            "clips_mb": round(sum(p.stat().st_size for p in clips) / 1e6, 1)}
    return clips, info


# ---------------------------------------------------------------- decode floor

def _decode(path: str) -> float:
    return bench_pipeline.floor_seconds(Path(path))


def floor_single(clips: list[Path]) -> dict:
    """One decoder alone, ``clips`` one after another: seconds per clip."""
    each = [round(bench_pipeline.floor_seconds(p), 3) for p in clips]
    return {"decoders": 1, "clips": len(each), "each_s": each, "s_per_clip": round(sum(each) / len(each), 3),
            "per_min": round(len(each) / sum(each) * 60, 2)}


def floor_parallel(clips: list[Path], single: dict) -> dict:
    """``len(clips)`` processes decoding one distinct clip each, all at once.

    ``slowdown``: each clip's time here over its time alone (``single["each_s"]``, same
    order), averaged; ``efficiency`` = 1 / slowdown (1.0: the machine feeds every decoder
    as if it were alone); ``per_min``: the decoders' combined rate.
    """
    import multiprocessing as mp

    n = len(clips)
    with mp.get_context("fork").Pool(n) as pool:  # nothing heavy is loaded yet: fork is cheap and safe
        pool.map(time.sleep, [0.3] * n, chunksize=1)  # every process up before the clock
        t = time.perf_counter()
        each = pool.map(_decode, [str(p) for p in clips], chunksize=1)
        wall = time.perf_counter() - t
    slow = sum(par / alone for par, alone in zip(each, single["each_s"])) / n
    return {"decoders": n, "clips": n, "wall_s": round(wall, 2), "each_s": [round(x, 3) for x in each],
            "s_per_clip": round(sum(each) / n, 3), "per_min": round(n / (sum(each) / n) * 60, 2),
            "slowdown": round(slow, 2), "efficiency": round(1 / slow, 2)}


# ---------------------------------------------------------------- engine runs

def engine_run(clips: list[Path], profile: str, workers: int) -> dict:
    """``scoring.api.score`` on ``clips`` with ``workers`` workers (cache off): rates and budget."""
    lines: list[str] = []
    before = loadavg()
    r = bench_engine._score(clips, profile, workers, status=lines.append, per_video=True)
    if r["failed"] == r["videos"]:  # e.g. a model's wheel missing: no rate means anything
        raise SystemExit(f"every video failed with {workers} worker(s) (errors above): nothing to report")
    if r["failed"]:
        log(f"  ! {r['failed']} of {r['videos']} videos failed: this count's rates are not comparable")
    r["per_min_steady"] = steady_rate([(finish, took) for _, took, finish in r["video_s"]], workers)
    r.update({"threads_per_worker": thread_budget(lines), "loadavg_before": before, "loadavg_after": loadavg(),
              "ready_s": next((float(m.group(1)) for ln in lines if (m := re.search(r"ready in ([\d.]+) s", ln))),
                              None)})
    return r


# ---------------------------------------------------------------- report

def rows(r: dict) -> list[tuple[str, ...]]:
    """The printed table: one line per worker count."""
    single = r["floor"]["1"]
    out = [("workers", "threads/w", "videos", "/min steady", "/min incl.load", "speed-up", "efficiency",
            "eff. window", "eff. incl.load", "s/video", "slowdown", "floor slowdown", "engine/floor")]
    by = {k: {x["workers"]: x for x in r[f"scaling_{k}"]} for k in ("steady", "warm", "wall")}
    cost = r.get("s_per_video", {})
    for run in sorted(r["runs"], key=lambda x: x["workers"]):
        w = run["workers"]
        fl = single if w == 1 else r["floor"].get(str(w))
        here, alone = cost.get(str(w)), cost.get("1")
        rate = run.get("per_min_steady")
        ratio = round(fl["per_min"] / rate, 2) if fl and rate else None
        out.append((str(w), str(run.get("threads_per_worker")), str(run["videos"]), str(rate), str(run["per_min"]),
                    str(by["steady"][w]["speedup"]), str(by["steady"][w]["efficiency"]),
                    str(by["warm"][w]["efficiency"]), str(by["wall"][w]["efficiency"]), str(here),
                    f"{here / alone:.2f}" if here and alone else "-",
                    str(fl.get("slowdown", 1.0)) if fl else "-", f"{ratio} x" if ratio else "-"))
    return out


def print_table(r: dict) -> None:
    m = r["machine"]
    print(f"\n{m['cpu_model']}: {m['cores']} cores usable (affinity {m['affinity'][:1]}..{m['affinity'][-1:]}), "
          f"load average {r['loadavg_before']} before, {r['loadavg_after']} after; profile {r['profile']}, "
          f"{r['clips']['sources']} sources -> {len(r['clips']['variants'])} distinct clips")
    for line in r["skipped"]:
        print(line)
    for run in r["runs"]:
        if run["failed"]:
            print(f"! {run['failed']} of {run['videos']} videos failed with {run['workers']} worker(s)")
    table = rows(r)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.rjust(wd) for cell, wd in zip(row, widths)))
    print("efficiency = (videos/min at w workers / videos/min at 1 worker) / w, on the steady rate (every worker "
          "busy with warm videos); target >= 0.8 at 16 (issue 23).\n"
          "eff. window = the same on bench_engine's window from the w-th result to the last (reads high with few "
          "videos per worker); eff. incl.load = on the whole call.\n"
          "s/video = mean seconds per video in a worker over the videos warm in every run; slowdown = that / "
          "at 1 worker.\nfloor slowdown = a clip's decode time with w decoders at once / alone (the machine's "
          "ceiling);\nengine/floor = per-video engine cost in floors at that count (floor /min over /min steady).")


def save(r: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(r, indent=2))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", default=os.environ.get("SPARKSCOUT_BENCH_MEDIA"),
                    help="folder of your own videos (default $SPARKSCOUT_BENCH_MEDIA)")
    ap.add_argument("--count", type=int, default=48, help="distinct clips to build and score (default 48)")
    ap.add_argument("--workers", default="1,4,8,16", help="worker counts (default 1,4,8,16; capped at the cores)")
    ap.add_argument("--profile", default="fast", choices=("fast", "full"))
    ap.add_argument("--w1-count", type=int, default=16,
                    help="clips the 1-worker run scores (default 16; 0: all of them)")
    ap.add_argument("--preset", default="veryfast",
                    help="x264 preset of the built clips (default veryfast: 0.44x medium's encoding CPU time; "
                         "medium as bench_real)")
    ap.add_argument("--build-jobs", type=int, default=0, help="processes building clips (default: every core)")
    ap.add_argument("--out", default=str(bench_pipeline.BENCH_DIR / "scale.json"), help="JSON (default .bench/scale.json)")
    args = ap.parse_args(argv)
    if not args.media:
        ap.error("--media DIR (or $SPARKSCOUT_BENCH_MEDIA): a folder of your own videos to build the clips from")
    mach = machine()
    try:
        counts, skipped = parse_workers(args.workers, mach["cores"])
    except ValueError as exc:
        ap.error(str(exc))
    for line in skipped:
        log(line)
    if not counts:
        raise SystemExit("no worker count left to run")
    r: dict = {"machine": mach, "loadavg_before": loadavg(), "profile": args.profile, "skipped": skipped,
               "counts": counts}
    log(f"{mach['cpu_model']}, {mach['cores']} cores, load average {r['loadavg_before']}")
    clips, r["clips"] = build_clips(args.media, args.count, args.build_jobs or mach["cores"], args.preset)
    log(f"clips ready ({r['clips']['clips_mb']} MB, {r['clips']['distinct_sha256']} distinct SHA-256)")
    for p in clips:  # page cache warm for every decoder and run alike
        p.read_bytes()
    # the floor's clips are the last ones, as the 1-worker run's (at least 4: one is a poor mean)
    top = min(max(*counts, 4), len(clips))
    r["floor"] = {"1": floor_single(clips[-top:])}
    log(f"floor, 1 decoder: {r['floor']['1']['s_per_clip']} s per clip (last {top} clips, one after another)")
    for w in counts:
        if 1 < w <= len(clips):
            f = r["floor"][str(w)] = floor_parallel(clips[-top:][:w], {"each_s": r["floor"]["1"]["each_s"][:w]})
            log(f"floor, {w} decoders at once: {f['s_per_clip']} s per clip, {f['per_min']} /min, "
                f"efficiency {f['efficiency']}")
    save(r, Path(args.out))
    r["runs"] = []
    # one worker first (the baseline), then the most workers: a command stopped at its time
    # limit still has the count that matters most
    for w in sorted(counts, key=lambda c: (c != 1, -c)):
        # the last clips: their warm videos are warm in every run (each run's first videos load models)
        subset = clips[-args.w1_count:] if w == 1 and args.w1_count else clips
        log(f"scoring {len(subset)} clips, {w} worker(s), profile {args.profile} …")
        run = engine_run(subset, args.profile, w)
        r["runs"].append(run)
        log(f"  {run['per_min_steady']} /min steady ({run['per_min_warm']} in the window), {run['per_min']} /min "
            f"incl. loading "
            f"({run['wall_s']} s, threads per worker: {run['threads_per_worker']})")
        r["scaling_steady"] = scaling(r["runs"])
        r["scaling_warm"], r["scaling_wall"] = scaling(r["runs"], "per_min_warm"), scaling(r["runs"], "per_min")
        r["s_per_video"] = {str(k): v for k, v in per_video_costs(r["runs"]).items()}
        r["loadavg_after"] = loadavg()
        save(r, Path(args.out))  # a run stopped at the time limit keeps what it measured
    print_table(r)
    log(f"wrote {args.out}")
    return r


if __name__ == "__main__":
    main()
