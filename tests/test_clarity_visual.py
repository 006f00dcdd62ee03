"""Picture clarity measures against known answers: noise, sharpness, bars, blocks, shake, BRISQUE."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from scoring.analyzers import AnalysisContext
from scoring.analyzers.picture import PictureAnalyzer
from scoring.analyzers.visual_quality import (
    VisualQualityAnalyzer,
    blockiness,
    brisque_score,
    frame_shifts,
    luma,
    shake_level,
)
from scoring.media.clip import Clip, Frames, VideoInfo
from scoring.services.picture_measures import content_box, laplacian_sharpness, noise_sigma


def astronaut_gray() -> np.ndarray:
    return luma(data.astronaut())


def make_clip(frames: np.ndarray, stills: np.ndarray | None = None) -> Clip:
    """A Clip from RGB uint8 frames (N, H, W, 3) at 8 fps; ``stills`` default to the frames."""
    n, h, w = frames.shape[:3]
    info = VideoInfo("synthetic.mp4", 0, "mp4", n / 8, w, h, w, h, 0, 1.0, 8.0, "h264", None, False)
    times = np.arange(n) / 8.0
    st = frames if stills is None else stills
    return Clip(info, Frames(frames, times), Frames(frames, times), Frames(st, np.arange(len(st)) / 8.0), None)


def test_noise_sigma_known_answers():
    rng = np.random.default_rng(0)
    flat = np.full((540, 960), 128, np.float32)
    for sigma in (2.0, 10.0):
        assert noise_sigma(flat + rng.normal(0, sigma, flat.shape).astype(np.float32)) == pytest.approx(sigma, rel=0.05)
    assert noise_sigma(astronaut_gray()) < 2.5  # texture and edges are not read as noise


def test_sharpness_falls_with_blur_and_ignores_grain():
    g = astronaut_gray()
    sharp = laplacian_sharpness(g, noise_sigma(g))
    blurred = cv2.GaussianBlur(g, (0, 0), 2.0)
    assert laplacian_sharpness(blurred, noise_sigma(blurred)) < sharp - 0.7
    grainy = g + np.random.default_rng(1).normal(0, 5, g.shape).astype(np.float32)
    assert laplacian_sharpness(grainy) > sharp + 0.15  # raw Laplacian variance is fooled by grain
    assert laplacian_sharpness(grainy, noise_sigma(grainy)) == pytest.approx(sharp, abs=0.1)


def test_content_box_finds_letterbox_and_pillarbox_bars():
    img = np.zeros((1080, 1920), np.float32)
    img[:, 420:1500] = cv2.resize(astronaut_gray(), (1080, 1080))
    top, bottom, left, right = content_box(img)
    assert (top, bottom) == (0, 1080)
    assert left == pytest.approx(420, abs=12) and right == pytest.approx(1500, abs=12)
    assert content_box(np.zeros((90, 160), np.float32)) == (0, 90, 0, 160)  # all black: keep everything


def test_blockiness_higher_for_heavy_quantisation():
    img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)

    def jpeg(quality: int) -> np.ndarray:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY).astype(np.float32)

    clean, mild, heavy = blockiness(jpeg(95)), blockiness(jpeg(50)), blockiness(jpeg(8))
    assert clean < 0.1 < heavy
    assert clean < mild < heavy
    assert heavy > clean + 0.3
    # the grid is found whatever the crop: shift by 3 px
    assert blockiness(jpeg(8)[3:, 5:]) == pytest.approx(heavy, rel=0.2)


def _jpeg_grey(quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY).astype(np.float32)


def test_block_edge_share_finds_seams_between_flattened_blocks():
    from scoring.analyzers.visual_quality import block_edge_share

    shares = [block_edge_share(_jpeg_grey(q)) for q in (95, 50, 20, 10)]
    assert shares[0] < 0.1 and shares == sorted(shares) and shares[1] > 0.3
    assert block_edge_share(cv2.GaussianBlur(_jpeg_grey(95), (0, 0), 3)) < 0.05  # blur is not blocking
    assert block_edge_share(np.zeros((10, 10), np.float32)) is None


def test_block_edges_do_not_read_as_sharpness():
    from scoring.services.picture_measures import block_phases, deblock, edge_sharpness

    sharp = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY).astype(np.float32)
    # the same picture as flat 8x8 blocks: the detail inside them is gone, seams are added
    blocks = cv2.resize(cv2.resize(sharp, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA),
                        None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    assert block_phases(blocks, 0) == [7] and block_phases(blocks, 1) == [7]
    assert block_phases(sharp, 0) == [] and block_phases(sharp, 1) == []
    assert laplacian_sharpness(blocks) > laplacian_sharpness(sharp) - 0.2  # the seams read as edges
    assert edge_sharpness(blocks, 0.0, 512) < edge_sharpness(sharp, 0.0, 512) - 0.5  # not after deblocking
    smooth = cv2.GaussianBlur(sharp, (0, 0), 2)
    assert np.array_equal(deblock(smooth), smooth)  # no grid: untouched


def _sequence(offsets: list[tuple[int, int]]) -> np.ndarray:
    """Crops (320x180 portrait) of the astronaut at the given (dx, dy) pixel offsets."""
    big = cv2.resize(data.astronaut(), (400, 400))
    return np.stack([big[40 + dy:360 + dy, 100 + dx:280 + dx] for dx, dy in offsets])


def test_shake_higher_for_jittered_than_steady_or_panning():
    rng = np.random.default_rng(2)
    steady = _sequence([(0, 0)] * 16)
    pan = _sequence([(2 * i, i) for i in range(16)])  # a smooth pan: 2 px right, 1 px down per frame
    jitter = _sequence([tuple(rng.integers(-8, 9, 2)) for _ in range(16)])
    levels = {}
    for name, seq in (("steady", steady), ("pan", pan), ("jitter", jitter)):
        shifts, valid = frame_shifts(seq)
        levels[name] = shake_level(shifts, valid)
    assert levels["steady"] < 0.2 and levels["pan"] < 0.3
    assert levels["jitter"] > 2.0
    assert frame_shifts(steady[:1])[0].shape == (0, 2)
    assert shake_level(*frame_shifts(steady[:2])) is None  # one motion step: no change to measure


def test_brisque_matches_the_reference_model_and_ranks_distortions():
    g = astronaut_gray() / 255.0
    # brisque 0.2.0's own score() gives 10.79 on skimage's astronaut (its rgb2gray; ours is BT.601 luma)
    assert brisque_score(g) == pytest.approx(10.8, abs=3.0)
    blurred = cv2.GaussianBlur(g, (0, 0), 3.0)
    noisy = np.clip(g + np.random.default_rng(3).normal(0, 0.08, g.shape), 0, 1)
    assert brisque_score(blurred) > brisque_score(g) + 40
    assert brisque_score(noisy) > brisque_score(g) + 20
    assert brisque_score(np.zeros((8, 8))) is None


def test_dark_clip_reports_crushed_pixels_and_low_brightness():
    img = cv2.resize(data.astronaut(), (360, 640))
    clean = np.stack([img] * 4)
    dark = (clean.astype(np.float32) * 0.12).astype(np.uint8)
    f_clean = PictureAnalyzer().analyze(make_clip(clean), AnalysisContext()).features
    f_dark = PictureAnalyzer().analyze(make_clip(dark), AnalysisContext()).features
    assert f_dark["picture.brightness"] < 0.1 < f_clean["picture.brightness"]
    assert f_dark["picture.crushed_ratio"] > 0.5 > f_clean["picture.crushed_ratio"]


def test_letterboxed_picture_measures_like_the_picture():
    img = cv2.resize(data.astronaut(), (360, 360))
    boxed = np.zeros((3, 640, 360, 3), np.uint8)
    boxed[:, 140:500] = img
    f_box = PictureAnalyzer().analyze(make_clip(boxed), AnalysisContext()).features
    f_img = PictureAnalyzer().analyze(make_clip(np.stack([img] * 3)), AnalysisContext()).features
    assert f_box["picture.crushed_ratio"] == pytest.approx(f_img["picture.crushed_ratio"], abs=0.02)
    assert f_box["picture.sharpness"] == pytest.approx(f_img["picture.sharpness"], abs=0.1)


def test_visual_quality_on_black_and_one_frame():
    black = np.zeros((1, 64, 36, 3), np.uint8)
    sig = VisualQualityAnalyzer().analyze(make_clip(black), AnalysisContext())
    assert sig.features["visual_quality.shake"] is None
    assert set(sig.evidence) == {"visual_quality"}
    clean = np.stack([cv2.resize(data.astronaut(), (360, 640))] * 2)
    q = VisualQualityAnalyzer().analyze(make_clip(clean), AnalysisContext()).features
    assert 0 <= q["visual_quality.quality"] <= 100 and q["visual_quality.shake"] is None
