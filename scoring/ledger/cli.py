"""``sparkscout ledger …`` and ``sparkscout serve``: argument parsing and terminal output.

Every bad input raises ConfigError before anything is written, which the main CLI turns
into exit code 2 with the message.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scoring.errors import ConfigError
from scoring.ledger.export import FORMATS, export
from scoring.ledger.state import STATUSES, VideoState, parse_date
from scoring.ledger.store import Ledger, default_ledger_path, run_base

LEDGER_HELP = "the ledger file (default: the run's ledger, else $XDG_DATA_HOME/sparkscout/ledger.sqlite)"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``ledger`` (with its actions) and ``serve`` to the main parser's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--ledger", metavar="PATH",
                        help=f"ledger file (default: {default_ledger_path().as_posix().replace('%', '%%')})")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--by", metavar="NAME", help="who is recording this (default: your login name)")

    led = sub.add_parser("ledger", help="review decisions, ad-code requests, codes and their expiry")
    acts = led.add_subparsers(dest="action", required=True, parser_class=type(led))
    ls = acts.add_parser("list", parents=[common], help="videos in the ledger with their status")
    ls.add_argument("--status", choices=STATUSES, help="only this status (expiring: 7 days or fewer left)")
    ls.add_argument("--all", action="store_true", help="also videos with no decision yet (status new)")
    ls.add_argument("--json", action="store_true", help="print JSON on stdout")

    d = acts.add_parser("decide", parents=[common, who], help="approve, reject or hold a video, with a note")
    d.add_argument("video", help="video_id, a unique prefix of it, a post URL or a path from a run")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", dest="decision", action="store_const", const="approved")
    g.add_argument("--reject", dest="decision", action="store_const", const="rejected")
    g.add_argument("--hold", dest="decision", action="store_const", const="hold")
    d.add_argument("--note", help="why (shown in later runs and the board)")

    r = acts.add_parser("request", parents=[common, who], help="record that the creator was asked for a code")
    r.add_argument("video")
    r.add_argument("--on", metavar="DATE", help="when it was sent, YYYY-MM-DD (default: today)")
    r.add_argument("--via", metavar="TEXT", help="how: TikTok DM, email, agency …")

    c = acts.add_parser("code", parents=[common, who], help="record a received ad code and its window")
    c.add_argument("video")
    c.add_argument("code", help="the ad code as the creator sent it")
    c.add_argument("--days", required=True, help="authorization window: 7, 30, 60 or 365")
    c.add_argument("--start", metavar="DATE", help="first day of the window, YYYY-MM-DD (default: today)")
    c.add_argument("--replace", action="store_true", help="record a new code although the current one is valid")

    u = acts.add_parser("used", parents=[common, who], help="record the Ads Manager ad id a code went into")
    u.add_argument("video")
    u.add_argument("ad_id")

    rv = acts.add_parser("revoke", parents=[common, who], help="record that the current code was revoked")
    rv.add_argument("video")
    rv.add_argument("--on", metavar="DATE", help="YYYY-MM-DD (default: today)")
    rv.add_argument("--note")

    sh = acts.add_parser("show", parents=[common], help="one video's state and full history")
    sh.add_argument("video")
    sh.add_argument("--json", action="store_true")

    ex = acts.add_parser("export", parents=[common], help="csv (Ads Manager, sheets), ics (expiry reminders), "
                                                          "pairs (better,worse labels for training)")
    ex.add_argument("--format", required=True, choices=FORMATS)
    ex.add_argument("--out", metavar="FILE", help="write here instead of stdout")

    im = acts.add_parser("import", parents=[common], help="add a run's scored videos (DIR/ranking.json)")
    im.add_argument("dir")

    sv = sub.add_parser("serve", parents=[common],
                        help="the report as a local web app: decisions, requests, codes, board, exports")
    sv.add_argument("dir", help="a run folder (with ranking.json)")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)")
    sv.add_argument("--port", type=int, default=8765, help="(default: %(default)s)")


def ledger_path_for(args: argparse.Namespace, run_dir: str | Path | None = None) -> Path:
    """``--ledger``, else the ledger a run recorded in its ranking.json, else the default."""
    if getattr(args, "ledger", None):
        return Path(args.ledger)
    if run_dir is not None:
        doc = Path(run_dir) / "ranking.json"
        if doc.is_file():
            recorded = json.loads(doc.read_text(encoding="utf-8")).get("run", {}).get("ledger")
            if recorded:
                return Path(recorded)
    return default_ledger_path()


def _line(state: VideoState, video: dict) -> str:
    days = "" if state.days_left is None else str(state.days_left)
    name = Path(video["path"]).name if video.get("path") else ""
    note = (state.note or "").replace("\n", " ")
    return (f"{state.status:<13} {days:>5}  {state.expires_on or '':<10}  {state.video_id[7:19]:<12}  "
            f"{(video.get('creator') or ''):<16.16}  {name:<24.24}  {note[:60]}")


def cmd_ledger(args: argparse.Namespace) -> int:
    path = ledger_path_for(args)
    if args.action in ("list", "export", "show") and not path.is_file():
        if args.action == "show":
            raise ConfigError(f"{path}: no ledger here yet")
        rows = []
    elif args.action == "import":
        doc = Path(args.dir) / "ranking.json"
        if not doc.is_file():
            raise ConfigError(f"{doc}: not found (run 'sparkscout score --out {args.dir}' first)")
        try:
            data = json.loads(doc.read_text(encoding="utf-8"))
            videos, campaign = data["videos"], data["run"].get("campaign")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{doc}: not a SparkScout ranking.json ({type(exc).__name__}: {exc})") from None
        with Ledger.open(path) as led:
            n = led.register_videos(videos, run_dir=args.dir, campaign=campaign, base=run_base(data, args.dir))
        print(f"{path}: {n} videos from {doc}", file=sys.stderr)
        return 0
    else:
        with Ledger.open(path, create=False) as led:
            return _act(led, args)
    return _output(args, rows)


def _act(led: Ledger, args: argparse.Namespace) -> int:
    a = args.action
    if a in ("list", "export"):
        return _output(args, led.states())
    if a == "show":
        vid = led.resolve(args.video)
        data = {"video": led.video(vid), "state": led.state(vid).to_dict(), "events": led.events(vid)}
        if args.json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print(f"{vid}  {data['state']['status']}: {data['state']['summary']}")
            for e in data["events"]:
                extra = {k: v for k, v in e.items() if v is not None and k not in ("id", "video_id", "kind", "at", "who")}
                print(f"  {e['at']}  {e['who']:<12} {e['kind']:<9} {json.dumps(extra, ensure_ascii=False)}")
        return 0
    if a == "decide":
        state = led.decide(args.video, args.decision, args.note, who=args.by)
    elif a == "request":
        on = parse_date(args.on, "--on")
        state = led.request(args.video, on, args.via, who=args.by)
    elif a == "code":
        start = parse_date(args.start, "--start")
        state = led.add_code(args.video, args.code, args.days, start, replace=args.replace, who=args.by)
    elif a == "used":
        state = led.mark_used(args.video, args.ad_id, who=args.by)
    elif a == "revoke":
        on = parse_date(args.on, "--on")
        state = led.revoke(args.video, on, who=args.by, note=args.note)
    else:  # pragma: no cover - argparse restricts actions
        raise ConfigError(f"unknown ledger action {a!r}")
    print(f"{state.video_id[:19]}…  {state.status}: {state.summary()}")
    return 0


def _output(args: argparse.Namespace, rows: list) -> int:
    if args.action == "export":
        text = export(rows, args.format)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8", newline="")
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    shown = [(s, v) for s, v in rows if (args.status == s.status if args.status else (args.all or s.status != "new"))]
    if args.json:
        print(json.dumps([{**v, **s.to_dict()} for s, v in shown], indent=2, ensure_ascii=False))
        return 0
    print(f"{'status':<13} {'days':>5}  {'expires':<10}  {'video':<12}  {'creator':<16}  {'file':<24}  note")
    for s, v in shown:
        print(_line(s, v))
    if not shown:
        print("(nothing" + (f" with status {args.status}" if args.status else " decided yet") + ")")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from scoring.ledger.web import serve

    run_dir = Path(args.dir)
    if not (run_dir / "ranking.json").is_file():
        raise ConfigError(f"{run_dir / 'ranking.json'}: not found (run 'sparkscout score --out {args.dir}' first)")
    return serve(run_dir, ledger_path_for(args, run_dir), host=args.host, port=args.port)
