"""``sparkscout serve DIR``: the run's report as a local web app over the ledger (Flask).

Templates are Jinja2 with autoescaping (every user- or model-provided string is escaped;
the pages run no script). Every form is a POST carrying a CSRF token (Flask-WTF's
CSRFProtect refuses one without it); requests whose Host is not this server's are
refused (Flask's TRUSTED_HOSTS, against DNS rebinding); pages send a Content-Security-Policy
without scripts. Files are served only from inside the run folder: ``report.html`` and
``report_media/``. The server binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup

from scoring.errors import ConfigError
from scoring.ledger.export import export
from scoring.ledger.state import AUTHORIZATION_DAYS, STATUSES, VideoState, parse_date
from scoring.ledger.store import Ledger, current_user, run_base
from scoring.report.explain import CSS as EXPLAIN_CSS
from scoring.report.explain import add_percentiles, explanation_html
from scoring.report.requests import fixes_paragraph, request_message

PAGE_SIZE = 100
MEDIA_FOLDER = "report_media"
APP_CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'")
REPORT_CSP = "default-src 'self' 'unsafe-inline' data: blob:; connect-src 'none'; frame-ancestors 'none'"
EXPORT_TYPES = {"csv": ("text/csv", "ledger.csv"), "ics": ("text/calendar", "ad-code-expiry.ics"),
                "pairs": ("text/csv", "pairs.csv")}


def _load_run(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "ranking.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (run 'sparkscout score --out {run_dir}' first)") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("videos"), list) or not isinstance(doc.get("run"), dict):
        raise ConfigError(f"{path}: not a SparkScout ranking.json (no 'run' and 'videos')")
    return doc


def create_app(run_dir: str | Path, ledger_path: str | Path, *, host: str = "127.0.0.1") -> Flask:
    """The WSGI app for one run folder and one ledger (the run's videos are added to it)."""
    run_dir = Path(run_dir).resolve()
    doc = _load_run(run_dir)
    ledger_path = Path(ledger_path)
    with Ledger.open(ledger_path) as led:
        led.register_videos(doc["videos"], run_dir=run_dir, campaign=doc["run"].get("campaign"),
                            base=run_base(doc, run_dir))  # never the folder serve was started from

    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),      # new each start: old pages' forms then ask for a reload
        WTF_CSRF_TIME_LIMIT=None,                # a review page may stay open all day
        # Host header check against DNS rebinding; a wildcard bind cannot know its names
        TRUSTED_HOSTS=None if host in ("0.0.0.0", "::", "") else sorted({"127.0.0.1", "localhost", "::1", host}),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    CSRFProtect(app)
    videos = list(doc["videos"])
    by_id = {v["video_id"]: v for v in videos if v.get("video_id")}

    def ledger() -> Ledger:
        if "ledger" not in g:
            g.ledger = Ledger.open(ledger_path, create=False)
        return g.ledger

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        led = g.pop("ledger", None)
        if led is not None:
            led.close()

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", APP_CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_template("error.html", title="Refused", message=f"{exc.description} Reload the page and "
                               "try again: every form carries a token that only this server's pages know."), 400

    @app.errorhandler(404)
    def _missing(_exc):
        return render_template("error.html", title="Not found", message="Nothing here."), 404

    def who() -> str:
        return session.get("who") or current_user()

    def rows_for_board(today: dt.date) -> list[tuple[VideoState, dict[str, Any]]]:
        return [(s, v) for s, v in ledger().states(today) if s.status != "new"]

    @app.get("/")
    def index():
        today = dt.date.today()
        states = {s.video_id: s for s, _ in ledger().states(today)}
        status, q = request.args.get("status", ""), request.args.get("q", "").strip().lower()
        only_short = request.args.get("shortlisted") == "1"
        page = max(1, request.args.get("page", 1, type=int) or 1)
        items = []
        for v in videos:
            s = states.get(v.get("video_id") or "") or VideoState(v.get("video_id") or "")
            items.append({"v": v, "s": s, "name": Path(v["path"]).name, "key": _key(v)})
        shortlist = [it for it in items if it["v"].get("shortlisted")]
        reference = ledger().reference_scores()  # percentiles against every video the ledger knows, as of now
        ask_fixes = set(request.args.getlist("fixes"))
        for it in shortlist:
            _explain(it, reference, ask_fixes, doc["run"].get("brand") or "")
        shown = [it for it in items
                 if (not status or it["s"].status == status) and (not only_short or it["v"].get("shortlisted"))
                 and (not q or q in " ".join(str(it["v"].get(k) or "") for k in ("path", "creator", "caption",
                                                                                  "post_url")).lower())]
        pages = max(1, -(-len(shown) // PAGE_SIZE))
        for it in shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
            if "explain" not in it:
                _explain(it, reference, ask_fixes, doc["run"].get("brand") or "")
        board = {st: [] for st in STATUSES if st != "new"}
        for s, v in rows_for_board(today):
            board[s.status].append({"s": s, "v": v, "name": Path(v["path"]).name if v.get("path") else s.video_id[:19],
                                    "in_run": s.video_id in by_id, "key": _key(v)})
        return render_template(
            "index.html", run=doc["run"], shortlist=shortlist, table=shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
            total=len(shown), page=page, pages=pages, board=board, statuses=STATUSES, days=AUTHORIZATION_DAYS,
            filters={"status": status, "q": request.args.get("q", ""), "shortlisted": only_short}, who=who(),
            ask_fixes=sorted(ask_fixes), explain_css=Markup(EXPLAIN_CSS),
            today=today.isoformat(), ledger_path=str(ledger_path), has_report=(run_dir / "report.html").is_file())

    def _back(video_id: str | None = None):
        target = request.form.get("back") or url_for("index")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("index")
        anchor = f"#v-{video_id.removeprefix('sha256:')[:12]}" if video_id else ""
        return redirect(target.split("#")[0] + anchor, code=303)

    def _act(fn) -> Any:
        vid = request.form.get("video_id", "")
        try:
            state = fn(ledger(), vid)
        except ConfigError as exc:
            flash(str(exc), "error")
            return _back(vid if vid in by_id else None)
        flash(f"{Path(by_id[vid]['path']).name if vid in by_id else vid[:19]}: {state.summary()}", "ok")
        return _back(vid)

    @app.post("/decide")
    def decide():
        decision = request.form.get("decision", "")
        return _act(lambda led, vid: led.decide(vid, decision, request.form.get("note"), who=who()))

    @app.post("/request")
    def mark_requested():
        return _act(lambda led, vid: led.request(vid, parse_date(request.form.get("on"), "date sent"),
                                                 request.form.get("via"), who=who()))

    @app.post("/code")
    def add_code():
        return _act(lambda led, vid: led.add_code(
            vid, request.form.get("code", ""), request.form.get("days", ""),
            parse_date(request.form.get("start"), "start date"), replace=request.form.get("replace") == "1",
            who=who()))

    @app.post("/used")
    def used():
        return _act(lambda led, vid: led.mark_used(vid, request.form.get("ad_id", ""), who=who()))

    @app.post("/revoke")
    def revoke():
        return _act(lambda led, vid: led.revoke(vid, who=who()))

    @app.post("/name")
    def set_name():
        name = " ".join((request.form.get("who") or "").split())[:60]
        if name:
            session["who"] = name
        return _back()

    @app.get("/export/<fmt>")
    def export_file(fmt: str):
        if fmt not in EXPORT_TYPES:
            abort(404)
        mime, name = EXPORT_TYPES[fmt]
        text = export(ledger().states(dt.date.today()), fmt)
        return Response(text, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/favicon.ico")
    def favicon():
        return Response(status=204)

    @app.get("/report.html")
    def report():
        resp = _send_inside(run_dir, "report.html")
        resp.headers["Content-Security-Policy"] = REPORT_CSP
        return resp

    @app.get(f"/{MEDIA_FOLDER}/<path:name>")
    def media(name: str):
        return _send_inside(run_dir / MEDIA_FOLDER, name)

    return app


def _explain(it: dict[str, Any], reference: dict[str, dict[str, float | None]], ask_fixes: set[str],
             brand: str) -> None:
    """The report's explanation block and the request message for one listed video."""
    v = dict(it["v"])
    add_percentiles([v], reference)
    it["explain"] = Markup(explanation_html(v, it["name"], media_prefix="/"))  # escaped inside, as in report.html
    it["with_fixes"] = it["key"] in ask_fixes
    it["message"] = request_message(v, brand=brand, days=v.get("suggested_authorization_days") or 30,
                                    with_fixes=it["with_fixes"])
    it["has_fixes"] = bool(fixes_paragraph(v))


def _key(v: dict[str, Any]) -> str:
    return (v.get("video_id") or "").removeprefix("sha256:")[:12]


def _send_inside(folder: Path, name: str) -> Response:
    """A file under ``folder`` (after resolving links), else 404: nothing outside the run."""
    try:
        path = (folder / name).resolve(strict=True)
    except (OSError, RuntimeError):
        abort(404)
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        abort(404)
    return send_file(path, conditional=True, max_age=0)


def serve(run_dir: str | Path, ledger_path: str | Path, *, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the app until Ctrl-C (werkzeug's threaded server; one user on this machine)."""
    from werkzeug.serving import make_server

    app = create_app(run_dir, ledger_path, host=host)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not loopback:
        print(f"sparkscout: warning: listening on {host}: anyone who can reach it can record decisions",
              file=sys.stderr)
    print(f"SparkScout: http://{'localhost' if loopback else host}:{server.port}/  (ledger {ledger_path}; "
          f"Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
