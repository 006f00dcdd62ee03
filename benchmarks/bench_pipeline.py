"""Speed and memory of the per-video pipeline, as ratios against a floor measured in the same run.

Floor: PyAV decoding every frame of a generated 30 s 1080x1920 H.264 clip with AAC audio,
single process, default threading. The clip has one slice per picture, like the real
clips in shared/media/ugc, so FFmpeg's default (slice) threading decodes it on one core. Then the whole per-video function (hash, decode
once, every analyzer, scorers) in the ``fast`` and ``full`` profiles, with models
already loaded (a worker scores many videos), each in a fresh process, and each
analyzer's share of the analysis time. ``make bench`` (benchmarks/bench.py) prints
these with the engine's throughput and memory in one table.

    python benchmarks/bench_pipeline.py [--seconds 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"


def clip_path(seconds: float = 30.0) -> Path:
    """Where the bench clip of ``seconds`` is kept (made on first use by :func:`make_bench_clip`)."""
    return BENCH_DIR / f"bench_{int(seconds)}s_1080x1920_1slice.mp4"


SPEECH = ("Wait, stop scrolling. This is the cold brew I drink every single morning, and honestly it changed "
          "my routine. It is smooth, it is not bitter, and it takes ten seconds to pour. I keep two cans in the "
          "fridge at all times. If you want to try it, the link is in my bio and you can use my code for twenty "
          "percent off your first order. Tell me in the comments what you think.")


def _speech(seconds: float, rate: int) -> np.ndarray | None:
    """Dense English speech from espeak-ng (if installed), looped to ``seconds``, peak 0.5."""
    import shutil
    import tempfile

    if not shutil.which("espeak-ng"):
        return None
    import soundfile as sf
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(wav), SPEECH], check=True)
        x, sr = sf.read(str(wav), dtype="float32")
    x = resample_poly(x, rate, sr).astype(np.float32)
    x = np.tile(x, int(np.ceil(seconds * rate / len(x))))[: int(seconds * rate)]
    return 0.5 * x / max(1e-6, float(np.abs(x).max()))


def make_bench_clip(path: Path, seconds: float = 30.0, fps: int = 30) -> Path:
    """A 1080x1920 H.264 (CRF 23, preset medium, one slice per picture) + AAC clip: moving texture, a face-sized
    bright disc, dense speech (espeak-ng; tonal bursts without it). Made once and reused."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h, rate = 1080, 1920, 48000
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    yy, xx = np.mgrid[0:h, 0:w]
    tmp = path.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "23", "preset": "medium"}
        # One slice per picture, like every real clip in shared/media/ugc: PyAV's default
        # (slice-threaded x264) cuts each picture into slices, which FFmpeg then decodes
        # on every core and the floor came out 1.85x faster than a real clip's.
        vs.thread_type = "FRAME"
        aus = out.add_stream("aac", rate=rate, layout="mono")
        n = int(seconds * fps)
        for i in range(n):
            img = np.roll(texture, i * 3, axis=1)
            cx, cy = w // 2 + int(200 * np.sin(i / 20)), h // 3
            disc = (xx - cx) ** 2 + (yy - cy) ** 2 < 200**2
            img = img.copy()
            img[disc] = (230, 190, 160)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        audio = _speech(seconds, rate)
        if audio is None:
            t = np.arange(int(seconds * rate)) / rate
            env = (np.sin(2 * np.pi * 3.0 * t) > 0).astype(np.float32)
            audio = (0.2 * env * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
        for start in range(0, len(audio), 1024):
            f = av.AudioFrame.from_ndarray(audio[start:start + 1024].reshape(1, -1), format="flt", layout="mono")
            f.sample_rate, f.pts, f.time_base = rate, start, Fraction(1, rate)
            for p in aus.encode(f):
                out.mux(p)
        for p in aus.encode():
            out.mux(p)
    tmp.rename(path)
    return path


def floor_seconds(path: Path) -> float:
    """PyAV decoding every video frame (and nothing else), default threading."""
    start = time.perf_counter()
    with av.open(str(path)) as c:
        for _ in c.decode(video=0):
            pass
    return time.perf_counter() - start


def child(profile: str, path: Path, repeat: int) -> dict:
    """Runs in a fresh process: warm-up, then timed runs, per-analyzer times, peak RSS.

    Thread pools are capped as in a lone worker process of the local engine (every core,
    BLAS single-threaded, OpenMP threads that sleep while they wait)."""
    sys.path.insert(0, str(ROOT))
    from scoring import threads as thread_caps

    thread_caps.cap(thread_caps.available_cores())
    from scoring.analyzers import AnalysisContext
    from scoring.inputs import VideoRef
    from scoring.media import decode_clip
    from scoring.pipeline import RunSettings, Worker

    t0 = time.perf_counter()
    worker = Worker(RunSettings(profile=profile, cache_dir=None))
    first = worker.process(VideoRef(str(path)))
    cold = time.perf_counter() - t0
    assert first.status == "ok", first.error
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        worker.process(VideoRef(str(path)))
        runs.append(time.perf_counter() - start)
    start = time.perf_counter()
    clip = decode_clip(str(path), worker.plan)
    decode_s = time.perf_counter() - start
    ctx = AnalysisContext(**worker.context)
    per = {}
    for a in worker.analyzers:
        start = time.perf_counter()
        ctx.upstream[a.name] = a.analyze(clip, ctx)
        per[a.name] = round(time.perf_counter() - start, 3)
    return {"profile": profile, "cold_s": round(cold, 3), "warm_s": round(min(runs), 3), "decode_s": round(decode_s, 3),
            "analyzers_s": per, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def measure(clip: Path, repeat: int = 3) -> dict:
    """Floor and both profiles on ``clip`` (each profile in a fresh process)."""
    floor_seconds(clip)  # warm the page cache
    floor = min(floor_seconds(clip) for _ in range(repeat))
    results = {"clip": clip.name, "clip_mb": round(clip.stat().st_size / 1e6, 1), "floor_s": round(floor, 3),
               "profiles": {}}
    for profile in ("fast", "full"):
        out = subprocess.run([sys.executable, __file__, "--child", profile, "--clip", str(clip),
                              "--repeat", str(repeat)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["ratio"] = round(r["warm_s"] / floor, 2)
        total = sum(r["analyzers_s"].values()) or 1.0
        r["share"] = {k: round(v / total, 3) for k, v in r["analyzers_s"].items()}
        results["profiles"][profile] = r
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--clip", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.clip), args.repeat)))
        return
    clip = make_bench_clip(clip_path(args.seconds), args.seconds)
    print(json.dumps(measure(clip, args.repeat), indent=2))


if __name__ == "__main__":
    main()
