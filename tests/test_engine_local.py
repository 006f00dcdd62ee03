"""Local engine: results in input order, and workers recycled in chunks to bound memory."""

from __future__ import annotations

from pathlib import Path

import scoring.engines.local as local
from scoring.inputs import VideoRef
from scoring.pipeline import RunSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def test_recycled_workers_keep_input_order(monkeypatch):
    monkeypatch.setattr(local, "RECYCLE_EVERY", 2)  # 3 videos, 1 worker: two pools in turn
    names = ["static.mp4", "nope.mp4", "face_late.mp4"]
    refs = [VideoRef(str(FIXTURES / n)) for n in names]
    seen = []
    results = local.run_local(refs, RunSettings(profile="fast"), workers=1,
                              progress=lambda done, total, r: seen.append((done, total)))
    assert [Path(r.ref.path).name for r in results] == names
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].error["code"] == "not_found"
    assert seen == [(1, 3), (2, 3), (3, 3)]
