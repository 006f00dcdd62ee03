"""``requests.md``: a ready-to-send ad-code request for each shortlisted creator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CREATOR_STEPS = """\
How to generate the ad code (TikTok app, creator side):
1. Make sure the account can authorise ads (a Business account, or Settings and privacy → Creator tools / Business suite → Ad settings → turn on "Ad authorization").
2. Open the video → tap "…" (More) → "Ad settings" → turn on "Ad authorization".
3. Tap "Generate code", choose {days} days, accept the terms and tap "Generate".
4. Tap "Copy code" and send it back to us. We paste it into TikTok Ads Manager; the post runs from your account and keeps its likes, comments and shares."""


def _positive(r: dict[str, Any]) -> bool:
    sign = r.get("sign")
    return sign == "+" if sign else (r.get("impact") or 0) > 0


def _why(video: dict[str, Any], n: int = 3) -> list[str]:
    """The strongest positive reasons, the real ones the scores rest on (may be empty)."""
    return [r["text"] for r in video["reasons"] if _positive(r) and r.get("kind") not in ("shortlist", "gate")][:n]


def _risk(video: dict[str, Any]) -> dict[str, Any] | None:
    """The biggest negative (largest cost on the composite), for the strategist only."""
    neg = [r for r in video["reasons"] if not _positive(r) and r.get("kind") != "shortlist"]
    return min(neg, key=lambda r: (r.get("kind") not in ("gate", "must_have", "cap"), r.get("impact") or 0.0),
               default=None)


def request_message(video: dict[str, Any], *, brand: str = "", days: int = 30, with_fixes: bool = False) -> str:
    """The message to send the creator, in plain words (no scores or measurements);
    ``with_fixes`` adds the polite, optional paragraph asking for the edits that would
    raise it most (scoring.fixes), when there are any."""
    window = video.get("suggested_authorization_days") or days
    text = (f"Hi {video.get('creator') or 'there'}! We love your video{_caption(video)} and would like to run it as "
            f"a Spark Ad{' for ' + brand if brand else ''} for {window} days: it stays on your account with your "
            f"likes and comments, and we add a call-to-action button.{_because(video)} Could you send us an ad code "
            f"for it? The steps are below. Thank you!")
    paragraph = fixes_paragraph(video)
    return text + ("\n\n" + paragraph if with_fixes and paragraph else "")


def fixes_paragraph(video: dict[str, Any], n: int = 2) -> str:
    """A polite, optional ask for the edits that raise the video most, in plain words ('' if none)."""
    asks = [f["ask"] for f in (video.get("fixes") or [])[:n] if f.get("ask")]
    if not asks:
        return ""
    what = asks[0] if len(asks) == 1 else "; ".join(asks[:-1]) + "; and " + asks[-1]
    return (f"One optional idea, only if you feel like it: if you post an edited version, it could work even "
            f"better as an ad if you {what}. We'd be just as happy to run the video as it is!")


def render_requests(ranking: dict[str, Any], *, brand: str = "", days: int = 30) -> str:
    """Markdown with one section per shortlisted video, in rank order."""
    run = ranking["run"]
    shortlisted = [v for v in ranking["videos"] if v["shortlisted"]]
    asked = [v for v in shortlisted if (v.get("ledger") or {}).get("requested")]  # the team's ledger says so
    shortlisted = [v for v in shortlisted if v not in asked]
    lines = [f"# Ad-code requests — {run.get('campaign', '')}", ""]
    if asked:
        lines += [f"Left out, already requested (see `sparkscout ledger list`): "
                  f"{', '.join(Path(v['path']).name for v in asked)}.", ""]
    if not shortlisted:
        lines.append("Every shortlisted video was already requested." if asked else
                     "No video passed the gates and thresholds, so there is nobody to ask yet.")
        return "\n".join(lines) + "\n"
    lines.append(f"{len(shortlisted)} shortlisted video(s). Ask each creator for a {days}-day ad code "
                 "(TikTok offers 7, 30, 60 or 365 days).")
    for v in shortlisted:
        creator = v.get("creator") or "unknown creator (add a `creator` column to the manifest)"
        name = Path(v["path"]).name
        window = v.get("suggested_authorization_days") or days
        post = v.get("post_url") or v["path"]
        fixes = v.get("fixes") or []
        paragraph = fixes_paragraph(v)
        lines += [
            "", f"## #{v['rank']} {creator} — {name}", "",
            f"- Post: {post}",
            f"- Score: {v['score']:.0f} / 100 ({v['recommendation'].replace('_', ' ')})",
            f"- Authorization window asked for: {window} days",
            "- Why we chose it:",
            *([f"  - {text}" for text in _why(v)] or ["  - its overall score; no single strength stands out"]),
            f"- Internal note (do not send): biggest risk: {_risk_text(v)}",
            *([f"- Internal note (do not send): edits that would raise it (estimated by re-scoring): "
               f"{'; '.join(f['text'] for f in fixes)}"] if fixes else []),
            *_not_measured(v),
            *[f"- Rights: {r['text']}" for r in v["reasons"] if r.get("dimension") == "rights"],
            "", "Message to send:", "",
            f"> {request_message(v, brand=brand, days=days)}",
            *(["", "Optional paragraph (add it to the message if you want to ask for these edits):", "",
               f"> {paragraph}"] if paragraph else []),
            "", CREATOR_STEPS.format(days=window),
        ]
    return "\n".join(lines) + "\n"


def _because(video: dict[str, Any]) -> str:
    """The creator-facing why: the real strengths the score rests on, in plain words (or nothing)."""
    why = plain_strengths(video, 2)
    if not why:
        return ""
    return f" What stood out to us: {why[0]}." if len(why) == 1 else f" What stood out to us: {why[0]}, and {why[1]}."


# A strength in words a creator reads (no scores, units or model names), by the feature it rests on.
PLAIN = {
    "faces.first_s": "you're on camera from the very first second",
    "faces.in_hook": "you're on camera from the very first second",
    "faces.max_area_ratio": "you're close to the camera, so it feels personal",
    "speech.onset_s": "you start talking right away",
    "speech.in_hook_s": "you start talking right away",
    "hook_phrases.is_hook": "your opening line makes people stop scrolling",
    "hook_phrases.similarity": "your opening line makes people stop scrolling",
    "onscreen_text.in_hook": "the on-screen text in the opening",
    "onscreen_text.outside_share": "the on-screen text sits where nothing covers it",
    "cuts.first_cut_s": "the quick pace of the opening",
    "cuts.shots_in_hook": "the quick pace of the opening",
    "cuts.hook_motion": "the energy of the opening",
    "cuts.sound_start_s": "the sound kicks in right away",
    "audio_quality.noise_snr_db": "your voice comes through clearly",
    "audio_quality.snr_db": "your voice comes through clearly",
    "audio_quality.clarity": "your voice comes through clearly",
    "dnsmos.ovrl": "your voice comes through clearly",
    "loudness.lufs": "the sound is at just the right level",
    "loudness.clipping_ratio": "the sound is clean",
    "picture.sharpness": "the crisp picture",
    "picture.brightness": "the lighting",
    "picture.noise_level": "the clean picture",
    "visual_quality.shake": "the steady camera",
    "format.resolution_class": "the crisp picture",
    "packshot.visible_ratio": "how clearly you show the product",
    "packshot.with_face_ratio": "how you show the product while talking to camera",
    "clip_zero_shot.visible_ratio": "how clearly you show the product",
    "mentions.named_count": "how naturally you talk about the product",
    "mentions.product_first_s": "how naturally you talk about the product",
    "mentions.brand_early": "how naturally you talk about the product",
    "mentions.cta_count": "the clear call to action",
    "mentions.cta_first_s": "the clear call to action",
    "mentions.disclosure": "that you're upfront about the partnership",
    "engagement.rate": "how much your audience loves it",
}


def plain_strengths(video: dict[str, Any], n: int = 2) -> list[str]:
    """The strongest positive reasons as plain phrases (each at most once); reasons with no
    plain wording are left out rather than quoted with their numbers."""
    out: list[str] = []
    for r in video["reasons"]:
        if not _positive(r) or r.get("kind") in ("shortlist", "gate", "ledger"):
            continue
        phrase = PLAIN.get(r.get("feature") or "")
        if phrase and phrase not in out:
            out.append(phrase)
        if len(out) == n:
            break
    return out


def _not_measured(video: dict[str, Any]) -> list[str]:
    notes = [f"{n['dimension'].replace('_', ' ')}: {n['text']}" for n in video.get("not_measured") or []]
    return [f"- Not measured: {'; '.join(notes)}"] if notes else []


def _risk_text(video: dict[str, Any]) -> str:
    risk = _risk(video)
    if risk is None:
        return "none found"
    impact = risk.get("impact")
    return risk["text"] + (f" ({impact:+.1f} points on the score)" if impact else "")


def _caption(video: dict[str, Any]) -> str:
    caption = (video.get("caption") or "").strip()
    return f' "{caption[:80]}"' if caption else ""


def write_requests(ranking: dict[str, Any], out_dir: str | Path, *, brand: str = "", days: int = 30) -> Path:
    path = Path(out_dir) / "requests.md"
    path.write_text(render_requests(ranking, brand=brand, days=days), encoding="utf-8")
    return path
