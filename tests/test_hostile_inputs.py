"""Hostile inputs, all in one batch: exit 0, good videos ranked, each bad one failed with its
code and a message naming the file; bad manifests and campaigns stop with exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from videofactory import encode_audio, moving_pattern, sine, write_video

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"


def _encode(path: Path, codec: str, *, size=(320, 568), fps=24, seconds=1.0, fmt=None, pix="yuv420p",
            options=None, audio=True) -> Path:
    w, h = size
    pattern = moving_pattern(w, h)
    with av.open(str(path), "w", format=fmt) as out:
        vs = out.add_stream(codec, rate=Fraction(fps))
        vs.width, vs.height, vs.pix_fmt = w, h, pix
        vs.time_base = Fraction(1, fps)
        vs.options = options or {}
        astream = None
        if audio:
            astream = out.add_stream("libopus" if fmt == "webm" else "aac", rate=48000, layout="mono")
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pattern(i, i / fps)), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for pkt in vs.encode(frame):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        if astream is not None:
            encode_audio(out, astream, sine(seconds), 48000)
    return path


def _png(path: Path) -> Path:
    import cv2

    ok, data = cv2.imencode(".png", np.full((64, 64, 3), 200, np.uint8))
    assert ok
    path.write_bytes(data.tobytes())
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str | None]]:
    """A folder of hostile inputs and the error code each must get (None: scored)."""
    d = tmp_path_factory.mktemp("hostile")
    expect: dict[str, str | None] = {}

    def ok(name):
        expect[name] = None

    shutil.copy(FIXTURES / "clean.mp4", d / "good clip 'quoted' \"dq\" ünï 名前.mp4")
    ok("good clip 'quoted' \"dq\" ünï 名前.mp4")
    shutil.copy(FIXTURES / "speech_late.mp4", d / "-leading-dash.mp4")
    ok("-leading-dash.mp4")
    data = (FIXTURES / "cuts.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    expect["truncated.mp4"] = "truncated"
    (d / "zero.mp4").write_bytes(b"")
    expect["zero.mp4"] = "empty_file"
    (d / "random.mp4").write_bytes(np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    expect["random.mp4"] = "not_media"
    shutil.move(_png(d / "still.png"), d / "image.mp4")
    expect["image.mp4"] = "not_video"
    with av.open(str(d / "voice.m4a"), "w", format="mp4") as out:
        encode_audio(out, out.add_stream("aac", rate=48000, layout="mono"), sine(1.0), 48000)
    expect["voice.m4a"] = "no_video_stream"
    (d / "absurd.mp4").write_bytes(b"YUV4MPEG2 W100000 H100000 F30:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x00" * 4096)
    expect["absurd.mp4"] = "not_media"  # FFmpeg refuses the header (or our size check would)
    write_video(d / "one_frame.mp4", moving_pattern(320, 568), n_frames=1, size=(320, 568), audio=sine(0.1))
    ok("one_frame.mp4")
    write_video(d / "short.mp4", moving_pattern(320, 568), n_frames=7, fps=24, size=(320, 568), audio=sine(0.3))
    ok("short.mp4")
    write_video(d / "odd.mp4", moving_pattern(322, 566), n_frames=24, size=(322, 566), audio=sine(1.0))
    ok("odd.mp4")
    times = [0.0, 0.02, 0.1, 0.5, 0.52, 0.9, 1.4, 1.45, 2.0]
    write_video(d / "vfr.mp4", moving_pattern(320, 568), n_frames=len(times), frame_times=times, size=(320, 568),
                audio=sine(2.0))
    ok("vfr.mp4")
    for rot in (90, 180, 270):
        size = (568, 320) if rot % 180 else (320, 568)
        write_video(d / f"rot{rot}.mp4", moving_pattern(*size), n_frames=24, size=size, audio=sine(1.0), rotation=rot)
        ok(f"rot{rot}.mp4")
    _encode(d / "hevc.mp4", "libx265", options={"preset": "ultrafast", "x265-params": "log-level=none"})
    ok("hevc.mp4")
    _encode(d / "vp9.webm", "libvpx-vp9", fmt="webm", options={"deadline": "realtime", "cpu-used": "8"})
    ok("vp9.webm")
    _encode(d / "av1.mkv", "libsvtav1", fmt="matroska", options={"preset": "12"})
    ok("av1.mkv")
    _encode(d / "uhd60.mp4", "libx264", size=(2160, 3840), fps=60, seconds=1.0, options={"preset": "ultrafast"})
    ok("uhd60.mp4")
    _encode(d / "ten_minutes.mp4", "libx264", size=(1080, 1920), fps=1, seconds=600.0,
            options={"preset": "ultrafast", "g": "600"})
    ok("ten_minutes.mp4")
    loop = d / "loop"
    loop.mkdir()
    os.symlink(loop, loop / "again")  # a folder that contains itself
    return d, expect


@pytest.mark.slow
def test_one_hostile_batch(hostile, tmp_path):
    folder, expect = hostile
    out = tmp_path / "out"
    good = str(folder / "good clip 'quoted' \"dq\" ünï 名前.mp4")
    code = main(["score", str(folder), good, "--out", str(out), "--no-cache", "--workers", "2", "--quiet",
                 "--profile", "fast", "--no-ledger"])
    assert code == 0
    doc = json.loads((out / "ranking.json").read_text())
    by_name = {Path(v["path"]).name: v for v in doc["videos"]}
    assert set(by_name) == set(expect)  # each file once: the loop and the repeated path add nothing
    for name, want in expect.items():
        v = by_name[name]
        if want is None:
            assert v["status"] == "ok", (name, v["error"])
            assert v["rank"] is not None and v["score"] is not None
        else:
            assert v["status"] == "failed" and v["error"]["code"] == want, (name, v["error"])
            assert name in v["error"]["message"]
            assert v["rank"] is None
    assert by_name["rot90.mp4"]["evidence"]["width"] == 320 and by_name["rot90.mp4"]["evidence"]["height"] == 568
    assert by_name["ten_minutes.mp4"]["evidence"]["duration_s"] == pytest.approx(600, abs=2)
    assert "image (PNG)" in by_name["image.mp4"]["error"]["message"]


@pytest.mark.parametrize("name, text, problem", [
    ("m.csv", "path,views\nclean.mp4,-5\n", "views"),
    ("m.csv", "path,views\nclean.mp4,lots\n", "views"),
    ("m.csv", "video,views\nclean.mp4,5\n", "path"),
    ("camp.toml", 'name = "x"\nobjectiv = "conversions"\n', "objectiv"),
    ("camp.toml", 'name = "x"\nshortlist_size = "five"\n', "shortlist_size"),
    ("camp.toml", 'name = "x"\nproduct_images = ["nowhere/can.png"]\n', "can.png"),
])
def test_bad_manifest_or_campaign_exits_2_and_writes_nothing(tmp_path, capsys, name, text, problem):
    given = tmp_path / name
    given.write_text(text)
    if name == "m.csv":
        shutil.copy(FIXTURES / "clean.mp4", tmp_path / "clean.mp4")
        args = ["--manifest", str(given)]
    else:
        args = [str(FIXTURES / "clean.mp4"), "--campaign", str(given)]
    out = tmp_path / "out"
    assert main(["score", *args, "--out", str(out), "--quiet", "--no-ledger"]) == 2
    err = capsys.readouterr().err
    assert name in err and problem in err
    assert not out.exists()


@pytest.mark.slow
def test_two_runs_sharing_one_cache_at_once(tmp_path):
    cache = tmp_path / "cache"
    videos = [str(FIXTURES / n) for n in ("clean.mp4", "static.mp4", "blurry.mp4")]
    cmd = [sys.executable, "-m", "scoring.cli", "score", *videos, "--cache-dir", str(cache), "--profile", "fast",
           "--workers", "1", "--quiet", "--no-ledger"]
    procs = [subprocess.Popen([*cmd, "--out", str(tmp_path / f"o{k}")]) for k in range(2)]
    assert [p.wait(timeout=900) for p in procs] == [0, 0]
    first = [json.loads((tmp_path / f"o{k}" / "ranking.json").read_text()) for k in range(2)]
    assert main([*cmd[3:], "--out", str(tmp_path / "o2")]) == 0
    again = json.loads((tmp_path / "o2" / "ranking.json").read_text())
    assert again["run"]["cached_videos"] == 3  # every entry either run wrote is whole and reusable
    scores = [[(v["video_id"], v["score"]) for v in doc["videos"]] for doc in (*first, again)]
    assert scores[0] == scores[1] == scores[2]
