"""Degradation ladders (fixtures/ladders, made by fixtures/generate_ladders.py): in every
group, clarity falls as the level rises; the numbers behind the reasons match the recipe."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from scoring.analyzers import AnalysisContext, get_analyzer_class
from scoring.media import decode_clip
from scoring.scorers import load_scorer

LADDERS = Path(__file__).resolve().parent.parent / "fixtures" / "ladders"
# What the clarity models read, in run order (speech before the analyzers that need it).
ANALYZERS = ("format", "speech", "loudness", "audio_quality", "dnsmos", "picture", "visual_quality")
SNR_BY_LEVEL = {1: 30.0, 2: 20.0, 3: 10.0, 4: 5.0, 5: 0.0}


@pytest.fixture(scope="module")
def ladder_features() -> dict[str, dict]:
    """Flat features of every ladder clip (each decoded once)."""
    analyzers = [get_analyzer_class(name)() for name in ANALYZERS]
    suite = json.loads((LADDERS / "suite.json").read_text())
    out: dict[str, dict] = {}
    for entry in suite["clips"]:
        if entry["path"] in out:
            continue
        clip = decode_clip(str(LADDERS / entry["path"]))
        ctx = AnalysisContext()
        features: dict = {}
        for a in analyzers:
            ctx.upstream[a.name] = sig = a.analyze(clip, ctx)
            features.update(sig.features)
        out[entry["path"]] = features
    return out


def _groups() -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for entry in json.loads((LADDERS / "suite.json").read_text())["clips"]:
        groups[entry["quality_group"]].append((entry["quality_level"], entry["path"]))
    return groups


def test_suite_lists_every_group_with_a_clean_level():
    groups = _groups()
    assert {"blur", "noise", "compression", "dark", "downscale", "shake", "audio_noise", "audio_clipping",
            "audio_lowpass", "audio_quiet", "audio_music"} <= set(groups)
    for name, rungs in groups.items():
        levels = sorted(level for level, _ in rungs)
        assert levels[0] == 0 and len(levels) >= 5, name
        assert all((LADDERS / path).is_file() for _, path in rungs), name


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["full", "fast"])
def test_clarity_falls_as_level_rises_in_every_group(ladder_features, profile):
    scorers = {name: load_scorer(name) for name in ("audio_clarity", "visual_clarity")}
    failures = []
    for group, rungs in sorted(_groups().items()):
        scorer = scorers["audio_clarity" if group.startswith("audio") else "visual_clarity"]
        levels, scores = [], []
        for level, path in sorted(rungs):
            features = dict(ladder_features[path])
            if profile == "fast":  # DNSMOS runs in the full profile only
                features = {k: v for k, v in features.items() if not k.startswith("dnsmos.")}
            levels.append(level)
            scores.append(scorer.score(features).value)
        rho = spearmanr(levels, scores).statistic
        if not rho <= -0.9:
            failures.append(f"{group}: spearman {rho:.2f}, scores by level {scores}")
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_ladder_measurements_match_the_recipe(ladder_features):
    groups = _groups()
    for level, path in groups["audio_noise"]:
        if level:
            assert ladder_features[path]["audio_quality.snr_db"] == pytest.approx(SNR_BY_LEVEL[level], abs=3.0), path
    clean_a = ladder_features["audio_clean.mp4"]
    assert clean_a["audio_quality.snr_db"] > 40 and clean_a["loudness.lufs"] == pytest.approx(-16, abs=1.0)
    assert ladder_features["audio_music_4.mp4"]["audio_quality.music_bed"] is True
    assert ladder_features["audio_lowpass_3.mp4"]["audio_quality.speech_hf_db"] < clean_a["audio_quality.speech_hf_db"] - 20
    assert ladder_features["audio_clipping_2.mp4"]["loudness.clipping_ratio"] > 0.03
    assert ladder_features["audio_quiet_4.mp4"]["loudness.lufs"] == pytest.approx(-44, abs=1.0)
    clean_v = ladder_features["visual_clean.mp4"]
    assert ladder_features["shake_4.mp4"]["visual_quality.shake"] > 4 > 0.3 > clean_v["visual_quality.shake"]
    assert ladder_features["compression_4.mp4"]["visual_quality.blockiness"] > clean_v["visual_quality.blockiness"] + 0.3
    assert ladder_features["noise_4.mp4"]["picture.noise_level"] > clean_v["picture.noise_level"] + 5
    assert ladder_features["dark_4.mp4"]["picture.brightness"] < 0.15 < clean_v["picture.brightness"]


@pytest.mark.slow
def test_noise_at_0_db_costs_at_least_20_points(ladder_features):
    audio = load_scorer("audio_clarity")
    clean = audio.score(ladder_features["audio_clean.mp4"])
    noisy = audio.score(ladder_features["audio_noise_5.mp4"])
    assert noisy.value <= clean.value - 20
    texts = [r.text for r in noisy.reasons]
    assert any(t.startswith("background noise: SNR") for t in texts), texts


@pytest.mark.slow
def test_reasons_name_each_degradation(ladder_features):
    expected = {
        "audio_clipping_3.mp4": ("audio_clarity", "clipping in"),
        "audio_music_4.mp4": ("audio_clarity", "music drowns the voice"),
        "audio_lowpass_4.mp4": ("audio_clarity", "muffled speech"),
        "audio_quiet_3.mp4": ("audio_clarity", "too quiet"),
        "shake_4.mp4": ("visual_clarity", "shaky camera"),
        "compression_4.mp4": ("visual_clarity", "blocky compression"),
        "blur_4.mp4": ("visual_clarity", "soft focus"),
        "dark_4.mp4": ("visual_clarity", "dark:"),
        "noise_4.mp4": ("visual_clarity", "grainy picture"),
    }
    for path, (model, words) in expected.items():
        texts = [r.text for r in load_scorer(model).score(ladder_features[path]).reasons]
        assert any(words in t for t in texts), f"{path}: {texts}"
