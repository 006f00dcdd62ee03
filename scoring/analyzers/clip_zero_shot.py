"""Optional: is the product on screen, by CLIP zero-shot image-text similarity.

No CLIP weights ship in any wheel, so this runs only when the campaign names a local model
folder (``[models] clip = "/path/to/clip-vit-base-patch32"``, a Hugging Face ``CLIPModel``
saved with its tokenizer). Without one it reports itself unavailable (``available`` False,
``note`` says why, every other feature None) and never raises. It complements the packshot
matcher: it needs no packshot and tolerates a different pack or angle, but it is coarser.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # OpenAI CLIP's pixel normalisation
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
NEGATIVES: tuple[str, ...] = (
    "a photo of a person talking", "a photo of a room", "a photo of an animal", "a photo of a landscape",
    "a photo of text on a plain background", "a photo of a street",
)
NO_MODEL = 'no CLIP model: set [models] clip = "/path/to/clip" in the campaign (no weights are bundled)'


@dataclass(frozen=True)
class ClipConfig:
    """Attributes:
    max_frames: body frames scored, evenly spread (a ViT-B/32 frame costs about 50 ms on CPU).
    threshold: summed softmax probability of the product prompts (0-1) for "on screen".
    """

    max_frames: int = 16
    threshold: float = 0.5


@dataclass
class ClipBundle:
    """A loaded CLIP: ``model`` (transformers CLIPModel, eval mode), ``tokenizer``, input
    ``size`` (px) and per-channel ``mean`` / ``std`` (0-1 scale)."""

    model: object
    tokenizer: object
    size: int
    mean: np.ndarray
    std: np.ndarray


@functools.lru_cache(maxsize=2)
def load_clip(path: str, stamp: float = 0.0) -> ClipBundle:
    """Load a CLIPModel and its tokenizer from a local folder (local files only); raises on failure.

    ``stamp`` (the folder's mtime) is only part of the cache key.
    """
    from transformers import AutoTokenizer, CLIPModel

    model = CLIPModel.from_pretrained(path, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    mean, std = CLIP_MEAN, CLIP_STD
    pre = Path(path) / "preprocessor_config.json"
    if pre.is_file():
        cfg = json.loads(pre.read_text())
        mean, std = cfg.get("image_mean", mean), cfg.get("image_std", std)
    return ClipBundle(model, tokenizer, int(model.config.vision_config.image_size),
                      np.float32(mean), np.float32(std))


def pixels(images: np.ndarray, bundle: ClipBundle) -> np.ndarray:
    """RGB uint8 frames (N, H, W, 3) -> CLIP input (N, 3, size, size) float32: short side
    resized to ``size`` (bicubic), centre crop, normalised."""
    out = []
    s = bundle.size
    for img in images:
        h, w = img.shape[:2]
        scale = s / min(h, w)
        small = cv2.resize(img, (max(s, round(w * scale)), max(s, round(h * scale))), interpolation=cv2.INTER_CUBIC)
        y, x = (small.shape[0] - s) // 2, (small.shape[1] - s) // 2
        crop = small[y:y + s, x:x + s].astype(np.float32) / 255.0
        out.append(((crop - bundle.mean) / bundle.std).transpose(2, 0, 1))
    return np.stack(out).astype(np.float32)


def _unit(out: object):
    """transformers 5 returns an output object from get_*_features: take its pooled embedding."""
    emb = getattr(out, "pooler_output", out)
    return emb / emb.norm(dim=-1, keepdim=True)


def product_probability(images: np.ndarray, prompts: list[str], n_positive: int, bundle: ClipBundle) -> np.ndarray:
    """Per-frame probability (N,) that a frame shows one of the first ``n_positive`` prompts."""
    import torch

    model = bundle.model
    with torch.inference_mode():
        text = bundle.tokenizer(prompts, padding=True, return_tensors="pt")
        t = _unit(model.get_text_features(input_ids=text["input_ids"], attention_mask=text.get("attention_mask")))
        v = _unit(model.get_image_features(pixel_values=torch.from_numpy(pixels(images, bundle))))
        logits = model.logit_scale.exp() * v @ t.T  # (N, prompts)
        probs = logits.softmax(dim=-1)[:, :n_positive].sum(dim=-1)
    return probs.numpy().astype(np.float64)


class ClipZeroShotAnalyzer(Analyzer):
    """Product presence by CLIP zero-shot (full profile; only with a local CLIP model).

    Prompts: "a photo of <product>" per campaign product (and "<brand> product"), against
    generic scenes. Features: ``available`` (a model loaded and something to look for),
    ``note`` (why not, or None), ``max_prob`` (0-1), ``visible_ratio`` (share of scored
    frames at or above ``threshold``, 0-1), ``first_s`` (s), ``frames`` (frames scored).
    Evidence: ``product_first_seen_s`` / ``product_visible_ratio`` only when the packshot
    matcher had no packshots to work with. Events: ``product`` at each frame above threshold.
    """

    name = "clip_zero_shot"
    version = "1"
    Config = ClipConfig
    event_kinds = (EventKind("product", "product", "#2b8a3e"),)
    after = ("packshot",)
    profiles = frozenset({"full"})
    context_fields = ("clip_model", "terms")
    features = (
        Feature("available", "bool", None, "a CLIP model loaded and something to look for"),
        Feature("note", "str", None, "why not available; None"),
        Feature("max_prob", "number", "0-1", "highest product probability over the scored frames"),
        Feature("visible_ratio", "number", "0-1", "share of scored frames at or above the threshold"),
        Feature("first_s", "number", "s", "first frame at or above the threshold"),
        Feature("frames", "int", None, "frames scored"),
    )
    evidence_keys = ("product_first_seen_s", "product_visible_ratio")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the campaign's local CLIP model, when it names one."""
        path = getattr(ctx, "clip_model", None) if ctx is not None else None
        if path and os.path.isdir(path):
            load_clip(os.path.abspath(path), _mtime(path))

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: ClipConfig = self.config
        products = list(ctx.terms.get("products", []))
        brands = ctx.terms.get("brand", [])
        prompts = [f"a photo of {p}" for p in products] + ([f"a photo of a {brands[0]} product"] if brands else [])
        if not ctx.clip_model:
            return self._unavailable(NO_MODEL)
        if not prompts:
            return self._unavailable("no products or brand in the campaign to look for")
        try:
            bundle = load_clip(os.path.abspath(ctx.clip_model), _mtime(ctx.clip_model))
        except Exception as exc:  # a bad path or incomplete folder must not fail the video
            return self._unavailable(f"CLIP model at {ctx.clip_model} could not be loaded: {type(exc).__name__}: {exc}")
        n = len(clip.body)
        if n == 0:
            return self._unavailable("no frames")
        idx = np.unique(np.round(np.linspace(0, n - 1, min(n, cfg.max_frames))).astype(int))
        probs = product_probability(clip.body.images[idx], prompts + list(NEGATIVES), len(prompts), bundle)
        times = clip.body.times[idx]
        hits = [i for i, p in enumerate(probs) if p >= cfg.threshold]
        first = round(float(times[hits[0]]), 3) if hits else None
        ratio = round(len(hits) / len(idx), 4)
        features = {"available": True, "note": None, "max_prob": round(float(probs.max()), 4),
                    "visible_ratio": ratio, "first_s": first, "frames": len(idx)}
        evidence = {}
        packshot = ctx.upstream.get("packshot")
        if packshot is None or not packshot.features.get("packshot.available"):
            evidence = {"product_first_seen_s": first, "product_visible_ratio": ratio if hits else None}
        events = [Event(t=round(float(times[i]), 3), kind="product", source="video",
                        label=f"product (CLIP zero-shot, p = {probs[i]:.2f})") for i in hits]
        return self.signals(features, evidence, events)

    def _unavailable(self, why: str) -> Signals:
        return self.signals({**dict.fromkeys(self.feature_keys), "available": False, "note": why})


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
