"""Throughput and memory of the real engine (``scoring.api.score``, worker processes).

Throughput: ``--profile fast`` on N distinct copies of the bench clip (each copy gets
a different trailing MP4 ``free`` box, so no hash or cache dedupes them; cache off)
with 1 and with 2 workers. Reported as videos/min over the whole call (model loading
included) and after warm-up (from each worker's first result to the last result).

Memory: one batch of ``--batch`` videos (default 100; every 10th is a long 1080p
video, the bench clip repeated by stream copy) with ``--workers`` workers. A thread
samples the RSS of this process and every worker process (/proc) twice a second and
keeps each worker's peak (VmHWM). Reported: the largest worker peak, and the tree's
RSS (this process + workers) around video 10 against around the last video.

    python benchmarks/bench_engine.py [--copies 12] [--batch 100] [--memory-profile full]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def distinct_copy(src: Path, dst: Path, tag: int) -> Path:
    """Copy ``src`` and append an MP4 ``free`` box holding ``tag``: same media, different bytes."""
    shutil.copyfile(src, dst)
    payload = f"sparkscout-bench-{tag}".encode()
    with open(dst, "ab") as fh:
        fh.write(struct.pack(">I", 8 + len(payload)) + b"free" + payload)
    return dst


def long_clip(src: Path, dst: Path, repeats: int) -> Path:
    """``src`` played ``repeats`` times in a row (stream copy, no re-encode); made once."""
    import av

    if dst.exists():
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".tmp.mp4")
    first_dts: dict[int, int] = {}
    end: dict[int, int] = {}
    with av.open(str(src)) as probe:  # each stream's span: first dts to the last packet's end
        for pkt in probe.demux():
            if pkt.dts is not None:
                first_dts.setdefault(pkt.stream.index, pkt.dts)
                end[pkt.stream.index] = max(end.get(pkt.stream.index, 0), pkt.dts + (pkt.duration or 0))
    spans = {i: end[i] - first_dts[i] for i in end}
    with av.open(str(tmp), "w") as out:
        outs = {}
        with av.open(str(src)) as first:
            for s in first.streams:
                outs[s.index] = out.add_stream_from_template(s)
        for k in range(repeats):
            with av.open(str(src)) as c:
                for pkt in c.demux():
                    if pkt.dts is None:
                        continue
                    shift = k * spans[pkt.stream.index]
                    pkt.pts, pkt.dts = pkt.pts + shift, pkt.dts + shift
                    pkt.stream = outs[pkt.stream.index]
                    out.mux(pkt)
    tmp.rename(dst)
    return dst


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _workers() -> list[int]:
    """Live worker processes of this process (spawned multiprocessing children)."""
    me, pids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if b"spawn_main" in fh.read():
                    pids.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return pids


class RssSampler:
    """Samples (done, tree RSS MB) and each worker's peak RSS (VmHWM, MB) every ``period`` s."""

    def __init__(self, period: float = 0.5) -> None:
        self.period, self.done = period, 0
        self.samples: list[tuple[int, float]] = []
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            total = _status_kb(os.getpid(), "VmRSS") or 0
            for pid in _workers():
                rss, hwm = _status_kb(pid, "VmRSS"), _status_kb(pid, "VmHWM")
                total += rss or 0
                if hwm:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), hwm / 1024)
            self.samples.append((self.done, total / 1024))


def _score(paths: list[Path], profile: str, workers: int, sampler: RssSampler | None = None,
           status=None, per_video: bool = False) -> dict:
    """Score ``paths`` (cache off, no ledger): videos/min over the call and after warm-up.

    ``status``: called with the engine's status lines (bench_scale.py reads the thread budget).
    ``per_video``: also return ``video_s``, [path, seconds in the worker, seconds from the
    call's start to its result] in the order finished.
    """
    from scoring.api import score

    stamps: list[float] = []
    failed: list[str] = []
    video_s: list[tuple[str, float, float]] = []

    def progress(done: int, total: int, result) -> None:
        stamps.append(time.perf_counter())
        video_s.append((result.ref.path, round(result.seconds, 3), round(stamps[-1] - t0, 3)))
        if sampler is not None:
            sampler.done = done
        if result.status != "ok":
            failed.append(result.ref.path)
            print(f"  ! {result.ref.path}: {result.error}", file=sys.stderr)

    t0 = time.perf_counter()
    score([str(p) for p in paths], profile=profile, workers=workers, cache_dir=False, ledger=False,
          progress=progress, status=status)
    wall = time.perf_counter() - t0
    n = len(paths)
    warm = None
    if n > workers and stamps[-1] > stamps[workers - 1]:
        warm = round((n - workers) / (stamps[-1] - stamps[workers - 1]) * 60, 2)
    out = {"videos": n, "workers": workers, "wall_s": round(wall, 1), "per_min": round(n / wall * 60, 2),
           "per_min_warm": warm, "failed": len(failed)}
    if per_video:
        out["video_s"] = video_s
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def throughput(clip: Path, copies: int, tmp: Path) -> dict:
    """Fast-profile videos/min at 1 and 2 workers on ``copies`` distinct copies of ``clip``.

    One worker gets every core's threads (what ``--workers 1`` does), so its rate holds
    whatever two threads gain; ``w1_one_core`` runs it pinned to one core (one thread),
    which separates the scaling of workers from the gain of threads.
    """
    paths = [distinct_copy(clip, tmp / f"tp_{i:03d}.mp4", i) for i in range(copies)]
    one = _score(paths, "fast", 1)
    two = _score(paths, "fast", 2)
    out = {"w1": one, "w2": two, "ratio_warm": _ratio(two["per_min_warm"], one["per_min_warm"]),
           "ratio_wall": _ratio(two["per_min"], one["per_min"])}
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(cores) >= 2:
        os.sched_setaffinity(0, {min(cores)})  # workers inherit it: available_cores() == 1
        try:
            out["w1_one_core"] = _score(paths, "fast", 1)
        finally:
            os.sched_setaffinity(0, cores)
        out["ratio_warm_vs_one_core"] = _ratio(two["per_min_warm"], out["w1_one_core"]["per_min_warm"])
    return out


def _window(samples: list[tuple[int, float]], lo: int, hi: int) -> float | None:
    vals = [mb for done, mb in samples if lo <= done < hi]
    return round(statistics.median(vals), 1) if vals else None


def memory(clip: Path, batch: int, profile: str, workers: int, long_repeats: int, tmp: Path) -> dict:
    """Worker peak RSS and tree RSS near video 10 vs near the last one, over one batch."""
    long = long_clip(clip, ROOT / ".bench" / f"{clip.stem}_x{long_repeats}.mp4", long_repeats)
    paths = [distinct_copy(long if i % 10 == 9 else clip, tmp / f"mem_{i:03d}.mp4", 1000 + i) for i in range(batch)]
    with RssSampler() as sampler:
        run = _score(paths, profile, workers, sampler)
    width = max(1, min(10, batch // 5))
    early = _window(sampler.samples, 10, 10 + width)  # the late window never overlaps it (small batches)
    late = _window(sampler.samples, max(10 + width, batch - width), batch)
    change = round((late - early) / early * 100, 1) if early and late else None
    return {"profile": profile, "batch": batch, "long_videos": batch // 10, "long_s": long_repeats * 30,
            "workers": workers, "wall_s": run["wall_s"], "worker_processes": len(sampler.peaks),
            "peak_worker_rss_mb": round(max(sampler.peaks.values()), 1) if sampler.peaks else None,
            "window": width, "tree_rss_at_10_mb": early, "tree_rss_at_end_mb": late, "change_pct": change}


def main(argv: list[str] | None = None, on_part=None) -> dict:
    """Run the parts; ``on_part(results so far)`` after each (bench.py saves them)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", help="bench clip (default: made by bench_pipeline)")
    ap.add_argument("--copies", type=int, default=12, help="distinct copies for the throughput runs")
    ap.add_argument("--batch", type=int, default=100, help="videos in the memory batch (documented default 100)")
    ap.add_argument("--memory-profile", default="full", choices=("fast", "full"))
    ap.add_argument("--workers", type=int, default=2, help="workers for the memory batch")
    ap.add_argument("--long-repeats", type=int, default=6, help="long videos are the clip this many times over")
    ap.add_argument("--skip", action="append", default=[], choices=("throughput", "memory"))
    args = ap.parse_args(argv)
    if args.clip:
        clip = Path(args.clip)
    else:
        from bench_pipeline import clip_path, make_bench_clip

        clip = make_bench_clip(clip_path())
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="sparkscout-bench-") as tmp:
        if "throughput" not in args.skip:
            out["throughput"] = throughput(clip, args.copies, Path(tmp))
            if on_part:
                on_part(out)
        if "memory" not in args.skip:
            out["memory"] = memory(clip, args.batch, args.memory_profile, args.workers, args.long_repeats, Path(tmp))
    if __name__ == "__main__":
        print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
