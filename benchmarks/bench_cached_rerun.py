"""End-to-end speed of a rerun served from the feature cache, against the first run.

Runs ``sparkscout score fixtures/videos --campaign pipelines/demo.toml`` twice as a
command (interpreter start, imports, workers, outputs included) with a fresh cache
folder, then compares the two ranking.json files apart from timings.

    python benchmarks/bench_cached_rerun.py [--workers N] [--keep DIR] [--videos PATH ...]

Prints the two wall times, the ratio (goal: at least 10), whether ranking.json is
identical apart from timings and the count of cached and resumed videos, and which model runtimes the rerun imported (goal: none).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How the run went, not what it found: timings, and how many videos came from the cache.
TIMINGS = ("started_at", "finished_at", "seconds", "cached_videos", "resumed_videos")
RUNTIMES = ("torch", "transformers", "ctranslate2", "faster_whisper", "onnxruntime", "rapidocr", "silero_vad",
            "librosa", "sklearn")
PROBE = ("import json, sys, runpy; sys.argv = ['sparkscout'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('scoring.cli', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({RUNTIMES!r}))), file=sys.stderr)")


def _strip(doc: dict) -> dict:
    for key in TIMINGS:
        doc["run"].pop(key, None)
    for v in doc["videos"]:
        v.pop("seconds", None)
    return doc


def run_once(out: Path, cache: Path, workers: int | None, probe: bool = False,
             videos: list[str] | None = None) -> tuple[float, list[str] | None]:
    args = ["score", *(videos or [str(ROOT / "fixtures" / "videos")]), "--campaign", str(ROOT / "pipelines" / "demo.toml"),
            "--out", str(out), "--cache-dir", str(cache), "--quiet", "--no-ledger"]  # never the user's ledger
    if workers:
        args += ["--workers", str(workers)]
    cmd = [sys.executable, "-c", PROBE, *args] if probe else [str(Path(sys.executable).parent / "sparkscout"), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    loaded = json.loads(proc.stderr.strip().splitlines()[-1]) if probe else None
    return wall, loaded


def measure(workers: int | None = None, keep: str | None = None, videos: list[str] | None = None) -> dict:
    """First run vs cached rerun on the fixtures; see the module docstring."""
    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="sparkscout-rerun-"))
    cache = base / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    first, _ = run_once(base / "first", cache, workers, videos=videos)
    second, _ = run_once(base / "second", cache, workers, videos=videos)
    _, loaded = run_once(base / "third", cache, workers, probe=True, videos=videos)
    a = _strip(json.loads((base / "first" / "ranking.json").read_text()))
    b = _strip(json.loads((base / "second" / "ranking.json").read_text()))
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return {"videos": len(a["videos"]), "first_s": round(first, 2), "rerun_s": round(second, 2),
            "ratio": round(first / second, 1), "identical": a == b, "runtimes_loaded": loaded or []}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    p.add_argument("--keep", help="keep outputs and cache in this folder")
    p.add_argument("--videos", nargs="+", help="videos or folders to score (default: fixtures/videos)")
    args = p.parse_args()
    r = measure(args.workers, args.keep, args.videos)
    print(f"first run (empty cache): {r['first_s']:.2f} s for {r['videos']} videos")
    print(f"cached rerun:            {r['rerun_s']:.2f} s")
    print(f"ratio:                   {r['ratio']:.1f}x (goal >= 10)")
    print(f"ranking.json identical apart from timings: {r['identical']}")
    print(f"model runtimes imported by the cached rerun (main process): {r['runtimes_loaded'] or 'none'}")


if __name__ == "__main__":
    main()
