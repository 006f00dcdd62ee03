"""Command-line parts of training: ``sparkscout train`` and ``sparkscout eval --labels``.

Kept here so ``scoring/cli.py`` only wires them in.
"""

from __future__ import annotations

import json
import sys

from scoring.training.targets import TARGETS


def add_train_parser(sub) -> None:
    t = sub.add_parser(
        "train", help="fit a scorer on labels (Ads Manager export, ratings, pairwise picks) and register it",
        description="Fit a scorer from stored run features (no decoding) and labels; cross-validate it next to "
                    "the current model; register it as NAME@VERSION.")
    t.add_argument("--runs", nargs="+", required=True, metavar="DIR", help="'sparkscout score --out' folders")
    t.add_argument("--labels", required=True, metavar="FILE",
                   help="Ads Manager export (CSV/XLSX), ratings CSV/JSONL (video_id or path + numbers), "
                        "or pairwise CSV (better,worse)")
    t.add_argument("--labels-kind", choices=("auto", "ads_manager", "ratings", "pairs"), default="auto")
    t.add_argument("--target", help=f"derived ({', '.join(TARGETS)}; cpa: lower is better) or a numeric "
                                    "column of a ratings file; pairs need none")
    which = t.add_mutually_exclusive_group(required=True)
    which.add_argument("--subscore", choices=("hook", "audio_clarity", "visual_clarity", "product_integration"))
    which.add_argument("--overall", action="store_true", help="one model over every judged feature")
    t.add_argument("--name", required=True, metavar="VERSION", help="version to register, e.g. 2026-11-30-ctr")
    t.add_argument("--kind", choices=("rules", "linear", "gbm"), default="rules",
                   help="rules: interpretable isotonic curves + weights (default); linear: ridge; "
                        "gbm: monotone gradient boosting (scikit-learn, saved with skops)")
    t.add_argument("--features", help="comma-separated feature keys (default: the current model's features)")
    t.add_argument("--current", metavar="REF", help="model to compare with (default: the sub-score's prior)")
    t.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: %(default)s)")
    t.add_argument("--force", action="store_true", help="register even with fewer than 30 labelled videos")
    t.add_argument("--models-dir", help="registry folder (default: ~/.local/share/sparkscout/models)")
    t.add_argument("--json", action="store_true", help="print the training record on stdout")


def add_eval_options(e) -> None:
    """Options of ``sparkscout eval`` that compare model versions on a labelled set."""
    g = e.add_argument_group("comparing model versions on labels (instead of SUITE)")
    g.add_argument("--labels", metavar="FILE", help="labels file (as for train)")
    g.add_argument("--runs", nargs="+", metavar="DIR", help="run folders with stored features")
    g.add_argument("--models", nargs=2, metavar="REF", help="two versions, e.g. hook@prior-1 hook@2026-11-30-ctr")
    g.add_argument("--target", help="target name (as for train)")
    g.add_argument("--models-dir", help="registry folder (default: ~/.local/share/sparkscout/models)")


def cmd_train(args) -> int:
    from scoring.training.train import TrainOptions, train

    opts = TrainOptions(runs=args.runs, labels=args.labels, version=args.name, target=args.target,
                        subscore=None if args.overall else args.subscore, kind=args.kind,
                        features=[f.strip() for f in args.features.split(",") if f.strip()] if args.features else None,
                        current=args.current, folds=args.folds, force=args.force, models_dir=args.models_dir,
                        labels_kind=args.labels_kind)
    result = train(opts, log=lambda msg: print(msg, file=sys.stderr))
    for msg in result.messages:
        print(msg, file=sys.stderr)
    if args.json:
        print(json.dumps({"model": f"{result.spec['name']}@{result.spec['version']}", "folder": str(result.folder),
                          "rows": len(result.dataset.y), "join": result.dataset.report.to_dict(),
                          "cv": result.cv.to_dict() if result.cv else None}, indent=2))
    return 0


def cmd_eval_models(args) -> int:
    from scoring.errors import ConfigError
    from scoring.training.compare import compare_models

    if not (args.runs and args.models):
        raise ConfigError("eval --labels needs --runs DIR... and --models REF REF")
    result = compare_models(args.labels, args.runs, args.models, target=args.target, models_dir=args.models_dir,
                            log=lambda msg: print(msg, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else result["table"])
    return 0

