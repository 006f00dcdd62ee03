"""product_integration@prior-1: scores and reasons from features, and on the demo run."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.scorers import load_scorer

GOOD = {"packshot.visible_ratio": 0.38, "packshot.first_s": 2.1, "packshot.end_card_only": False,
        "packshot.with_face_ratio": 1.0, "mentions.named_count": 3, "mentions.product_first_s": 5.3,
        "mentions.product_named": "Acme Cold Brew", "mentions.brand_early": True, "mentions.cta_count": 2,
        "mentions.cta_first_s": 24.0, "mentions.cta_text": "use code ACME20", "mentions.spread": 0.6,
        "mentions.disclosure": True, "mentions.disclosure_text": "#ad"}
END_CARD = {"packshot.visible_ratio": 0.1, "packshot.first_s": 27.0, "packshot.end_card_only": True,
            "packshot.with_face_ratio": 0.0, "mentions.named_count": 0, "mentions.cta_count": 0,
            "mentions.brand_early": False, "mentions.disclosure": False}


def test_reasons_quote_the_evidence():
    sub = load_scorer("product_integration").score(GOOD)
    texts = [r.text for r in sub.reasons]
    assert sub.value >= 90
    assert "holds the product on camera from 2.1 s, 38 % of the video" in texts
    assert "names Acme Cold Brew at 5.3 s" in texts
    assert "CTA 'use code ACME20' at 24.0 s" in texts
    assert "partnership disclosed (#ad)" in texts
    by_feature = {r.feature: r for r in sub.reasons}
    assert by_feature["packshot.visible_ratio"].t == 2.1 and by_feature["mentions.cta_first_s"].t == 24.0


def test_end_card_only_scores_low_with_reasons():
    sub = load_scorer("product_integration").score(END_CARD)
    texts = " | ".join(r.text for r in sub.reasons)
    assert sub.value < 40
    assert "end card" in texts and "never names" in texts and "no call to action" in texts
    assert all(r.impact < 0 for r in sub.reasons)


def test_nothing_measurable_gives_none():
    assert load_scorer("product_integration").score({}).value is None


@pytest.mark.slow
def test_demo_run_fills_product_evidence(demo_run):
    ranking, _ = demo_run
    videos = {Path(v.path).name: v for v in ranking.videos}
    clean = videos["clean.mp4"]
    ev = clean.evidence
    assert ev["product_first_seen_s"] == pytest.approx(2.0, abs=0.5)
    assert ev["product_visible_ratio"] == pytest.approx(0.5, abs=0.1)
    assert any(m["source"] == "speech" and 1.7 <= m["t"] <= 3.0 for m in ev["brand_mentions"])
    assert {m["text"] for m in ev["cta"]} >= {"link in bio", "use code ACME20"}
    assert {"stop", "scrolling", "mornings", "brew"} & set(ev["transcript"].lower().replace(",", " ").split())
    assert clean.subscores["product_integration"] >= 75
    assert any(r["dimension"] == "product_integration" and "on camera from" in r["text"] for r in clean.reasons)
    static = videos["static.mp4"]  # no product, no speech, no text
    assert static.evidence["product_visible_ratio"] is None and static.evidence["brand_mentions"] == []
    assert static.subscores["product_integration"] < clean.subscores["product_integration"] - 30


def test_mentions_reads_onscreen_text_lines_not_their_labels(tmp_path):
    """The on-screen text analyzer hands its lines over as data; the label is for people."""
    from videofactory import solid, write_video

    from scoring.analyzers import AnalysisContext, Event, Signals
    from scoring.analyzers.mentions import MentionsAnalyzer
    from scoring.media import decode_clip

    clip = decode_clip(str(write_video(tmp_path / "black.mp4", solid(90, 160, 0), n_frames=24, size=(90, 160))))
    text = Signals(events=[Event(t=0.5, end=2.0, kind="text", source="text", label="any wording at all",
                                 text="Link in bio")])
    ctx = AnalysisContext(terms={"brand": ["Acme"], "products": [], "cta": []}, upstream={"onscreen_text": text})
    sig = MentionsAnalyzer().analyze(clip, ctx)
    assert sig.evidence["cta"] == [{"t": 0.5, "source": "text", "text": "link in bio"}]
    assert sig.features["mentions.cta_on_screen"] is True


def test_mentions_takes_on_screen_lines_from_onscreen_text_and_reads_no_frame(tmp_path, monkeypatch):
    """OCR runs once per frame: mentions looks in onscreen_text's lines (a dependency it
    declares), never reads body frames again, and no longer imports the OCR analyzer."""
    import sys

    from videofactory import moving_pattern, write_video

    import scoring.services.ocr as ocr
    from scoring.analyzers import AnalysisContext, Event, Signals
    from scoring.analyzers.mentions import MentionsAnalyzer
    from scoring.analyzers.registry import build_analyzers
    from scoring.media import decode_clip

    def no_ocr(*args, **kwargs):
        raise AssertionError("mentions ran OCR itself")

    monkeypatch.setattr(ocr, "read_text", no_ocr)
    monkeypatch.setattr(ocr, "read_text_and_unread", no_ocr)
    # a moving, textured body: every frame changed and has sharp strokes (the old reader read 4)
    clip = decode_clip(str(write_video(tmp_path / "busy.mp4", moving_pattern(180, 320), n_frames=150,
                                       size=(180, 320))))
    text = Signals(events=[Event(t=6.0, end=7.0, kind="text", source="text", label="x", text="use code ACME20")])
    ctx = AnalysisContext(terms={"brand": ["Acme"], "products": [], "cta": ["use code ACME20"]}, hook_seconds=3.0,
                          upstream={"onscreen_text": text})
    sig = MentionsAnalyzer().analyze(clip, ctx)
    assert sig.evidence["cta"] == [{"t": 6.0, "source": "text", "text": "use code ACME20"}]
    assert sig.features["mentions.frames_read"] == 0
    assert "onscreen_text" in MentionsAnalyzer.requires
    names = [a.name for a in build_analyzers("full")]
    assert names.index("onscreen_text") < names.index("mentions")
    source = open(sys.modules[MentionsAnalyzer.__module__].__file__).read()
    assert "onscreen_text import" not in source and "services.ocr import" not in source
