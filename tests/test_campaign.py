"""Campaign TOML validation: every problem names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.campaign import load_campaign
from scoring.cli import main
from scoring.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_demo_campaign_loads():
    c = load_campaign(ROOT / "pipelines" / "demo.toml")
    assert c.objective == "conversions" and c.brand == "Acme" and c.authorization_days == 30
    w = c.resolved_weights()
    assert w["product_integration"] > w["hook"]  # conversions favour product
    assert c.terms()["brand"] == ["Acme", "Acme Coffee"]


@pytest.mark.parametrize("body, key", [
    ('objective = "sales"', "objective"),
    ('shortlist_size = "five"', "shortlist_size"),
    ("authorization_days = 14", "authorization_days"),
    ("colour = 3", "colour"),
    ("hook_seconds = 0.1", "hook_seconds"),
    ("[weights]\nvirality = 1.0", "weights.virality"),
    ("[weights]\nhook = -1", "weights.hook"),
    ('[models]\nhook = ""', "models.hook"),
    ('product_images = ["missing.png"]', "product_images"),
    ("request_min_score = 40\nconsider_min_score = 50", "consider_min_score"),
])
def test_bad_values_name_key_and_file(tmp_path, body, key):
    path = tmp_path / "camp.toml"
    path.write_text(body + "\n")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert f"'{key}'" in str(err.value) and str(path) in str(err.value)


def test_product_images_resolve_against_the_file(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "can.png").write_bytes(b"\x89PNG")
    path = tmp_path / "camp.toml"
    path.write_text('product_images = ["img/can.png"]\n')
    assert load_campaign(path).product_images == [str(tmp_path / "img" / "can.png")]


def test_cli_config_error_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("objective = 'viral'\n")
    out = tmp_path / "out"
    code = main(["score", str(ROOT / "fixtures" / "videos" / "clean.mp4"), "--campaign", str(bad), "--out", str(out)])
    assert code == 2 and not out.exists()
    assert "objective" in capsys.readouterr().err


@pytest.mark.parametrize("data, needle", [
    ({"shortlist_sise": 3}, "key 'shortlist_sise': unknown key; did you mean 'shortlist_size'?"),
    ({"brnd": "Acme"}, "did you mean 'brand'?"),
    ({"weights": {"hok": 1.0}}, "key 'weights.hok': unknown sub-score; did you mean 'hook'?"),
    ({"safe_zone": {"botom": 0.2}}, "did you mean 'bottom'?"),
    ({"models": {"visual_clarty": "visual_clarity@prior-1"}}, "did you mean 'visual_clarity'?"),
    ({"objective": "conversion"}, "key 'objective': got 'conversion'; did you mean 'conversions'?"),
])
def test_a_misspelt_key_gets_a_suggestion(tmp_path, data, needle):
    from scoring.campaign import campaign_from_dict

    with pytest.raises(ConfigError) as err:
        campaign_from_dict(data, source=tmp_path / "c.toml")
    assert needle in str(err.value) and "c.toml" in str(err.value)


def test_an_unrelated_key_lists_the_allowed_ones():
    from scoring.campaign import campaign_from_dict

    with pytest.raises(ConfigError) as err:
        campaign_from_dict({"zzzz": 1})
    assert "did you mean" not in str(err.value) and "allowed: " in str(err.value)
