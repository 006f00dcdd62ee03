"""Model loading on demand: lazy by default, eager when an engine asks (warm-up).

Every analyzer that needs a model loads it on its first real ``analyze`` call, through
a cached loader in its module; a run whose analyzer results all come from the feature
cache therefore imports no model runtime (torch, transformers, CTranslate2, ONNX
Runtime) and loads no model. An engine that prefers paying the load before the first
video (a long-lived worker) calls :meth:`Analyzer.load_models` (or
``Worker.load_models``): it calls the same cached loaders with the same arguments, so
the first ``analyze`` then finds them loaded.

Each analyzer declares its loader on its class (``loader``, and ``loader_needs``: the
analyzers whose output its model reads). :func:`loaders` (analyzer name -> function(analyzer,
context)) and :func:`needs` are derived from the registered classes on each call, so plugins count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def loaders() -> dict[str, Callable[[Any, Any], None]]:
    """Analyzer name -> its declared model loader, for every registered analyzer with one."""
    from scoring.analyzers.registry import registered

    return {name: cls.loader for name, cls in registered().items() if cls.loader is not None}


def needs() -> dict[str, tuple[str, ...]]:
    """Analyzer name -> the analyzers its model needs in the run (declared ``loader_needs``)."""
    from scoring.analyzers.registry import registered

    return {name: tuple(cls.loader_needs) for name, cls in registered().items() if cls.loader_needs}


def needed(name: str, present: set[str]) -> bool:
    """Whether analyzer ``name``'s models can be used in a run of the analyzers ``present``."""
    return all(dep in present for dep in needs().get(name, ()))


def load_models(analyzer: Any, ctx: Any = None) -> None:
    """Load ``analyzer``'s models now (no-op for analyzers without a model)."""
    loader = loaders().get(analyzer.name)
    if loader is not None:
        loader(analyzer, ctx)
