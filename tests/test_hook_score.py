"""ABCD parity flags and the hook sub-score model (hook@prior-1): known answers and reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext, Signals
from scoring.analyzers.abcd import AbcdAnalyzer
from scoring.analyzers.cuts import CutsAnalyzer
from scoring.analyzers.faces import FacesAnalyzer
from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer
from scoring.analyzers.speech import SpeechAnalyzer
from scoring.media import decode_clip
from scoring.media.clip import Clip, Frames, VideoInfo
from scoring.scorers import load_scorer
from scoring.scorers.rules import RuleScorer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def _clip() -> Clip:
    frames = Frames(np.zeros((1, 32, 18, 3), np.uint8), np.zeros(1))
    info = VideoInfo(path="mem", size_bytes=0, container="mem", duration_s=6.0, width=18, height=32,
                     coded_width=18, coded_height=32, rotation=0, sample_aspect_ratio=1.0, fps=24.0,
                     video_codec="raw", bit_rate=None, has_audio=True)
    return Clip(info=info, hook=frames, body=frames, stills=frames, audio=None)


def _upstream(**features) -> dict[str, Signals]:
    out: dict[str, Signals] = {}
    for key, value in features.items():
        name, _, short = key.partition("__")
        out.setdefault(name, Signals()).features[f"{name}.{short}"] = value
    return out


def test_abcd_flags_with_reasons():
    up = _upstream(cuts__first_shot_end_s=1.5, cuts__dynamic_start=True, cuts__shots=4, cuts__avg_shot_s=1.5,
                   cuts__quick_pacing=False, cuts__overall_pacing=True, faces__closeup=True,
                   faces__max_area_ratio=0.2, faces__first_s=0.0, speech__onset_s=0.5,
                   onscreen_text__anytime=True, onscreen_text__first_s=0.0)
    sig = AbcdAnalyzer().analyze(_clip(), AnalysisContext(upstream=up))
    f = sig.features
    assert (f["abcd.dynamic_start"], f["abcd.quick_pacing"], f["abcd.overall_pacing"]) == (True, False, True)
    assert (f["abcd.face_closeup"], f["abcd.speech_early"], f["abcd.supers"]) == (True, True, True)
    assert (f["abcd.passed"], f["abcd.checked"], f["abcd.pct"]) == (5, 6, pytest.approx(83.3))
    labels = {e.label for e in sig.events}
    assert "ABCD dynamic start passed: first shot ends at 1.5 s (< 3 s)" in labels
    assert "ABCD audio speech early passed: speech starts at 0.5 s" in labels
    assert "ABCD quick pacing failed: 4 shots, never 5 within 5 s" in labels


def test_abcd_without_ocr_leaves_supers_unchecked():
    up = _upstream(cuts__first_shot_end_s=6.0, cuts__dynamic_start=False, cuts__shots=1, cuts__avg_shot_s=6.0,
                   cuts__quick_pacing=False, cuts__overall_pacing=False, faces__closeup=False,
                   faces__max_area_ratio=None, faces__first_s=None, speech__onset_s=None)
    f = AbcdAnalyzer().analyze(_clip(), AnalysisContext(upstream=up)).features
    assert f["abcd.supers"] is None and f["abcd.speech_early"] is False
    assert (f["abcd.passed"], f["abcd.checked"], f["abcd.pct"]) == (0, 5, 0.0)


@pytest.fixture(scope="module")
def scored():
    """Hook sub-scores of clean.mp4 (face, early speech, text) and static.mp4 (nothing), full profile
    without ASR (its analyzer is another issue's)."""
    hook = load_scorer("hook@prior-1")
    out = {}
    for name in ("clean", "static", "cuts"):
        clip, ctx, feats = decode_clip(str(FIXTURES / f"{name}.mp4")), AnalysisContext(), {}
        for a in (FacesAnalyzer(), CutsAnalyzer(), SpeechAnalyzer(), OnscreenTextAnalyzer()):
            ctx.upstream[a.name] = sig = a.analyze(clip, ctx)
            feats.update(sig.features)
        out[name] = hook.score(feats)
    return out


def test_hook_score_orders_a_strong_opening_above_an_empty_one(scored):
    assert scored["clean"].value >= 85
    assert scored["static"].value <= 55
    assert scored["clean"].value > scored["cuts"].value > scored["static"].value
    assert scored["clean"].model == "hook@prior-1"


def test_hook_reasons_quote_the_evidence(scored):
    clean = {r.text: r for r in scored["clean"].reasons}
    assert "face on screen at 0.0 s" in clean and clean["face on screen at 0.0 s"].t == 0.0
    assert "speech starts at 0.5 s" in clean
    assert 'on-screen text in the hook: "Link in bio"' in clean
    assert all(r.impact > 0 for r in scored["clean"].reasons)
    static = {r.text for r in scored["static"].reasons}
    assert {"no face in the first 3 s", "no speech in the first 3 s", "no on-screen text in the hook"} <= static
    assert "first cut at 1.5 s" in {r.text for r in scored["cuts"].reasons}


def test_hook_phrase_reason_quotes_the_words():
    hook = load_scorer("hook@prior-1")
    sub = hook.score({"hook_phrases.is_hook": True, "hook_phrases.quote": "Wait, stop scrolling",
                      "hook_phrases.start_s": 0.5})
    assert [(r.text, r.t) for r in sub.reasons] == [('hook phrase: "Wait, stop scrolling"', 0.5)]


def test_rule_term_quotes_another_feature():
    spec = {"name": "x", "version": "v", "terms": [
        {"feature": "a.flag", "curve": [[0, 0], [1, 100]], "ok": "said {text} at {value:.0f}",
         "text_feature": "a.words"}]}
    sub = RuleScorer.from_spec(spec).score({"a.flag": True, "a.words": "hello"})
    assert sub.reasons[0].text == "said hello at 1"
