"""The ad-code ledger: expiry arithmetic, every `sparkscout ledger` command, each bad input
(exit 2, ledger unchanged), schema versions, and the exports parsed back (csv, ics)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.ledger import Ledger, expiry
from scoring.ledger import migrations as mig
from scoring.ledger.state import days_left, fold
from scoring.store import file_sha256

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
CODE = "#Zk9QmB2vX1yT8rLs4Hn6Wc3Ja0Pd5Ge7Uq"
TODAY = dt.date.today()


def _event(kind: str, **values) -> dict:
    return {"kind": kind, "at": "2026-11-30T10:00:00+00:00", "who": "ana", **values}


def _code(start: dt.date, days: int) -> dict:
    return _event("code", code=CODE, days=days, start_date=start.isoformat(),
                  expires_on=expiry(start, days).isoformat())


def test_expiry_arithmetic_and_expiring_window():
    start = dt.date(2026, 12, 6)
    assert expiry(start, 30) == dt.date(2027, 1, 5)
    assert expiry(start, 7) == dt.date(2026, 12, 13)
    assert expiry(dt.date(2027, 12, 31), 60) == dt.date(2028, 2, 29)   # leap year
    assert expiry(dt.date(2027, 3, 1), 365) == dt.date(2028, 2, 29)
    assert days_left(dt.date(2027, 1, 5), dt.date(2026, 12, 6)) == 30
    events = [_code(start, 30)]
    expected = {dt.date(2026, 12, 6): ("code_received", 30), dt.date(2026, 12, 28): ("code_received", 8),
                dt.date(2026, 12, 29): ("expiring", 7), dt.date(2027, 1, 4): ("expiring", 1),
                dt.date(2027, 1, 5): ("expired", 0), dt.date(2027, 3, 1): ("expired", -55)}
    for day, (status, left) in expected.items():
        s = fold("sha256:x", events, day)
        assert (s.status, s.days_left) == (status, left), day
    assert fold("sha256:x", events, dt.date(2026, 12, 6)).summary() == "code valid until 2027-01-05 (30 days left)"


def test_status_order_of_events():
    d = dt.date(2026, 12, 1)
    assert fold("v", [], d).status == "new"
    assert fold("v", [_event("decision", decision="hold")], d).status == "hold"
    approved = [_event("decision", decision="approved", note="great hook")]
    assert fold("v", approved, d).status == "to_request"
    requested = approved + [_event("request", on_date="2026-11-30", channel="DM")]
    assert fold("v", requested, d).status == "requested"
    coded = requested + [_code(d, 30)]
    assert fold("v", coded, d).status == "code_received"
    assert fold("v", coded + [_event("revoked", on_date="2026-12-02")], d).status == "revoked"
    rejected = fold("v", coded + [_event("decision", decision="rejected", note="off-brand")], d)
    assert rejected.status == "rejected" and rejected.summary() == "rejected by ana on 2026-11-30: off-brand"


# ------------------------------------------------------------------ the command line
@pytest.fixture()
def run_dir(tmp_path):
    """A run folder whose ranking.json lists three fixture videos (no scoring needed)."""
    names = ["clean.mp4", "cuts.mp4", "dark.mp4"]
    videos = [{"rank": i + 1, "video_id": file_sha256(str(FIXTURES / n)), "path": str(FIXTURES / n),
               "creator": f"@c{i}", "post_url": f"https://www.tiktok.com/@c{i}/video/72{i}0" if i < 2 else None,
               "caption": "hi", "status": "ok", "score": 80.0 - i, "shortlisted": True} for i, n in enumerate(names)]
    out = tmp_path / "run"
    out.mkdir()
    (out / "ranking.json").write_text(json.dumps({"run": {"campaign": "t"}, "videos": videos}))
    return out


@pytest.fixture()
def ledger(tmp_path, run_dir, capsys):
    path = tmp_path / "team.sqlite"
    assert main(["ledger", "import", str(run_dir), "--ledger", str(path)]) == 0
    capsys.readouterr()
    return path


def _ledger(path: Path, *args: str) -> int:
    return main(["ledger", args[0], *args[1:], "--ledger", str(path)])


def _listing(path: Path, capsys, *extra: str) -> list[dict]:
    capsys.readouterr()
    assert _ledger(path, "list", "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)


def test_every_ledger_command(ledger, capsys, tmp_path):
    clean = file_sha256(str(FIXTURES / "clean.mp4"))
    cuts = file_sha256(str(FIXTURES / "cuts.mp4"))
    dark = file_sha256(str(FIXTURES / "dark.mp4"))
    assert _listing(ledger, capsys) == []                       # imported, nothing decided yet
    assert len(_listing(ledger, capsys, "--all")) == 3
    # VIDEO as a path, a post URL (with a query string), a prefix and a full id
    assert _ledger(ledger, "decide", str(FIXTURES / "clean.mp4"), "--approve", "--note", "great hook", "--by", "ana") == 0
    assert "to_request" in capsys.readouterr().out
    assert _ledger(ledger, "decide", "https://www.tiktok.com/@c1/video/7210?lang=en", "--reject",
                   "--note", "off-brand", "--by", "bo") == 0
    assert _ledger(ledger, "decide", dark[7:15], "--hold") == 0
    assert _ledger(ledger, "request", clean, "--on", "2026-11-30", "--via", "TikTok DM") == 0
    assert [r["status"] for r in _listing(ledger, capsys, "--status", "requested")] == ["requested"]
    start = TODAY - dt.timedelta(days=25)                         # a 30-day code with 5 days left
    assert _ledger(ledger, "code", "sha256:" + clean[7:20], CODE, "--days", "30", "--start", start.isoformat()) == 0
    assert "expiring" in capsys.readouterr().out
    [row] = _listing(ledger, capsys, "--status", "expiring")
    assert row["video_id"] == clean and row["days_left"] == 5 and row["expires_on"] == (start + dt.timedelta(30)).isoformat()
    assert row["note"] == "great hook" and row["decided_by"] == "ana" and row["requested_via"] == "TikTok DM"
    assert _ledger(ledger, "used", clean, "1790000000001") == 0
    assert _ledger(ledger, "code", clean, CODE + "new", "--days", "60", "--replace") == 0
    assert [r["status"] for r in _listing(ledger, capsys, "--status", "code_received")] == ["code_received"]
    assert _ledger(ledger, "revoke", clean, "--on", TODAY.isoformat()) == 0
    statuses = {r["video_id"]: r["status"] for r in _listing(ledger, capsys)}
    assert statuses == {clean: "revoked", cuts: "rejected", dark: "hold"}
    capsys.readouterr()
    assert _ledger(ledger, "list") == 0
    table = capsys.readouterr().out
    assert "rejected" in table and "off-brand" in table and "cuts.mp4" in table
    assert _ledger(ledger, "show", clean, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in shown["events"]] == ["decision", "request", "code", "used", "code", "revoked"]
    assert shown["events"][0]["who"] == "ana" and dt.datetime.fromisoformat(shown["events"][0]["at"]).tzinfo
    # exports
    out = tmp_path / "codes.csv"
    assert _ledger(ledger, "export", "--format", "csv", "--out", str(out)) == 0
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert {r["video_id"]: r["status"] for r in rows} == statuses
    assert _ledger(ledger, "export", "--format", "pairs") == 0
    pairs = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert pairs[0] == ["better", "worse"] and sorted(pairs[1:]) == sorted([[clean, cuts], [clean, dark], [dark, cuts]])


def test_exports_parse(ledger, capsys):
    icalendar = pytest.importorskip("icalendar")
    clean = file_sha256(str(FIXTURES / "clean.mp4"))
    dark = file_sha256(str(FIXTURES / "dark.mp4"))
    with Ledger.open(ledger) as led:
        led.decide(clean, "approved", note='says "=cmd|calc", with; commas\nand a newline', who="ana")
        led.add_code(clean, CODE, 30, dt.date(2026, 12, 6))
        led.add_code(dark, CODE, 7, TODAY - dt.timedelta(days=2))
    capsys.readouterr()
    assert _ledger(ledger, "export", "--format", "csv") == 0
    rows = {r["video_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows[clean]["expires_on"] == "2027-01-05" and rows[clean]["code"] == CODE
    assert rows[clean]["note"] == 'says "=cmd|calc", with; commas\nand a newline'
    assert rows[dark]["status"] == "expiring"
    assert rows[dark]["days_left"] == "5" and rows[dark]["authorization_days"] == "7"
    assert _ledger(ledger, "export", "--format", "ics") == 0
    text = capsys.readouterr().out
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 2
    by_day = {e.decoded("DTSTART"): e for e in events.values()}
    assert set(by_day) == {dt.date(2027, 1, 5), TODAY + dt.timedelta(days=5)}
    ev = by_day[dt.date(2027, 1, 5)]
    assert "clean.mp4" in str(ev["SUMMARY"]) and clean in str(ev["DESCRIPTION"])
    [alarm] = ev.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(days=3)


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


BAD_INPUTS = [
    (("decide", "sha256:0000ffff", "--approve"), "unknown video"),
    (("decide", "/no/such/video.mp4", "--reject"), "unknown video"),
    (("decide", "https://www.tiktok.com/@nobody/video/1", "--hold"), "unknown video"),
    (("request", "cafebabe"), "unknown video"),
    (("code", "@CLEAN", CODE, "--days", "14"), "7, 30, 60 or 365"),
    (("code", "@CLEAN", CODE, "--days", "thirty"), "7, 30, 60 or 365"),
    (("code", "@CLEAN", CODE, "--days", "30", "--start", "06/12/2026"), "YYYY-MM-DD"),
    (("code", "@CLEAN", CODE, "--days", "30", "--start", "2026-02-30"), "impossible date"),
    (("request", "@CLEAN", "--on", "yesterday"), "YYYY-MM-DD"),
    (("code", "@CLEAN", "", "--days", "30"), "empty"),
    (("code", "@CLEAN", "   ", "--days", "30"), "empty"),
    (("code", "@CLEAN", "not a code", "--days", "30"), "malformed"),
    (("code", "@CLEAN", "#ab<script>", "--days", "30"), "malformed"),
    (("code", "@CLEAN", CODE + "2", "--days", "30"), "--replace"),      # the first code is still valid
    (("used", "@DARK", "123"), "no code recorded"),
    (("revoke", "@DARK"), "no current code"),
    (("decide", "@CLEAN"), "one of the arguments --approve --reject --hold is required"),
    (("export", "--format", "xlsx"), "invalid choice"),
    (("list", "--status", "lost"), "invalid choice"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS, ids=[" ".join(a[:2]) + f" ({m})" for a, m in BAD_INPUTS])
def test_bad_input_exits_2_and_leaves_the_ledger_unchanged(ledger, capsys, args, message):
    clean = file_sha256(str(FIXTURES / "clean.mp4"))
    dark = file_sha256(str(FIXTURES / "dark.mp4"))
    with Ledger.open(ledger) as led:
        led.decide(clean, "approved")
        led.add_code(clean, CODE, 30)
    before = _fingerprint(ledger)
    args = [{"@CLEAN": clean[:20], "@DARK": dark}.get(a, a) for a in args]
    capsys.readouterr()
    try:
        code = _ledger(ledger, *args)
    except SystemExit as exc:   # argparse's own usage errors
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert _fingerprint(ledger) == before


def test_ambiguous_prefix_is_refused(tmp_path, capsys):
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as led:
        led.register_videos([{"video_id": "sha256:abcd01" + "0" * 58, "path": "/a.mp4"},
                             {"video_id": "sha256:abcd02" + "0" * 58, "path": "/b.mp4"}])
    before = _fingerprint(path)
    assert _ledger(path, "decide", "abcd", "--approve") == 2
    assert "ambiguous" in capsys.readouterr().err and _fingerprint(path) == before
    assert _ledger(path, "decide", "abcd02", "--approve") == 0


def test_an_ambiguous_prefix_lists_the_candidates(tmp_path, capsys):
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as led:
        led.register_videos([{"video_id": "sha256:abcd01" + "0" * 58, "path": "/x/first.mp4", "creator": "@ana"},
                             {"video_id": "sha256:abcd02" + "0" * 58, "path": "/y/second.mp4"}])
    capsys.readouterr()
    for ref in ("abcd", "ab", "sha256:abc"):
        assert _ledger(path, "decide", ref, "--approve") == 2
        err = capsys.readouterr().err
        assert "ambiguous" in err and "/x/first.mp4" in err and "/y/second.mp4" in err and "abcd01" in err, err
    assert _ledger(path, "decide", "abcd0", "--approve") == 2  # still two
    assert _ledger(path, "decide", "abc", "--approve") == 2    # too short to pick one blindly


def test_a_bare_file_name_finds_the_video_when_unambiguous(tmp_path, capsys, monkeypatch):
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as led:
        led.register_videos([{"video_id": "sha256:abcd01" + "0" * 58, "path": "/x/clean.mp4"},
                             {"video_id": "sha256:abcd02" + "0" * 58, "path": "/y/other.mp4"},
                             {"video_id": "sha256:abcd03" + "0" * 58, "path": "/y/twice.mp4"},
                             {"video_id": "sha256:abcd04" + "0" * 58, "path": "/z/twice.mp4"}])
    monkeypatch.chdir(tmp_path)  # no clean.mp4 here: the name alone must find it
    capsys.readouterr()
    assert _ledger(path, "decide", "clean.mp4", "--approve") == 0
    assert "abcd01" in capsys.readouterr().out
    assert _ledger(path, "decide", "twice.mp4", "--approve") == 2
    err = capsys.readouterr().err
    assert "ambiguous" in err and "/y/twice.mp4" in err and "/z/twice.mp4" in err
    assert _ledger(path, "decide", "missing.mp4", "--approve") == 2
    assert "unknown video 'missing.mp4'" in capsys.readouterr().err


def test_import_refuses_a_broken_ranking(tmp_path, capsys):
    (tmp_path / "ranking.json").write_text("{not json")
    path = tmp_path / "l.sqlite"
    assert _ledger(path, "import", str(tmp_path)) == 2
    assert "not a SparkScout ranking.json" in capsys.readouterr().err and not path.exists()


def test_commands_on_a_missing_ledger(tmp_path, capsys):
    path = tmp_path / "none.sqlite"
    assert _ledger(path, "decide", "abcd", "--approve") == 2
    assert "no ledger here yet" in capsys.readouterr().err and not path.exists()
    assert _ledger(path, "list") == 0 and not path.exists()


def test_schema_versions(tmp_path, monkeypatch, capsys):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = _fingerprint(other)
    assert _ledger(other, "list") == 2
    assert "not a SparkScout ledger" in capsys.readouterr().err and _fingerprint(other) == before
    text = tmp_path / "notes.sqlite"
    text.write_text("hello")
    assert _ledger(text, "list") == 2 and "not an SQLite file" in capsys.readouterr().err

    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as led:
        led.register_videos([{"video_id": "sha256:" + "1" * 64, "path": "/a.mp4"}])
        led.decide("sha256:1111", "approved", note="keep me", who="ana")
    # a newer SparkScout's ledger is refused, untouched
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {mig.SCHEMA_VERSION + 1}")
    before = _fingerprint(path)
    assert _ledger(path, "list") == 2
    assert "newer SparkScout" in capsys.readouterr().err and _fingerprint(path) == before
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {mig.SCHEMA_VERSION}")
    # an older ledger is copied, then migrated (and says so)
    newer = [*mig.MIGRATIONS, (mig.SCHEMA_VERSION + 1, "test", "ALTER TABLE events ADD COLUMN extra TEXT")]
    monkeypatch.setattr(mig, "MIGRATIONS", newer)
    monkeypatch.setattr(mig, "SCHEMA_VERSION", mig.SCHEMA_VERSION + 1)
    old_bytes = path.read_bytes()
    with Ledger.open(path) as led:
        assert led.state("sha256:" + "1" * 64).note == "keep me"
        assert "extra" in led.events()[0]
    now = mig.SCHEMA_VERSION
    assert f"migrating ledger schema {now - 1} → {now}" in capsys.readouterr().err
    assert (tmp_path / f"l.sqlite.schema{now - 1}.bak").read_bytes() == old_bytes
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == now


def test_pairs_export_is_what_sparkscout_train_reads(ledger, tmp_path):
    from scoring.training import labels as labels_mod

    clean, cuts, dark = (file_sha256(str(FIXTURES / n)) for n in ("clean.mp4", "cuts.mp4", "dark.mp4"))
    with Ledger.open(ledger) as led:
        led.decide(clean, "approved")
        led.decide(cuts, "rejected")
        led.decide(dark, "hold")
        led.decide(dark, "approved")                  # the latest decision counts
    out = tmp_path / "pairs.csv"
    assert _ledger(ledger, "export", "--format", "pairs", "--out", str(out)) == 0
    labels = labels_mod.read_labels(out)
    assert labels.kind == "pairs" and not labels.skipped
    assert sorted((b, w) for b, w, _ in labels.pairs) == sorted([(clean, cuts), (dark, cuts)])
