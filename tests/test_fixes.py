"""What to ask the creator to fix: edits estimated by re-scoring the measured features with
the change applied (scoring.fixes), in ranking.json, the report, serve and requests.md."""

from __future__ import annotations

import pytest

from scoring.campaign import Campaign
from scoring.fixes import rescore, suggest_fixes, trimmed
from scoring.report.requests import fixes_paragraph, render_requests, request_message
from scoring.scorers import load_scorer

CAMPAIGN = Campaign(name="t", brand="Acme", products=["Acme Cold Brew"])
SCORERS = {n: load_scorer(n) for n in ("hook", "audio_clarity", "visual_clarity", "product_integration")}
W, FACTS = CAMPAIGN.resolved_weights(), CAMPAIGN.facts()


def _features(dead: float) -> dict:
    """A talking-head video whose first ``dead`` seconds are black and silent, then face, text and
    speech (0.2 s later) until the end at 10 s; the product shown 4-8 s and named at 5 s."""
    return {
        "format.duration_s": 10.0, "format.width": 720, "format.height": 1280, "format.has_audio": True,
        "faces.first_s": dead, "faces.in_hook": dead < 3, "faces.anytime": True, "faces.frames_scanned": 40,
        "faces.max_area_ratio": 0.1, "speech.onset_s": dead + 0.2, "speech.in_hook_s": max(0.0, 2.8 - dead),
        "speech.segments": 1, "onscreen_text.in_hook": dead < 3, "onscreen_text.first_s": dead,
        "onscreen_text.items": 2, "onscreen_text.outside_share": 0.0, "onscreen_text.frames_read": 6,
        "cuts.count": 1, "cuts.first_cut_s": 6.0, "cuts.shots_in_hook": 1, "cuts.hook_motion": 2.0,
        "cuts.sound_start_s": dead + 0.2, "loudness.silence_ratio": (dead + 0.2) / 10.0,
        "hook_phrases.is_hook": True, "hook_phrases.similarity": 0.8,
        "loudness.lufs": -15.0, "loudness.clipping_ratio": 0.0, "loudness.true_peak_dbfs": -2.0,
        "audio_quality.noise_snr_db": 30.0, "dnsmos.ovrl": 3.2, "audio_quality.speech_hf_db": -25.0,
        "picture.sharpness": 2.2, "picture.brightness": 0.5, "picture.crushed_ratio": 0.0,
        "picture.blown_ratio": 0.0, "picture.noise_level": 1.0, "visual_quality.shake": 0.1,
        "packshot.visible_ratio": 0.4, "packshot.first_s": 4.0, "packshot.end_card_only": False,
        "packshot.with_face_ratio": 1.0, "mentions.named_count": 1, "mentions.product_count": 1,
        "mentions.product_first_s": 5.0, "mentions.brand_first_s": 5.0, "mentions.brand_early": False,
        "mentions.cta_count": 1, "mentions.cta_first_s": 8.0,
    }


def _events(dead: float) -> list[dict]:
    return [{"t": dead, "end": 10.0, "kind": "face"}, {"t": dead, "end": 10.0, "kind": "text"},
            {"t": dead + 0.2, "end": 9.5, "kind": "speech"}, {"t": 4.0, "end": 8.0, "kind": "product"},
            {"t": 6.0, "end": None, "kind": "cut"}]


def test_trim_recomputes_the_hook_from_the_events():
    f, kept = trimmed(_features(2.5), _events(2.5), 2.4, 3.0)
    assert f["format.duration_s"] == pytest.approx(7.6)
    assert f["faces.first_s"] == pytest.approx(0.1) and f["faces.in_hook"] is True
    assert f["speech.onset_s"] == pytest.approx(0.3) and f["speech.in_hook_s"] == pytest.approx(2.7)
    assert f["cuts.first_cut_s"] == pytest.approx(3.6) and f["cuts.shots_in_hook"] == 1
    assert f["cuts.sound_start_s"] == pytest.approx(0.3)
    assert f["loudness.silence_ratio"] == pytest.approx((2.7 - 2.4) / 7.6, abs=1e-3)
    assert f["packshot.visible_ratio"] == pytest.approx(0.4 * 10 / 7.6, abs=1e-3)  # the product is all kept
    assert f["mentions.brand_first_s"] == pytest.approx(2.6) and f["mentions.brand_early"] is True
    assert "cuts.hook_motion" in kept  # no event describes it: left as measured, and said so


def test_a_dead_opening_gets_a_trim_whose_gain_is_the_rescored_difference():
    dead = _features(2.5)
    fixes = suggest_fixes(dead, SCORERS, W, FACTS, events=_events(2.5), hook_s=3.0)
    assert fixes and fixes[0]["code"] == "trim_opening"
    top = fixes[0]
    assert 2.0 <= top["params"]["start_s"] <= 2.7  # never after the speech onset
    before = rescore(dead, SCORERS, W, FACTS)
    after = rescore(trimmed(dead, _events(2.5), top["params"]["start_s"], 3.0)[0], SCORERS, W, FACTS)
    assert top["gain"] == pytest.approx(after[1] - before[1], abs=0.05) and top["gain"] >= 3
    assert top["subscores"]["hook"][1] > top["subscores"]["hook"][0] + 10
    assert top["text"].startswith(f"start at {top['params']['start_s']:.1f} s") and "hook" in top["text"]
    assert "score +" in top["text"]
    # the creator-facing ask has no score or metric
    assert not any(m in top["ask"] for m in ("score", "hook", "LUFS", "%"))
    # an opening that already works needs no trim
    assert not [f for f in suggest_fixes(_features(0.0), SCORERS, W, FACTS, events=_events(0.0))
                if f["code"] == "trim_opening"]


def test_a_trim_never_cuts_into_speech():
    f = {**_features(2.5), "speech.onset_s": 0.4, "speech.in_hook_s": 2.6}
    events = [e for e in _events(2.5) if e["kind"] != "speech"] + [{"t": 0.4, "end": 9.5, "kind": "speech"}]
    assert not [x for x in suggest_fixes(f, SCORERS, W, FACTS, events=events, min_gain=-100)
                if x["code"] == "trim_opening" and x["params"]["start_s"] > 0.4]


def test_caption_in_the_safe_zone_and_loudness_are_rescored():
    f = {**_features(0.0), "onscreen_text.outside_share": 0.8, "loudness.lufs": -30.0}
    fixes = {x["code"]: x for x in suggest_fixes(f, SCORERS, W, FACTS, events=_events(0.0), limit=5, min_gain=0.1)}
    assert {"safe_zone", "loudness"} <= set(fixes)
    assert fixes["loudness"]["gain"] > fixes["safe_zone"]["gain"] > 0
    assert fixes["safe_zone"]["subscores"]["hook"][1] > fixes["safe_zone"]["subscores"]["hook"][0]
    assert "safe zone" in fixes["safe_zone"]["text"] and "audio" in fixes["loudness"]["text"]
    assert "up" in fixes["loudness"]["ask"] and "LUFS" not in fixes["loudness"]["ask"]
    gains = [x["gain"] for x in suggest_fixes(f, SCORERS, W, FACTS, events=_events(0.0), limit=5, min_gain=0.1)]
    assert gains == sorted(gains, reverse=True)


def test_the_request_offers_the_fixes_as_an_optional_polite_paragraph():
    fixes = suggest_fixes(_features(2.5), SCORERS, W, FACTS, events=_events(2.5), hook_s=3.0)
    video = {"rank": 1, "path": "a.mp4", "shortlisted": True, "score": 70.0, "recommendation": "request_ad_code",
             "creator": "@ana", "reasons": [], "fixes": fixes}
    plain = request_message(video, brand="Acme")
    asked = request_message(video, brand="Acme", with_fixes=True)
    assert fixes_paragraph(video) not in plain and asked.endswith(fixes_paragraph(video))
    assert "optional" in asked and "as it is" in asked
    assert "score" not in fixes_paragraph(video) and "hook" not in fixes_paragraph(video)
    md = render_requests({"run": {"campaign": "c"}, "videos": [video]}, brand="Acme")
    assert "Optional paragraph" in md and fixes[0]["text"] in md  # the strategist sees the numbers
    message = md.split("Message to send:")[1].split("Optional paragraph")[0]
    assert fixes[0]["ask"] not in message  # not sent unless the strategist adds it


def _copy(src, dst, *, dead: float = 0.0, start: float = 0.0):
    """Re-encode ``src`` with ``dead`` seconds of black and silence put before it, or cut to
    begin at ``start`` seconds (PyAV; frames are streamed, never all held)."""
    import av
    import numpy as np
    from videofactory import write_video

    with av.open(str(src)) as c:
        vs = c.streams.video[0]
        fps, size = float(vs.average_rate), (vs.codec_context.width, vs.codec_context.height)
        n = vs.frames
    with av.open(str(src)) as c:
        rate = c.streams.audio[0].rate
        chunks = [f.to_ndarray().mean(axis=0) if f.to_ndarray().ndim == 2 else f.to_ndarray()
                  for f in av.AudioResampler(format="fltp", layout="mono", rate=rate).resample(None) or []]
        for frame in c.decode(audio=0):
            for f in av.AudioResampler(format="flt", layout="mono", rate=rate).resample(frame):
                chunks.append(f.to_ndarray().reshape(-1))
    audio = np.concatenate(chunks).astype(np.float32)
    audio = np.concatenate([np.zeros(int(dead * rate), np.float32), audio])[int(start * rate):]
    skip, pad = round(start * fps), round(dead * fps)

    def frames():
        with av.open(str(src)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i + pad >= skip:
                    yield f.to_ndarray(format="rgb24")

    it = frames()
    black = np.zeros((size[1], size[0], 3), np.uint8)
    total = n + pad - skip
    return write_video(dst, lambda i, t: black if i + skip < pad else next(it), n_frames=total, fps=fps,
                       size=size, audio=audio, audio_rate=rate)


@pytest.mark.slow
def test_the_estimated_gain_of_a_trim_holds_when_the_trim_is_made(tmp_path):
    """A talking-head clip with 2 s of black silence put in front: the top fix is to trim the
    opening; making that cut and scoring the result moves the score by about the estimate."""
    from conftest import FIXTURES, ROOT

    from scoring.api import score

    camp = str(ROOT / "pipelines" / "demo.toml")
    padded = _copy(FIXTURES / "clean.mp4", tmp_path / "padded.mp4", dead=2.0)
    first = score([str(padded)], campaign=camp, workers=1, cache_dir=False, isolate=False).videos[0]
    assert first.status == "ok", first.error
    fix = first.fixes[0]
    assert fix["code"] == "trim_opening" and 1.8 <= fix["params"]["start_s"] <= 2.5, fix
    cut = _copy(padded, tmp_path / "cut.mp4", start=fix["params"]["start_s"])
    after = score([str(cut)], campaign=camp, workers=1, cache_dir=False, isolate=False).videos[0]
    measured = after.score - first.score
    assert fix["gain"] >= 2 and abs(measured - fix["gain"]) <= 3, (fix, measured)
    hook_before, hook_estimate = fix["subscores"]["hook"]
    assert hook_estimate > hook_before + 5 and abs(after.subscores["hook"] - hook_estimate) <= 6


def test_music_rights_ask_for_the_original_sound_without_a_made_up_gain():
    from scoring.fixes import add_fixes

    video = {"video_id": "sha256:a", "status": "ok", "shortlisted": True, "recommendation": "request_ad_code",
             "subscores": {}, "events": _events(0.0),
             "reasons": [{"dimension": "rights", "text": "uses music: Spark Ads need original sound or TikTok's "
                                                         "Commercial Music Library; check before requesting"}]}
    skipped = {**video, "video_id": "sha256:b", "shortlisted": False, "recommendation": "skip"}
    add_fixes([video, skipped], {"sha256:a": _features(0.0), "sha256:b": _features(2.5)}, SCORERS, W, FACTS)
    assert video["fixes"][-1]["code"] == "original_sound" and video["fixes"][-1]["gain"] is None
    assert skipped["fixes"] == []  # only shortlisted and consider videos get fixes


def test_no_gain_is_promised_while_a_batch_level_cap_holds_the_score():
    from scoring.fixes import add_fixes

    base = rescore(_features(2.5), SCORERS, W, FACTS)[1]
    free = {"video_id": "sha256:a", "status": "ok", "shortlisted": True, "recommendation": "consider",
            "subscores": {}, "events": _events(2.5), "reasons": [], "score": base}
    held = {**free, "video_id": "sha256:b", "score": 44.0}  # e.g. the objective's must-have caps it in ranking
    add_fixes([free, held], {"sha256:a": _features(2.5), "sha256:b": _features(2.5)}, SCORERS, W, FACTS)
    assert free["fixes"] and free["fixes"][0]["score_before"] == base
    assert held["fixes"] == []
