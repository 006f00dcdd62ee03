"""Campaign / pipeline spec (TOML) -> typed, validated config.

Every problem is a ConfigError naming the file and the key, so a strategist can fix it.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError
from scoring.scorers.base import SUBSCORES

OBJECTIVES = ("awareness", "conversions")
AUTHORIZATION_DAYS = (7, 30, 60, 365)  # what TikTok's ad-code dialog offers

# Awareness favours the hook and clarity; conversions favour product use and CTAs.
OBJECTIVE_WEIGHTS: dict[str, dict[str, float]] = {
    "awareness": {"hook": 0.35, "audio_clarity": 0.15, "visual_clarity": 0.20,
                  "product_integration": 0.10, "engagement": 0.20},
    "conversions": {"hook": 0.20, "audio_clarity": 0.15, "visual_clarity": 0.15,
                    "product_integration": 0.30, "engagement": 0.20},
}
MODEL_KEYS = SUBSCORES + ("clip",)


@dataclass
class Campaign:
    """A scoring job's settings. Defaults give a sensible generic run."""

    name: str = "untitled"
    objective: str = "conversions"
    brand: str = ""
    brand_aliases: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    product_images: list[str] = field(default_factory=list)
    cta_phrases: list[str] = field(default_factory=list)
    hook_seconds: float = 3.0
    shortlist_size: int = 5
    max_per_creator: int = 1
    authorization_days: int = 30
    request_min_score: float = 60.0
    consider_min_score: float = 45.0
    diversity_weight: float = 5.0
    weights: dict[str, float] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    ledger: str | None = None  # the team's ad-code ledger (SQLite), relative to the campaign file
    safe_zone: dict[str, float] = field(default_factory=dict)  # TikTok UI areas, fractions (onscreen_text.SafeZone)
    languages: list[str] = field(default_factory=list)  # ISO 639-1 the creators are expected to speak: a prior
    paid_partnership: bool = False  # a paid brief: the post must disclose it (#ad, Anzeige, publicidad...)
    phrases: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # {lang: {cta|disclosure|hook: [...]}}
    # The files are the creators' originals, not downloads: a copy's resolution and missing
    # audio track gate as problems of the post (default: a recognised download only warns).
    files_are_originals: bool = False
    source: str | None = None

    def resolved_weights(self) -> dict[str, float]:
        """The objective's weights with any ``[weights]`` override applied."""
        return {**OBJECTIVE_WEIGHTS[self.objective], **self.weights}

    def model_ref(self, subscore: str) -> str:
        return self.models.get(subscore, subscore)

    def facts(self) -> dict[str, bool]:
        """What the campaign gives scorers to look for, as ``campaign.*`` features."""
        names_brand = bool(self.brand or self.brand_aliases)
        names_product = bool(self.products or self.product_images)
        return {"campaign.names_brand": names_brand, "campaign.names_product": names_product,
                "campaign.names_brand_or_product": names_brand or names_product,
                "campaign.conversions": self.objective == "conversions",
                "campaign.paid_partnership": self.paid_partnership}

    def terms(self) -> dict[str, list[str]]:
        """Campaign vocabulary for analyzers: brand names, products, CTA phrases, the expected
        ``languages``, ``paid_partnership`` (``["true"]`` on a paid brief) and each
        ``[phrases.<lang>]`` list as ``"<kind>:<lang>"`` (e.g. ``"cta:es"``)."""
        brand = [self.brand] if self.brand else []
        terms = {"brand": brand + list(self.brand_aliases), "products": list(self.products),
                 "cta": list(self.cta_phrases)}
        if self.languages:
            terms["languages"] = list(self.languages)
        if self.paid_partnership:
            terms["paid_partnership"] = ["true"]
        for lang, kinds in sorted(self.phrases.items()):
            for kind, values in sorted(kinds.items()):
                terms[f"{kind}:{lang}"] = list(values)
        return terms


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "objective": (str,), "brand": (str,), "brand_aliases": (list,),
    "products": (list,), "product_images": (list,), "cta_phrases": (list,),
    "hook_seconds": (int, float), "shortlist_size": (int,), "max_per_creator": (int,),
    "authorization_days": (int,), "request_min_score": (int, float),
    "consider_min_score": (int, float), "diversity_weight": (int, float), "weights": (dict,), "models": (dict,),
    "ledger": (str,), "safe_zone": (dict,), "languages": (list,), "paid_partnership": (bool,), "phrases": (dict,),
    "files_are_originals": (bool,),
}
PHRASE_KINDS = ("cta", "disclosure", "hook")
# Whisper's languages (ISO 639-1): what `languages` and `[phrases.<code>]` may name.
LANGUAGE_CODES = frozenset(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha he hi hr ht hu hy id "
    "is it ja jv ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa "
    "sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh".split())
SAFE_ZONE_KEYS = ("top", "bottom", "side", "right_column", "right_column_top")


def did_you_mean(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    """``did you mean 'shortlist_size'? `` for a misspelt key, else the allowed keys."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    listing = f"allowed: {', '.join(sorted(allowed))}"
    return f"did you mean '{close[0]}'? ({listing})" if close else f"({listing})"


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign TOML file. Raises ConfigError naming file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: campaign file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return campaign_from_dict(data, source=path)


def campaign_from_dict(data: dict[str, Any], source: str | Path | None = None) -> Campaign:
    """Validate a parsed campaign mapping; relative image paths resolve against ``source``."""
    where = str(source) if source else "campaign"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: key '{key}': {problem}")

    for key, value in data.items():
        if key not in _TYPES:
            raise fail(key, f"unknown key; {did_you_mean(key, list(_TYPES))}")
        if (isinstance(value, bool) and bool not in _TYPES[key]) or not isinstance(value, _TYPES[key]):
            names = " or ".join(t.__name__ for t in _TYPES[key])
            raise fail(key, f"expected {names}, got {type(value).__name__} {value!r}")
    for key in ("brand_aliases", "products", "product_images", "cta_phrases"):
        if any(not isinstance(v, str) or not v.strip() for v in data.get(key, [])):
            raise fail(key, "expected a list of non-empty strings")
    for i, code in enumerate(data.get("languages", [])):
        if not isinstance(code, str) or code.lower() not in LANGUAGE_CODES:
            raise fail(f"languages[{i}]", f"expected an ISO 639-1 language code such as 'es', got {code!r}")
    for lang, kinds in data.get("phrases", {}).items():
        if lang.lower() not in LANGUAGE_CODES:
            raise fail(f"phrases.{lang}", "expected an ISO 639-1 language code such as 'es'")
        if not isinstance(kinds, dict):
            raise fail(f"phrases.{lang}", f"expected a table of {', '.join(PHRASE_KINDS)} lists")
        for kind, values in kinds.items():
            if kind not in PHRASE_KINDS:
                raise fail(f"phrases.{lang}.{kind}", f"unknown kind (allowed: {', '.join(PHRASE_KINDS)})")
            if not isinstance(values, list) or any(not isinstance(v, str) or not v.strip() for v in values):
                raise fail(f"phrases.{lang}.{kind}", "expected a list of non-empty strings")
    c = Campaign(**{k: v for k, v in data.items()})
    c.languages = [code.lower() for code in c.languages]
    c.phrases = {lang.lower(): {k: list(v) for k, v in kinds.items()} for lang, kinds in c.phrases.items()}
    c.source = str(source) if source else None
    if c.objective not in OBJECTIVES:
        raise fail("objective", f"got {c.objective!r}; {did_you_mean(c.objective, OBJECTIVES)}")
    if not 0.5 <= c.hook_seconds <= 10:
        raise fail("hook_seconds", f"must be between 0.5 and 10 seconds, got {c.hook_seconds}")
    if c.shortlist_size < 1:
        raise fail("shortlist_size", f"must be at least 1, got {c.shortlist_size}")
    if c.max_per_creator < 1:
        raise fail("max_per_creator", f"must be at least 1, got {c.max_per_creator}")
    if c.authorization_days not in AUTHORIZATION_DAYS:
        raise fail("authorization_days",
                   f"TikTok ad codes last {', '.join(map(str, AUTHORIZATION_DAYS))} days, got {c.authorization_days}")
    for key in ("request_min_score", "consider_min_score"):
        if not 0 <= getattr(c, key) <= 100:
            raise fail(key, f"must be between 0 and 100, got {getattr(c, key)}")
    if not 0 <= c.diversity_weight <= 50:
        raise fail("diversity_weight", f"must be between 0 and 50 points, got {c.diversity_weight}")
    if c.consider_min_score > c.request_min_score:
        raise fail("consider_min_score", "must not exceed request_min_score")
    for key, value in c.weights.items():
        if key not in SUBSCORES:
            raise fail(f"weights.{key}", f"unknown sub-score; {did_you_mean(key, SUBSCORES)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"weights.{key}", f"must be a number >= 0, got {value!r}")
    for key, value in c.safe_zone.items():
        if key not in SAFE_ZONE_KEYS:
            raise fail(f"safe_zone.{key}", f"unknown key; {did_you_mean(key, SAFE_ZONE_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise fail(f"safe_zone.{key}", f"must be a fraction of the frame in [0, 1), got {value!r}")
    if sum(c.resolved_weights().values()) <= 0:
        raise fail("weights", "at least one weight must be above 0")
    for key, value in c.models.items():
        if key not in MODEL_KEYS:
            raise fail(f"models.{key}", f"unknown model slot; {did_you_mean(key, MODEL_KEYS)}")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"models.{key}", "expected a model reference such as 'hook@prior-1'")
    base = Path(source).resolve().parent if source else Path.cwd()
    resolved = []
    for image in c.product_images:
        p = Path(image) if Path(image).is_absolute() else base / image
        if not p.is_file():
            raise fail("product_images", f"image not found: {p}")
        resolved.append(str(p))
    c.product_images = resolved
    if c.ledger is not None:
        if not c.ledger.strip():
            raise fail("ledger", "expected a path to the team's ledger file")
        c.ledger = str(Path(c.ledger) if Path(c.ledger).is_absolute() else base / c.ledger)
    return c


def with_overrides(campaign: Campaign, **overrides: Any) -> Campaign:
    """The campaign with command-line overrides (``brand``, ``products``, ``shortlist_size``)
    applied and checked like the TOML keys; None leaves a key as it was."""
    data = {f: getattr(campaign, f) for f in _TYPES if getattr(campaign, f) is not None}
    data.update({k: v for k, v in overrides.items() if v is not None})
    merged = campaign_from_dict(data, source=None)  # image and ledger paths are absolute already
    merged.source = campaign.source
    return merged
