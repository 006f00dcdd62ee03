"""Cuts from every frame and one time base: generated clips with known answers.

- a montage with hard cuts, a jump cut (same scene, framing jumps 15 %) and a dissolve;
- a graphic popping in and a white flash over one shot (neither is a cut);
- a file whose video stream starts 0.8 s after its audio: every time counts from the
  file's start, so a cut at 2.0 s of file time and a sound starting at 2.0 s line up.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from videofactory import encode_audio, sine, write_video

from scoring.analyzers import AnalysisContext
from scoring.analyzers.cuts import CutsAnalyzer
from scoring.media import decode_clip
from scoring.services.shots import find_cuts, find_transitions

W, H, FPS = 180, 320, 30


def scene(seed: int, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """A smooth random picture with some edges (RGB uint8, (H, W, 3)), 30 % larger than
    the frame so it can pan and zoom."""
    rng = np.random.default_rng(seed)
    w, h = int(size[0] * 1.3), int(size[1] * 1.3)
    coarse = rng.integers(0, 255, (h // 40 + 2, w // 40 + 2, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w] / 40.0
    y0, x0 = yy.astype(int), xx.astype(int)
    fy, fx = (yy - y0)[..., None], (xx - x0)[..., None]
    img = (coarse[y0, x0] * (1 - fy) * (1 - fx) + coarse[y0 + 1, x0] * fy * (1 - fx)
           + coarse[y0, x0 + 1] * (1 - fy) * fx + coarse[y0 + 1, x0 + 1] * fy * fx)
    img[(np.arange(h) // 24 % 2 == 0)[:, None] & (np.arange(w) // 24 % 2 == 0)[None, :]] *= 0.6
    return img.clip(0, 255).astype(np.uint8)


def view(img: np.ndarray, t: float, zoom: float = 1.0, dx: int = 0) -> np.ndarray:
    """A W x H window of ``img`` panning 12 px/s, scaled by ``zoom`` (nearest neighbour)."""
    ys = (np.arange(H) / zoom + 10).astype(int)
    xs = (np.arange(W) / zoom + 10 + int(12 * t) + dx).astype(int)
    return img[np.clip(ys, 0, img.shape[0] - 1)][:, np.clip(xs, 0, img.shape[1] - 1)]


HARD = (1.5, 3.0, 6.5)
JUMP = 4.5
DISSOLVE = (5.2, 5.6)


def montage(i: int, t: float) -> np.ndarray:
    """Shots: A 0-1.5, B 1.5-3.0, C 3.0-4.5, C jump-cut 4.5-5.2, dissolve to D 5.2-5.6,
    D to 6.5, E to 8.0."""
    a, b, c, d, e = (SCENES[k] for k in range(5))
    if t < HARD[0]:
        return view(a, t)
    if t < HARD[1]:
        return view(b, t)
    if t < JUMP:
        return view(c, t)
    if t < DISSOLVE[0]:
        return view(c, t, zoom=1.15, dx=14)
    if t < DISSOLVE[1]:
        w = (t - DISSOLVE[0]) / (DISSOLVE[1] - DISSOLVE[0])
        return ((1 - w) * view(c, t, zoom=1.15, dx=14) + w * view(d, t)).astype(np.uint8)
    if t < HARD[2]:
        return view(d, t)
    return view(e, t)


SCENES = [scene(s) for s in range(5)]


@pytest.fixture(scope="module")
def montage_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("cuts") / "montage.mp4"
    write_video(path, montage, n_frames=int(8.0 * FPS), fps=FPS, size=(W, H))
    return decode_clip(str(path))


def test_every_frame_has_a_signature(montage_clip):
    sig = montage_clip.signatures
    assert sig is not None
    # the hook (3 s) is decoded frame by frame; after it only frames others depend on
    assert np.count_nonzero(sig.times < 3.0) == 90
    assert len(sig) >= 150 and sig.luma.shape[1:] == (32, 32) and sig.chroma.shape[1:] == (2, 16, 16)
    assert np.all(np.diff(sig.times) > 0)


def test_montage_hard_cuts_and_jump_cut_found_dissolve_is_a_transition(montage_clip):
    cuts = find_cuts(montage_clip.signatures)
    want = sorted([*HARD, JUMP])
    assert len(cuts) == len(want), cuts
    for got, t in zip(cuts, want):
        assert got == pytest.approx(t, abs=0.1)
    trans = find_transitions(montage_clip.signatures, cuts)
    assert len(trans) == 1 and trans[0]["kind"] == "dissolve"
    assert trans[0]["start"] == pytest.approx(DISSOLVE[0], abs=0.25)
    assert trans[0]["end"] == pytest.approx(DISSOLVE[1], abs=0.25)


def test_pacing_uses_every_cut(montage_clip):
    sig = CutsAnalyzer().analyze(montage_clip, AnalysisContext())
    assert sig.features["cuts.count"] == 4
    assert sig.features["cuts.shots"] == 5
    assert sig.evidence["shots_in_hook"] == 2  # the cut at 3.0 s starts the fourth second
    assert sig.features["cuts.first_shot_end_s"] == pytest.approx(1.5, abs=0.1)
    assert sig.features["cuts.transitions"] == 1
    assert [e.kind for e in sig.events].count("transition") == 1


def test_graphic_pop_in_and_flash_are_not_cuts(tmp_path):
    base = SCENES[0]

    def fn(i: int, t: float) -> np.ndarray:
        img = view(base, t).copy()
        if t >= 1.0:  # a sticker pops in and stays
            img[40:90, 30:110] = (250, 40, 40)
        if 2.0 <= t < 2.1:  # a white flash over the same shot
            img = (0.3 * img + 0.7 * 255).astype(np.uint8)
        return img

    path = write_video(tmp_path / "popin.mp4", fn, n_frames=3 * FPS, fps=FPS, size=(W, H))
    assert find_cuts(decode_clip(str(path)).signatures) == []


def _encode_late(path: Path, frames, fps: int, size: tuple[int, int], crf: str, audio: np.ndarray,
                 rate: int) -> Path:
    """Write ``frames`` ((pts index, RGB image) pairs at 1/``fps`` s per index) as H.264 plus
    ``audio`` (mono, from 0 s) as AAC: a first index above 0 makes a late video stream."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"crf": crf, "preset": "veryfast"}
        astream = out.add_stream("aac", rate=rate, layout="mono")
        for i, img in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        encode_audio(out, astream, audio, rate)
    return path


def write_late_video(path: Path, fn, n_frames: int, start_s: float, audio: np.ndarray, rate: int = 48000) -> Path:
    """Like videofactory.write_video, but the video stream's first frame is at ``start_s``
    while the audio starts at 0 (the file's presentation start)."""
    offset = int(round(start_s * FPS))
    frames = ((i + offset, fn(i, (i + offset) / FPS)) for i in range(n_frames))
    return _encode_late(path, frames, FPS, (W, H), "28", audio, rate)


def test_late_video_stream_times_count_from_the_file_start(tmp_path):
    """Video from 0.8 s, a cut at 2.0 s of file time, a tone from 2.0 s: all line up."""
    a, b = SCENES[1], SCENES[2]
    audio = np.concatenate([np.zeros(2 * 48000, np.float32), sine(2.0, peak=0.5)])
    path = write_late_video(tmp_path / "late.mp4", lambda i, t: view(a, t) if t < 2.0 else view(b, t),
                            n_frames=int(3.2 * FPS), start_s=0.8, audio=audio)
    with av.open(str(path)) as c:  # the file really is what the test says
        assert float(c.streams.video[0].start_time * c.streams.video[0].time_base) == pytest.approx(0.8, abs=0.01)
    clip = decode_clip(str(path))
    assert clip.hook.times[0] == pytest.approx(0.8, abs=0.01)
    assert clip.signatures.times[0] == pytest.approx(0.8, abs=0.01)
    sig = CutsAnalyzer().analyze(clip, AnalysisContext())
    assert sig.evidence["cuts_s"] == [pytest.approx(2.0, abs=0.05)]
    assert sig.features["cuts.sound_start_s"] == pytest.approx(2.0, abs=0.06)


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def late_copy_of_clean(path: Path, video_start_s: float = 0.8, blank_until_s: float = 1.5,
                       seconds: float = 4.0) -> Path:
    """The first ``seconds`` of fixtures/videos/clean.mp4 (face, the caption "Link in bio",
    speech from 0.5 s) rewritten at 360x640 so that its video stream starts at
    ``video_start_s`` while its audio still starts at 0, and the picture is grey until
    ``blank_until_s`` (file time): every frame shows clean's picture at the same file time."""
    with av.open(str(FIXTURES / "clean.mp4")) as src:
        fps = float(src.streams.video[0].average_rate)
        pictures = [f.to_ndarray(format="rgb24") for f in src.decode(video=0) if f.time < seconds]
    with av.open(str(FIXTURES / "clean.mp4")) as src:
        rate = src.streams.audio[0].sample_rate
        audio = np.concatenate([f.to_ndarray().reshape(-1, f.samples)[0] for f in src.decode(audio=0)])
    audio = audio[: int(seconds * rate)].astype(np.float32)
    import cv2

    fps = round(fps)
    frames = ((i, cv2.resize(pictures[i] if i / fps >= blank_until_s else np.full_like(pictures[i], 128), (360, 640),
                             interpolation=cv2.INTER_AREA))
              for i in range(int(round(video_start_s * fps)), len(pictures)))
    return _encode_late(path, frames, fps, (360, 640), "20", audio, rate)


def test_late_video_stream_face_text_and_speech_times_count_from_the_file_start(tmp_path):
    """One time base for every analyzer: the video stream starts at 0.8 s, the picture
    (face + caption) at 1.5 s, speech at 0.5 s (clean's truth), all in file time."""
    from scoring.analyzers.faces import FacesAnalyzer
    from scoring.analyzers.onscreen_text import OnscreenTextAnalyzer
    from scoring.analyzers.speech import SpeechAnalyzer

    path = late_copy_of_clean(tmp_path / "late_clean.mp4")
    with av.open(str(path)) as c:
        assert float(c.streams.video[0].start_time * c.streams.video[0].time_base) == pytest.approx(0.8, abs=0.01)
    clip = decode_clip(str(path))
    ctx = AnalysisContext()
    faces = FacesAnalyzer().analyze(clip, ctx)
    assert faces.evidence["face_first_s"] == pytest.approx(1.5, abs=0.13)  # hook frames are 1/8 s apart
    text = OnscreenTextAnalyzer().analyze(clip, ctx)
    assert text.evidence["text_in_hook"] is True
    assert text.features["onscreen_text.first_s"] == pytest.approx(1.5, abs=0.26)  # OCR every 1/4 s
    speech = SpeechAnalyzer().analyze(clip, ctx)
    assert speech.evidence["speech_onset_s"] == pytest.approx(0.5, abs=0.1)
