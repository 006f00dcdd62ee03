"""Features derived from others, shared by scorers and ranking (no analyzer imports).

Orientation comes from the display aspect only; resolution from the short and long
sides only (TikTok's in-feed minimum is 540 px short side and 960 px long side), so a
1280×720 video is "horizontal" but not "below the minimum", and 700×700 is "square".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MIN_SHORT, MIN_LONG = 540, 960
GOOD_SHORT, GOOD_LONG = 720, 1280
SQUARE_TOLERANCE = 0.1  # width/height within 1 ± 0.1 is square
# The features :func:`derive` and :func:`derive_sound` add (a model may use them like an analyzer's).
DERIVED_FEATURES = ("format.short_side", "format.long_side", "format.orientation", "format.resolution_ok",
                    "format.resolution_class", "sound_class.not_music_led")


def orientation(width: float | None, height: float | None) -> str | None:
    """``vertical`` / ``square`` / ``horizontal`` from display width and height (pixels)."""
    if not width or not height:
        return None
    ratio = float(width) / float(height)
    if abs(ratio - 1.0) <= SQUARE_TOLERANCE:
        return "square"
    return "vertical" if ratio < 1.0 else "horizontal"


def derive(features: Mapping[str, Any]) -> dict[str, Any]:
    """``format.short_side`` / ``long_side`` (px), ``orientation``, ``resolution_ok``
    (≥ 540×960 whatever the orientation) and ``resolution_class`` (0 below the minimum,
    1 at least the minimum, 2 at least 720×1280). Empty without a display size."""
    w, h = features.get("format.width"), features.get("format.height")
    if not w or not h:
        return {}
    short, long_ = min(w, h), max(w, h)
    ok = short >= MIN_SHORT and long_ >= MIN_LONG
    good = short >= GOOD_SHORT and long_ >= GOOD_LONG
    return {"format.short_side": short, "format.long_side": long_, "format.orientation": orientation(w, h),
            "format.resolution_ok": ok, "format.resolution_class": 2 if good else (1 if ok else 0)}


def derive_sound(features: Mapping[str, Any]) -> dict[str, Any]:
    """``sound_class.not_music_led``: True unless the ``sound_class`` analyzer found the
    track music-led, so speech is judged as before wherever that analyzer did not run."""
    return {"sound_class.not_music_led": features.get("sound_class.music_led") is not True}
