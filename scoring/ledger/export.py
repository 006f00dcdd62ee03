"""Ledger exports: a CSV for Ads Manager and sheets, an iCalendar file of code expiries with
a reminder before each, and pairwise preference labels (``better,worse``) for training."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from scoring.ledger.state import VideoState

CSV_COLUMNS = ("video_id", "status", "days_left", "expires_on", "code", "authorization_days", "start_date",
               "ad_id", "creator", "post_url", "path", "score", "decision", "decided_by", "decided_at", "note",
               "requested_on", "requested_via")
FORMATS = ("csv", "ics", "pairs")
REMINDER_DAYS = 3  # the calendar alarm fires this many days before a code stops running
# Pairwise preferences: a video with an earlier decision here beats one with a later.
PREFERENCE = {"approved": 0, "hold": 1, "rejected": 2}
TEXT_FIELDS = ("creator", "post_url", "path", "note", "requested_via", "decided_by")


def _cell(key: str, value: Any) -> Any:
    """Spreadsheet-safe cell: free text starting with = + - @ is prefixed with ' (no formulas)."""
    if value is None:
        return ""
    if key in TEXT_FIELDS and isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[tuple[VideoState, dict[str, Any]]]) -> str:
    """One row per video that has any decision, request or code (``csv`` module quoting)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for state, video in rows:
        if state.status == "new":
            continue
        merged = {**video, **state.to_dict()}
        writer.writerow([_cell(k, merged.get(k)) for k in CSV_COLUMNS])
    return buf.getvalue()


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT escaping."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets (continuation lines start with a space)."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += ch
        size += n
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def to_ics(rows: list[tuple[VideoState, dict[str, Any]]], now: dt.datetime | None = None) -> str:
    """A VCALENDAR with one all-day VEVENT on each current code's expiry date, with a
    display alarm ``REMINDER_DAYS`` days before. Revoked and rejected videos are left out."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SparkScout//ad-code ledger//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:Spark Ad code expiries"]
    for state, video in rows:
        if not state.code or state.status in ("revoked", "rejected") or not state.expires_on:
            continue
        day = dt.date.fromisoformat(state.expires_on)
        who = video.get("creator") or "unknown creator"
        name = Path(video["path"]).name if video.get("path") else state.video_id[:19]
        desc = (f"The {state.authorization_days}-day ad code for {name} ({who}) started {state.start_date} and "
                f"stops running on {state.expires_on}. It cannot be renewed: ask the creator for a new code."
                f"\nPost: {video.get('post_url') or video.get('path') or ''}\nvideo_id: {state.video_id}")
        if state.ad_id:
            desc += f"\nAds Manager ad: {state.ad_id}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{state.video_id.removeprefix('sha256:')[:32]}-{state.start_date}@sparkscout",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'Spark Ad code expires: {who} — {name}')}",
            f"DESCRIPTION:{_ics_text(desc)}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_ics_text(f'Ad code for {name} ({who}) expires in {REMINDER_DAYS} days')}",
            f"TRIGGER:-P{REMINDER_DAYS}D",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


def to_pairs(rows: list[tuple[VideoState, dict[str, Any]]]) -> str:
    """Pairwise labels ``better,worse`` (video_ids) from the latest decisions: every approved
    video beats every video on hold or rejected, and every video on hold beats every
    rejected one. Rows are sorted, so the same ledger always gives the same file."""
    decided = [(PREFERENCE[s.decision], s.video_id) for s, _ in rows if s.decision in PREFERENCE]
    pairs = sorted((a, b) for pa, a in decided for pb, b in decided if pa < pb)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("better", "worse"))
    writer.writerows(pairs)
    return buf.getvalue()


def export(rows: list[tuple[VideoState, dict[str, Any]]], fmt: str) -> str:
    """The export text in ``fmt`` (one of FORMATS)."""
    return {"csv": to_csv, "ics": to_ics, "pairs": to_pairs}[fmt](rows)
