"""What to ask the creator to fix, with the estimated gain, computed by re-scoring.

Judgment layer: works on a video's flat features, its timed events (``ranking.json``'s
``events``: face, text, speech and product intervals, cuts) and the run's scorer models;
never on pixels (no pipeline, analyzer or media imports), so it runs on stored results.

Each candidate edit rewrites the measured features the way the edit would change them,
then the same scorer models and the same composite (objective weights, severe-flaw caps)
score the edited video again. The gain is that difference, never a guess:

- ``trim_opening``: start the video at ``T`` seconds (a dead opening: silence, no face,
  no text). Every time feature shifts by ``-T``; intervals that end before ``T`` drop
  out; hook features (face/text/speech in the first ``hook_seconds``, shots in the hook,
  the first cut, sound start, silent share) are recomputed from the events. ``T`` never
  cuts into speech. Features no event describes (movement in the opening, face size)
  keep their measured value: the estimate says so in ``kept``.
- ``safe_zone``: re-export with the on-screen text inside TikTok's safe zone.
- ``loudness``: re-export normalised to -14 LUFS (true peak limited to -1 dBFS).
- ``hook_text``: add a line of on-screen text in the opening.

Each edit carries a strategist text with the numbers ("start at 1.4 s (skip the silent
opening): hook 58 → 81, score +6.0") and a plain creator-facing ask without metrics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from scoring.judgment import composite, composite_cap, missing_priors
from scoring.scorers.base import Scorer
from scoring.scorers.rules import cap_value

MIN_GAIN = 1.0  # composite points: smaller gains are not worth asking a creator for
TARGET_LUFS = -14.0  # TikTok's loudness target
LEAD_S = 0.1  # a trim keeps this much before the first thing that happens
MIN_TRIM_S = 0.3  # shorter trims are not an edit worth asking for
LABELS = {"hook": "hook", "audio_clarity": "audio", "visual_clarity": "visual",
          "product_integration": "product", "engagement": "engagement"}


def rescore(features: Mapping[str, Any], scorers: Mapping[str, Scorer | None], weights: Mapping[str, float],
            facts: Mapping[str, Any], engagement: float | None = None) -> tuple[dict[str, float | None], float | None]:
    """Sub-scores (0-100) and the capped composite (0-100) of one feature set, exactly as a run scores it."""
    feats = {**features, **facts}
    subs: dict[str, float | None] = {}
    judgment: dict[str, Any] = {}
    for name, scorer in scorers.items():
        if scorer is None:
            subs[name] = None
            continue
        sub = scorer.score(feats)
        subs[name] = sub.value
        judgment[name] = sub.judgment()
    subs["engagement"] = engagement
    raw = composite({**subs, **{d: p for d, (p, _) in missing_priors(subs, feats).items()}}, weights)
    cap = composite_cap(judgment)
    if raw is not None and cap is not None:
        raw = round(cap_value(raw, cap["composite_ceiling"]), 1)
    return subs, raw


def _intervals(events: Iterable[Mapping[str, Any]], kind: str) -> list[tuple[float, float]]:
    out = []
    for e in events:
        if e.get("kind") == kind and e.get("t") is not None:
            t = float(e["t"])
            end = e.get("end")
            out.append((t, float(end) if end is not None else t))
    return sorted(out)


def _first_after(spans: list[tuple[float, float]], start: float) -> float | None:
    """When the first interval still running at or after ``start`` begins, relative to ``start`` (s)."""
    for a, b in spans:
        if b > start or a >= start:
            return round(max(0.0, a - start), 3)
    return None


def _overlap(spans: list[tuple[float, float]], a: float, b: float) -> float:
    return sum(max(0.0, min(e, b) - max(s, a)) for s, e in spans)


def _shift(value: Any, by: float) -> Any:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(max(0.0, float(value) - by), 3)


def trimmed(features: Mapping[str, Any], events: list[Mapping[str, Any]], start: float,
            hook_s: float) -> tuple[dict[str, Any], list[str]]:
    """The features of the video cut to start at ``start`` seconds, and what could not be recomputed.

    Args:
        features: flat features (``"<analyzer>.<key>"`` -> scalar).
        events: timed events (dicts with ``t``, ``end``, ``kind``), seconds from the start.
        start: the new start (s); must not cut into speech.
        hook_s: the campaign's hook window (s).
    """
    f = dict(features)
    dur = features.get("format.duration_s")
    if dur:
        f["format.duration_s"] = round(float(dur) - start, 3)
    new_dur = f.get("format.duration_s") or 0.0
    for kind, first_key, hook_key in (("face", "faces.first_s", "faces.in_hook"),
                                      ("text", "onscreen_text.first_s", "onscreen_text.in_hook"),
                                      ("speech", "speech.onset_s", None)):
        spans = _intervals(events, kind)
        if spans:
            first = _first_after(spans, start)
            f[first_key] = first
            if hook_key:
                f[hook_key] = _overlap(spans, start, start + hook_s) > 0 or (
                    first is not None and first < hook_s)
            if kind == "speech":
                f["speech.in_hook_s"] = round(_overlap(spans, start, start + hook_s), 3)
            if kind == "face" and first is None:
                f["faces.anytime"] = False
        else:
            f[first_key] = _shift(features.get(first_key), start)
            if hook_key and f[first_key] is not None:
                f[hook_key] = f[first_key] < hook_s
    if f.get("faces.first_s") is not None:
        f["faces.first_5s"] = f["faces.first_s"] < 5.0
    cuts = sorted(float(e["t"]) - start for e in events if e.get("kind") == "cut" and float(e["t"]) > start + 0.05)
    if "cuts.count" in features:
        f["cuts.count"] = len(cuts)
        f["cuts.first_cut_s"] = round(cuts[0], 3) if cuts else None
        f["cuts.first_shot_end_s"] = round(cuts[0], 3) if cuts else new_dur
        f["cuts.shots_in_hook"] = 1 + sum(c < hook_s for c in cuts)
        f["cuts.shots"] = len(cuts) + 1
    f["cuts.sound_start_s"] = _shift(features.get("cuts.sound_start_s"), start)
    silence = features.get("loudness.silence_ratio")
    sound_at = features.get("cuts.sound_start_s")
    if silence is not None and dur and new_dur > 0:
        cut_silent = min(start, float(sound_at)) if sound_at is not None else 0.0  # the cut part that was silent
        f["loudness.silence_ratio"] = round(max(0.0, float(silence) * float(dur) - cut_silent) / new_dur, 4)
    for key in ("packshot.first_s", "mentions.product_first_s", "mentions.brand_first_s", "mentions.cta_first_s",
                "clip_zero_shot.first_s", "hook_phrases.start_s"):
        if key in features:
            f[key] = _shift(features.get(key), start)
    if f.get("mentions.brand_first_s") is not None:
        f["mentions.brand_early"] = f["mentions.brand_first_s"] < 5.0
    product = _intervals(events, "product")
    ratio = features.get("packshot.visible_ratio")
    if product and ratio is not None and dur and new_dur > 0:
        seen = float(ratio) * float(dur) - _overlap(product, 0.0, start)
        f["packshot.visible_ratio"] = round(min(1.0, max(0.0, seen / new_dur)), 4)
        first = _first_after(product, start)
        f["packshot.first_s"] = first
        f["packshot.in_hook"] = first is not None and first < hook_s
    kept = [k for k in ("cuts.hook_motion", "faces.max_area_ratio") if features.get(k) is not None]
    return f, kept


def _trim_starts(features: Mapping[str, Any], events: list[Mapping[str, Any]]) -> dict[float, str]:
    """Candidate new starts (s) -> what the cut skips: just before the first face, text,
    speech, product or sound, at the first cut, or after another creator's opening (a
    stitch). Never after speech has begun; at most 40 % of the video."""
    dur = features.get("format.duration_s") or 0.0
    onset = features.get("speech.onset_s")
    anchors = {
        "speech.onset_s": "the quiet opening before you start talking",
        "cuts.sound_start_s": "the silent opening",
        "faces.first_s": "the opening before your face appears",
        "onscreen_text.first_s": "the opening before the on-screen text",
        "packshot.first_s": "the opening before the product appears",
        "cuts.first_cut_s": "the first shot",
    }
    starts: dict[float, str] = {}
    for key, what in anchors.items():
        at = features.get(key)
        if at is None or isinstance(at, bool):
            continue
        lead = 0.0 if key == "cuts.first_cut_s" else LEAD_S
        starts.setdefault(math.floor((float(at) - lead) * 10) / 10, what)
    for e in events:
        if e.get("kind") == "stitch" and e.get("end"):
            starts.setdefault(round(float(e["end"]), 1), "another creator's opening (the stitched part)")
    limit = min(0.4 * dur, 10.0)
    return {t: w for t, w in sorted(starts.items())
            if MIN_TRIM_S <= t <= limit and (onset is None or t <= float(onset))}


def _loudness_ask(gain_db: float) -> str:
    much = "much " if abs(gain_db) >= 10 else ""
    if gain_db > 0:
        return f"turn the sound up{' a little' if not much else ''}: it plays {much}quieter than most TikToks"
    return f"turn the sound down{' a little' if not much else ''}: it plays {much}louder than most TikToks"


def _change_text(before: Mapping[str, float | None], after: Mapping[str, float | None]) -> tuple[str, dict]:
    changed = {k: [before.get(k), after.get(k)] for k in after
               if before.get(k) is not None and after.get(k) is not None and abs(after[k] - before[k]) >= 0.5}
    text = ", ".join(f"{LABELS.get(k, k)} {a:.0f} → {b:.0f}" for k, (a, b) in changed.items())
    return text, changed


def suggest_fixes(features: Mapping[str, Any], scorers: Mapping[str, Scorer | None], weights: Mapping[str, float],
                  facts: Mapping[str, Any], *, events: Iterable[Mapping[str, Any]] = (), hook_s: float = 3.0,
                  engagement: float | None = None, limit: int = 3, min_gain: float = MIN_GAIN) -> list[dict[str, Any]]:
    """The edits that raise this video's composite most, best first.

    Args:
        features: the video's flat features.
        scorers: sub-score name -> scorer model (the run's, so estimates match the ranking).
        weights: the objective's weights (``Campaign.resolved_weights()``).
        facts: ``Campaign.facts()`` (what the campaign gives scorers to look for).
        events: the video's timed events (``ranking.json`` ``events``).
        hook_s: the campaign's hook window (s).
        engagement: the engagement sub-score (0-100, None without counts); edits keep it.
        limit: at most this many edits.
        min_gain: leave out edits gaining less (composite points).

    Returns:
        ``[{code, text, ask, gain, score_before, score_after, subscores: {name: [before, after]},
        params, kept}]``: ``text`` for the strategist (with numbers), ``ask`` for the creator
        (plain words), ``gain`` in composite points, ``kept`` the features the edit would change
        that could not be recomputed (left as measured).
    """
    events = [e for e in events if isinstance(e, Mapping)]
    base_subs, base = rescore(features, scorers, weights, facts, engagement)
    if base is None:
        return []
    candidates: list[tuple[str, str, str, dict[str, Any], dict[str, Any], list[str]]] = []
    for start, what in _trim_starts(features, events).items():
        edited, kept = trimmed(features, events, start, hook_s)
        candidates.append(("trim_opening", f"start at {start:.1f} s (skip {what.replace('your ', 'the ')})",
                           f"start the video at {start:.1f} seconds, cutting {what}",
                           edited, {"start_s": start}, kept))
    outside = features.get("onscreen_text.outside_share")
    if isinstance(outside, int | float) and not isinstance(outside, bool) and outside > 0:
        edited = {**features, "onscreen_text.outside_share": 0.0, "onscreen_text.outside_safe_zone": 0}
        candidates.append(("safe_zone", f"re-export with the on-screen text inside TikTok's safe zone "
                                        f"({outside * 100:.0f} % of it is under the app's buttons or caption)",
                           "move the on-screen text a little towards the middle, so TikTok's buttons and caption "
                           "don't cover it", edited, {}, []))
    lufs = features.get("loudness.lufs")
    if isinstance(lufs, int | float) and not isinstance(lufs, bool) and abs(lufs - TARGET_LUFS) >= 4:
        gain_db = TARGET_LUFS - float(lufs)
        edited = {**features, "loudness.lufs": TARGET_LUFS}
        peak = features.get("loudness.true_peak_dbfs")
        if isinstance(peak, int | float):
            edited["loudness.true_peak_dbfs"] = min(-1.0, float(peak) + gain_db)
        candidates.append(("loudness", f"re-export normalised to {TARGET_LUFS:.0f} LUFS (now {lufs:.0f} LUFS)",
                           _loudness_ask(gain_db), edited,
                           {"target_lufs": TARGET_LUFS}, []))
    if features.get("onscreen_text.in_hook") in (False, 0) and features.get("onscreen_text.frames_read"):
        edited = {**features, "onscreen_text.in_hook": True, "onscreen_text.first_s": 0.0,
                  "onscreen_text.anytime": True, "onscreen_text.items": max(1, features.get("onscreen_text.items")
                                                                            or 0)}
        candidates.append(("hook_text", f"add a line of on-screen text in the first {hook_s:.0f} s",
                           "add a short line of on-screen text in the first seconds that says what the video is "
                           "about", edited, {}, []))
    best: dict[str, dict[str, Any]] = {}
    for code, text, ask, edited, params, kept in candidates:
        subs, score = rescore(edited, scorers, weights, facts, engagement)
        if score is None:
            continue
        gain = round(score - base, 1)
        if gain < min_gain or (code in best and best[code]["gain"] >= gain):
            continue
        change, changed = _change_text(base_subs, subs)
        best[code] = {"code": code, "text": f"{text}: {change + ', ' if change else ''}score {gain:+.1f}",
                      "ask": ask, "gain": gain, "score_before": base, "score_after": score,
                      "subscores": changed, "params": params, "kept": kept}
    return sorted(best.values(), key=lambda x: (-x["gain"], x["code"]))[:limit]


def add_fixes(videos: list[dict[str, Any]], features: Mapping[str, Mapping[str, Any]],
              scorers: Mapping[str, Scorer | None], weights: Mapping[str, float], facts: Mapping[str, Any],
              hook_s: float = 3.0) -> None:
    """Set ``fixes`` on each ``ranking.json`` entry: computed for shortlisted and ``consider``
    videos (``features`` by video_id), an empty list for the others and for a video whose
    ranked score sits under its re-scored composite (a batch-level cap, such as a gate or
    the objective's must-have, holds it: an edit that does not lift that cap gains nothing)."""
    for v in videos:
        feats = features.get(v.get("video_id") or "")
        wanted = v.get("status") == "ok" and (v.get("shortlisted") or v.get("recommendation") == "consider")
        fixes = suggest_fixes(feats, scorers, weights, facts, events=v.get("events") or [], hook_s=hook_s,
                              engagement=(v.get("subscores") or {}).get("engagement")) if wanted and feats else []
        if fixes and v.get("score") is not None and v["score"] < fixes[0]["score_before"] - 0.5:
            fixes = []  # a batch-level cap (gate, must-have) holds the score: these edits would not lift it
        v["fixes"] = fixes
        if wanted and any(r.get("dimension") == "rights" and "music" in str(r.get("text", "")).lower()
                          for r in v.get("reasons") or []):
            v["fixes"].append(ORIGINAL_SOUND)


# Not scored (a rights requirement, not a quality): asked for whenever a rights reason names music.
ORIGINAL_SOUND = {"code": "original_sound", "gain": None, "score_before": None, "score_after": None,
                  "subscores": {}, "params": {}, "kept": [],
                  "text": "use the original sound or a track from TikTok's Commercial Music Library "
                          "(a rights requirement for Spark Ads; not scored)",
                  "ask": "use your original sound, or a track from TikTok's Commercial Music Library, so the "
                         "music can run in an ad"}
