"""Ray engine in local mode: the same ranking as the local engine; without Ray, exit 2 with a hint."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scoring import score
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
VIDEOS = [str(FIXTURES / n) for n in ("clean.mp4", "blurry.mp4", "horizontal.mp4", "nope.mp4")]


def _comparable(ranking) -> list[dict]:
    return [{k: v for k, v in entry.to_dict().items() if k not in ("seconds", "warnings")} for entry in ranking.videos]


@pytest.mark.slow
def test_ray_ranks_like_the_local_engine():
    pytest.importorskip("ray")
    kwargs = dict(campaign=str(ROOT / "pipelines" / "demo.toml"), profile="fast", cache_dir=False, workers=2)
    local = score(VIDEOS[:3], **kwargs)
    ray_run = score(VIDEOS[:3], engine="ray", **kwargs)
    assert ray_run.run["engine"] == "ray" and local.run["engine"] == "local"
    assert _comparable(ray_run) == _comparable(local)
    assert [v.status for v in ray_run.videos] == ["ok"] * 3


def test_ray_missing_exits_2_with_install_hint(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code = main(["score", VIDEOS[0], "--engine", "ray", "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    assert "pip install 'sparkscout[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written
