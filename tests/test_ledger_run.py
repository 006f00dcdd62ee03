"""Runs know the ledger: a valid code keeps a video off a new shortlist and says until when,
a rejection says who and why, and requests.md leaves out videos already requested."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scoring.api import score
from scoring.cli import main
from scoring.errors import ConfigError
from scoring.ledger import Ledger
from scoring.store import file_sha256

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
CAMPAIGN = ROOT / "pipelines" / "demo.toml"
NAMES = ("clean.mp4", "cuts.mp4", "face_late.mp4", "speech_late.mp4")
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("ledger-run")
    manifest = d / "m.csv"
    manifest.write_text("path,creator,post_url\n" + "".join(
        f"{FIXTURES / n},@c{i},https://www.tiktok.com/@c{i}/video/7{i}\n" for i, n in enumerate(NAMES)))
    ledger, cache = d / "team.sqlite", d / "cache"
    ranking = score(manifest=str(manifest), campaign=str(CAMPAIGN), out=str(d / "day1"), workers=2,
                    profile="fast", cache_dir=str(cache), ledger=str(ledger))
    return d, manifest, ledger, cache, ranking


def test_a_run_after_decisions_shows_them(first_run, capsys):
    d, manifest, ledger, cache, day1 = first_run
    # every one shortlisted on day 1 but those with a severe flaw (their slots stay empty)
    severe = [Path(v.path).name for v in day1.videos if (v.held_by or {}).get("kind") == "severe"]
    assert sorted(Path(v.path).name for v in day1.shortlist) == sorted(set(NAMES) - set(severe))
    assert "speech_late.mp4" not in severe and "clean.mp4" not in severe
    assert all(v.ledger is None for v in day1.videos)
    assert json.loads((d / "day1" / "ranking.json").read_text())["run"]["ledger"] == str(ledger.resolve())
    clean, cuts, face, late = (file_sha256(str(FIXTURES / n)) for n in NAMES)
    # the run recorded its videos, so the ledger resolves a path, a post URL and a prefix
    assert main(["ledger", "decide", str(FIXTURES / "clean.mp4"), "--reject", "--note", "too dark for the brand",
                 "--by", "ana", "--ledger", str(ledger)]) == 0
    assert main(["ledger", "code", "https://www.tiktok.com/@c1/video/71", CODE, "--days", "30",
                 "--ledger", str(ledger)]) == 0
    assert main(["ledger", "request", late[7:17], "--via", "email", "--ledger", str(ledger)]) == 0
    capsys.readouterr()

    out = d / "day2"
    assert main(["score", "--manifest", str(manifest), "--campaign", str(CAMPAIGN), "--out", str(out), "--profile",
                 "fast", "--workers", "2", "--cache-dir", str(cache), "--ledger", str(ledger)]) == 0
    summary = capsys.readouterr().err
    doc = json.loads((out / "ranking.json").read_text())
    by_name = {Path(v["path"]).name: v for v in doc["videos"]}
    today = dt.date.today()
    until = (today + dt.timedelta(days=30)).isoformat()

    rejected = by_name["clean.mp4"]
    assert not rejected["shortlisted"] and rejected["recommendation"] == "skip"
    utc_day = dt.datetime.now(dt.UTC).date().isoformat()    # decisions are stamped in UTC
    assert rejected["reasons"][0]["text"] == f"rejected by ana on {utc_day}: too dark for the brand"
    assert rejected["ledger"]["status"] == "rejected" and rejected["ledger"]["decided_by"] == "ana"

    coded = by_name["cuts.mp4"]
    assert not coded["shortlisted"]
    assert coded["reasons"][0]["text"] == f"code valid until {until} (30 days left)"
    assert coded["ledger"]["status"] == "code_received" and coded["ledger"]["expires_on"] == until

    asked = by_name["speech_late.mp4"]
    assert asked["shortlisted"] and asked["ledger"]["status"] == "requested"
    assert any(r["text"] == f"code requested on {today.isoformat()} via email" for r in asked["reasons"])
    assert by_name["face_late.mp4"]["ledger"] is None

    requests = (out / "requests.md").read_text()
    sections = [line for line in requests.splitlines() if line.startswith("## ")]
    assert len(sections) == 0
    assert "Left out, already requested (see `sparkscout ledger list`): speech_late.mp4." in requests
    assert "clean.mp4" not in requests and "cuts.mp4" not in requests
    assert f"[ledger: code valid until {until} (30 days left)]" in summary
    with Ledger.open(ledger) as led:                     # both runs recorded
        assert led.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_campaign_ledger_key_and_bad_ledger(tmp_path):
    from scoring.campaign import campaign_from_dict, load_campaign

    camp = tmp_path / "c.toml"
    camp.write_text('name = "x"\nledger = "team/ledger.sqlite"\n')

    assert load_campaign(camp).ledger == str(tmp_path / "team" / "ledger.sqlite")
    with pytest.raises(ConfigError, match="'ledger'"):
        campaign_from_dict({"ledger": "  "})
    not_ledger = tmp_path / "x.sqlite"
    not_ledger.write_text("spreadsheet")
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="not an SQLite file"):
        score([str(FIXTURES / "clean.mp4")], out=str(out), ledger=str(not_ledger), cache_dir=False, workers=1)
    assert not out.exists() and not_ledger.read_text() == "spreadsheet"
