"""Training: labels (Ads Manager exports, ratings, pairwise picks) joined to stored run
features, fitted into registry models with cross-validated metrics.

Modules: ``labels`` (readers), ``targets`` (derived, shrunk targets), ``dataset`` (join),
``fit`` (isotonic rule models, scikit-learn alternatives), ``metrics`` (CV, bootstrap),
``registry`` (user registry, cards), ``train`` (the flow), ``compare`` (two versions on a
labelled set), ``commands`` (CLI). Nothing here is imported by scoring runs.
"""
