"""Brand, product and call-to-action mentions in speech (ASR words) and on-screen text (OCR),
plus partnership disclosure.

Matching is made robust to how ASR and OCR spell things: case, punctuation, possessives
("Acme's"), spaces ("Comfy UI" = "ComfyUI", "ACME 20" = "ACME20"), numbers said as words
("ACME twenty" = "ACME20") and small recognition errors (an edit distance of about one
character in five, none for names of four letters or fewer: "acne" is not "Acme").
Speech and text sentences that do not name a product but are close in meaning to its
description count as semantic product mentions (all-MiniLM-L6-v2, cosine >= 0.5).

On-screen text: the lines the ``onscreen_text`` analyzer read (hook and body frames), taken
from its Signals (one text event per distinct line, first seen); nothing is read again here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip
from scoring.services import phrases
from scoring.services.language import language_name

CTA_PHRASES: tuple[str, ...] = phrases.CTA["en"]
DISCLOSURES: tuple[str, ...] = tuple(p for p in phrases.DISCLOSURE["en"] if not p.startswith("#"))
HASHTAG_AD = re.compile(r"(?:^|\s)#\s?(?:ad|ads|sponsored|partner|spon)\b", re.IGNORECASE)
SEMANTIC_THRESHOLD = 0.5

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000}


@dataclass
class Token:
    """One normalised token (lower-case letters and digits), the time it was said or seen (s)
    and the index of the whitespace word it came from."""

    text: str
    t: float
    w: int = 0


@dataclass
class Found:
    """A phrase found: canonical ``term``, ``t`` seconds, ``source`` speech|text, ``heard`` context."""

    term: str
    t: float
    source: str
    heard: str


def _word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc")  # Indic vowel signs are part of words


def _pieces(word: str) -> list[str]:
    """The runs of letters, digits and combining marks in ``word``."""
    out, cur = [], ""
    for ch in word:
        if _word_char(ch):
            cur += ch
        elif cur:
            out.append(cur)
            cur = ""
    return out + [cur] if cur else out


def tokens(text: str, t: float | list[float]) -> list[Token]:
    """Normalised tokens of ``text``; ``t`` is one time for all, or one per whitespace word.

    Folded (:func:`phrases.fold`: case, Latin and Arabic diacritics, full-width forms),
    punctuation dropped, possessive 's removed, '%' -> 'percent', runs of English number
    words -> digits ("twenty four" -> "24"). Any script: a token is a run of letters,
    digits and combining marks.
    """
    words = text.split()
    times = t if isinstance(t, list) else [t] * len(words)
    raw: list[Token] = []
    for k, (word, when) in enumerate(zip(words, times)):
        w = phrases.fold(word)
        w = re.sub(r"['’]s\b", "", w.replace("%", " percent "))
        raw.extend(Token(p, when, k) for p in _pieces(w))
    return _numbers(raw)


def _numbers(toks: list[Token]) -> list[Token]:
    """Collapse runs of English number words into one digit token (0-999999)."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        if toks[i].text not in _UNITS and toks[i].text not in _TENS:
            out.append(toks[i])
            i += 1
            continue
        total, current, j = 0, 0, i
        while j < len(toks):
            w = toks[j].text
            if w in _UNITS:
                current += _UNITS[w]
            elif w in _TENS:
                current += _TENS[w]
            elif w in _SCALES and current:
                current *= _SCALES[w]
                if w == "thousand":
                    total, current = total + current, 0
            elif w == "and" and current >= 100 and j + 1 < len(toks) and toks[j + 1].text in _UNITS | _TENS:
                pass  # "one hundred and twenty"
            else:
                break
            j += 1
        out.append(Token(str(total + current), toks[i].t, toks[i].w))
        i = j
    return out


def _key(text: str) -> str:
    return "".join(tok.text for tok in tokens(text, 0.0))


def _within(a: str, b: str, k: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` at most ``k`` (rapidfuzz, stops past ``k``)."""
    return Levenshtein.distance(a, b, score_cutoff=k) <= k


def allowed_edits(key: str) -> int:
    """Edits tolerated for a normalised phrase: 0 up to 4 characters, then one per 5."""
    return 0 if len(key) <= 4 else max(1, len(key) // 5)


_SOUNDS = str.maketrans({"c": "k", "q": "k", "g": "k", "j": "k", "x": "k", "z": "s", "v": "f", "d": "t",
                         "b": "p", "n": "m"})


def phonetic_key(text: str) -> str:
    """A rough sound key of a normalised word: the first letter, then consonants by class
    (c/k/q/g/j/x, s/z, f/v/ph, t/d, p/b, m/n), vowels and h/w/y dropped, repeats merged.
    "Oatly", "Otley" and "oat lee" all read "otl"."""
    if not text:
        return ""
    body = text[1:].replace("ph", "f").replace("ck", "k").translate(_SOUNDS)
    out = text[0]
    for ch in body:
        if ch in "aeiouhwy" or ch == out[-1]:
            continue
        out += ch
    return out


def consonants(text: str) -> str:
    """The consonant letters of a normalised word in order, exactly as spelled (ph -> f,
    ck -> k), vowels and h/w/y dropped, repeats merged: "Oatly", "Otley", "oat lee" -> "tl";
    "oddly" -> "dl"."""
    out = ""
    for ch in text.replace("ph", "f").replace("ck", "k"):
        if ch not in "aeiouhwy" and not out.endswith(ch):
            out += ch
    return out


def find(toks: list[Token], term: str, phonetic: bool = False) -> list[tuple[int, int]]:
    """Non-overlapping token spans [i, j) whose joined text is within edit tolerance of ``term``.

    ``phonetic``: also accept a span (one or two words) with the same :func:`phonetic_key`
    and the same :func:`consonants` (only vowels may differ) at most one more edit than
    the tolerance away, or one extra sound before the name: a name the recogniser spelled
    by ear ("Otley", "moatly" for "Oatly"; not "oddly", whose d is not Oatly's t). Used
    for brand and product names in speech."""
    key = _key(term)
    if not key:
        return []
    if phrases.unspaced(key):  # Japanese, Chinese, Korean, Thai: words are not spaced, find substrings
        return _substrings(toks, key)
    k = allowed_edits(key)
    sound = phonetic_key(key) if phonetic and len(key) >= 4 else ""
    skeleton = consonants(key)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        hit = None
        # ASR and OCR errors rarely touch the first letter; by ear, a sound may run into it ("moatly")
        if toks[i].text[0] == key[0] or (sound and toks[i].text[1:2] == key[0]):
            joined = ""
            for j in range(i, len(toks)):
                joined += toks[j].text
                if len(joined) > len(key) + k + (1 if sound else 0):
                    break
                if _within(joined, key, k) or (sound and j - i < 2 and phonetic_key(joined) == sound
                                               and consonants(joined) == skeleton
                                               and _within(joined, key, k + 1)):
                    hit = (i, j + 1)
                    break
        if hit:
            spans.append(hit)
            i = hit[1]
        else:
            i += 1
    return spans


def _substrings(toks: list[Token], key: str) -> list[tuple[int, int]]:
    """Non-overlapping token spans [i, j) whose joined text holds ``key`` exactly."""
    joined, owner = "", []
    for i, tok in enumerate(toks):
        joined += tok.text
        owner += [i] * len(tok.text)
    spans: list[tuple[int, int]] = []
    at = joined.find(key)
    while at >= 0:
        a, b = owner[at], owner[at + len(key) - 1] + 1
        if not spans or a >= spans[-1][1]:
            spans.append((a, b))
        at = joined.find(key, at + len(key))
    return spans


def hashtags(line: str, tags: list[str]) -> list[str]:
    """The ``tags`` (each "#word", folded) written as hashtags in ``line`` ("#Anzeige", "# ad")."""
    low = phrases.fold(line)
    return [tag for tag in tags if re.search(r"(?:^|\s|\W)#\s?" + re.escape(tag[1:]) + r"(?!\w)", low)]


@dataclass(frozen=True)
class MentionsConfig:
    """Attributes:
    semantic_threshold: cosine (MiniLM) of a sentence to a product name for a semantic mention.
    early_s: brand named within this many seconds counts as early (ABCD: 5 s).
    """

    semantic_threshold: float = SEMANTIC_THRESHOLD
    early_s: float = 5.0


def speech_sentences(words: list[Event]) -> list[tuple[float, str, list[float]]]:
    """ASR word events -> clauses (start s, text, per-word times), split at . ! ? , ; : or 1 s pauses."""
    out: list[tuple[float, str, list[float]]] = []
    cur: list[Event] = []
    for w in words:
        if cur and w.t - (cur[-1].end or cur[-1].t) > 1.0:
            out.append((cur[0].t, " ".join(x.label for x in cur), [x.t for x in cur]))
            cur = []
        cur.append(w)
        if re.search(r"[.!?,;:]$", w.label):
            out.append((cur[0].t, " ".join(x.label for x in cur), [x.t for x in cur]))
            cur = []
    if cur:
        out.append((cur[0].t, " ".join(x.label for x in cur), [x.t for x in cur]))
    return out


def _text_lines_from_upstream(ctx: AnalysisContext) -> list[tuple[float, str]]:
    """(first seen s, line) from the ``onscreen_text`` analyzer's events (empty if it did not run)."""
    sig = ctx.upstream.get("onscreen_text")
    if sig is None:
        return []
    return [(float(e.t), e.text) for e in sig.events if e.kind == "text" and e.text]


def _scan(units: list[tuple[str, list[Token], str]], terms: list[str],
          names: bool = False, only: str | None = None) -> list[tuple[Found, int, tuple[int, int]]]:
    """Every match of ``terms`` in ``units`` (source, tokens, text): (found, unit index, span).
    ``names``: brand or product names, also matched by sound in speech. ``only``: units of
    that source (speech|text) only."""
    out = []
    for u, (source, toks, text) in enumerate(units):
        if only is not None and source != only:
            continue
        for term in terms:
            for a, b in find(toks, term, phonetic=names and source == "speech"):
                words = text.split()
                heard = " ".join(words[max(0, toks[a].w - 3):toks[b - 1].w + 4])
                out.append((Found(term, round(toks[a].t, 3), source, heard), u, (a, b)))
    return out


def _first_per_text(found: list[Found]) -> list[Found]:
    """On-screen text stays up for many frames: keep its first sighting per term; all speech."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in sorted(found, key=lambda f: f.t):
        if f.source == "text":
            if (f.term, f.heard.lower()) in seen:
                continue
            seen.add((f.term, f.heard.lower()))
        out.append(f)
    return out


def _semantic(units: list[tuple[str, list[Token], str]], skip: set[int], products: list[str],
              threshold: float) -> list[Found]:
    """Sentences close in meaning (MiniLM cosine >= ``threshold``) to a product, not already naming one."""
    todo = [u for u in range(len(units)) if u not in skip and len(units[u][1]) >= 3]
    if not todo or not products:
        return []
    from scoring.services.minilm import embed

    sims = embed([units[u][2] for u in todo]) @ embed(products).T  # (sentences, products) cosines
    out = []
    for row, u in zip(sims, todo):
        k = int(np.argmax(row))
        if row[k] >= threshold:
            source, toks, text = units[u]
            out.append(Found(products[k], round(toks[0].t, 3), source, text))
    return out


def _not_checked_in_speech(features: dict, language: str, untranscribed: bool, cta_found: bool) -> None:
    """Turn counts that found nothing into None (not measured) where the speech could not be
    checked, and say why in ``features["note"]`` (in place). Found mentions stay counted."""
    if untranscribed:
        for key, first in (("brand_count", "brand_first_s"), ("product_count", "product_first_s")):
            if features[key] == 0:
                features[key] = None
                features[first] = None
        if features["brand_count"] is None:
            features["brand_early"] = None
        if features["semantic_count"] == 0:
            features["semantic_count"] = None
        if features["named_count"] == 0:
            features["named_count"] = None
        if features["disclosure"] is False:
            features["disclosure"] = None
            if features["paid_disclosure"] is False:
                features["paid_disclosure"] = None
        features["note"] = (f"not checked: speech in {language} is not transcribed here" if language != "English"
                            else "not checked: the speech was not recognised as English")
    else:
        features["note"] = f"not checked in {language} speech: no call-to-action phrases for it"
    if not cta_found:
        features["cta_count"] = None
    if not features["cta_in_speech"]:
        features["cta_in_speech"] = None


def _as_evidence(found: list[Found]) -> list[dict]:
    return [{"t": f.t, "source": f.source, "text": f.term} for f in sorted(found, key=lambda f: (f.t, f.term))]


class MentionsAnalyzer(Analyzer):
    """Brand, product and call-to-action mentions, and disclosure (full profile only).

    Features (None where the campaign gives nothing to look for): ``brand_count``,
    ``brand_first_s`` (s), ``brand_early`` (named within 5 s, ABCD), ``product_count``
    (named or semantically described), ``product_first_s`` (s), ``product_named`` (the
    product first mentioned), ``semantic_count`` (product mentions by meaning only),
    ``named_count`` (brand + product mentions), ``cta_count``, ``cta_first_s`` (s),
    ``cta_text`` (first CTA, as the campaign or the built-in list spells it),
    ``cta_in_speech`` / ``cta_on_screen``, ``spread`` ((last - first) brand or product
    mention / duration, 0-1; None under two mentions), ``disclosure`` (#ad, "paid
    partnership", Anzeige, publicidad, quảng cáo, إعلان, 広告... in any built-in language, plus
    the campaign's), ``disclosure_text``, ``disclosure_required`` (the campaign is a paid
    partnership: ``paid_partnership = true``), ``paid_disclosure`` (``disclosure`` on a paid
    brief; None on others), ``frames_read`` (OCR frames read here: 0 since version 5,
    the lines are onscreen_text's),
    ``speech_phrases_supported`` (False when there are no CTA phrases for the speech's
    language, built-in (:mod:`scoring.services.phrases`) or the campaign's, or the speech
    was not transcribed; campaign names still were looked for; None without a detected
    language), ``note`` (what could not be
    checked in the speech and why; else None).

    CTAs are looked for in speech in its own language, and on screen in English, the
    campaign's ``languages`` and the speech's language. The semantic product match
    (MiniLM) is English and is applied to English speech and to on-screen text only.

    Speech that was not transcribed (a language with no model here) or whose calls to
    action cannot be read (not English, and the campaign gives no CTA phrases of its own)
    is not evidence of absence: a count that found nothing on screen is then None (not
    measured), with ``note`` saying why, never 0 (measured, absent).
    Evidence: ``brand_mentions``, ``product_mentions``, ``cta`` (lists of {t, source, text}).
    Events: ``mention``, ``cta`` and ``disclosure`` (t in seconds, source speech|text).
    """

    name = "mentions"
    version = "5"
    Config = MentionsConfig
    event_kinds = (
        EventKind("mention", "mention", "#c2255c"),
        EventKind("cta", "cta", "#d6336c"),
        EventKind("disclosure", "disclosure", "#f08c00"),
    )
    requires = ("onscreen_text",)  # its lines (text events) are the on-screen text looked in
    after = ("asr",)
    context_fields = ("terms", "hook_seconds")
    profiles = frozenset({"full"})
    # "not checked in the speech": nothing was found and the speech could not be searched: for
    # names and disclosures when it was not transcribed, for CTAs also when there are no CTA
    # phrases for its language (:func:`_not_checked_in_speech`); a count is then None, not 0
    features = (
        Feature("brand_count", "int", None,
                "brand mentions (speech and screen); None without campaign brand or not checked in the speech"),
        Feature("brand_first_s", "number", "s", "first brand mention; None without one"),
        Feature("brand_early", "bool", None,
                "brand named before early_s (5 s, ABCD); None without campaign brand or not checked in the speech"),
        Feature("product_count", "int", None,
                "product mentions, by name or meaning; None without campaign products or not checked in the speech"),
        Feature("product_first_s", "number", "s", "first product mention; None without one"),
        Feature("product_named", "str", None, "campaign product of the first product mention; None without one"),
        Feature("semantic_count", "int", None,
                "product mentions by meaning only (MiniLM); None without campaign products or not checked in the speech"),
        Feature("named_count", "int", None,
                "brand + product mentions; None without brand and products or not checked in the speech"),
        Feature("cta_count", "int", None, "calls to action found; None when none was found and not checked in the speech"),
        Feature("cta_first_s", "number", "s", "first call to action; None without one"),
        Feature("cta_text", "str", None, "first call to action as the campaign or built-in list spells it; None without one"),
        Feature("cta_in_speech", "bool", None, "a call to action in speech; None when none and not checked in the speech"),
        Feature("cta_on_screen", "bool", None, "a call to action in on-screen text"),
        Feature("spread", "number", "0-1",
                "(last - first) brand or product mention / duration; None under two mention times"),
        Feature("disclosure", "bool", None,
                "a paid-partnership disclosure (#ad, Anzeige...); None when none and not checked in the speech"),
        Feature("disclosure_text", "str", None, "the first disclosure found; None without one"),
        Feature("disclosure_required", "bool", None, "the campaign is a paid partnership"),
        Feature("paid_disclosure", "bool", None,
                "disclosure on a paid brief; None on other briefs, or none found in untranscribed speech"),
        Feature("frames_read", "int", None, "OCR frames read here: always 0 (the lines are onscreen_text's)"),
        Feature("speech_phrases_supported", "bool", None,
                "the speech was transcribed and has CTA phrases here; None without a detected language"),
        Feature("note", "str", None, "what could not be checked in the speech and why; None when all was"),
    )
    evidence_keys = ("brand_mentions", "product_mentions", "cta")

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: MentionsConfig = self.config
        asr = ctx.upstream.get("asr")
        words = [e for e in (asr.events if asr else []) if e.kind == "word"]
        units: list[tuple[str, list[Token], str]] = []
        for _, text, times in speech_sentences(words):
            units.append(("speech", tokens(text, times), text))
        raw_lines = _text_lines_from_upstream(ctx)
        units += [("text", tokens(text, t), text) for t, text in raw_lines]

        brands = ctx.terms.get("brand", [])
        products = ctx.terms.get("products", [])
        brand = _first_per_text([f for f, _, _ in _scan(units, brands, names=True)])
        named = _scan(units, products, names=True)
        language = asr.features.get("asr.language") if asr else None
        english = language in (None, "en")
        own = campaign_phrases(ctx.terms)
        speech_langs = phrases.spoken_languages(language or "en")
        text_langs = list(dict.fromkeys(["en", *ctx.terms.get("languages", []), *([language] if language else [])]))
        supported = bool(phrases.CTA.get(language or "en") or own["cta"].get(language or "en"))
        # speech heard but not transcribed (no model for its language): names were not checked in it
        untranscribed = bool(asr and asr.features.get("asr.transcript_reason"))
        cta_unchecked = untranscribed or (not supported and not ctx.terms.get("cta"))
        # MiniLM is English: the semantic product match is not applied to speech in other languages
        skip = {u for _, u, _ in named} | ({i for i, unit in enumerate(units) if unit[0] == "speech"} if not english else set())
        semantic = _semantic(units, skip, products, cfg.semantic_threshold)
        product = _first_per_text([f for f, _, _ in named] + semantic)
        campaign_cta = list(dict.fromkeys(ctx.terms.get("cta", []) + [p for v in own["cta"].values() for p in v]))
        builtin = {"speech": phrases.for_languages(phrases.CTA, speech_langs),
                   "text": phrases.for_languages(phrases.CTA, text_langs)}
        cta = _first_per_text(self._ctas(units, campaign_cta, builtin))
        disclosure = _first_per_text(self._disclosures(units, raw_lines, own["disclosure"]))

        times = sorted({round(f.t, 1) for f in brand + product})
        duration = clip.duration_s or 0.0
        first = {k: min((f.t for f in v), default=None) for k, v in (("brand", brand), ("product", product), ("cta", cta))}
        features = {
            "brand_count": len(brand) if brands else None,
            "brand_first_s": first["brand"],
            "brand_early": (first["brand"] is not None and first["brand"] < cfg.early_s) if brands else None,
            "product_count": len(product) if products else None,
            "product_first_s": first["product"],
            "product_named": min(product, key=lambda f: f.t).term if product else None,
            "semantic_count": len(semantic) if products else None,
            "named_count": len(brand) + len(product) if brands or products else None,
            "cta_count": len(cta),
            "cta_first_s": first["cta"],
            "cta_text": min(cta, key=lambda f: f.t).term if cta else None,
            "cta_in_speech": any(f.source == "speech" for f in cta),
            "cta_on_screen": any(f.source == "text" for f in cta),
            "spread": round((times[-1] - times[0]) / duration, 4) if len(times) >= 2 and duration > 0 else None,
            "disclosure": bool(disclosure),
            "disclosure_text": disclosure[0].term if disclosure else None,
            "disclosure_required": bool(ctx.terms.get("paid_partnership")),
            "paid_disclosure": bool(disclosure) if ctx.terms.get("paid_partnership") else None,
            "frames_read": 0,  # kept for the feature table: lines come from onscreen_text
            "speech_phrases_supported": (supported and not untranscribed) if language is not None else None,
            "note": None,
        }
        if language is not None and (untranscribed or cta_unchecked):
            _not_checked_in_speech(features, language_name(language), untranscribed, bool(cta))
        events = [Event(t=f.t, kind=kind, source=f.source, label=f'{what} "{f.term}" in {f.source}: "{f.heard}"')
                  for kind, what, found in (("mention", "brand", brand), ("mention", "product", product),
                                            ("cta", "CTA", cta), ("disclosure", "disclosure", disclosure))
                  for f in found]
        evidence = {"brand_mentions": _as_evidence(brand), "product_mentions": _as_evidence(product),
                    "cta": _as_evidence(cta)}
        return self.signals(features, evidence, sorted(events, key=lambda e: (e.t, e.label)))

    @staticmethod
    def _ctas(units: list[tuple[str, list[Token], str]], campaign: list[str],
              builtin: dict[str, list[str]] | None = None) -> list[Found]:
        """Campaign CTAs first; a built-in phrase overlapping one of them in the same sentence is
        dropped. ``builtin``: the built-in phrases looked for in speech (its language) and in
        on-screen text (English, the campaign's languages and the speech's), by source;
        English in both by default."""
        if builtin is None:
            builtin = {"speech": list(CTA_PHRASES), "text": list(CTA_PHRASES)}
        own = _scan(units, campaign)
        taken = {(u, i) for _, u, (a, b) in own for i in range(a, b)}
        out = [f for f, _, _ in own]
        keys = {_key(c) for c in campaign}
        for source, phrases_here in builtin.items():
            for f, u, (a, b) in _scan(units, [p for p in phrases_here if _key(p) not in keys], only=source):
                if not any((u, i) in taken for i in range(a, b)):
                    out.append(f)
                    taken |= {(u, i) for i in range(a, b)}
        return out

    @staticmethod
    def _disclosures(units: list[tuple[str, list[Token], str]], lines: list[tuple[float, str]],
                     campaign: dict[str, list[str]]) -> list[Found]:
        """Paid-partnership disclosures in every language (the words are unambiguous: Anzeige,
        publicidad, quảng cáo, إعلان, 広告...), plus the campaign's; hashtags (#ad, #werbung)
        only as hashtags in on-screen text."""
        every = [p for lang in phrases.LANGUAGES for p in phrases.DISCLOSURE[lang]]
        every += [p for v in campaign.values() for p in v]
        words = list(dict.fromkeys(p for p in every if not p.startswith("#")))
        tags = list(dict.fromkeys(phrases.fold(p) for p in every if p.startswith("#")))
        found = [f for f, _, _ in _scan(units, words)]
        for t, line in lines:
            found += [Found(tag, round(t, 3), "text", line) for tag in hashtags(line, tags)]
            if HASHTAG_AD.search(line) and not any(f.heard == line and f.source == "text" for f in found):
                found.append(Found("#ad", round(t, 3), "text", line))
        return found


def campaign_phrases(terms: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """The campaign's own phrases by kind (cta, disclosure, hook) and language, from the terms
    ``"<kind>:<lang>"`` that :meth:`scoring.campaign.Campaign.terms` makes of ``[phrases.<lang>]``."""
    out: dict[str, dict[str, list[str]]] = {"cta": {}, "disclosure": {}, "hook": {}}
    for key, values in terms.items():
        kind, _, lang = key.partition(":")
        if lang and kind in out:
            out[kind][lang] = list(values)
    return out
