"""Labels in the formats researchers have: Ads Manager exports, ratings, pairwise picks.

Three readers, one result type (:class:`LabelSet`):

- a TikTok Ads Manager export (CSV, or XLSX as Ads Manager writes it): one row per ad
  with "Ad name", "Ad ID", "Post ID" / a TikTok post URL and delivery columns
  ("Impressions", "Clicks (destination)", "Conversions", "Cost", "2-second video
  views", ...). Summary rows ("Total of N results") are skipped and reported.
- a plain CSV/JSONL of ``video_id`` or ``path`` (or ``post_url`` / ``ad_name``) plus
  numeric columns (human ratings): each numeric column is a target.
- pairwise preferences: rows of ``better,worse`` (ids or paths), e.g. a strategist's picks.

Every problem names the file and the row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError

# Ads Manager column names (lower-cased, units stripped) -> our keys.
ADS_COLUMNS: dict[str, str] = {
    "ad name": "ad_name",
    "ad id": "ad_id",
    "post id": "post_id",
    "tiktok post id": "post_id",
    "post url": "post_url",
    "tiktok post url": "post_url",
    "video id": "video_id",
    "impressions": "impressions",
    "clicks (destination)": "clicks",
    "clicks": "clicks",
    "clicks (all)": "clicks_all",
    "ctr (destination)": "ctr_reported",
    "ctr": "ctr_reported",
    "conversions": "conversions",
    "cost per conversion": "cpa_reported",
    "cost": "cost",
    "total cost": "cost",
    "spend": "cost",
    "video views": "video_views",
    "2-second video views": "views_2s",
    "6-second video views": "views_6s",
    "video views at 25%": "views_25",
    "video views at 50%": "views_50",
    "video views at 75%": "views_75",
    "video views at 100%": "views_100",
    "average play time per video view": "avg_play_s",
    "average play time per user": "avg_play_user_s",
}
ID_KEYS = ("video_id", "path", "post_url", "post_id", "ad_id", "ad_name")
POST_ID_RE = re.compile(r"/video/(\d{6,})|^(\d{6,})$")


@dataclass
class LabelRow:
    """One labelled ad or video: how to find it, and its numbers.

    Attributes:
        line: row number in the file (1 = first data row after the header).
        ids: identifying values present (``video_id``, ``path``, ``post_url``, ``post_id``,
            ``ad_id``, ``ad_name``).
        values: numeric columns (counts, money, seconds, ratings); None where blank or "-".
    """

    line: int
    ids: dict[str, str]
    values: dict[str, float | None]


@dataclass
class LabelSet:
    """Labels read from one file. ``kind`` is ``ads_manager``, ``ratings`` or ``pairs``.

    ``pairs`` holds ``(better, worse)`` identifiers for the pairwise kind; ``skipped`` says
    which rows were left out and why (summary rows, blank rows), so nothing vanishes silently.
    """

    source: str
    kind: str
    rows: list[LabelRow] = field(default_factory=list)
    pairs: list[tuple[str, str, int]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def numeric_columns(self) -> list[str]:
        cols = {k for r in self.rows for k, v in r.values.items() if v is not None}
        return sorted(cols)


def _norm_header(name: str) -> str:
    text = str(name or "").strip().lower().replace("\u00a0", " ")
    text = re.sub(r"\s*\((usd|eur|gbp|[a-z]{3})\)$", "", text)  # "Cost (USD)" -> "cost"
    return re.sub(r"\s+", " ", text)


def parse_number(text: Any, where: str) -> float | None:
    """Ads Manager cells: ``1,234``, ``1.2%``, ``$3.40``, ``-`` / blank (None), numbers."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "")
    if s in ("", "-", "--", "N/A", "n/a"):
        return None
    pct = s.endswith("%")
    try:
        value = float(s.rstrip("%"))
    except ValueError:
        raise ConfigError(f"{where}: expected a number, got {text!r}") from None
    return value / 100 if pct else value


def post_id_of(text: str | None) -> str | None:
    """``https://www.tiktok.com/@x/video/7301234567890123456`` or a bare id -> the id."""
    if not text:
        return None
    m = POST_ID_RE.search(str(text).strip())
    return (m.group(1) or m.group(2)) if m else None


def _read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV/TSV/XLSX/JSONL file as dicts (header row -> keys)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(f"{path}: labels file not found")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text = path.read_text(encoding="utf-8-sig")
    if suffix in (".jsonl", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path}: line {n}: not JSON: {exc}") from None
                if not isinstance(obj, dict):
                    raise ConfigError(f"{path}: line {n}: expected a JSON object")
                rows.append(obj)
        return rows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [dict(r) for r in csv.DictReader(io.StringIO(text), dialect=dialect)]


def _read_xlsx(path: Path) -> list[dict[str, Any]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise ConfigError(f"{path}: reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip or XML problems
        raise ConfigError(f"{path}: not a readable XLSX workbook: {type(exc).__name__}: {exc}") from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    if not rows:
        return []
    header = [str(h) if h is not None else "" for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


def _text_columns(table: list[dict[str, Any]]) -> set[str]:
    """Columns none of whose non-blank values is a number (names, notes): not labels."""
    out = set()
    for key in table[0]:
        if _norm_header(key) in ID_KEYS:
            continue
        values = [r.get(key) for r in table if r.get(key) not in (None, "", "-")]
        numeric = 0
        for v in values:
            try:
                parse_number(v, "")
                numeric += 1
            except ConfigError:
                pass
        if values and numeric == 0:
            out.add(key)
    return out


def _is_summary(row: dict[str, Any]) -> bool:
    first = next((str(v) for v in row.values() if v not in (None, "")), "")
    return first.lower().startswith("total")


def read_labels(path: str | Path, kind: str = "auto") -> LabelSet:
    """Read a labels file; ``kind`` is ``auto``, ``ads_manager``, ``ratings`` or ``pairs``.

    ``auto``: an ``Impressions`` column means Ads Manager; ``better`` and ``worse`` columns
    mean pairs; otherwise ratings.

    Raises:
        ConfigError: missing file, no identifying column, a non-numeric value in a numeric
            column (naming the row and column).
    """
    path = Path(path)
    table = _read_table(path)
    if not table:
        raise ConfigError(f"{path}: no rows")
    headers = {_norm_header(h) for h in table[0]}
    if kind == "auto":
        if "impressions" in headers:
            kind = "ads_manager"
        elif {"better", "worse"} <= headers:
            kind = "pairs"
        else:
            kind = "ratings"
    labels = LabelSet(source=str(path), kind=kind)
    if kind == "pairs":
        for n, row in enumerate(table, 1):
            r = {_norm_header(k): v for k, v in row.items()}
            better, worse = str(r.get("better") or "").strip(), str(r.get("worse") or "").strip()
            if not better or not worse:
                labels.skipped.append(f"row {n}: blank better/worse")
                continue
            labels.pairs.append((better, worse, n))
        return labels
    if kind not in ("ads_manager", "ratings"):
        raise ConfigError(f"{path}: unknown labels kind {kind!r}")
    text_columns = _text_columns(table) if kind == "ratings" else set()
    for col in sorted(text_columns):
        labels.skipped.append(f"column {col!r}: not numeric in any row (not a label; ignored)")
    for n, row in enumerate(table, 1):
        if all(v in (None, "") for v in row.values()):
            labels.skipped.append(f"row {n}: blank")
            continue
        if _is_summary(row):
            labels.skipped.append(f"row {n}: summary row ({next(iter(row.values()))})")
            continue
        ids: dict[str, str] = {}
        values: dict[str, float | None] = {}
        for raw_key, raw in row.items():
            key = _norm_header(raw_key)
            name = ADS_COLUMNS.get(key, key.replace(" ", "_")) if kind == "ads_manager" else key
            if name in ID_KEYS:
                if isinstance(raw, float) and raw.is_integer():
                    raw = int(raw)  # an id a spreadsheet stored as a number (lossy above 2**53: export as text)
                if raw not in (None, ""):
                    ids[name] = str(raw).strip()
                continue
            if kind == "ads_manager" and key not in ADS_COLUMNS:
                continue  # campaign name, status, dates...: not labels
            if name in ("creator", "caption", "notes", "comment") or raw_key in text_columns:
                continue
            values[name] = parse_number(raw, f"{path}: row {n}, column {raw_key!r}")
        if "post_url" in ids and "post_id" not in ids:
            pid = post_id_of(ids["post_url"])
            if pid:
                ids["post_id"] = pid
        if not ids:
            raise ConfigError(f"{path}: row {n}: no identifying column ({', '.join(ID_KEYS)})")
        labels.rows.append(LabelRow(n, ids, values))
    return labels
