"""Lower layers never import higher ones: ranking works on scores and fingerprints only."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("av", "cv2", "torch", "onnxruntime", "ctranslate2", "scoring.pipeline", "scoring.analyzers",
         "scoring.media", "scoring.engines")


def test_ranking_and_results_import_no_pipeline_analyzer_or_media():
    code = ("import sys, scoring.ranking, scoring.shortlist, scoring.results, scoring.runstore, scoring.fixes\n"
            "import scoring.report.explain, scoring.report.requests\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
