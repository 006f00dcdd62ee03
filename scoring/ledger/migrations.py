"""Versioned schema of the ledger file (SQLite).

A ledger carries ``PRAGMA application_id`` = ``APPLICATION_ID`` (so another program's
SQLite file is never taken for one) and ``PRAGMA user_version`` = its schema version.
Opening an older ledger copies it to ``<file>.schema<N>.bak`` first, then applies each
newer migration in one transaction and says so; a ledger from a newer SparkScout, or a
file that is not a ledger, is refused. Migrations are append-only: never edit one that
has shipped, add the next.
"""

from __future__ import annotations

APPLICATION_ID = 0x53504B4C  # "SPKL"

# (version, what it does, SQL). Version N brings a ledger from N-1 to N.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "videos, the paths they were seen at, runs and the event log", """
CREATE TABLE videos (
    video_id   TEXT PRIMARY KEY,          -- sha256:<hex> of the file bytes
    post_url   TEXT,                      -- the TikTok post, when a manifest gave it
    path       TEXT,                      -- last path it was scored at (absolute)
    creator    TEXT,
    caption    TEXT,
    score      REAL,                      -- last run's composite, 0-100
    rank       INTEGER,                   -- last run's rank
    run_dir    TEXT,                      -- last run's output folder (absolute)
    first_seen TEXT NOT NULL,             -- UTC timestamps, ISO 8601
    last_seen  TEXT NOT NULL
);
CREATE INDEX videos_post_url ON videos (post_url);
CREATE TABLE paths (
    path     TEXT PRIMARY KEY,            -- every absolute path a video was scored at
    video_id TEXT NOT NULL REFERENCES videos (video_id)
);
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_dir     TEXT,
    campaign    TEXT,
    videos      INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id   TEXT NOT NULL REFERENCES videos (video_id),
    kind       TEXT NOT NULL CHECK (kind IN ('decision', 'request', 'code', 'used', 'revoked')),
    at         TEXT NOT NULL,             -- when it was recorded, UTC ISO 8601
    who        TEXT NOT NULL,
    decision   TEXT CHECK (decision IN ('approved', 'rejected', 'hold')),
    note       TEXT,
    on_date    TEXT,                      -- request sent / code revoked, YYYY-MM-DD
    channel    TEXT,                      -- how the request was sent (DM, email, ...)
    code       TEXT,
    days       INTEGER CHECK (days IN (7, 30, 60, 365)),
    start_date TEXT,                      -- YYYY-MM-DD
    expires_on TEXT,                      -- start_date + days, YYYY-MM-DD
    ad_id      TEXT                       -- Ads Manager ad id the code was used in
);
CREATE INDEX events_video ON events (video_id, id);
"""),
    (2, "each video's last sub-scores, the reference for percentiles", """
ALTER TABLE videos ADD COLUMN subscores TEXT;  -- last run's sub-scores, JSON {"hook": 0-100 or null, ...}
"""),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
