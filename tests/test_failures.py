"""Bad inputs fail alone, with a clear error naming the file; the batch goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from videofactory import encode_audio, sine

from scoring.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def _audio_only_m4a(path: Path) -> Path:
    import av

    with av.open(str(path), "w", format="mp4") as out:
        encode_audio(out, out.add_stream("aac", rate=48000, layout="mono"), sine(1.0), 48000)
    return path


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("batch")
    shutil.copy(FIXTURES / "clean.mp4", d / "good_a.mp4")
    shutil.copy(FIXTURES / "speech_late.mp4", d / "good_b.mp4")
    data = (FIXTURES / "cuts.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_text("this is a text file, not a video\n" * 20)
    _audio_only_m4a(d / "voice.m4a")
    return d


EXPECTED = {"truncated.mp4": "truncated", "empty.mp4": "empty_file", "notes.mp4": "not_media",
            "voice.m4a": "no_video_stream"}


def test_exactly_the_bad_files_fail(bad_batch, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["score", str(bad_batch), "--out", str(out), "--no-cache", "--workers", "2", "--quiet"])
    assert code == 0
    doc = json.loads((out / "ranking.json").read_text())
    by_name = {Path(v["path"]).name: v for v in doc["videos"]}
    failed = {n: v for n, v in by_name.items() if v["status"] == "failed"}
    assert set(failed) == set(EXPECTED)
    for name, v in failed.items():
        assert v["error"]["code"] == EXPECTED[name]
        assert name in v["error"]["message"]
        assert v["rank"] is None and v["score"] is None and v["recommendation"] == "skip"
    assert "truncated" in failed["truncated.mp4"]["error"]["message"]
    assert "audio-only" in failed["voice.m4a"]["error"]["message"]
    good = [by_name["good_a.mp4"], by_name["good_b.mp4"]]
    assert sorted(v["rank"] for v in good) == [1, 2]
    assert all(v["status"] == "ok" and v["score"] is not None for v in good)
    assert [v["status"] for v in doc["videos"]][-4:] == ["failed"] * 4  # failed listed last


def test_fail_on_error_exits_3(bad_batch, tmp_path):
    code = main(["score", str(bad_batch / "empty.mp4"), str(bad_batch / "good_b.mp4"), "--out", str(tmp_path / "o"),
                 "--no-cache", "--workers", "1", "--quiet", "--fail-on-error"])
    assert code == 3
    assert (tmp_path / "o" / "ranking.json").is_file()


def test_truncated_with_index_first_is_reported(tmp_path):
    """A 'faststart' MP4 cut short still opens; the decoder must notice the missing end."""
    import av
    from videofactory import moving_pattern, write_video

    src = write_video(tmp_path / "src.mp4", moving_pattern(64, 112), n_frames=240, fps=24, size=(64, 112))
    fast = tmp_path / "fast.mp4"
    with av.open(str(src)) as inp, av.open(str(fast), "w", options={"movflags": "faststart"}) as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        for packet in inp.demux(s_in):
            if packet.dts is None:
                continue
            packet.stream = s_out
            out.mux(packet)
    data = fast.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.4)])
    from scoring.errors import MediaError
    from scoring.media import decode_clip

    with pytest.raises(MediaError) as err:
        decode_clip(str(cut))
    assert err.value.code in ("truncated", "decode_error")
    assert str(cut) in str(err.value)


def test_truncated_with_index_last_is_reported(tmp_path):
    from videofactory import moving_pattern, write_video

    from scoring.errors import MediaError
    from scoring.media import probe

    src = write_video(tmp_path / "src.mp4", moving_pattern(64, 112), n_frames=48, size=(64, 112))
    data = src.read_bytes()
    assert data[4:8] == b"ftyp" and b"moov" in data[-len(data) // 3:]  # index written last
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError) as err:
        probe(str(cut))
    assert err.value.code == "truncated" and "incomplete" in err.value.message
