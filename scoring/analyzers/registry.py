"""Analyzer registry: name -> class, run order by dependencies."""

from __future__ import annotations

from typing import Any

from scoring.analyzers.base import Analyzer, Feature, Signals
from scoring.errors import ConfigError

_REGISTRY: dict[str, type[Analyzer]] = {}


def register_analyzer(cls: type[Analyzer]) -> type[Analyzer]:
    """Class decorator adding an analyzer to the registry under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"analyzer name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Analyzer]]:
    """A copy of the registry: name -> class (built-ins and plugins)."""
    return dict(_REGISTRY)


def analyzer_names() -> list[str]:
    """Registered analyzer names in run order (dependencies first)."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise ValueError(f"analyzer dependency cycle: {' -> '.join(path + (name,))}")
        if name not in _REGISTRY:
            raise ValueError(f"analyzer {path[-1]!r} requires unknown analyzer {name!r}")
        for dep in _REGISTRY[name].requires:
            visit(dep, path + (name,))
        for dep in _REGISTRY[name].after:
            if dep in _REGISTRY:
                visit(dep, path + (name,))
        order.append(name)

    for name in sorted(_REGISTRY):
        visit(name, ())
    return order


def get_analyzer_class(name: str) -> type[Analyzer]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown analyzer {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def build_analyzers(profile: str = "full", configs: dict[str, Any] | None = None) -> list[Analyzer]:
    """Instantiate, in run order, every registered analyzer that belongs to ``profile``.

    A dependency is included whenever something in the profile needs it.
    """
    configs = configs or {}
    wanted = {n for n in analyzer_names() if profile in _REGISTRY[n].profiles}
    changed = True
    while changed:
        needed = {d for n in wanted for d in _REGISTRY[n].requires} - wanted
        changed = bool(needed)
        wanted |= needed
    return [_REGISTRY[n](configs.get(n)) for n in analyzer_names() if n in wanted]


def declared_features() -> dict[str, Feature]:
    """Every registered analyzer's declared features, by stored name ``"<analyzer>.<key>"``."""
    return {f"{name}.{f.name}": f for name, cls in _REGISTRY.items() for f in cls.features}


def declared_evidence_keys() -> set[str]:
    """The union of the registered analyzers' ``evidence_keys``."""
    return {k for cls in _REGISTRY.values() for k in cls.evidence_keys}


def declared_context_fields() -> set[str]:
    """AnalysisContext fields (campaign inputs) some registered analyzer reads."""
    return {f for cls in _REGISTRY.values() for f in cls.context_fields}


def timeline_kinds() -> list[dict[str, str]]:
    """The report timeline's lanes, as data for the report: ``{kind, label, colour}`` for each
    declared event kind shown there, in run order (one lane per kind; the first analyzer to
    declare a kind names and colours it)."""
    lanes: dict[str, dict[str, str]] = {}
    for name in analyzer_names():
        for k in _REGISTRY[name].event_kinds:
            if k.timeline and k.kind not in lanes:
                lanes[k.kind] = {"kind": k.kind, "label": k.label, "colour": k.colour}
    return list(lanes.values())


def declaration_problems(cls: type[Analyzer], sig: Signals) -> list[str]:
    """What ``sig`` (made by ``cls``) holds that ``cls`` does not declare: features not in
    ``features`` (or missing, or of the wrong type), evidence keys not in ``evidence_keys``,
    event kinds not in ``event_kinds``. Empty when it conforms."""
    declared = {f"{cls.name}.{f.name}": f for f in cls.features}
    problems = [f"undeclared feature {k!r}" for k in sig.features if k not in declared]
    problems += [f"declared feature {k!r} missing" for k in declared if k not in sig.features]
    problems += [f"feature {k!r} = {v!r} is not of its declared type {declared[k].type}"
                 for k, v in sig.features.items() if k in declared and not declared[k].accepts(v)]
    problems += [f"undeclared evidence key {k!r}" for k in sig.evidence if k not in cls.evidence_keys]
    kinds = {k.kind for k in cls.event_kinds}
    problems += [f"undeclared event kind {k!r}" for k in sorted({e.kind for e in sig.events} - kinds)]
    return problems
