"""The analyzer interface: a decoded Clip in, Signals (flat features + timed evidence) out.

Like PySceneDetect's detectors, analyzers never open files: the pipeline decodes once
and hands every analyzer the same Clip. Like lhotse's extractors, each has a ``name``,
a ``version`` and a config dataclass, and what it stores says what made it.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from scoring.media.clip import Clip

Scalar = float | int | bool | str | None


@dataclass
class Event:
    """Something seen or heard at a time: the raw material of reasons and timelines.

    Attributes:
        t: start, seconds from the start of the video.
        kind: e.g. ``speech``, ``face``, ``text``, ``cut``, ``product``, ``mention``, ``cta``.
        label: human-readable text ("face, 31 % of frame").
        end: end time in seconds, or None for an instant.
        source: where it came from (``speech``, ``text``, ``video``, ``audio``) or None.
        text: the words themselves when the event is about words (a line read on screen),
            for analyzers downstream; ``label`` stays free to change for people.
    """

    t: float
    kind: str
    label: str
    end: float | None = None
    source: str | None = None
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Signals:
    """What one analyzer found in one clip.

    Attributes:
        features: flat scalars keyed ``"<analyzer>.<key>"`` (numbers, bools, short strings).
        evidence: values for the contract's evidence keys this analyzer owns.
        events: timed events for reasons and the report timeline.
        made_by: analyzer name, version and config hash (filled in by the runner).
    """

    features: dict[str, Scalar] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    made_by: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "evidence": self.evidence,
            "events": [e.to_dict() for e in self.events],
            "made_by": self.made_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signals:
        return cls(
            features=dict(data["features"]),
            evidence=dict(data["evidence"]),
            events=[Event(**e) for e in data["events"]],
            made_by=dict(data.get("made_by", {})),
        )


@dataclass
class AnalysisContext:
    """Per-run settings every analyzer may read, plus results of analyzers run before it.

    Attributes:
        hook_seconds: length of the hook, seconds.
        terms: campaign vocabulary (brand, aliases, products, CTA phrases), lower case.
        product_images: packshot image paths from the campaign.
        upstream: Signals of analyzers already run on this clip, by analyzer name.
        clip_model: local folder of a CLIP model (campaign ``[models] clip``), or None.
        safe_zone: the campaign's ``[safe_zone]`` overrides (fractions of the frame), or None.
    """

    hook_seconds: float = 3.0
    terms: dict[str, list[str]] = field(default_factory=dict)
    product_images: list[str] = field(default_factory=list)
    upstream: dict[str, Signals] = field(default_factory=dict)
    clip_model: str | None = None
    safe_zone: dict[str, float] | None = None


FEATURE_TYPES = ("number", "int", "bool", "str", "any")


@dataclass(frozen=True)
class Feature:
    """One feature an analyzer declares (stored as ``"<analyzer>.<name>"``).

    Attributes:
        name: key without the analyzer prefix.
        type: ``number`` (int or float), ``int``, ``bool``, ``str``, or ``any`` (declared by
            name only); every feature may also be None (not measured).
        unit: ``s``, ``dB``, ``0-1``, ``px``... or None.
        meaning: one line for people (model cards, the report).
    """

    name: str
    type: str = "any"
    unit: str | None = None
    meaning: str = ""

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` fits the declared type (None always does)."""
        if value is None or self.type == "any":
            return True
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "str":
            return isinstance(value, str)
        if isinstance(value, bool):
            return False
        if self.type == "int":
            return isinstance(value, int)
        return isinstance(value, (int, float))


@dataclass(frozen=True)
class EventKind:
    """An event kind an analyzer emits, and how the report timeline draws it.

    Attributes:
        kind: ``Event.kind``.
        label: the timeline lane's name.
        colour: CSS colour of its marks.
        timeline: False for kinds too fine for the timeline (one event per word).
    """

    kind: str
    label: str
    colour: str = "#868e96"
    timeline: bool = True


@dataclass(frozen=True)
class NoConfig:
    """Config for analyzers that have no settings."""


class Analyzer(abc.ABC):
    """Base class. Subclasses set the class attributes and implement :meth:`analyze`.

    Class attributes:
        name: registry name, also the feature-key prefix.
        version: bump when the output changes for the same input (invalidates the cache).
        Config: frozen dataclass of settings.
        features: :class:`Feature` declarations of what :meth:`analyze` always produces;
            ``feature_keys`` (the names) is derived from them. An analyzer may instead set
            ``feature_keys`` alone (names only; ``features`` is then derived, type ``any``).
        evidence_keys: contract evidence keys this analyzer fills (``contract.EVIDENCE_KEYS``
            is checked equal to their union by ``tests/test_analyzer_declarations.py``).
        event_kinds: :class:`EventKind` of every ``Event.kind`` it emits (the report's
            timeline lanes, labels and colours come from these).
        requires: names of analyzers whose Signals this one reads from ``ctx.upstream``.
        after: analyzers to run first when they are registered and in the profile
            (optional inputs, e.g. a transcript); absent ones are simply skipped.
        profiles: run profiles that include this analyzer (``fast``, ``full``).
        context_fields: the campaign inputs it reads: AnalysisContext fields whose values
            change the output (campaign terms, packshots...); the pipeline fills exactly the
            declared fields from the campaign (``pipeline.CONTEXT_FROM_CAMPAIGN``) and
            :meth:`bind_context` folds them into the cache key. ``hook_seconds`` is always
            filled (it is in every cache key through the sampling plan).
        loader: function(analyzer, context) that loads its models now (warm-up,
            ``warmup.loaders()`` is built from these); None without a model.
        loader_needs: analyzers whose output its model reads: without them in the run the
            model is not loaded (hook phrases embed the transcript of ``asr``).

    ``ctx.upstream`` holds only the analyzers named in ``requires`` and ``after``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    Config: ClassVar[type] = NoConfig
    features: ClassVar[tuple[Feature, ...]] = ()
    feature_keys: ClassVar[tuple[str, ...]] = ()
    evidence_keys: ClassVar[tuple[str, ...]] = ()
    event_kinds: ClassVar[tuple[EventKind, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()
    after: ClassVar[tuple[str, ...]] = ()
    profiles: ClassVar[frozenset[str]] = frozenset({"fast", "full"})
    context_fields: ClassVar[tuple[str, ...]] = ()
    loader: ClassVar[Callable[[Any, Any], None] | None] = None
    loader_needs: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Derive ``feature_keys`` from ``features`` (or, names only, the other way round)."""
        super().__init_subclass__(**kwargs)
        if "features" in cls.__dict__:
            names = tuple(f.name for f in cls.features)
            if "feature_keys" in cls.__dict__ and tuple(cls.__dict__["feature_keys"]) != names:
                raise TypeError(f"analyzer {cls.__name__}: declare features once (features or feature_keys)")
            cls.feature_keys = names
        elif "feature_keys" in cls.__dict__:
            cls.features = tuple(Feature(k) for k in cls.feature_keys)
        if isinstance(cls.__dict__.get("loader"), Callable) and not isinstance(cls.__dict__["loader"], staticmethod):
            cls.loader = staticmethod(cls.__dict__["loader"])  # a plain function: never bound to the instance

    def __init__(self, config: Any | None = None) -> None:
        self.config = config if config is not None else self.Config()
        self._context_key = ""

    def bind_context(self, context: dict[str, Any]) -> None:
        """Make :meth:`config_hash` depend on this run's values of ``context_fields`` (files by
        path, size and modification time), so a cached result never crosses campaigns."""
        if self.context_fields:
            picked = {k: _fingerprint(context.get(k)) for k in self.context_fields}
            self._context_key = json.dumps(picked, sort_keys=True, default=str)

    @abc.abstractmethod
    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        """Return Signals whose features are exactly ``feature_keys`` (prefixed)."""

    def load_models(self, ctx: AnalysisContext | None = None) -> None:
        """Load this analyzer's models now (a worker's warm-up). Models are otherwise loaded
        lazily on the first real :meth:`analyze`, so a fully cached run loads none; see
        ``scoring.analyzers.warmup``. No-op for analyzers without a model."""
        from scoring.analyzers.warmup import load_models

        load_models(self, ctx)

    def config_hash(self) -> str:
        """Short stable hash of the config, part of the feature-cache key."""
        blob = json.dumps(dataclasses.asdict(self.config), sort_keys=True, default=str) + getattr(self, "_context_key", "")
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def signals(self, features: dict[str, Scalar], evidence: dict[str, Any] | None = None,
                events: list[Event] | None = None) -> Signals:
        """Build Signals, prefixing feature keys with the analyzer name and cleaning NaNs."""
        clean = {f"{self.name}.{k}": _clean(v) for k, v in features.items()}
        return Signals(features=clean, evidence=evidence or {}, events=events or [])


def _fingerprint(value: Any) -> Any:
    """JSON-able identity of a context value; an existing file or folder adds size and mtime."""
    if isinstance(value, (list, tuple)):
        return [_fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _fingerprint(v) for k, v in value.items()}
    if isinstance(value, str) and value and os.path.exists(value):
        st = os.stat(value)
        return [value, st.st_size, st.st_mtime_ns]
    return value


def _clean(value: Scalar) -> Scalar:
    """numpy scalars to Python; NaN and infinities to None (JSON and Parquet safe)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
