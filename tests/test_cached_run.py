"""A rerun served entirely from the feature cache loads no model and imports no model
runtime, and writes the same ranking.json apart from timings; warm-up loads on request."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = [ROOT / "fixtures" / "videos" / n for n in ("clean.mp4", "cuts.mp4")]
RUNTIMES = ("torch", "transformers", "ctranslate2", "faster_whisper", "onnxruntime", "rapidocr", "silero_vad",
            "librosa", "sklearn")
SCRIPT = """
import json, sys
from scoring.api import score
score({videos!r}, campaign={campaign!r}, out=sys.argv[1], workers=1, cache_dir=sys.argv[2])
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({runtimes!r}))))
"""
TIMINGS = ("started_at", "finished_at", "seconds", "cached_videos", "resumed_videos")


def _run(out: Path, cache: Path) -> list[str]:
    code = SCRIPT.format(videos=[str(v) for v in VIDEOS], campaign=str(ROOT / "pipelines" / "demo.toml"),
                         runtimes=RUNTIMES)
    proc = subprocess.run([sys.executable, "-c", code, str(out), str(cache)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _without_timings(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    for key in TIMINGS:
        doc["run"].pop(key, None)
    for v in doc["videos"]:
        v.pop("seconds", None)
    return doc


@pytest.mark.slow
def test_fully_cached_rerun_imports_no_model_runtime_and_ranks_identically(tmp_path):
    _run(tmp_path / "first", tmp_path / "cache")  # models run in the worker process
    second = _run(tmp_path / "second", tmp_path / "cache")
    assert second == []  # nothing of torch, transformers, CTranslate2, ONNX Runtime, OCR, librosa
    a = json.loads((tmp_path / "first" / "ranking.json").read_text())
    b = json.loads((tmp_path / "second" / "ranking.json").read_text())
    assert (a["run"]["cached_videos"], b["run"]["cached_videos"]) == (0, 2)  # no worker was started
    assert _without_timings(a) == _without_timings(b)


def test_worker_warm_up_loads_models_before_the_first_video(monkeypatch):
    from scoring.analyzers import warmup
    from scoring.analyzers.faces import _detect_fn
    from scoring.analyzers.registry import analyzer_names
    from scoring.pipeline import RunSettings, Worker

    table = warmup.loaders()
    assert set(table) <= set(analyzer_names())  # every loader names a registered analyzer
    worker = Worker(RunSettings(profile="fast"))
    called = []
    fake = {name: (lambda a, ctx: called.append(a.name)) for name in table} | {"faces": table["faces"]}
    monkeypatch.setattr(warmup, "loaders", lambda: fake)
    worker.load_models()
    fast = [a.name for a in worker.analyzers]
    assert sorted(called) == sorted(n for n in fast if n in table and n != "faces"
                                    and warmup.needed(n, set(fast)))
    assert "hook_phrases" in fast and "hook_phrases" not in called  # no transcript in fast: no MiniLM
    assert _detect_fn.cache_info().currsize >= 1  # the real loader ran: the detector is loaded


def test_building_a_worker_imports_no_model_runtime():
    """What a spawned worker does before its first video (init_worker): no runtime yet."""
    code = ("import json, sys\nfrom scoring.pipeline import RunSettings, Worker\n"
            "Worker(RunSettings(profile='full'))\n"
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({RUNTIMES!r}))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
