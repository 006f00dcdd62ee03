"""Picture basics: sharpness, exposure and noise, measured at a fixed reference size."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.picture_measures import (
    crop_content,
    flashes,
    noise_sigma,
    sharpness_pair,
)


@dataclass(frozen=True)
class PictureConfig:
    reference_short_side: int = 540
    crushed_level: float = 16 / 255
    blown_level: float = 250 / 255
    exposure_median_px: int = 5  # median filter size for crushed/blown shares, at analysis size
    noise_margin: float = 1.5  # noise sigmas (beyond the invisible part) added to the crushed/blown limits
    invisible_noise: float = 1.5  # grain under this sigma (8-bit levels, 540-px size) is not seen
    # The subject counts when it is this much sharper than the whole picture: on real
    # footage the sharpest quarter reads 0-0.5 above the whole (CRF ladders of 13 sources),
    # so only a subject set clearly apart from its background (bokeh) changes the judgment.
    subject_margin: float = 0.5
    # A flash or light leak: a frame at least this much brighter (mean luma, 0-255) than the
    # 2 s around it with its contrast down to 70 % of theirs, in runs of at most 1 s. On 17
    # real clips: white-flash and light-leak transitions read 1-15 % of the frames, a steady
    # white logo card, bright selfies and sunny scenes 0.
    flash_rise: float = 30.0


class PictureAnalyzer(Analyzer):
    """Sharpness (:func:`edge_sharpness`: log10 of 1 + Laplacian variance of the
    median-denoised picture at a 540-px short side, median over stills), subject sharpness
    (:func:`subject_sharpness`: the same on the sharpest quarter of the picture), focus
    sharpness (the sharpness judged: the whole picture's, or the subject's less
    ``subject_margin`` when that is higher, so deliberate background blur is not soft
    focus), brightness (mean
    luma 0-1 over body frames), crushed/blown pixel shares (0-1, on a 5x5 median-filtered
    picture; limits moved in by 1.5 sigmas of visible noise), contrast (luma std 0-1) and
    noise (sigma, 8-bit levels, Immerkaer on the flattest half of the stills at their
    native resolution). Letterbox/pillarbox bars are cut off first (:func:`content_box`).
    ``flash_share`` / ``flashes``: the share of frames (0-1) washed out by flashes or light
    leaks and their count (:func:`flashes`, on every frame's signature; None without
    signatures)."""

    name = "picture"
    version = "7"
    Config = PictureConfig
    features = (
        Feature("sharpness", "number", None,
                "log10(1 + Laplacian variance) of the deblocked, denoised picture at a 540-px short side, "
                "median over stills; None without stills"),
        Feature("subject_sharpness", "number", None,
                "as sharpness, on the sharpest quarter of tiles, median over stills; None without stills"),
        Feature("focus_sharpness", "number", None,
                "the sharpness judged: max(sharpness, subject_sharpness - subject_margin); None without stills"),
        Feature("brightness", "number", "0-1",
                "mean luma over body frames (bars cut off); None without body frames"),
        Feature("crushed_ratio", "number", "0-1",
                "share of body pixels (5x5 median) below level 16 (of 255) plus a noise margin; "
                "None without body frames"),
        Feature("blown_ratio", "number", "0-1",
                "share of body pixels (5x5 median) above level 250 (of 255) less a noise margin; "
                "None without body frames"),
        Feature("contrast", "number", "0-1",
                "mean over body frames of the luma standard deviation; None without body frames"),
        Feature("noise_level", "number", "8-bit levels",
                "noise sigma (Immerkaer, flattest half, native size), median over stills; None without stills"),
        Feature("flash_share", "number", "0-1",
                "share of frames before the end card washed out by flashes or light leaks; "
                "None without signatures or under 8 frames"),
        Feature("flashes", "int", None,
                "flashes or light leaks (washed-out runs of at most 1 s); None without signatures or under 8 frames"),
    )
    evidence_keys = ("sharpness", "brightness", "noise_level")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: PictureConfig = self.config
        natives = [cv2.cvtColor(crop_content(img), cv2.COLOR_RGB2GRAY).astype(np.float32) for img in clip.stills.images]
        noises = [noise_sigma(g) for g in natives]
        pairs = [sharpness_pair(g, n, cfg.reference_short_side) for g, n in zip(natives, noises)]
        sharp = float(np.median([p[0] for p in pairs])) if pairs else None
        subject = float(np.median([p[1] for p in pairs])) if pairs else None
        noise = float(np.median(noises)) if natives else None
        lumas = [crop_content(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)) for f in clip.body.images]
        if lumas:
            # Clipping is judged on a median-filtered picture, with the limits moved in by
            # the grain: detail within a few noise sigmas of black or white is lost, and
            # grain lifting pixels out of a crushed shadow does not bring its detail back.
            margin = cfg.noise_margin * max(0.0, (noise or 0.0) - cfg.invisible_noise)
            low, high = cfg.crushed_level * 255 + margin, cfg.blown_level * 255 - margin
            n = total = n_crushed = n_blown = 0
            for y in lumas:
                smooth = cv2.medianBlur(y, cfg.exposure_median_px)
                n += y.size
                total += int(y.sum(dtype=np.uint64))
                n_crushed += int(np.count_nonzero(smooth < low))
                n_blown += int(np.count_nonzero(smooth > high))
            brightness = total / n / 255.0
            crushed, blown = n_crushed / n, n_blown / n
            contrast = float(np.mean([y.std(dtype=np.float32) for y in lumas])) / 255.0
        else:
            brightness = crushed = blown = contrast = None
        sig = clip.signatures
        flash = flashes(sig.times, sig.luma, clip.content_end_s, cfg.flash_rise) if sig is not None else None
        features = {
            "flash_share": None if flash is None else round(flash[0], 4),
            "flashes": None if flash is None else flash[1],
            "sharpness": _round(sharp, 3),
            "subject_sharpness": _round(subject, 3),
            "focus_sharpness": _round(None if sharp is None else max(sharp, (subject or 0.0) - cfg.subject_margin), 3),
            "brightness": _round(brightness, 4),
            "crushed_ratio": _round(crushed, 4),
            "blown_ratio": _round(blown, 4),
            "contrast": _round(contrast, 4),
            "noise_level": _round(noise, 3),
        }
        evidence = {"sharpness": features["sharpness"], "brightness": features["brightness"],
                    "noise_level": features["noise_level"]}
        return self.signals(features, evidence)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
