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
