"""The user's model registry (trained versions) beside the built-in one, and model cards.

Trained versions live in ``$XDG_DATA_HOME/sparkscout/models`` (default
``~/.local/share/sparkscout/models``), or in a folder given with ``--models-dir``; each is
``<name>/<version>/`` with ``model.json``, ``card.md``, ``training.json`` and, for
scikit-learn kinds, ``model.skops``. Versions are never overwritten.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError
from scoring.paths import user_data_dir

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def user_models_dir() -> Path:
    """``$XDG_DATA_HOME/sparkscout/models`` or ``~/.local/share/sparkscout/models`` (read when called)."""
    return user_data_dir() / "models"


def model_roots(models_dir: str | Path | None = None) -> list[Path]:
    """Registry folders searched before the built-in models."""
    return [Path(models_dir) if models_dir else user_models_dir()]


def models_used(results: list[Any]) -> dict[str, str]:
    """Sub-score -> model id actually used in a run (ranking.json ``run.models``)."""
    used: dict[str, str] = {}
    for r in results:
        for sub, ref in (getattr(r, "models", None) or {}).items():
            used.setdefault(sub, ref)
    return dict(sorted(used.items()))


def check_version_name(version: str) -> None:
    if not VERSION_RE.match(version or ""):
        raise ConfigError(f"model version {version!r}: use letters, digits, '.', '_' or '-' (e.g. 2026-11-30-ctr)")


def versions(roots: list[Path] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every model name -> its versions: ``{"version", "kind", "source", "trained", "metrics"}``."""
    from scoring.scorers.registry import builtin_models_dir

    out: dict[str, dict[str, dict[str, Any]]] = {}
    for root, source in [(r, "trained") for r in (roots or [])] + [(builtin_models_dir(), "built-in")]:
        for spec_path in sorted(Path(root).glob("*/*/model.json")):
            name, version = spec_path.parent.parent.name, spec_path.parent.name
            if version in out.setdefault(name, {}):
                continue
            try:
                spec = json.loads(spec_path.read_text())
            except json.JSONDecodeError:
                spec = {"kind": "unreadable"}
            training = spec.get("training") or {}
            out[name][version] = {"version": version, "kind": spec.get("kind", "rules"), "source": source,
                                  "path": str(spec_path.parent), "trained": training.get("date"),
                                  "target": training.get("target"),
                                  "spearman": ((training.get("cv") or {}).get("summary", {}).get("candidate", {})
                                               .get("spearman", {}).get("mean"))}
    return {n: sorted(v.values(), key=lambda e: (e["trained"] or "", e["version"])) for n, v in sorted(out.items())}


def format_versions(table: dict[str, list[dict[str, Any]]]) -> str:
    """One line per version; ``(default)`` marks the one a bare model name means."""
    from scoring.scorers.registry import default_version

    width = max((len(f"{n}@{e['version']}") for n, es in table.items() for e in es), default=0)
    lines = []
    for name, entries in table.items():
        lines.append(name)
        default = default_version(name)
        for e in entries:
            extra = f", target {e['target']}, CV Spearman {e['spearman']:.2f}" if e.get("spearman") is not None else ""
            when = f", trained {e['trained']}" if e.get("trained") else ""
            mark = "  (default)" if e["version"] == default else ""
            lines.append(f"  {name + '@' + e['version']:<{width}}  {e['kind']:<7} {e['source']}{when}{extra}{mark}")
    return "\n".join(lines)


def write_card(folder: Path, spec: dict[str, Any], training: dict[str, Any]) -> Path:
    """``card.md``: what was fitted on what, and how it compares with the current model."""
    cv = training.get("cv") or {}
    lines = [f"# {spec['name']}@{spec['version']}", "",
             f"Kind: {spec.get('kind', 'rules')} (trained with `sparkscout train` on {training['date']}).", "",
             f"- target: `{training['target']}` ({'higher' if training['higher_is_better'] else 'lower'} is better)"
             f"{' from ' + training['labels'] if training.get('labels') else ''}",
             f"- rows: {training['rows']} labelled videos from {len(training['runs'])} run(s); "
             f"join: {training['join']['matched']} matched, {len(training['join']['unmatched'])} unmatched, "
             f"{len(training['join']['ambiguous'])} ambiguous",
             f"- data hash: `{training['data_hash']}`",
             f"- compared with: `{training['current']}`",
             f"- libraries: {', '.join(f'{k} {v}' for k, v in training['libraries'].items())}",
             f"- forced below the minimum of labelled videos: {'yes' if training.get('forced') else 'no'}", ""]
    if cv.get("summary"):
        lines += ["| metric | this model | current | difference |", "|---|---|---|---|"]
        for m in ("spearman", "ndcg@5", "pairwise"):
            cells = []
            for s in (cv["summary"]["candidate"][m], cv["summary"]["current"][m], cv["candidate_minus_current"][m]):
                cells.append(f"{s['mean']:+.3f} [{s['low']:+.3f}, {s['high']:+.3f}]")
            lines.append(f"| {m} | {' | '.join(cells)} |")
        lines += ["", f"{cv['folds']}-fold cross-validation on the same folds; 95 % bootstrap intervals.", ""]
    if spec.get("kind", "rules") == "rules":
        lines += ["| feature | weight | curve (value → score) |", "|---|---|---|"]
        for t in spec["terms"]:
            pts = ", ".join(f"{x:g}→{y:.0f}" for x, y in t["curve"])
            lines.append(f"| `{t['feature']}` | {t['weight']:.2f} | {pts} |")
    else:
        lines += ["Features: " + ", ".join(f"`{f}`" for f in spec["features"])]
    lines += ["", "Intended use: ranking candidate UGC for this brand's Spark Ads. Limits: fitted to the "
              "ads in the labels; it learns association, not cause; check it on the next campaign's results."]
    path = folder / "card.md"
    path.write_text("\n".join(lines) + "\n")
    return path
