"""The ledger file: one SQLite database per brand or team that outlives runs.

Every change is an event (decision, request, code, used, revoked) with who and when;
nothing is updated in place or deleted, so the history stays auditable. Each public
method that writes validates everything first and commits once, so a bad input leaves
the file unchanged.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError
from scoring.ledger import migrations as mig
from scoring.ledger.state import (
    DECISIONS,
    VideoState,
    check_code,
    check_days,
    expiry,
    fold,
)
from scoring.paths import user_data_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
EVENT_COLUMNS = ("id", "video_id", "kind", "at", "who", "decision", "note", "on_date", "channel", "code", "days",
                 "start_date", "expires_on", "ad_id")
VIDEO_COLUMNS = ("video_id", "post_url", "path", "creator", "caption", "score", "rank", "run_dir", "first_seen",
                 "last_seen")
MAX_NOTE = 2000


def default_ledger_path() -> Path:
    """``$XDG_DATA_HOME/sparkscout/ledger.sqlite`` (``~/.local/share/...`` without it)."""
    return user_data_dir() / "ledger.sqlite"


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _subscores_json(subscores: Any) -> str | None:
    """A ranking entry's sub-scores as stored (JSON), or None when it has none."""
    if not isinstance(subscores, dict) or not subscores:
        return None
    return json.dumps({str(k): (round(float(x), 1) if isinstance(x, int | float) and not isinstance(x, bool) else None)
                       for k, x in subscores.items()}, sort_keys=True)


def _norm_url(url: str) -> str:
    """A post URL without query, fragment or trailing slash (how creators paste them varies)."""
    return re.split(r"[?#]", url.strip(), maxsplit=1)[0].rstrip("/")


def _absolute(path: str | None, base: str | Path | None) -> str | None:
    if not path:
        return None
    if Path(path).is_absolute():
        return str(Path(path).resolve())
    return str((Path(base) / path).resolve()) if base is not None else None


def run_base(doc: dict[str, Any], run_dir: str | Path | None = None) -> Path | None:
    """The folder a run's relative ``path``s are relative to: ``run.cwd`` (recorded by runs
    since issue 22), else for an older ranking.json the first of the current folder, the
    run folder's parent and the run folder where they exist, else None (unknown: callers
    then keep what they had)."""
    cwd = (doc.get("run") or {}).get("cwd")
    if cwd:
        return Path(cwd)
    relative = [v["path"] for v in doc.get("videos", [])
                if v.get("path") and v.get("status", "ok") == "ok" and not Path(v["path"]).is_absolute()]
    candidates = [Path.cwd()] + ([Path(run_dir).resolve().parent, Path(run_dir).resolve()] if run_dir else [])
    for folder in candidates:
        if all((folder / p).exists() for p in relative):
            return folder
    return None


class Ledger:
    """An open ledger. Use as a context manager: ``with Ledger.open(path) as led: ...``."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True,
             notify: Callable[[str], None] | None = None) -> Ledger:
        """Open (or with ``create``, make) a ledger, migrating an older schema after a backup.

        Raises ConfigError naming the file when it is not a SparkScout ledger, was made by
        a newer SparkScout, or does not exist and ``create`` is False.
        """
        path = Path(path) if path else default_ledger_path()
        notify = notify or (lambda msg: print(f"sparkscout: {msg}", file=sys.stderr))
        exists = path.is_file() and path.stat().st_size > 0
        if path.exists() and not path.is_file():
            raise ConfigError(f"{path}: is not a file (a ledger is one SQLite file)")
        if exists:
            with open(path, "rb") as fh:
                if fh.read(16) != SQLITE_MAGIC:
                    raise ConfigError(f"{path}: not a SparkScout ledger (not an SQLite file)")
        elif not create:
            raise ConfigError(f"{path}: no ledger here yet (a run with --ledger {path}, or "
                              f"'sparkscout ledger import RUN_DIR --ledger {path}', starts one)")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            cls._migrate(conn, path, exists, notify)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    @staticmethod
    def _migrate(conn: sqlite3.Connection, path: Path, existed: bool, notify: Callable[[str], None]) -> None:
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if existed and app != mig.APPLICATION_ID and (tables or version):
            raise ConfigError(f"{path}: an SQLite file, but not a SparkScout ledger (application_id {app:#x})")
        if version > mig.SCHEMA_VERSION:
            raise ConfigError(f"{path}: ledger schema {version} was written by a newer SparkScout (this one reads "
                              f"up to {mig.SCHEMA_VERSION}); upgrade SparkScout")
        if version == mig.SCHEMA_VERSION:
            return
        if existed and version > 0:
            backup = path.with_name(f"{path.name}.schema{version}.bak")
            shutil.copyfile(path, backup)
            notify(f"{path}: migrating ledger schema {version} → {mig.SCHEMA_VERSION} (copy of the old file: {backup})")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for number, _what, sql in mig.MIGRATIONS:
                if number > version:
                    for statement in (s for s in sql.split(";") if s.strip()):
                        conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {mig.APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {mig.SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- videos
    def register_videos(self, videos: Iterable[dict[str, Any]], run_dir: str | Path | None = None,
                        campaign: str | None = None, base: str | Path | None = ".") -> int:
        """Record scored videos (``ranking.json`` entries with a video_id) so decisions can name them.

        Paths are stored absolute: relative ones resolve against ``base``, the folder the run
        was started from (``run_base``; default the current folder; None: unknown, so a
        relative path is not recorded and the one stored earlier stays). Returns how many.
        """
        now = _now()
        run = str(Path(run_dir).resolve()) if run_dir else None
        rows = [v for v in videos if v.get("video_id") and v.get("status", "ok") == "ok"]
        with self._tx():
            for v in rows:
                path = _absolute(v.get("path"), base)
                url = _norm_url(v["post_url"]) if v.get("post_url") else None
                self.conn.execute(
                    "INSERT INTO videos (video_id, post_url, path, creator, caption, score, rank, run_dir, first_seen,"
                    " last_seen, subscores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (video_id) DO UPDATE "
                    "SET post_url = coalesce(excluded.post_url, post_url), path = coalesce(excluded.path, path), "
                    "creator = coalesce(excluded.creator, creator), caption = coalesce(excluded.caption, caption), "
                    "score = excluded.score, rank = excluded.rank, run_dir = coalesce(excluded.run_dir, run_dir), "
                    "last_seen = excluded.last_seen, subscores = coalesce(excluded.subscores, subscores)",
                    (v["video_id"], url, path, v.get("creator"), v.get("caption"), v.get("score"), v.get("rank"),
                     run, now, now, _subscores_json(v.get("subscores"))))
                if path:
                    self.conn.execute("INSERT OR REPLACE INTO paths (path, video_id) VALUES (?, ?)",
                                      (path, v["video_id"]))
            self.conn.execute("INSERT INTO runs (run_dir, campaign, videos, recorded_at) VALUES (?, ?, ?, ?)",
                              (run, campaign, len(rows), now))
        return len(rows)

    def reference_scores(self) -> dict[str, dict[str, float | None]]:
        """Every scored video the ledger knows, video_id -> its last composite (``score``) and
        sub-scores (0-100, None where not measured): the reference for percentiles (plain data)."""
        out = {}
        for row in self.conn.execute("SELECT video_id, score, subscores FROM videos WHERE score IS NOT NULL "
                                     "OR subscores IS NOT NULL ORDER BY video_id"):
            try:
                subs = json.loads(row["subscores"]) if row["subscores"] else {}
            except json.JSONDecodeError:
                subs = {}
            clean = {k: float(x) for k, x in subs.items() if isinstance(x, int | float) and not isinstance(x, bool)}
            out[row["video_id"]] = {"score": row["score"], **clean}
        return out

    def video(self, video_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM videos WHERE video_id = ?", (video_id,)).fetchone()
        return dict(row) if row else None

    def resolve(self, ref: str) -> str:
        """The video_id that ``ref`` names: a video_id, a unique prefix of one (with or without
        ``sha256:``), a post URL, or a path a run scored it at (or any copy of that file).

        Raises ConfigError for an unknown or ambiguous reference.
        """
        text = (ref or "").strip()
        if not text:
            raise ConfigError("no video given: pass a video_id, a unique prefix of it, a post URL or a path")
        if self.video(text):
            return text
        if "://" in text:
            row = self.conn.execute("SELECT video_id FROM videos WHERE post_url = ?", (_norm_url(text),)).fetchone()
            if row:
                return row[0]
        else:
            p = Path(text)
            row = self.conn.execute("SELECT video_id FROM paths WHERE path = ?", (str(p.resolve()),)).fetchone()
            if row:
                return row[0]
            if p.is_file():
                from scoring.store import file_sha256

                vid = file_sha256(str(p))
                if self.video(vid):
                    return vid
            if p.name == text:  # a bare file name: any path a run scored with that name
                named = sorted({r[1] for r in self.conn.execute("SELECT path, video_id FROM paths WHERE path LIKE ?",
                                                                (f"%{text}",)) if Path(r[0]).name == text})
                if len(named) == 1:
                    return named[0]
                if named:
                    raise ConfigError(self._ambiguous(ref, "file name", named))
            hexpart = text.removeprefix("sha256:").lower()
            if re.fullmatch(r"[0-9a-f]+", hexpart):
                found = [r[0] for r in self.conn.execute(
                    "SELECT video_id FROM videos WHERE video_id LIKE ? ORDER BY video_id", (f"sha256:{hexpart}%",))]
                if len(found) == 1 and len(hexpart) >= 4:
                    return found[0]
                if found:  # several, or one from a prefix too short to be sure of
                    raise ConfigError(self._ambiguous(ref, "prefix", found))
        raise ConfigError(f"unknown video {ref!r}: not a video_id, unique prefix, post URL or path this ledger "
                          f"({self.path}) has seen; score a run with this ledger or 'sparkscout ledger import "
                          f"RUN_DIR' first")

    def _ambiguous(self, ref: str, what: str, video_ids: list[str], shown: int = 10) -> str:
        """'video REF is ambiguous' with one line per candidate: id prefix, file, creator, score."""
        many = f"matches {len(video_ids)} videos" if len(video_ids) > 1 else "is too short (4 characters at least)"
        lines = [f"video {ref!r} is ambiguous: the {what} {many}; give one of these (a longer id prefix or the "
                 "full path):"]
        for vid in video_ids[:shown]:
            v = self.video(vid) or {}
            score = "" if v.get("score") is None else f"  score {v['score']:.1f}"
            lines.append(f"  {vid[7:19]}  {v.get('path') or ''}  {v.get('creator') or ''}{score}".rstrip())
        if len(video_ids) > shown:
            lines.append(f"  … {len(video_ids) - shown} more")
        return "\n".join(lines)

    # ----------------------------------------------------------------- events
    def events(self, video_id: str | None = None) -> list[dict[str, Any]]:
        """Events oldest first (one video's, or all)."""
        if video_id:
            rows = self.conn.execute("SELECT * FROM events WHERE video_id = ? ORDER BY id", (video_id,))
        else:
            rows = self.conn.execute("SELECT * FROM events ORDER BY id")
        return [dict(r) for r in rows]

    def _add(self, video_id: str, kind: str, who: str | None, **values: Any) -> int:
        cols = {"video_id": video_id, "kind": kind, "at": values.pop("at", None) or _now(),
                "who": (who or current_user()).strip() or current_user(), **values}
        unknown = set(cols) - set(EVENT_COLUMNS)
        assert not unknown, unknown
        with self._tx():
            cur = self.conn.execute(f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                    tuple(cols.values()))
        return int(cur.lastrowid)

    def decide(self, ref: str, decision: str, note: str | None = None, who: str | None = None) -> VideoState:
        """Record approved / rejected / hold with an optional note."""
        vid = self.resolve(ref)
        if decision not in DECISIONS:
            raise ConfigError(f"decision {decision!r}: must be one of {', '.join(DECISIONS)}")
        note = (note or "").strip() or None
        if note and len(note) > MAX_NOTE:
            raise ConfigError(f"note is {len(note)} characters long; keep it under {MAX_NOTE}")
        self._add(vid, "decision", who, decision=decision, note=note)
        return self.state(vid)

    def request(self, ref: str, on: dt.date | None = None, via: str | None = None,
                who: str | None = None) -> VideoState:
        """Record that a code was asked for (on ``on``, by default today, through ``via``)."""
        vid = self.resolve(ref)
        on = on or dt.date.today()
        self._add(vid, "request", who, on_date=on.isoformat(), channel=(via or "").strip() or None)
        return self.state(vid)

    def add_code(self, ref: str, code: str, days: int | str, start: dt.date | None = None, *,
                 replace: bool = False, who: str | None = None, today: dt.date | None = None) -> VideoState:
        """Record a received code: its window starts on ``start`` (default today).

        Refuses (ConfigError, nothing written) an empty or malformed code, days outside
        7/30/60/365, and a second code while the current one is still valid unless ``replace``.
        """
        vid = self.resolve(ref)
        code = check_code(code)
        days = check_days(days)
        start = start or dt.date.today()
        current = self.state(vid, today)
        if current.code_valid and not replace:
            raise ConfigError(f"{vid[:19]}… already has a code valid until {current.expires_on} "
                              f"({current.days_left} days left); pass --replace to record a new one")
        self._add(vid, "code", who, code=code, days=days, start_date=start.isoformat(),
                  expires_on=expiry(start, days).isoformat())
        return self.state(vid, today)

    def mark_used(self, ref: str, ad_id: str, who: str | None = None) -> VideoState:
        """Record the Ads Manager ad id the video's code was used in."""
        vid = self.resolve(ref)
        ad_id = (ad_id or "").strip()
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", ad_id):
            raise ConfigError(f"ad id {ad_id!r}: expected the Ads Manager ad id (letters, digits, '-', '_')")
        if not self.state(vid).code:
            raise ConfigError(f"{vid[:19]}…: no code recorded yet; record it with 'sparkscout ledger code' first")
        self._add(vid, "used", who, ad_id=ad_id)
        return self.state(vid)

    def revoke(self, ref: str, on: dt.date | None = None, who: str | None = None,
               note: str | None = None) -> VideoState:
        """Record that the creator (or the brand) revoked the current code."""
        vid = self.resolve(ref)
        current = self.state(vid)
        if not current.code or current.status == "revoked":
            raise ConfigError(f"{vid[:19]}…: no current code to revoke")
        self._add(vid, "revoked", who, on_date=(on or dt.date.today()).isoformat(), note=(note or "").strip() or None)
        return self.state(vid)

    # ----------------------------------------------------------------- state
    def state(self, video_id: str, today: dt.date | None = None) -> VideoState:
        return fold(video_id, self.events(video_id), today or dt.date.today())

    def states(self, today: dt.date | None = None) -> list[tuple[VideoState, dict[str, Any]]]:
        """Every known video's state with its video row, best last score first."""
        today = today or dt.date.today()
        by_video: dict[str, list[dict[str, Any]]] = {}
        for e in self.events():
            by_video.setdefault(e["video_id"], []).append(e)
        rows = self.conn.execute("SELECT * FROM videos ORDER BY score IS NULL, score DESC, video_id")
        return [(fold(r["video_id"], by_video.get(r["video_id"], []), today), dict(r)) for r in rows]

    def state_map(self, video_ids: Iterable[str], today: dt.date | None = None) -> dict[str, dict[str, Any]]:
        """Plain data for ranking: video_id -> ``VideoState.to_dict()`` for videos with any event."""
        today = today or dt.date.today()
        out = {}
        for vid in video_ids:
            events = self.events(vid)
            if events:
                out[vid] = fold(vid, events, today).to_dict()
        return out

    # ----------------------------------------------------------------- helpers
    def _tx(self) -> _Transaction:
        return _Transaction(self.conn)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error (nothing half-written)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
