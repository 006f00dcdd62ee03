"""Per-video report media, made once from the decoded hook: a filmstrip and a short preview."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from scoring.media.clip import Frames

STRIP_FRAMES = 6
STRIP_HEIGHT = 160      # pixels; each tile keeps the video's aspect
PREVIEW_HEIGHT = 320    # pixels; about 20-60 KB for a 3 s VP8 hook


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


def media_names(video_id: str) -> dict[str, str]:
    """File names of a video's report media (unique per file content)."""
    key = video_id.split(":", 1)[-1][:16]
    return {"filmstrip": f"{key}_filmstrip.jpg", "preview": f"{key}_hook.webm"}


def write_media(hook: Frames, video_id: str, folder: str | Path) -> dict[str, str]:
    """Write the filmstrip and preview into ``folder`` unless already there; return their names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = media_names(video_id)
    if len(hook) == 0:
        return {}
    makers = {"filmstrip": filmstrip_jpeg, "preview": preview_webm}
    for kind, name in names.items():
        path = folder / name
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(makers[kind](hook))
            tmp.replace(path)
    return names
