"""Scikit-learn scorers stored with skops (never pickle), loaded only when safe.

A ``kind = "sklearn"`` registry entry is ``model.json`` plus ``model.skops``. Loading
refuses, with a message naming the file:

- a file that is a pickle (or joblib) rather than a skops zip;
- a file whose SHA-256 differs from the one recorded in ``model.json`` (tampered);
- a file that needs any type outside :data:`TRUSTED_TYPES`;
- a file written by a different scikit-learn or skops minor version.

scikit-learn and skops are imported only when such a model is used.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.errors import ConfigError
from scoring.scorers.base import Reason, Scorer, SubScore

# Exactly the types the estimators of scoring/training/fit.py are built from.
TRUSTED_TYPES = (
    "sklearn.pipeline.Pipeline",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss._loss.CyHalfSquaredError",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "builtins.slice",
    "collections.OrderedDict",
)
PICKLE_MAGIC = (b"\x80",)  # protocol 2+ pickles (joblib files start the same way)
ZIP_MAGIC = b"PK\x03\x04"


def numeric(value: Any) -> float:
    """A feature value as float; NaN for None, strings and non-finite numbers."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return float(value)
    return float("nan")


def feature_matrix(rows: list[Mapping[str, Any]], features: list[str]) -> np.ndarray:
    """(n, d) float64, NaN where a feature is missing or not numeric."""
    return np.array([[numeric(r.get(f)) for f in features] for r in rows],
                    dtype=np.float64).reshape(len(rows), len(features))


def library_versions() -> dict[str, str]:
    import sklearn
    import skops

    return {"scikit-learn": sklearn.__version__, "skops": skops.__version__}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_estimator(estimator: Any, folder: Path) -> dict[str, Any]:
    """Write ``folder/model.skops``; return the model.json fields that vouch for it."""
    import skops.io as sio

    path = folder / "model.skops"
    sio.dump(estimator, path)
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        path.unlink()
        raise ValueError(f"estimator needs types outside the trusted list: {sorted(untrusted)}")
    return {"file": path.name, "sha256": sha256_file(path), "libraries": library_versions()}


def load_estimator(spec: Mapping[str, Any], folder: Path) -> Any:
    """Load the estimator of a ``kind = "sklearn"`` entry after every safety check.

    Raises:
        ConfigError: pickle, tampered, untrusted types or incompatible versions.
    """
    name = str(spec.get("file", ""))
    path = folder / name
    where = f"model {spec.get('name')}@{spec.get('version')} ({path})"
    if not name or Path(name).name != name or not path.is_file():
        raise ConfigError(f"{where}: artifact file missing or not inside the model folder")
    head = path.read_bytes()[:4]
    if head.startswith(PICKLE_MAGIC) or path.suffix in (".pkl", ".pickle", ".joblib"):
        raise ConfigError(f"{where}: is a pickle; pickled models are never loaded (they can run any code). "
                          "Retrain with 'sparkscout train', which saves with skops")
    if head != ZIP_MAGIC:
        raise ConfigError(f"{where}: not a skops file (expected a zip archive)")
    if sha256_file(path) != spec.get("sha256"):
        raise ConfigError(f"{where}: SHA-256 does not match model.json: the file was modified after training; "
                          "refusing to load it")
    try:
        have = library_versions()
    except ImportError as exc:
        raise ConfigError(f"{where}: needs scikit-learn and skops installed ({exc})") from None
    want = dict(spec.get("libraries") or {})
    for lib, version in want.items():
        if lib in have and _minor(have[lib]) != _minor(str(version)):
            raise ConfigError(f"{where}: trained with {lib} {version}, this installation has {have[lib]}; "
                              f"retrain it here (sparkscout train) or install {lib}=={version}")
    import skops.io as sio

    try:
        untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    except Exception as exc:
        raise ConfigError(f"{where}: unreadable skops file: {type(exc).__name__}: {exc}") from None
    if untrusted:
        raise ConfigError(f"{where}: contains types outside the trusted list: {', '.join(sorted(untrusted))}")
    try:
        return sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise ConfigError(f"{where}: could not load: {type(exc).__name__}: {exc}") from None


@dataclass
class SklearnScorer(Scorer):
    """A fitted estimator over ``features``; its prediction becomes 0-100 through the
    training predictions' quantiles (``output_quantiles``, 21 values from min to max)."""

    name: str
    version: str
    features: list[str]
    estimator: Any
    output_quantiles: list[float] = field(default_factory=list)
    min_features: int = 1

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return f"{self.name}@{self.version}"

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], folder: Path) -> SklearnScorer:
        return cls(spec["name"], spec["version"], list(spec["features"]), load_estimator(spec, folder),
                   list(spec.get("output_quantiles") or []), int(spec.get("min_features", 1)))

    def predict(self, rows: list[Mapping[str, Any]]) -> np.ndarray:
        return self.estimator.predict(feature_matrix(rows, self.features))

    def score(self, features: Mapping[str, Any]) -> SubScore:
        present = sum(features.get(f) is not None for f in self.features)
        if present < self.min_features:
            return SubScore(self.name, None, [], self.model_id)
        raw = float(self.predict([features])[0])
        q = self.output_quantiles
        value = float(np.interp(raw, q, np.linspace(0, 100, len(q)))) if len(q) >= 2 else 100 * raw
        reason = Reason(self.name, f"{self.model_id}: learned from ad results ({present} of "
                        f"{len(self.features)} features measured)", 0.0)
        return SubScore(self.name, round(value, 1), [reason], self.model_id)
