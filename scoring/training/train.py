"""``sparkscout train``: labels + stored runs -> cross-validated model -> registry entry.

Flow: read labels -> load run features (no decoding) -> join (reported) -> target ->
k-fold CV of the candidate next to the current model on the same folds -> refuse below
:data:`MIN_ROWS` labelled videos unless forced -> fit on everything -> write
``<models_dir>/<name>/<version>/`` (model.json with a ``training`` block, card.md,
training.json, and model.skops for scikit-learn kinds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.errors import ConfigError
from scoring.scorers.base import SUBSCORES
from scoring.training.dataset import Dataset, build_dataset, load_runs
from scoring.training.labels import read_labels
from scoring.training.metrics import CVResult, cross_validate

MIN_ROWS = 30
OVERALL = "overall"
# The current overall model: the conversions objective's weights over the judged sub-scores.
OVERALL_WEIGHTS = {"hook": 0.20, "audio_clarity": 0.15, "visual_clarity": 0.15, "product_integration": 0.30}


class NotEnoughData(ConfigError):
    """Fewer labelled videos than the data can support (and no ``force``)."""


@dataclass
class TrainOptions:
    """What to train. ``subscore`` None means the overall score (all judged features)."""

    runs: list[str]
    labels: str
    version: str
    target: str | None = None
    subscore: str | None = None
    kind: str = "rules"
    features: list[str] | None = None
    current: str | None = None
    folds: int = 5
    force: bool = False
    models_dir: str | None = None
    labels_kind: str = "auto"
    seed: int = 0
    bootstrap: int = 400  # resamples for the intervals


@dataclass
class TrainResult:
    dataset: Dataset
    features: list[str]
    cv: CVResult | None
    current: str
    folder: Path | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


class CurrentModel:
    """The model a candidate is compared with: a registry scorer, or for ``overall`` the
    conversions-weighted mean of the default sub-score models."""

    def __init__(self, name: str, ref: str | None, roots: list[Path]) -> None:
        from scoring.scorers.registry import load_scorer, load_spec

        self.name = name
        if name == OVERALL and ref is None:
            self.scorers = {s: load_scorer(s, roots) for s in OVERALL_WEIGHTS}
            self.specs = [load_spec(s, roots) for s in OVERALL_WEIGHTS]
            self.ref = "overall@prior (conversions weights over the prior-1 sub-scores)"
        else:
            ref = ref or name
            scorer = load_scorer(ref, roots)
            self.scorers = {name: scorer}
            self.specs = [load_spec(ref, roots)]
            self.ref = scorer.model_id

    def features(self) -> list[str]:
        out: list[str] = []
        for spec in self.specs:
            for f in spec.get("features") or [t["feature"] for t in spec.get("terms", [])]:
                if f not in out:
                    out.append(f)
        return out

    def prior_spec(self) -> dict[str, Any]:
        """One rule spec with every term (directions for the fit)."""
        terms = [t for spec in self.specs if spec.get("kind", "rules") == "rules" for t in spec.get("terms", [])]
        return {"kind": "rules", "terms": terms}

    def predict(self, rows: list[Mapping[str, Any]]) -> np.ndarray:
        out = []
        for feats in rows:
            subs = {n: s.score(feats).value for n, s in self.scorers.items()}
            if self.name == OVERALL and len(self.scorers) > 1:
                pairs = [(OVERALL_WEIGHTS[n], v) for n, v in subs.items() if v is not None]
                total = sum(w for w, _ in pairs)
                out.append(sum(w * v for w, v in pairs) / total if total else np.nan)
            else:
                out.append(next(iter(subs.values())))
        arr = np.array([np.nan if v is None else v for v in out], dtype=float)
        if np.isnan(arr).all():
            return np.zeros(len(arr))
        return np.where(np.isnan(arr), np.nanmedian(arr), arr)


def _data_hash(labels_path: str, ds: Dataset) -> str:
    digest = hashlib.sha256(Path(labels_path).read_bytes())
    digest.update(json.dumps([ds.target, [v.video_id for v in ds.videos], ds.y]).encode())
    return "sha256:" + digest.hexdigest()[:32]


def train(opts: TrainOptions, log=print) -> TrainResult:
    """Run the whole training flow; see the module docstring.

    Raises:
        ConfigError: bad inputs (naming the file); NotEnoughData below MIN_ROWS without force;
            an existing version.
    """
    from scoring.scorers.registry import list_models
    from scoring.training.fit import KINDS, MonotoneRuleModel, feature_matrix, fit_estimator, fit_rules
    from scoring.training.registry import check_version_name, model_roots, write_card

    if opts.kind not in KINDS:
        raise ConfigError(f"unknown model kind {opts.kind!r} (use {', '.join(KINDS)})")
    name = opts.subscore or OVERALL
    if opts.subscore and opts.subscore not in SUBSCORES:
        raise ConfigError(f"unknown sub-score {opts.subscore!r} (use {', '.join(s for s in SUBSCORES if s != 'engagement')})")
    check_version_name(opts.version)
    roots = model_roots(opts.models_dir)
    ref = f"{name}@{opts.version}"
    if ref in list_models(roots):
        raise ConfigError(f"model {ref} already exists; versions are never overwritten: pick another --name")
    current = CurrentModel(name, opts.current, roots)
    videos, notes = load_runs(opts.runs)
    labels = read_labels(opts.labels, opts.labels_kind)
    ds = build_dataset(labels, videos, opts.target)
    ds.report.notes.extend(notes)
    log(ds.report.summary())
    rows = [v.features for v in ds.videos]
    wanted = opts.features or current.features()
    features = [f for f in wanted if any(r.get(f) is not None for r in rows)]
    missing = [f for f in wanted if f not in features]
    if opts.features and missing:
        raise ConfigError(f"features never measured in these runs: {', '.join(missing)}")
    if not features:
        raise ConfigError("none of the model's features is present in the runs' stored features")
    X = feature_matrix(rows, features)
    y = np.asarray(ds.y, dtype=float)
    n = len(y)
    result = TrainResult(ds, features, None, current.ref)
    log(f"{n} labelled videos, target {ds.target} ({'higher' if ds.higher_is_better else 'lower'} is better), "
        f"{len(features)} features, model {ref} ({opts.kind})")
    prior_spec = current.prior_spec()

    def fit_predict(train_idx: np.ndarray, test_idx: np.ndarray) -> np.ndarray:
        if opts.kind == "rules":
            model = MonotoneRuleModel(features, name=name, version=opts.version, prior_spec=prior_spec)
            return model.fit(X[train_idx], y[train_idx]).predict(X[test_idx])
        est, _ = fit_estimator(opts.kind, X[train_idx], y[train_idx], features, prior_spec)
        return est.predict(X[test_idx])

    current_scores = current.predict(rows)
    if n >= 6:
        result.cv = cross_validate(n, y, fit_predict, current_scores, k=opts.folds,
                                   pairs=ds.pairs or None, seed=opts.seed, n_boot=opts.bootstrap)
        log(result.cv.table((ref, current.ref)))
    if n < MIN_ROWS and not opts.force:
        raise NotEnoughData(f"only {n} labelled videos matched: the data cannot support a new model "
                            f"(at least {MIN_ROWS} are needed); no model registered. Add labels, or pass "
                            "--force to register it anyway")
    if n < MIN_ROWS:
        result.messages.append(f"warning: only {n} labelled videos; registered because of --force")
    folder = roots[0] / name / opts.version
    folder.mkdir(parents=True, exist_ok=False)
    try:
        result.spec = _write_model(folder, opts, name, X, y, features, prior_spec, fit_rules, fit_estimator)
        training = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "target": ds.target, "higher_is_better": ds.higher_is_better, "labels": str(opts.labels),
            "labels_kind": labels.kind, "runs": [str(r) for r in opts.runs], "rows": n, "features": features,
            "data_hash": _data_hash(opts.labels, ds), "current": current.ref, "forced": n < MIN_ROWS,
            "join": ds.report.to_dict(), "cv": result.cv.to_dict() if result.cv else None,
            "libraries": _libraries(), "kind": opts.kind,
        }
        result.spec["training"] = {k: v for k, v in training.items() if k not in ("join",)}
        (folder / "model.json").write_text(json.dumps(result.spec, indent=2) + "\n")
        (folder / "training.json").write_text(json.dumps(training, indent=2) + "\n")
        write_card(folder, result.spec, training)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    result.folder = folder
    log(f"registered {ref} in {folder}")
    return result


def _write_model(folder: Path, opts: TrainOptions, name: str, X, y, features, prior_spec, fit_rules, fit_estimator):
    if opts.kind == "rules":
        return fit_rules(X, y, features, name=name, version=opts.version, prior_spec=prior_spec)
    from scoring.scorers.skmodel import save_estimator

    est, quantiles = fit_estimator(opts.kind, X, y, features, prior_spec)
    spec = {"name": name, "version": opts.version, "kind": "sklearn", "estimator": opts.kind,
            "description": f"Fitted {name} model ({opts.kind}, scikit-learn, saved with skops).",
            "features": features, "output_quantiles": quantiles}
    spec.update(save_estimator(est, folder))
    return spec


def _libraries() -> dict[str, str]:
    import scipy

    from scoring import __version__

    libs = {"sparkscout": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__}
    try:
        from scoring.scorers.skmodel import library_versions

        libs.update(library_versions())
    except ImportError:
        pass
    return libs
