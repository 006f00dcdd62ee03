"""A downloaded copy is recognised (watermark that moves, end card, download size), its
@handle read, and its copy problems warn instead of gating (issue 20)."""

from __future__ import annotations

import pytest

from scoring.analyzers.base import AnalysisContext
from scoring.analyzers.download import LayoutAnalyzer, WatermarkAnalyzer, download_size
from scoring.media import decode_clip
from tests.videofactory import moving_pattern, with_end_card, with_watermark, write_video

FPS = 10


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    """480x854, no audio: a watermark "@maker.jane" top-left until 2.5 s, then bottom-right;
    TikTok-style end card from 5.0 s of 6.5 s."""
    fn = with_end_card(with_watermark(moving_pattern(480, 854), "maker.jane", move_at_s=2.5), 5.0, "maker.jane")
    return write_video(tmp_path_factory.mktemp("dl") / "dl.mp4", fn, n_frames=int(6.5 * FPS), fps=FPS,
                       size=(480, 854))


def test_download_sizes():
    assert download_size(576, 1024) and download_size(480, 854) and download_size(480, 848)
    assert download_size(360, 640) and download_size(1024, 576)
    assert not download_size(720, 1280) and not download_size(1080, 1920) and not download_size(480, 480)


def test_layout_evidence_of_a_download(download):
    clip = decode_clip(str(download))
    sig = LayoutAnalyzer().analyze(clip, AnalysisContext())
    f = sig.features
    assert f["layout.end_card"] and f["layout.end_card_s"] == pytest.approx(5.0, abs=0.2)
    assert f["layout.download_size"] and f["layout.is_download"] and "end card" in f["layout.why"]
    assert sig.evidence["is_download"] is True and sig.evidence["content_box"] == [0.0, 0.0, 1.0, 1.0]


def test_the_watermark_handle_is_read_although_it_moves(download):
    clip = decode_clip(str(download))
    ctx = AnalysisContext()
    ctx.upstream["layout"] = LayoutAnalyzer().analyze(clip, ctx)
    sig = WatermarkAnalyzer().analyze(clip, ctx)
    assert sig.features["watermark.found"] is True
    assert sig.features["watermark.handle"] == "maker.jane"
    assert sig.features["watermark.corners"] == 2  # read before and after it hopped corners
    assert sig.evidence["watermark_handle"] == "maker.jane" and sig.evidence["is_download"] is True


def test_no_watermark_on_a_plain_clip(tmp_path):
    path = write_video(tmp_path / "p.mp4", moving_pattern(720, 1280), n_frames=2 * FPS, fps=FPS, size=(720, 1280))
    clip = decode_clip(str(path))
    ctx = AnalysisContext()
    ctx.upstream["layout"] = LayoutAnalyzer().analyze(clip, ctx)
    sig = WatermarkAnalyzer().analyze(clip, ctx)
    assert sig.features["watermark.found"] is False and sig.features["watermark.handle"] is None
    assert sig.features["watermark.is_download"] is False


def test_a_download_warns_and_a_declared_original_gates(download, tmp_path):
    import shutil

    from scoring.api import score

    twin = shutil.copyfile(download, tmp_path / "twin.mp4")  # a path listed twice is scored once
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,creator,original\n{download},@a,\n{twin},@b,true\n")
    doc = score(manifest=str(manifest), workers=1, isolate=False, profile="fast", cache_dir=False).to_dict()
    copy, original = (next(v for v in doc["videos"] if v["creator"] == c) for c in ("@a", "@b"))
    assert copy["evidence"]["is_download"] is True and copy["gates"] == []
    assert sorted(copy["copy_warnings"]) == ["low_resolution", "no_audio"]
    assert any(r["kind"] == "copy" and "check the original post" in r["text"] for r in copy["reasons"])
    assert sorted(original["gates"]) == ["low_resolution", "no_audio"] and original["recommendation"] == "skip"
    assert original["score"] < copy["score"]
    assert copy["evidence"]["duration_s"] == pytest.approx(6.5, abs=0.2)  # the file's; measures stop at the card


@pytest.mark.parametrize("read, handle", [("@maker:jane", "maker.jane"), ("@manutdERE'S NOTH", "manutd"),
                                          ("ID:mahiro_fairies", "mahiro_fairies"), ("@sinhanh.hair", "sinhanh.hair")])
def test_ocr_slips_in_a_handle_are_undone(read, handle):
    from scoring.analyzers.download import _dotted
    from scoring.services.text_kinds import handle_of

    assert handle_of(_dotted(read)) == handle


def test_a_shorter_reading_counts_toward_the_handle_it_begins():
    from collections import Counter

    from scoring.analyzers.download import _best

    assert _best(Counter({"maker": 1, "maker.jane": 1})) == ("maker.jane", 2)
    assert _best(Counter({"manutd": 2, "manutdere": 1}))[0] == "manutd"  # not cut at a dot: another word
