"""The score command's progress line: its ETA uses the rate seen after the first video."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from scoring import cli


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _result(status: str = "ok"):
    return SimpleNamespace(status=status, seconds=3.0, ref=SimpleNamespace(path="/v/clip.mp4"),
                           error={"code": "decode", "message": "bad"} if status != "ok" else None)


@pytest.mark.parametrize("tty", [False, True])
def test_eta_leaves_out_model_loading_and_the_first_video(monkeypatch, tty):
    clock, err = _Clock(), io.StringIO()
    err.isatty = lambda: tty
    monkeypatch.setattr(cli.sys, "stderr", err)
    monkeypatch.setattr(cli.time, "perf_counter", clock)
    show = cli._progress_printer(quiet=False)
    clock.now = 60.0   # a minute of model loading and warm-up before the first video ends
    show(1, 10, _result())
    assert "ETA …" in err.getvalue()   # no rate yet
    clock.now = 63.0
    show(2, 10, _result("failed"))
    clock.now = 66.0
    show(3, 10, _result())
    # 2 videos in 6 s after the first: 7 left take 21 s (from the start it would be 7 x 22 s)
    assert "ETA 21 s" in err.getvalue()
    assert "1 failed" in err.getvalue() or "FAILED (decode: bad)" in err.getvalue()
    if tty:
        assert "3/10 videos" in err.getvalue()


def test_quiet_prints_nothing(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", err)
    cli._progress_printer(quiet=True)(1, 2, _result())
    assert err.getvalue() == ""
