"""The layers: which part of ``scoring`` may import which (docs/ARCHITECTURE.md draws it).

A *unit* is a top-level module or package of ``scoring`` (``ranking``, ``analyzers``, ...).
Every ``import`` in ``scoring/`` (module level or inside a function: both load the code) is
read with ``ast``; an edge between two units must be in ``ALLOWED``. A new unit must be
added to the table; a new edge is either a design change (edit the table and the doc) or a
mistake. ``KNOWN`` lists today's violations, each to be removed as it is fixed.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "scoring"

FOUNDATION = {"errors", "bits", "threads", "contract", "paths"}
# unit -> the units it may import (besides itself, FOUNDATION and ``scoring.__version__``)
ALLOWED: dict[str, set[str]] = {
    "errors": set(), "bits": set(), "threads": set(), "contract": set(), "paths": set(),
    "inputs": set(),
    "results": {"inputs"},
    "media": set(),                                   # decode, probe, frames: no analysis
    "services": {"media"},                            # OCR, speech, VAD, text embedding, shots, picture measures: shared by analyzers
    "analyzers": {"media", "services"},               # measure a decoded Clip
    "scorers": set(),                                 # features -> sub-scores
    "judgment": {"scorers"},
    "campaign": {"scorers"},
    "engagement": set(),
    "shortlist": set(),
    "ranking": {"campaign", "engagement", "judgment", "results", "scorers", "shortlist"},
    "fixes": {"judgment", "scorers"},
    "store": {"analyzers"},                           # feature cache keyed by analyzer versions
    "runstore": {"inputs", "results"},
    "report": {"media", "scorers"},                   # report.media renders thumbnails from frames
    "pipeline": {"analyzers", "campaign", "inputs", "media", "report", "results", "scorers", "store"},
    "engines": {"inputs", "pipeline", "results"},
    "training": {"scorers"},
    "ledger": {"report", "store"},                    # serve shows the report's explanations
    "run": {"campaign", "engines", "fixes", "inputs", "ledger", "pipeline", "ranking", "report", "results",
            "runstore", "store", "training"},
    "api": {"campaign", "engines", "results", "run"},
    "evaluate": {"api"},
    "cli": {"api", "campaign", "engines", "evaluate", "inputs", "ledger", "media", "report", "scorers", "store",
            "training"},
}
# (importing module, imported unit): violations that exist today, see issue 21 item 2
KNOWN: set[tuple[str, str]] = set()

# What the table must keep true, whatever else changes in it (transitively).
NEVER = {
    "scorers": {"pipeline", "analyzers", "engines", "media"},
    "judgment": {"pipeline", "analyzers", "engines", "media"},
    "ranking": {"pipeline", "analyzers", "engines", "media"},
    "shortlist": {"pipeline", "analyzers", "engines", "media"},
    "fixes": {"pipeline", "analyzers", "engines", "media"},
    "training": {"cli", "api", "run", "pipeline", "analyzers", "engines", "media"},
    "report": {"analyzers", "pipeline", "engines", "api", "run", "cli"},
    "analyzers": {"pipeline", "engines", "store", "ranking", "report", "api", "run", "cli"},
    "media": {"analyzers", "pipeline", "services"},
    "services": {"analyzers", "pipeline", "engines", "store", "ranking", "report", "api", "run", "cli"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "scoring" else None


def _imports(path: Path, module: str | None = None) -> set[str]:
    """Absolute ``scoring.*`` modules imported anywhere in the file (``module``: its dotted name)."""
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # ``from scoring import threads`` imports scoring.threads
                sub = f"{base}.{alias.name}"
                is_module = (ROOT.parent / sub.replace(".", "/")).with_suffix(".py").exists() or \
                    (ROOT.parent / sub.replace(".", "/")).is_dir()
                found.add(sub if is_module else base)
    return {m for m in found if m == "scoring" or m.startswith("scoring.")}


def import_edges() -> set[tuple[str, str, str]]:
    """(importing module, its unit, imported unit) for every cross-unit import in scoring/."""
    edges = set()
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        unit = _unit(module)
        for target in _imports(path):
            other = _unit(target)
            if unit and other and other != unit:
                edges.add((module, unit, other))
    return edges


def test_every_unit_is_in_the_table():
    units = {_unit(_module_name(p)) for p in ROOT.rglob("*.py")} - {None}
    assert units - set(ALLOWED) == set(), "add the new unit to ALLOWED (and docs/ARCHITECTURE.md)"


def test_imports_follow_the_table():
    bad = sorted((m, o) for m, u, o in import_edges()
                 if o not in ALLOWED[u] | FOUNDATION and (m, o) not in KNOWN)
    assert bad == [], f"imports outside the layer table: {bad}"


def test_known_violations_are_still_real():
    """A fixed violation must leave KNOWN, so that it cannot come back unnoticed."""
    real = {(m, o) for m, _, o in import_edges()}
    assert KNOWN <= real, f"fixed, remove from KNOWN: {sorted(KNOWN - real)}"


def _reach(unit: str) -> set[str]:
    seen: set[str] = set()
    todo = [unit]
    while todo:
        unit = todo.pop()
        for nxt in ALLOWED[unit] | (set() if unit in FOUNDATION else FOUNDATION):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("unit", sorted(NEVER))
def test_table_keeps_lower_layers_below(unit):
    assert _reach(unit) & NEVER[unit] == set()


def test_table_has_no_cycles():
    assert [u for u in ALLOWED if u in _reach(u)] == []


def test_the_walker_sees_function_level_relative_and_from_package_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import scoring.media\n"
                     "def f():\n    from scoring import pipeline, __version__\n"
                     "    from ..analyzers import base\n    from . import judgment\n")
    assert _imports(probe, "scoring.report.probe") == {
        "scoring.media", "scoring.pipeline", "scoring", "scoring.analyzers.base", "scoring.report"}


def test_architecture_doc_draws_the_same_table():
    """docs/ARCHITECTURE.md lists each unit's allowed imports; it must be this table."""
    text = (ROOT.parent / "docs" / "ARCHITECTURE.md").read_text()
    block = text.split("```")[1]
    drawn: dict[str, set[str]] = {}
    last = None
    for line in block.splitlines():
        m = re.match(r"^(?:tier \d+)?\s+(\w+)\s+-> (.*)$", line)
        if m:
            last = m.group(1)
            drawn[last] = set()
            rest = m.group(2)
        elif last and line.startswith(" " * 20) and "," in line:
            rest = line
        else:
            continue
        drawn[last] |= {u.strip() for u in re.split(r"\s{2,}", rest.strip())[0].split(",") if u.strip()}
    assert drawn == {u: a for u, a in ALLOWED.items() if a}


HEAVY = ("av", "cv2", "torch", "onnxruntime", "ctranslate2", "scoring.pipeline", "scoring.analyzers",
         "scoring.media", "scoring.engines", "scoring.api", "scoring.cli", "scoring.run")


def test_ranking_and_results_import_no_pipeline_analyzer_or_media():
    code = ("import sys, scoring.ranking, scoring.shortlist, scoring.results, scoring.runstore, scoring.fixes\n"
            "import scoring.report.explain, scoring.report.requests, scoring.training.train\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_test_skips_over_our_own_modules():
    """``importorskip("scoring...")`` would turn a broken import of ours into a skip."""
    tests = Path(__file__).resolve().parent
    hits = [p.name for p in tests.glob("*.py")
            if re.search(r"importorskip\(\s*['\"]scoring", p.read_text()) and p.name != Path(__file__).name]
    assert hits == []


def test_analyzers_do_not_import_each_other():
    """Code several analyzers share lives in ``scoring.services``; an analyzer module imports
    only the analyzer framework (``base``, ``registry``, ``warmup``), never another analyzer
    (issue 21: ``mentions`` re-ran OCR through ``onscreen_text``; ``visual_quality`` borrowed
    ``picture``'s helpers). Another analyzer's output is read from ``ctx.upstream``, declared."""
    framework = {"scoring.analyzers", "scoring.analyzers.base", "scoring.analyzers.registry",
                 "scoring.analyzers.warmup"}
    crossing = []
    for path in sorted((ROOT / "analyzers").glob("*.py")):
        module = _module_name(path)
        if module in framework:
            continue
        crossing += [f"{module} -> {m}" for m in _imports(path)
                     if m.startswith("scoring.analyzers") and m not in framework and m != module]
    assert crossing == []
