"""The fixed shape of ``ranking.json`` (see DESIGN.md, "Outputs")."""

from __future__ import annotations

SCHEMA_VERSION = "1.0"

EVIDENCE_KEYS: tuple[str, ...] = (
    "duration_s", "width", "height", "fps", "has_audio", "aspect_ratio",
    "speech_onset_s", "speech_ratio", "transcript", "speech_language",
    "face_first_s", "face_in_hook", "face_max_area_ratio",
    "text_in_hook", "hook_text", "text_boxes_outside_safe_zone",
    "cuts_s", "first_shot_end_s", "shots_in_hook",
    "loudness_lufs", "true_peak_dbfs", "clipping_ratio", "snr_db", "dnsmos_ovrl",
    "sharpness", "brightness", "noise_level", "visual_quality",
    "product_first_seen_s", "product_visible_ratio", "product_mentions", "brand_mentions", "cta",
    "engagement_rate",
    "hook_text_script",
    "is_download", "watermark_handle", "content_box",
    "sound_class",
)

# Evidence the ranking fills, not an analyzer. Every other key is some analyzer's declared
# ``evidence_keys``: tests/test_analyzer_declarations.py fails when the two lists differ
# (this foundation module cannot import the analyzers to derive them).
RANKING_EVIDENCE_KEYS: tuple[str, ...] = ("engagement_rate",)

VIDEO_FIELDS: tuple[str, ...] = (
    "rank", "video_id", "path", "creator", "status", "error", "score", "recommendation",
    "shortlisted", "suggested_authorization_days", "subscores", "reasons", "evidence",
)

RECOMMENDATIONS = ("request_ad_code", "consider", "skip")


def empty_evidence() -> dict:
    """Every evidence key, each None (not applicable / not measured)."""
    return dict.fromkeys(EVIDENCE_KEYS)
