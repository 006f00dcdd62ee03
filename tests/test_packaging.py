"""``make install`` builds the project without setuptools warnings (licence, package data),
and the wheel still carries every data file the code reads (built-in models, report
assets, serve templates)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "scoring", "models")

pytest.importorskip("setuptools", minversion="77")  # what pyproject's build-system asks for


@pytest.mark.slow
@pytest.mark.parametrize("hook", ["build_wheel", "build_editable"])  # pip install . / pip install -e .
def test_the_build_prints_no_setuptools_warning(tmp_path, hook):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile)(
            ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / name).is_dir()
                                        else {}))
    code = (f"import warnings; warnings.simplefilter('always'); from setuptools import build_meta as b; "
            f"print('BUILT', b.{hook}({str(tmp_path / 'dist')!r}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "Warning" not in output and "deprecated" not in output.lower(), output[-4000:]
    if hook == "build_wheel":
        wheel = next((tmp_path / "dist").glob("*.whl"))
        names = set(zipfile.ZipFile(wheel).namelist())
        for model in (ROOT / "models").glob("*/*/model.json"):
            rel = model.relative_to(ROOT / "models")
            assert f"scoring/builtin_models/{rel}" in names
            assert f"scoring/builtin_models/{rel.parent}/card.md" in names
        for data in ("scoring/report/assets/report.css", "scoring/report/assets/report.js",
                     "scoring/report/assets/report.html.j2", "scoring/report/assets/explain.html.j2",
                     "scoring/ledger/web/templates/index.html", "scoring/ledger/web/templates/base.html"):
            assert data in names, data
