"""A test-only analyzer plugin that misbehaves on clips of chosen widths (imported by workers).

Width 322: the process dies with SIGSEGV; 324: ``os._exit(7)``; 326: sleeps for an hour.
Any other clip gets one feature, ``faulty.numba_loaded`` (whether numba is imported by then).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

from scoring.analyzers.base import AnalysisContext, Analyzer, Signals
from scoring.analyzers.registry import register_analyzer
from scoring.media.clip import Clip

SEGFAULT, EXIT, HANG = 322, 324, 326


@register_analyzer
class FaultyAnalyzer(Analyzer):
    name = "faulty"
    version = "1"
    feature_keys = ("numba_loaded",)

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        width = clip.info.width
        if width == SEGFAULT:
            os.kill(os.getpid(), signal.SIGSEGV)
            ctypes.string_at(0)  # in case the signal is handled
        if width == EXIT:
            os._exit(7)
        if width == HANG:
            time.sleep(3600)
        return self.signals({"numba_loaded": "numba" in sys.modules})
