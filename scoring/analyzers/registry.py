"""Analyzer registry: name -> class, run order by dependencies."""

from __future__ import annotations

from typing import Any

from scoring.analyzers.base import Analyzer
from scoring.errors import ConfigError

_REGISTRY: dict[str, type[Analyzer]] = {}


def register_analyzer(cls: type[Analyzer]) -> type[Analyzer]:
    """Class decorator adding an analyzer to the registry under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"analyzer name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


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
