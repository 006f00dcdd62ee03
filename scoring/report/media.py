"""Per-video report media, made once from the decoded hook: a filmstrip, a short preview
and one hook frame with TikTok's safe zone drawn over it."""

from __future__ import annotations

import hashlib
import io
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

from scoring.media.clip import Frames

STRIP_FRAMES = 6
STRIP_HEIGHT = 160      # pixels; each tile keeps the video's aspect
PREVIEW_HEIGHT = 320    # pixels; about 20-60 KB for a 3 s VP8 hook
SAFEZONE_HEIGHT = 480   # pixels


class Zone(Protocol):
    """What the safe-zone overlay needs (``scoring.analyzers.onscreen_text.SafeZone``)."""

    def drawn(self, width: int, height: int) -> list[tuple[str, tuple[int, int, int, int]]]: ...


def _resize(image: np.ndarray, height: int) -> np.ndarray:
    h, w = image.shape[:2]
    width = max(2, int(round(w * height / h / 2)) * 2)
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def filmstrip_jpeg(hook: Frames, *, n: int = STRIP_FRAMES, height: int = STRIP_HEIGHT) -> bytes:
    """``n`` hook frames spread over the hook, side by side, as JPEG bytes."""
    idx = np.unique(np.linspace(0, len(hook) - 1, min(n, len(hook))).round().astype(int))
    tiles = [_resize(hook.images[i], height) for i in idx]
    strip = np.concatenate(tiles, axis=1)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(strip, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


ZONE_COLOURS = {"top bar": (255, 80, 80), "caption, sound and CTA": (255, 80, 80),
                "buttons": (255, 170, 0), "left margin": (255, 220, 0), "right margin": (255, 220, 0)}


def safezone_jpeg(hook: Frames, zone: Zone, *, height: int = SAFEZONE_HEIGHT) -> bytes:
    """The middle hook frame with the areas TikTok's app covers shaded and outlined (top
    bar and bottom caption/CTA block red, the right-hand button column orange, the side
    margins yellow), as JPEG bytes. Captions should sit in the clear part. The zone is
    drawn in fractions of the frame, as the app lays it over a 9:16 screen."""
    img = _resize(hook.images[len(hook) // 2], height).copy()
    h, w = img.shape[:2]
    shade = img.copy()
    areas = zone.drawn(w, h)
    for name, (x0, y0, x1, y1) in areas:
        cv2.rectangle(shade, (x0, y0), (x1 - 1, y1 - 1), ZONE_COLOURS.get(name, (255, 80, 80)), -1)
    img = cv2.addWeighted(shade, 0.35, img, 0.65, 0)
    for name, (x0, y0, x1, y1) in areas:
        cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), ZONE_COLOURS.get(name, (255, 80, 80)), 1)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


def preview_webm(hook: Frames, *, height: int = PREVIEW_HEIGHT) -> bytes:
    """The hook frames as a silent VP8 WebM (plays in any browser), timed by their pts."""
    buf = io.BytesIO()
    frames = [_resize(img, height) for img in hook.images]
    h, w = frames[0].shape[:2]
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=8)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        # One encoder thread: libvpx's threads sync by spinning, and two starved workers
        # on a busy machine were seen spinning in it for half an hour. The preview is tiny.
        stream.thread_count = 1
        stream.options = {"deadline": "realtime", "cpu-used": "8", "crf": "30", "b": "300k", "threads": "1"}
        last = -1
        for img, t in zip(frames, hook.times):
            pts = max(last + 1, int(round(float(t) * 1000)))
            last = pts
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def media_names(video_id: str, zone: Zone | None = None) -> dict[str, str]:
    """File names of a video's report media (unique per file content, and per safe zone:
    campaigns may set their own)."""
    key = video_id.split(":", 1)[-1][:16]
    names = {"filmstrip": f"{key}_filmstrip.jpg", "preview": f"{key}_hook.webm"}
    if zone is not None:
        zkey = hashlib.sha256(repr(zone.drawn(1000, 1000)).encode()).hexdigest()[:8]
        names["safezone"] = f"{key}_safezone_{zkey}.jpg"
    return names


def write_media(hook: Frames, video_id: str, folder: str | Path, zone: Zone | None = None) -> dict[str, str]:
    """Write the filmstrip, preview and (with a ``zone``) the safe-zone frame into
    ``folder`` unless already there; return their names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = media_names(video_id, zone)
    if len(hook) == 0:
        return {}
    makers = {"filmstrip": filmstrip_jpeg, "preview": preview_webm,
              "safezone": lambda frames: safezone_jpeg(frames, zone)}
    for kind, name in names.items():
        path = folder / name
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(makers[kind](hook))
            tmp.replace(path)
    return names
