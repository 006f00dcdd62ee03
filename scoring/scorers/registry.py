"""The model registry on disk: ``models/<name>/<version>/model.json`` plus ``card.md``."""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError
from scoring.scorers.base import Scorer
from scoring.scorers.rules import RuleScorer

DEFAULT_VERSION = "prior-2"  # the oldest default; a model with a newer built-in prior-N uses that


def builtin_models_dir() -> Path:
    """The built-in registry: ``models/`` of a source checkout, else the copy in the wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "models", here / "builtin_models"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("built-in models folder not found (broken installation)")


def default_version(name: str) -> str:
    """The version a bare model name means: the newest built-in ``prior-N`` of that model
    (``audio_clarity`` -> ``prior-3``, ``hook`` -> ``prior-2``), else :data:`DEFAULT_VERSION`.
    Older priors stay loadable by their full reference."""
    try:
        folder = builtin_models_dir() / name
    except ConfigError:
        return DEFAULT_VERSION
    numbers = [int(p.parent.name[6:]) for p in folder.glob("prior-*/model.json") if p.parent.name[6:].isdigit()]
    return f"prior-{max(numbers)}" if numbers else DEFAULT_VERSION


def parse_ref(ref: str) -> tuple[str, str]:
    """``"hook@prior-1"`` -> ("hook", "prior-1"); a bare name means :func:`default_version`."""
    name, _, version = ref.partition("@")
    name = name.strip()
    return name, (version.strip() or default_version(name))


def model_dir(ref: str, roots: list[Path] | None = None) -> Path:
    name, version = parse_ref(ref)
    for root in (roots or []) + [builtin_models_dir()]:
        path = Path(root) / name / version
        if (path / "model.json").is_file():
            return path
    raise ConfigError(f"model {name}@{version} not found; known: {', '.join(list_models(roots))}")


def list_models(roots: list[Path] | None = None) -> list[str]:
    """Every ``name@version`` available, built-in and in ``roots``."""
    found = set()
    for root in (roots or []) + [builtin_models_dir()]:
        for spec in Path(root).glob("*/*/model.json"):
            found.add(f"{spec.parent.parent.name}@{spec.parent.name}")
    return sorted(found)


def load_spec(ref: str, roots: list[Path] | None = None) -> dict[str, Any]:
    path = model_dir(ref, roots) / "model.json"
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from exc


_FEATURE_FIELDS = ("feature", "text_feature", "time_feature")


def spec_features(spec: Any) -> set[str]:
    """Every feature name a ``model.json`` reads: values of ``feature``, ``text_feature`` and
    ``time_feature`` anywhere in it (terms, conditions, gates, caps) and a ``features`` list."""
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in _FEATURE_FIELDS and isinstance(value, str):
                found.add(value)
            elif key == "features" and isinstance(value, list):
                found |= {v for v in value if isinstance(v, str)}
            else:
                found |= spec_features(value)
    elif isinstance(spec, list):
        for item in spec:
            found |= spec_features(item)
    return found


def check_features(ref: str, roots: list[Path] | None, known: Collection[str]) -> None:
    """Raise ConfigError naming the ``model.json`` and the feature when the model reads a
    feature nothing declares (``known``: the analyzers' declared features, derived features
    and campaign facts; the caller, which sees the analyzers, passes them in)."""
    path = model_dir(ref, roots) / "model.json"
    for name in sorted(spec_features(load_spec(ref, roots)) - set(known)):
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{path}: feature {name!r} is not declared by any analyzer{hint}")


def load_scorer(ref: str, roots: list[Path] | None = None) -> Scorer:
    """Build the scorer a registry entry describes (``kind`` selects the class). The run
    checks the features it reads first (:func:`check_features`, from ``pipeline.load_scorers``)."""
    spec = load_spec(ref, roots)
    kind = spec.get("kind", "rules")
    if kind == "rules":
        return RuleScorer.from_spec(spec)
    if kind == "sklearn":  # trained with `sparkscout train --kind linear|gbm`; skops, checked on load
        from scoring.scorers.skmodel import SklearnScorer

        return SklearnScorer.from_spec(spec, model_dir(ref, roots))
    raise ConfigError(f"model {ref}: unknown kind {kind!r}")
