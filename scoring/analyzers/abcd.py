"""Parity with Google's ABCD Detector: its attention checks as flags with reasons.

Reads the faces, cuts, speech and (full profile) on-screen text Signals; computes nothing
from pixels itself. A check whose input was not measured (no OCR in the fast profile) is
None and left out of ``passed`` / ``checked``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.analyzers.base import AnalysisContext, Analyzer, Event, EventKind, Feature, Signals
from scoring.media.clip import Clip

CHECKS = ("dynamic_start", "quick_pacing", "overall_pacing", "face_closeup", "speech_early", "supers")
TITLES = {"dynamic_start": "dynamic start", "quick_pacing": "quick pacing", "overall_pacing": "overall pacing",
          "face_closeup": "face close-up", "speech_early": "audio speech early", "supers": "supers"}


@dataclass(frozen=True)
class AbcdConfig:
    """ABCD's thresholds where they are not the upstream analyzers' own.

    speech_early_s: speech must start before this (s).
    """

    speech_early_s: float = 5.0


class AbcdAnalyzer(Analyzer):
    """ABCD checks: ``dynamic_start`` (first shot ends < 3 s), ``quick_pacing`` (>= 5 shots
    begin within 5 s), ``overall_pacing`` (average shot <= 2 s), ``face_closeup`` (a face
    holds >= 15 % of the frame: ``faces.closeup``, its reason quoting
    ``faces.closeup_area_ratio``), ``speech_early`` (speech within 5 s), ``supers`` (any
    on-screen text; None without OCR). ``passed`` / ``checked`` count them; ``pct`` = passed / checked
    x 100 (ABCD's score). Events: one ``abcd`` event per check, its label the reason.
    """

    name = "abcd"
    version = "3"
    Config = AbcdConfig
    event_kinds = (EventKind("abcd", "ABCD", "#0c8599"),)
    requires = ("faces", "cuts", "speech")
    after = ("onscreen_text",)
    features = (
        Feature("dynamic_start", "bool", None, "cuts.dynamic_start (first shot ends within 3 s); None without cuts"),
        Feature("quick_pacing", "bool", None, "cuts.quick_pacing (5 shots begin within 5 s); None without cuts"),
        Feature("overall_pacing", "bool", None, "cuts.overall_pacing (mean shot at most 2 s); None without cuts"),
        Feature("face_closeup", "bool", None,
                "faces.closeup (a held face fills >= 15 % of the frame); None without faces"),
        Feature("speech_early", "bool", None, "speech starts before speech_early_s (5 s); False without speech, "
                                              "None without the speech analyzer"),
        Feature("supers", "bool", None, "onscreen_text.anytime (any on-screen text); None without OCR"),
        Feature("passed", "int", None, "checks that passed"),
        Feature("checked", "int", None, "checks measured (not None)"),
        Feature("pct", "number", "0-100", "ABCD's score: passed / checked x 100; None when nothing was checked"),
    )

    def analyze(self, clip: Clip, ctx: AnalysisContext) -> Signals:
        cfg: AbcdConfig = self.config
        f: dict = {}
        for name in ("faces", "cuts", "speech", "onscreen_text"):
            sig = ctx.upstream.get(name)
            if sig is not None:
                f.update(sig.features)
        checks: dict[str, tuple[bool | None, float, str]] = {}
        first_end = f.get("cuts.first_shot_end_s")
        if first_end is not None:
            ok = bool(f.get("cuts.dynamic_start"))
            checks["dynamic_start"] = (ok, first_end if ok else 0.0,
                                       f"first shot ends at {first_end:.1f} s" + (" (< 3 s)" if ok else " (not < 3 s)"))
        shots, avg = f.get("cuts.shots"), f.get("cuts.avg_shot_s")
        if shots is not None and avg is not None:
            quick = bool(f.get("cuts.quick_pacing"))
            n = f"{shots} shot" + ("" if shots == 1 else "s")
            checks["quick_pacing"] = (quick, 0.0, n + (", 5 within 5 s" if quick else ", never 5 within 5 s"))
            pace = bool(f.get("cuts.overall_pacing"))
            checks["overall_pacing"] = (pace, 0.0, f"average shot {avg:.1f} s" + (" (<= 2 s)" if pace else " (> 2 s)"))
        if f.get("faces.closeup") is not None:
            # One number: the faces analyzer's held face size over the video, the same
            # detections and threshold that set ``faces.closeup``.
            close = bool(f["faces.closeup"])
            area = f.get("faces.closeup_area_ratio")
            size = (f"largest face {area * 100:.0f} % of the frame" if area is not None else "no face")
            checks["face_closeup"] = (close, f.get("faces.first_s") or 0.0,
                                      f"a face fills >= 15 % of the frame ({size})" if close
                                      else f"no face close-up ({size}; ABCD needs 15 %)")
        onset = f.get("speech.onset_s")
        if "speech.onset_s" in f:
            early = onset is not None and onset < cfg.speech_early_s
            checks["speech_early"] = (early, onset or 0.0,
                                      f"speech starts at {onset:.1f} s" if onset is not None else "no speech")
        if f.get("onscreen_text.anytime") is not None:
            sup = bool(f["onscreen_text.anytime"])
            checks["supers"] = (sup, f.get("onscreen_text.first_s") or 0.0,
                                "on-screen text" + (f' from {f["onscreen_text.first_s"]:.1f} s' if sup else ": none"))
        features: dict = {name: (checks[name][0] if name in checks else None) for name in CHECKS}
        passed = sum(1 for v in features.values() if v)
        checked = sum(1 for v in features.values() if v is not None)
        features.update(passed=passed, checked=checked, pct=round(100 * passed / checked, 1) if checked else None)
        events = [Event(t=round(float(t), 3), kind="abcd", source="video" if name != "speech_early" else "audio",
                        label=f"ABCD {TITLES[name]} {'passed' if ok else 'failed'}: {why}")
                  for name, (ok, t, why) in checks.items()]
        return self.signals(features, events=events)
