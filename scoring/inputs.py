"""What to score: paths (files or folders) and an optional manifest (CSV or JSONL)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError

# Folder scans pick these up; an explicit file path is taken whatever its extension.
# .m4a is included on purpose: an ISO-BMFF file may or may not hold video, and an
# audio-only one must be reported as failed rather than silently skipped.
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp", ".m4a"}
COUNT_COLUMNS = ("views", "likes", "comments", "shares", "saves")
TEXT_COLUMNS = ("creator", "post_url", "caption", "posted_at")


@dataclass
class VideoRef:
    """One candidate video and what the brand knows about its post."""

    path: str
    creator: str | None = None
    post_url: str | None = None
    caption: str | None = None
    posted_at: str | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    original: bool | None = None  # manifest column ``original``: the file is the creator's original, not a download

    def counts(self) -> dict[str, int | None]:
        return {k: getattr(self, k) for k in COUNT_COLUMNS}


def scan_paths(paths: list[str]) -> list[VideoRef]:
    """Files as given; folders searched recursively for video files (sorted).

    A path that does not exist is kept: the batch goes on and it fails as ``not_found``
    (naming the path) like any other unreadable video; ``collect`` refuses a run in which
    nothing given exists at all.
    """
    refs: list[VideoRef] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_EXTENSIONS)
            refs.extend(VideoRef(str(f)) for f in found)
        else:
            refs.append(VideoRef(str(p)))
    return refs


def _nothing_to_score(paths: list[str]) -> str:
    """Why a run found no video: which paths are missing, which folders hold no video file."""
    missing = [raw for raw in paths if not Path(raw).exists()]
    empty = [raw for raw in paths if Path(raw).is_dir()]

    def named(raw: str) -> str:  # "." says little: add where it is
        return raw if Path(raw).is_absolute() else f"{raw} ({Path(raw).resolve()})"

    problems = [f"{named(raw)}: no such file or folder" for raw in missing]
    problems += [f"{named(raw)}: folder holds no video file ({' '.join(sorted(VIDEO_EXTENSIONS))})" for raw in empty]
    if not problems:
        return "nothing to score: give video files, folders or --manifest"
    return "nothing to score: " + "; ".join(problems)


def _parse_count(value: Any, column: str, where: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "").replace("_", "")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ConfigError(f"{where}: column '{column}': not a number: {value!r}") from None
    if number < 0 or number != int(number):
        raise ConfigError(f"{where}: column '{column}': must be a whole number >= 0, got {value!r}")
    return int(number)


def _row_to_ref(row: dict[str, Any], base: Path, where: str) -> VideoRef:
    path = row.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{where}: column 'path' is missing or empty")
    p = Path(path.strip())
    ref = VideoRef(str(p if p.is_absolute() else base / p))
    for column in TEXT_COLUMNS:
        value = row.get(column)
        setattr(ref, column, str(value).strip() if value not in (None, "") else None)
    for column in COUNT_COLUMNS:
        setattr(ref, column, _parse_count(row.get(column), column, where))
    ref.original = _parse_flag(row.get("original"), "original", where)
    return ref


_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


def _parse_flag(value: Any, column: str, where: str) -> bool | None:
    """A yes/no column: true/false, yes/no, 1/0 (any case) or a JSON bool; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{where}: column '{column}': expected true or false, got {value!r}")


def read_manifest(path: str | Path) -> list[VideoRef]:
    """Read a CSV or JSONL manifest. Relative paths resolve against the manifest's folder.

    Raises ConfigError naming the file, the line and the column of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: manifest not found")
    base = path.resolve().parent
    allowed = {"path", "original", *TEXT_COLUMNS, *COUNT_COLUMNS}
    refs: list[VideoRef] = []
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{n}: not valid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise ConfigError(f"{path}:{n}: each line must be a JSON object")
            rows.append((n, row))
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or "path" not in reader.fieldnames:
            raise ConfigError(f"{path}: required column 'path' is missing (columns: {reader.fieldnames})")
        rows = [(n, row) for n, row in enumerate(reader, start=2)]
    else:
        raise ConfigError(f"{path}: manifest must be .csv or .jsonl")
    for n, row in rows:
        unknown = sorted(set(row) - allowed - {None})
        if unknown:
            raise ConfigError(f"{path}:{n}: unknown column '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})")
        refs.append(_row_to_ref(row, base, f"{path}:{n}"))
    if not refs:
        raise ConfigError(f"{path}: manifest lists no videos")
    return refs


def collect(paths: list[str] | None = None, manifest: str | Path | None = None) -> list[VideoRef]:
    """Manifest rows first, then scanned paths; a path listed twice is scored once.

    Raises ConfigError when there is nothing to score: no path given, only folders without
    a video file, or only paths that do not exist (the message names each of them).
    """
    refs = (read_manifest(manifest) if manifest else []) + scan_paths(list(paths or []))
    seen: set[str] = set()
    unique = []
    for ref in refs:
        key = str(Path(ref.path).resolve())
        if key not in seen:
            seen.add(key)
            unique.append(ref)
    if not unique or (not manifest and not any(Path(ref.path).exists() for ref in unique)):
        raise ConfigError(_nothing_to_score(list(paths or [])))
    return unique
