"""Run outputs (JSON, CSV, Parquet, SQLite) and the feature cache."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from scoring.analyzers.base import Analyzer, Signals
from scoring.paths import user_cache_dir

CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    """``sha256:<hex>`` of the file's bytes (the video_id)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class FeatureCache:
    """Analyzer outputs on disk, keyed by video hash + analyzer key (see analyzer_cache_keys).

    One JSON file per entry, written atomically, so parallel workers and interrupted
    runs never leave a half-written entry; a rerun reuses everything already computed.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, video_id: str, key: str) -> Path:
        digest = video_id.split(":", 1)[-1]
        return self.root / digest[:2] / digest / f"{key}.json"

    def get(self, video_id: str, key: str) -> dict[str, Any] | None:
        path = self._path(video_id, key)
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, video_id: str, key: str, value: dict[str, Any]) -> None:
        _atomic_write(self._path(video_id, key), json.dumps(value).encode())

    def get_signals(self, video_id: str, key: str) -> Signals | None:
        data = self.get(video_id, key)
        return Signals.from_dict(data) if data else None

    def put_signals(self, video_id: str, key: str, signals: Signals) -> None:
        self.put(video_id, key, signals.to_dict())


def analyzer_cache_keys(analyzers: list[Analyzer], plan_key: str) -> dict[str, str]:
    """Cache key per analyzer (given in run order): its name, version and config, the
    sampling plan, and recursively the keys of the analyzers it reads. A result computed
    from a different transcript, plan or campaign is therefore never reused."""
    keys: dict[str, str] = {}
    for a in analyzers:
        deps = sorted(d for d in (*a.requires, *a.after) if d in keys)
        blob = "|".join([a.name, a.version, a.config_hash(), plan_key, *(keys[d] for d in deps)])
        keys[a.name] = f"{a.name}-v{a.version}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"
    return keys


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/sparkscout`` or ``~/.cache/sparkscout`` on Linux (read when called)."""
    return user_cache_dir()


# --- run outputs -------------------------------------------------------------------

CSV_COLUMNS = ("rank", "video_id", "path", "creator", "status", "score", "recommendation", "shortlisted",
               "suggested_authorization_days")


def ranking_csv(videos: list[dict[str, Any]]) -> str:
    """One row per video: identity, scores, sub-scores, top reasons, error."""
    sub_names = ("hook", "audio_clarity", "visual_clarity", "product_integration", "engagement")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, *sub_names, "top_reasons", "error"])
    for v in videos:
        subs = v.get("subscores") or {}
        reasons = "; ".join(r["text"] for r in (v.get("reasons") or [])[:4])
        error = f"{v['error']['code']}: {v['error']['message']}" if v.get("error") else ""
        writer.writerow([*("" if v.get(c) is None else v.get(c) for c in CSV_COLUMNS),
                         *("" if subs.get(s) is None else subs.get(s) for s in sub_names), reasons, error])
    return out.getvalue()


def write_features_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    """One row per scored video: ``video_id``, ``path`` and every flat feature as a column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = sorted({k for r in rows for k in r})
    columns = {}
    for key in keys:
        values = [r.get(key) for r in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds and kinds <= {int, float} and kinds != {int}:
            values = [None if v is None else float(v) for v in values]
        elif len(kinds) > 1:
            values = [None if v is None else str(v) for v in values]
        columns[key] = values
    table = pa.table(columns) if rows else pa.table({"video_id": pa.array([], pa.string())})
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_sqlite(path: Path, ranking: dict[str, Any], features: dict[str, dict[str, Any]]) -> None:
    """The run's store: tables ``run``, ``videos`` (one row each, JSON columns) and
    ``features`` (long format: video_id, key, value), replaced in one transaction.

    The per-video ``results`` table that :class:`scoring.runstore.RunStore` commits during
    the run lives in the same file and is left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("BEGIN IMMEDIATE")
        for stmt in (
            "DROP TABLE IF EXISTS run", "DROP TABLE IF EXISTS videos", "DROP TABLE IF EXISTS features",
            "CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT)",
            "CREATE TABLE videos (video_id TEXT, path TEXT PRIMARY KEY, creator TEXT, rank INTEGER, "
            "status TEXT, score REAL, recommendation TEXT, shortlisted INTEGER, error_code TEXT, "
            "error_message TEXT, subscores TEXT, reasons TEXT, evidence TEXT)",
            "CREATE TABLE features (video_id TEXT, key TEXT, value, PRIMARY KEY (video_id, key))",
        ):
            con.execute(stmt)
        con.executemany("INSERT INTO run VALUES (?, ?)",
                        [(k, json.dumps(v)) for k, v in ranking["run"].items()])
        for v in ranking["videos"]:
            err = v.get("error") or {}
            con.execute(
                "INSERT OR REPLACE INTO videos VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (v["video_id"], v["path"], v["creator"], v["rank"], v["status"], v["score"],
                 v["recommendation"], int(bool(v["shortlisted"])), err.get("code"), err.get("message"),
                 json.dumps(v["subscores"]), json.dumps(v["reasons"]), json.dumps(v["evidence"])),
            )
        for video_id, feats in features.items():
            con.executemany("INSERT OR REPLACE INTO features VALUES (?,?,?)",
                            [(video_id, k, val) for k, val in feats.items()])
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def write_run_outputs(out_dir: str | Path, ranking: dict[str, Any], features: dict[str, dict[str, Any]]) -> dict[str, Path]:
    """Write ranking.json, ranking.csv, features.parquet and results.sqlite into ``out_dir``.

    Args:
        ranking: the ranking.json document.
        features: flat features by video_id, for scored videos only.
    Returns:
        The written paths by kind.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "ranking.json", "csv": out / "ranking.csv",
             "parquet": out / "features.parquet", "sqlite": out / "results.sqlite"}
    _atomic_write(paths["json"], json.dumps(ranking, indent=2, ensure_ascii=False).encode())
    _atomic_write(paths["csv"], ranking_csv(ranking["videos"]).encode())
    rows = []
    by_id = {v["video_id"]: v for v in ranking["videos"]}
    for video_id, feats in features.items():
        rows.append({"video_id": video_id, "path": by_id.get(video_id, {}).get("path"), **feats})
    write_features_parquet(paths["parquet"], rows)
    write_sqlite(paths["sqlite"], ranking, features)
    return paths


def read_ranking(out_dir: str | Path) -> dict[str, Any]:
    """Load ``ranking.json`` from a run folder."""
    return json.loads((Path(out_dir) / "ranking.json").read_text())
