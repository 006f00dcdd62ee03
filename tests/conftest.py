from __future__ import annotations

import json
from pathlib import Path

import pytest
from videofactory import moving_pattern, sine, write_video

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    return json.loads((FIXTURES / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory) -> Path:
    """2 s, 180x320 vertical, textured motion, a -6 dBFS sine."""
    d = tmp_path_factory.mktemp("small")
    return write_video(d / "small.mp4", moving_pattern(180, 320), n_frames=48, size=(180, 320),
                       audio=sine(2.0, peak=0.5))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The README's demo: every fixture scored with pipelines/demo.toml (once per session)."""
    from scoring.api import score

    out = tmp_path_factory.mktemp("demo-out")
    ranking = score([str(FIXTURES)], campaign=str(ROOT / "pipelines" / "demo.toml"), out=str(out),
                    workers=2, cache_dir=str(tmp_path_factory.mktemp("cache")))
    return ranking, out


@pytest.fixture(autouse=True, scope="session")
def _private_feature_cache(tmp_path_factory):
    """Tests that use the default cache (or ledger) get a private one, never the user's
    ~/.cache or ~/.local/share."""
    import os

    old = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_DATA_HOME")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))  # trained-model registry
    yield
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
