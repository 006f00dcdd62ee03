"""Real-content rows of ``make bench``, and the first result of a cold one-video run.

Real content: the synthetic bench clip has one face-sized disc, no captions and speech
from espeak-ng; real creator clips (faces, captions, music, cuts) cost the analyzers
differently. The clips are **built at bench time from media the user has**: up to
``--count`` video files from ``--real DIR`` (or ``$SPARKSCOUT_BENCH_MEDIA``), any phone
or TikTok downloads, each re-encoded like a phone upload: 30 s (looped if shorter),
1080x1920 (scaled and padded), 30 fps, H.264 CRF 23 with one slice per picture, AAC.
Nothing is downloaded and no media ship with SparkScout; without a folder the rows say so.

First result: ``sparkscout score ONE.mp4 --workers 1 --no-cache`` as a user runs it
(a fresh process: imports, worker start, model loading, the video), timed to the line
that reports the video, against the floor (decoding every frame of the same clip).

    python benchmarks/bench_real.py --real ~/clips [--count 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_pipeline

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = (".mp4", ".mov", ".m4v", ".webm", ".mkv")


def real_sources(folder: str | None, count: int) -> list[Path]:
    """Up to ``count`` video files of ``folder`` (sorted by name; the largest first would skew)."""
    if not folder:
        return []
    files = sorted(p for p in Path(folder).expanduser().rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    return files[:count]


def build_real_clip(src: Path, seconds: float = 30.0, fps: int = 30, offset: float = 0.0,
                    mirror: bool = False, preset: str = "medium") -> Path:
    """``src`` re-encoded as a 30 s 1080x1920 one-slice H.264 + AAC clip in .bench/real/ (made once).

    ``offset`` (seconds) starts the clip that far into ``src`` (pictures and sound, looping
    back to its start), ``mirror`` flips the pictures left to right: variants of one source
    whose pictures differ frame by frame (bench_scale.py builds many distinct clips this way).
    ``preset``: x264's (``veryfast``: 0.44x medium's CPU time to encode, 0.7-0.9x to decode, in one test).
    """
    import av
    import numpy as np

    variant = (f"_at{offset:.1f}s" if offset else "") + ("_mirror" if mirror else "")
    variant += "" if preset == "medium" else f"_{preset}"
    dst = bench_pipeline.BENCH_DIR / "real" / f"{src.stem}_{int(seconds)}s_1080x1920_1slice{variant}.mp4"
    if dst.exists():
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    w, h, rate = 1080, 1920, 48000
    audio = []
    with av.open(str(src)) as c:
        if c.streams.audio:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for f in c.decode(audio=0):
                for r in resampler.resample(f):
                    audio.append(r.to_ndarray().reshape(-1))
    sound = np.concatenate(audio) if audio else np.zeros(int(seconds * rate), np.float32)
    sound = np.roll(sound, -int(offset * rate) % max(1, len(sound)))
    sound = np.tile(sound, int(np.ceil(seconds * rate / max(1, len(sound)))))[: int(seconds * rate)]
    tmp = dst.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "23", "preset": preset}
        vs.thread_type = "FRAME"  # one slice per picture, like phone and TikTok encodes
        aus = out.add_stream("aac", rate=rate, layout="mono")
        canvas = np.zeros((h, w, 3), np.uint8)
        for _i, img in zip(range(int(seconds * fps)), _frames_at(src, fps, w, h, offset, mirror)):
            y0, x0 = (h - img.shape[0]) // 2, (w - img.shape[1]) // 2
            canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = img
            for p in vs.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        from fractions import Fraction

        for start in range(0, len(sound), 1024):
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(sound[start:start + 1024].reshape(1, -1)),
                                           format="flt", layout="mono")
            f.sample_rate, f.pts, f.time_base = rate, start, Fraction(1, rate)
            for p in aus.encode(f):
                out.mux(p)
        for p in aus.encode():
            out.mux(p)
    tmp.rename(dst)
    return dst


def _frames_at(src: Path, fps: int, w: int, h: int, start: float = 0.0, mirror: bool = False):
    """``src``'s pictures at ``fps`` (by time) from ``start`` s, scaled to fit ``w`` x ``h``
    (flipped left to right if ``mirror``), looped forever."""
    import av

    nxt = start  # the first pass begins at ``start``, every later one at 0
    while True:
        decoded = 0
        with av.open(str(src)) as c:
            for f in c.decode(video=0):
                decoded += 1
                t = float(f.time or 0.0)
                if t + 1e-6 < nxt:
                    continue
                scale = min(w / f.width, h / f.height)
                img = f.reformat(width=max(2, int(f.width * scale) // 2 * 2),
                                 height=max(2, int(f.height * scale) // 2 * 2), format="rgb24").to_ndarray()
                if mirror:
                    img = img[:, ::-1]
                while nxt <= t + 1e-6:
                    nxt += 1.0 / fps
                    yield img
        if decoded == 0:
            return
        nxt = 0.0


def measure_real(folder: str | None, count: int = 3, repeat: int = 1) -> dict:
    """Floor, fast and full per video (models loaded) and analyzer shares, summed over the clips."""
    sources = real_sources(folder, count)
    if not sources:
        return {"clips": [], "note": "no --real DIR (or $SPARKSCOUT_BENCH_MEDIA) with video files: skipped"}
    per_clip = [bench_pipeline.measure(build_real_clip(s), repeat) for s in sources]
    floor = sum(r["floor_s"] for r in per_clip)
    out: dict = {"clips": [s.name for s in sources], "floor_s": round(floor / len(per_clip), 3), "profiles": {}}
    for profile in ("fast", "full"):
        warm = sum(r["profiles"][profile]["warm_s"] for r in per_clip)
        analyzers: dict[str, float] = {}
        for r in per_clip:
            for a, s in r["profiles"][profile]["analyzers_s"].items():
                analyzers[a] = analyzers.get(a, 0.0) + s
        total = sum(analyzers.values()) or 1.0
        out["profiles"][profile] = {
            "warm_s": round(warm / len(per_clip), 3), "ratio": round(warm / floor, 2),
            "ratios": [r["profiles"][profile]["ratio"] for r in per_clip],
            "warm_per_clip": {r["clip"]: r["profiles"][profile]["warm_s"] for r in per_clip},
            "analyzers_s": {a: round(s / len(per_clip), 3) for a, s in analyzers.items()},
            "share": {a: round(s / total, 3) for a, s in analyzers.items()}}
    return out


def first_result(clip: Path, profile: str) -> dict:
    """A cold ``sparkscout score CLIP --workers 1 --no-cache``: seconds to the video's line."""
    with tempfile.TemporaryDirectory(prefix="sparkscout-first-") as tmp:
        cmd = [sys.executable, "-m", "scoring.cli", "score", str(clip), "--workers", "1", "--no-cache",
               "--no-ledger", "--profile", profile, "--out", str(Path(tmp) / "out")]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        marks: dict = {}
        for line in proc.stderr:
            now = round(time.perf_counter() - t0, 2)
            if "ready" in line and "workers_ready_s" not in marks:
                marks["workers_ready_s"] = now
            if line.startswith("[1/1]"):
                marks["first_result_s"] = now
                marks["video_s"] = float(line.split(": ok ")[1].split()[0]) if ": ok " in line else None
        proc.wait()
        marks["exit_s"] = round(time.perf_counter() - t0, 2)
    return {"profile": profile, **marks}


def measure_first(clip: Path, repeat: int = 1) -> dict:
    """Floor and the best of ``repeat`` cold runs per profile on ``clip``."""
    bench_pipeline.floor_seconds(clip)
    floor = min(bench_pipeline.floor_seconds(clip) for _ in range(max(1, repeat)))
    out = {"clip": clip.name, "floor_s": round(floor, 3)}
    for profile in ("fast", "full"):
        runs = [first_result(clip, profile) for _ in range(max(1, repeat))]
        out[profile] = min(runs, key=lambda r: r.get("first_result_s", 1e9))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=os.environ.get("SPARKSCOUT_BENCH_MEDIA"), help="folder of real clips")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--first", help="only the first-result measure, on this clip")
    args = ap.parse_args()
    if args.first:
        print(json.dumps(measure_first(Path(args.first), args.repeat), indent=2))
        return
    print(json.dumps(measure_real(args.real, args.count, args.repeat), indent=2))


if __name__ == "__main__":
    main()
