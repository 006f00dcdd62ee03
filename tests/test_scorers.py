"""Rule scorers (known answers) and a conformance test over every registered model."""

from __future__ import annotations

import pytest

from scoring.scorers import SUBSCORES, list_models, load_scorer, load_spec
from scoring.scorers.rules import RuleScorer

SPEC = {
    "name": "demo", "version": "t", "kind": "rules",
    "gates": [{"feature": "a.off", "equals": True, "score": 0, "text": "switched off"}],
    "terms": [
        {"feature": "a.level", "weight": 1.0, "curve": [[0, 0], [10, 100], [20, 0]],
         "low": "too low: {value:.0f}", "high": "too high: {value:.0f}", "ok": "level {value:.0f} is right"},
        {"feature": "a.share", "weight": 3.0, "curve": [[0, 100], [1, 0]], "high": "share {pct:.0f} %"},
    ],
}


def test_weighted_mean_of_curves_with_reasons():
    s = RuleScorer.from_spec(SPEC)
    sub = s.score({"a.level": 10, "a.share": 0.5})
    assert sub.value == pytest.approx((100 * 1 + 50 * 3) / 4)
    assert sub.model == "demo@t"
    assert [r.text for r in sub.reasons] == ["share 50 %", "level 10 is right"]
    assert s.score({"a.level": 2}).reasons[0].text == "too low: 2"
    assert s.score({"a.level": 19}).reasons[0].text == "too high: 19"


def test_missing_features_drop_out_and_gates_force():
    s = RuleScorer.from_spec(SPEC)
    assert s.score({"a.level": 10, "a.share": None}).value == 100
    assert s.score({}).value is None
    gated = s.score({"a.off": True, "a.level": 10})
    assert gated.value == 0 and gated.reasons[0].text == "switched off"


@pytest.mark.parametrize("ref", list_models())
def test_every_registered_model_conforms(ref):
    spec = load_spec(ref)
    name, version = ref.split("@")
    assert spec["name"] == name and spec["version"] == version
    assert name in SUBSCORES
    scorer = load_scorer(ref)
    assert scorer.model_id == ref
    features = {t["feature"]: t["curve"][0][0] for t in spec["terms"]}
    for t in spec["terms"]:
        xs = [p[0] for p in t["curve"]]
        assert xs == sorted(xs) and all(0 <= p[1] <= 100 for p in t["curve"]), t["feature"]
    sub = scorer.score(features)
    assert sub.value is not None and 0 <= sub.value <= 100
    assert scorer.score(features).value == sub.value  # deterministic
