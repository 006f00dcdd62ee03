"""An analyzer declares itself once (issue 21): registration, evidence keys, event kinds and
the report timeline, the features models may read, campaign inputs, model loaders and the
upstream an analyzer sees are all derived from, or checked against, the class declarations.
(The conformance of every analyzer's output to its declarations on generated clips is in
``test_analyzer_contract.py``.)"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from videofactory import moving_pattern, write_video

from scoring import pipeline
from scoring.analyzers import BUILTIN, AnalysisContext, Analyzer, Event, EventKind, Feature, Signals, registered, warmup
from scoring.analyzers.cuts import CutsAnalyzer
from scoring.analyzers.registry import declaration_problems, timeline_kinds
from scoring.campaign import Campaign
from scoring.contract import EVIDENCE_KEYS, RANKING_EVIDENCE_KEYS
from scoring.errors import ConfigError
from scoring.inputs import VideoRef
from scoring.ranking import rank_results
from scoring.report.html import render_report
from scoring.results import VideoResult
from scoring.scorers.registry import builtin_models_dir, check_features, list_models

ROOT = Path(__file__).resolve().parents[1]


def _analyzer_classes() -> list[tuple[str, str]]:
    """(module, class) of every class under ``scoring/`` deriving from ``Analyzer``, read from
    the source (so a class nothing imports is found too)."""
    found = []
    for path in sorted((ROOT / "scoring").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    (isinstance(b, ast.Name) and b.id.endswith("Analyzer"))
                    or (isinstance(b, ast.Attribute) and b.attr.endswith("Analyzer")) for b in node.bases):
                found.append((".".join(path.relative_to(ROOT).with_suffix("").parts), node.name))
    return found


def test_every_analyzer_class_under_scoring_is_registered():
    classes = _analyzer_classes()
    assert len(classes) >= 21
    listed = {(c.__module__, c.__name__) for c in BUILTIN}
    missing = [f"{m}.{c}" for m, c in classes if (m, c) not in listed]
    assert missing == [], "add them to BUILTIN in scoring/analyzers/__init__.py"
    for cls in BUILTIN:
        assert registered().get(cls.name) is cls, cls.name


def test_contract_evidence_keys_are_the_declared_ones():
    declared = {k for cls in BUILTIN for k in cls.evidence_keys}
    assert len(EVIDENCE_KEYS) == len(set(EVIDENCE_KEYS))
    assert set(EVIDENCE_KEYS) - set(RANKING_EVIDENCE_KEYS) == declared, "contract.EVIDENCE_KEYS != declarations"
    assert not declared & set(RANKING_EVIDENCE_KEYS)


def test_declarations_are_well_formed():
    by_kind: dict[str, EventKind] = {}
    for cls in BUILTIN:
        assert cls.feature_keys == tuple(f.name for f in cls.features), cls.name
        assert len(set(cls.feature_keys)) == len(cls.feature_keys), cls.name
        for f in cls.features:
            assert f.type in ("number", "int", "bool", "str", "any"), (cls.name, f.name)
        for k in cls.event_kinds:
            assert re.fullmatch(r"#[0-9a-f]{3,6}", k.colour), (cls.name, k)
            # a kind two analyzers emit (product) is one lane: the same label and colour
            assert by_kind.setdefault(k.kind, k) == k, (cls.name, k.kind)
        assert set(cls.requires) | set(cls.after) <= set(registered()), cls.name


def test_feature_declaration_with_types_derives_the_names():
    class Typed(Analyzer):
        name, version = "typed_demo", "1"
        features = (Feature("n", "int", None, "a count"), Feature("ok", "bool"), Feature("x", "number", "s"))

        def analyze(self, clip, ctx):
            return self.signals({"n": 2, "ok": 1, "x": 0.5})

    assert Typed.feature_keys == ("n", "ok", "x")
    problems = declaration_problems(Typed, Typed().analyze(None, AnalysisContext()))
    assert problems == ["feature 'typed_demo.ok' = 1 is not of its declared type bool"]


def test_undeclared_output_is_caught():
    """The check ``test_analyzer_contract`` applies to every registered analyzer can fail."""
    class Sloppy(Analyzer):
        name, version = "sloppy_demo", "1"
        feature_keys = ("a",)
        evidence_keys = ("cuts_s",)
        event_kinds = (EventKind("cut", "cut", "#222"),)

        def analyze(self, clip, ctx):
            sig = self.signals({"a": 1, "b": 2}, {"cuts_s": [], "hook_text": "x"},
                               [Event(0.0, "cut", "c"), Event(1.0, "sparkle", "s")])
            return sig

    problems = declaration_problems(Sloppy, Sloppy().analyze(None, AnalysisContext()))
    assert problems == ["undeclared feature 'sloppy_demo.b'", "undeclared evidence key 'hook_text'",
                        "undeclared event kind 'sparkle'"]


def test_report_timeline_lanes_come_from_the_declared_event_kinds():
    lanes = pipeline.report_timeline()
    declared = {k.kind: k for cls in BUILTIN for k in cls.event_kinds}
    assert {x["kind"] for x in lanes} >= {k for k, d in declared.items() if d.timeline}
    assert "word" not in {x["kind"] for x in lanes}  # one event per word: not a lane
    assert {x["kind"] for x in lanes} >= {"transition", "audio_issue", "hook_phrase", "abcd", "stitch"}
    assert lanes == timeline_kinds()
    # the page script takes kinds, labels and colours from the data, never from a list of its own
    js = (ROOT / "scoring" / "report" / "assets" / "report.js").read_text()
    assert '"speech", "face"' not in js and "DATA.timeline" in js
    r = VideoResult(ref=VideoRef("/v/a.mp4"), status="ok", video_id="sha256:a")
    r.subscores = {"hook": 50.0}
    r.events = [{"t": 0.5, "end": 1.0, "kind": "transition", "label": "fade", "source": "video", "text": None},
                {"t": 0.2, "end": None, "kind": "word", "label": "hi", "source": "speech", "text": None}]
    doc = rank_results([r], Campaign(), {"profile": "fast"})
    html = render_report(doc, lanes)
    data = json.loads(re.search(r'id="report-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["timeline"] == lanes
    assert [e["kind"] for e in data["videos"][0]["events"]] == ["transition"]
    # without declared lanes (a report rebuilt from ranking.json alone): one grey lane per kind seen
    bare = json.loads(re.search(r'id="report-data"[^>]*>(.*?)</script>', render_report(doc), re.S).group(1))
    assert [x["kind"] for x in bare["timeline"]] == ["transition"]


def test_every_builtin_model_reads_only_declared_features():
    known = pipeline.known_features()
    refs = list_models()
    assert len(refs) >= 10
    for ref in refs:
        check_features(ref, None, known)


def test_a_misspelt_model_feature_stops_the_run_with_the_file_and_a_suggestion(tmp_path):
    src = builtin_models_dir() / "hook"
    version = sorted(p.name for p in src.iterdir() if (p / "model.json").is_file())[-1]
    dst = tmp_path / "hook" / "typo-1"
    shutil.copytree(src / version, dst)
    spec = (dst / "model.json").read_text()
    assert '"faces.first_s"' in spec
    (dst / "model.json").write_text(spec.replace('"faces.first_s"', '"faces.frist_s"', 1))
    settings = pipeline.RunSettings(campaign=Campaign(models={"hook": "hook@typo-1"}), profile="fast",
                                    model_roots=[str(tmp_path)])
    with pytest.raises(ConfigError, match=r"typo-1/model\.json: feature 'faces\.frist_s' is not declared by any "
                                          r"analyzer; did you mean 'faces\.first_s'\?"):
        pipeline.load_scorers(settings)
    # the same model, spelt right, loads
    (dst / "model.json").write_text(spec)
    assert pipeline.load_scorers(settings)["hook"] is not None


def test_campaign_inputs_are_declared_and_derive_the_context(monkeypatch):
    """Every ``ctx.<field>`` an analyzer module reads is declared in ``context_fields`` (or is
    ``hook_seconds``, always there); the worker's context holds exactly the declared fields."""
    by_module: dict[str, set[str]] = {}
    for cls in BUILTIN:
        by_module.setdefault(cls.__module__, set()).update(cls.context_fields)
    for module, declared in by_module.items():
        path = ROOT / Path(*module.split(".")).with_suffix(".py")
        read = {n.attr for n in ast.walk(ast.parse(path.read_text()))
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "ctx"}
        assert read - declared - {"hook_seconds", "upstream"} == set(), module
    ctx = pipeline.analysis_context(Campaign(hook_seconds=2.5, products=["Acme"]))
    assert set(ctx) == {"hook_seconds"} | {f for c in BUILTIN for f in c.context_fields}
    assert ctx["hook_seconds"] == 2.5 and "acme" in " ".join(ctx["terms"].get("products", [])).lower()
    monkeypatch.setattr(pipeline, "declared_context_fields", lambda: {"mood"})
    with pytest.raises(ConfigError, match="mood"):
        pipeline.analysis_context(Campaign())


def test_warm_up_loaders_are_the_declared_ones():
    assert warmup.loaders() == {c.name: c.loader for c in registered().values() if c.loader is not None}
    assert {"speech", "faces", "asr", "onscreen_text", "dnsmos", "hook_phrases", "visual_quality",
            "clip_zero_shot"} <= set(warmup.loaders())
    assert warmup.needs()["hook_phrases"] == ("asr",)
    assert not warmup.needed("hook_phrases", {"speech"}) and warmup.needed("hook_phrases", {"asr"})


class _Spy(Analyzer):
    """Records the upstream it is shown (not registered: used on a worker directly)."""

    name, version = "spy_demo", "1"
    after = ("cuts",)
    seen: list[set[str]] = []

    def analyze(self, clip, ctx):
        _Spy.seen.append(set(ctx.upstream))
        return self.signals({})


class _Blind(_Spy):
    name, after = "blind_demo", ()


def test_upstream_holds_only_what_an_analyzer_declares(tmp_path):
    video = write_video(tmp_path / "v.mp4", moving_pattern(64, 112), n_frames=24, size=(64, 112),
                        audio=np.zeros(48000, np.float32))
    worker = pipeline.Worker(pipeline.RunSettings(profile="fast"))
    worker.analyzers = [CutsAnalyzer(), _Spy(), _Blind()]
    _Spy.seen = []
    worker._analyze(str(video), VideoResult(ref=VideoRef(str(video)), status="ok", video_id="sha256:v"))
    assert _Spy.seen == [{"cuts"}, set()]  # stitch reads cuts because it declares it (requires)


def test_registered_signals_are_plain_data():
    for cls in BUILTIN:
        assert isinstance(cls.features, tuple) and all(isinstance(f, Feature) for f in cls.features)
        assert all(isinstance(k, EventKind) for k in cls.event_kinds)
    assert Signals().to_dict()["events"] == []


def _untyped(classes) -> set[str]:
    """Names of the analyzers with a feature declared by name only (type ``any``)."""
    return {c.name for c in classes if any(f.type == "any" for f in c.features)}


def test_analyzers_declare_typed_features():
    assert _untyped(BUILTIN) == set(), "declare features = (Feature(name, type, unit, meaning), ...)"

    class NamesOnly(Analyzer):  # the check can fail: names alone (``feature_keys``) are untyped
        name, version = "names_only_demo", "1"
        feature_keys = ("a",)

        def analyze(self, clip, ctx):
            return self.signals({"a": 1})

    assert _untyped([NamesOnly]) == {"names_only_demo"}
