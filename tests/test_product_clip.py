"""CLIP zero-shot product presence: real loading and inference code on a tiny random CLIPModel
saved in the test (no weights ship anywhere), and a clear "unavailable" without a model."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.analyzers.base import AnalysisContext, Signals
from scoring.analyzers.clip_zero_shot import NO_MODEL, ClipZeroShotAnalyzer, load_clip, product_probability
from scoring.media.clip import AudioTrack, Clip, Frames, SamplingPlan, VideoInfo

TERMS = {"brand": ["Acme"], "products": ["Acme Cold Brew"], "cta": []}
WORDS = ("a photo of acme cold brew product person talking room an animal landscape text on plain "
         "background street").split()


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    """A random 2-layer CLIPModel (32 px images) with a word-level tokenizer, saved to a folder."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-clip")
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(folder)
    config = CLIPConfig(
        text_config={"vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
                     "num_attention_heads": 4, "max_position_embeddings": 32},
        vision_config={"image_size": 32, "patch_size": 8, "hidden_size": 32, "intermediate_size": 37,
                       "num_hidden_layers": 2, "num_attention_heads": 4},
        projection_dim=16)
    import torch

    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    return str(folder)


def _clip(n: int = 6) -> Clip:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (n, 64, 36, 3), dtype=np.uint8)
    frames = Frames(images, np.arange(n) * 0.5)
    info = VideoInfo("x.mp4", 1, "mp4", n * 0.5, 36, 64, 36, 64, 0, 1.0, 24.0, "h264", None, False)
    audio: AudioTrack | None = None
    return Clip(info, frames, frames, frames, audio, SamplingPlan())


def test_tiny_model_loads_and_scores(tiny_clip):
    bundle = load_clip(tiny_clip)
    assert bundle.size == 32
    probs = product_probability(_clip().body.images, ["a photo of acme cold brew", "a photo of a room"], 1, bundle)
    assert probs.shape == (6,) and np.all((probs >= 0) & (probs <= 1))
    ctx = AnalysisContext(terms=TERMS, clip_model=tiny_clip)
    sig = ClipZeroShotAnalyzer().analyze(_clip(), ctx)
    f = sig.features
    assert f["clip_zero_shot.available"] is True and f["clip_zero_shot.note"] is None
    assert f["clip_zero_shot.frames"] == 6
    assert 0.0 <= f["clip_zero_shot.max_prob"] <= 1.0 and 0.0 <= f["clip_zero_shot.visible_ratio"] <= 1.0
    # no packshot analyzer ran: CLIP speaks for the product evidence
    assert set(sig.evidence) == {"product_first_seen_s", "product_visible_ratio"}
    again = ClipZeroShotAnalyzer().analyze(_clip(), ctx)
    assert again.to_dict() == sig.to_dict()


def test_defers_to_packshots_when_they_exist(tiny_clip):
    ctx = AnalysisContext(terms=TERMS, clip_model=tiny_clip,
                          upstream={"packshot": Signals(features={"packshot.available": True})})
    assert ClipZeroShotAnalyzer().analyze(_clip(), ctx).evidence == {}


@pytest.mark.parametrize("model, why", [(None, NO_MODEL), ("/nonexistent/clip", "could not be loaded")])
def test_unavailable_without_weights(model, why):
    sig = ClipZeroShotAnalyzer().analyze(_clip(), AnalysisContext(terms=TERMS, clip_model=model))
    f = sig.features
    assert f["clip_zero_shot.available"] is False
    assert why in f["clip_zero_shot.note"]
    assert all(v is None for k, v in f.items() if k not in ("clip_zero_shot.available", "clip_zero_shot.note"))
    assert sig.evidence == {}


def test_campaign_clip_path_reaches_the_analyzer(tmp_path, tiny_clip):
    from scoring.campaign import campaign_from_dict
    from scoring.pipeline import RunSettings, Worker

    camp = campaign_from_dict({"products": ["Acme Cold Brew"], "models": {"clip": tiny_clip}},
                              source=tmp_path / "c.toml")
    worker = Worker(RunSettings(campaign=camp, profile="full"))
    assert worker.context["clip_model"] == tiny_clip
    by_name = {a.name: a for a in worker.analyzers}
    other = Worker(RunSettings(campaign=campaign_from_dict({"products": ["Other"]}), profile="full"))
    # campaign-dependent analyzers must not share cache entries across campaigns
    assert by_name["clip_zero_shot"].config_hash() != {a.name: a for a in other.analyzers}["clip_zero_shot"].config_hash()
    # the recogniser is given the campaign's names as hotwords, so its results depend on them too
    assert by_name["asr"].config_hash() != {a.name: a for a in other.analyzers}["asr"].config_hash()
    # an analyzer that reads nothing of the campaign shares its cache entries across campaigns
    assert by_name["faces"].config_hash() == {a.name: a for a in other.analyzers}["faces"].config_hash()
