"""Durable, resumable runs: each finished video is committed to ``results.sqlite`` as it finishes.

The table ``results`` holds one row per input file (keyed by path, size and
modification time) with the whole :class:`~scoring.results.VideoResult` as JSON and
the run settings it was computed under. SQLite in WAL mode with one commit per video
means a run killed at any point (even SIGKILL) keeps every video it finished; a rerun
with the same ``--out`` and the same settings reads them back instead of recomputing.
The other tables of ``results.sqlite`` (``run``, ``videos``, ``features``) are written
at the end of a run by :func:`scoring.store.write_sqlite`, which leaves this one alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from scoring.inputs import VideoRef
from scoring.results import VideoResult

# Failures worth another try when a run resumes: they say nothing final about the file.
RETRY_CODES = frozenset({"worker_crashed", "timeout", "internal_error"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    settings TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, finished_at TEXT NOT NULL,
    PRIMARY KEY (path, size, mtime_ns, settings)
)
"""


def _file_key(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
        return os.path.abspath(path), st.st_size, st.st_mtime_ns
    except OSError:
        return os.path.abspath(path), -1, -1


class RunStore:
    """The per-video results of one output folder.

    Args:
        out_dir: the run's ``--out`` folder (created if missing).
        settings_key: identity of everything that changes a result (campaign, profile,
            versions); rows stored under another key are ignored, never reused.
    """

    def __init__(self, out_dir: str | Path, settings_key: str) -> None:
        self.path = Path(out_dir) / "results.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.settings_key = settings_key
        self._con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a kill never corrupts
        self._con.execute(_SCHEMA)

    def load(self, refs: list[VideoRef]) -> dict[int, VideoResult]:
        """Stored results for ``refs`` (by index) computed under this run's settings.

        A stored failure whose code is in :data:`RETRY_CODES` is left out (tried again).
        The ref's manifest fields (creator, counts) come from this run, not the store.
        """
        found: dict[int, VideoResult] = {}
        for i, ref in enumerate(refs):
            row = self._con.execute(
                "SELECT data FROM results WHERE path=? AND size=? AND mtime_ns=? AND settings=?",
                (*_file_key(ref.path), self.settings_key)).fetchone()
            if row is None:
                continue
            result = VideoResult.from_dict(json.loads(row[0]))
            if result.status != "ok" and (result.error or {}).get("code") in RETRY_CODES:
                continue
            result.ref = ref
            found[i] = result
        return found

    def put(self, result: VideoResult) -> None:
        """Commit one finished video (replacing an older row for the same file and settings)."""
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._con.execute("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?)",
                          (*_file_key(result.ref.path), self.settings_key, result.status,
                           json.dumps(result.to_dict(), ensure_ascii=False), stamp))

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def roundtrip(result: VideoResult) -> VideoResult:
    """The result as a resumed run will read it back (JSON types), so a fresh run and a
    resumed one rank exactly the same data."""
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    back = VideoResult.from_dict(data)
    back.ref = result.ref
    return back
