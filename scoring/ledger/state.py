"""A video's place in the ad-code workflow, computed from its ledger events (pure, no I/O).

Dates are calendar dates (``datetime.date``). A code with ``days`` of authorization that
starts on ``start`` expires on ``start + days`` (a 30-day code started 2026-12-06 expires
on 2027-01-05): it can run on every day before that date, so on day ``d`` it has
``(expires_on - d).days`` days left and is expired once that reaches 0. A code with 7
days or fewer left is ``expiring``. An expired code cannot be renewed, only replaced by
a new code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from scoring.errors import ConfigError

AUTHORIZATION_DAYS = (7, 30, 60, 365)  # what TikTok's ad-code dialog offers
EXPIRING_DAYS = 7
DECISIONS = ("approved", "rejected", "hold")
# Statuses, in the order of the board (left to right).
STATUSES = ("new", "hold", "to_request", "requested", "code_received", "expiring", "expired", "revoked",
            "rejected")
# Statuses whose code can still run: the video is not shortlisted again.
VALID_CODE = ("code_received", "expiring")
# A code is one token: TikTok's start with '#' followed by base64-like characters.
CODE_RE = re.compile(r"#?[A-Za-z0-9+/=_.\-]{8,512}")


def parse_date(text: str | None, option: str = "date", default: dt.date | None = None) -> dt.date:
    """``YYYY-MM-DD`` (or ``today``) to a date; ConfigError naming the option otherwise."""
    if text is None or text == "":
        return default or dt.date.today()
    if text.strip().lower() == "today":
        return dt.date.today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ConfigError(f"{option} {text!r}: not a date in the format YYYY-MM-DD (e.g. 2026-12-06)")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"{option} {text!r}: impossible date ({exc})") from None


def check_days(days: Any) -> int:
    """The authorization window in days; ConfigError unless it is 7, 30, 60 or 365."""
    try:
        value = int(str(days).strip())
    except ValueError:
        value = None
    if value not in AUTHORIZATION_DAYS:
        raise ConfigError(f"--days {days}: TikTok ad codes last 7, 30, 60 or 365 days")
    return value


def check_code(code: str | None) -> str:
    """The code stripped of surrounding blanks; ConfigError when empty or malformed."""
    text = (code or "").strip()
    if not text:
        raise ConfigError("the ad code is empty: paste the code the creator sent")
    if not CODE_RE.fullmatch(text):
        shown = text if len(text) <= 40 else text[:37] + "…"
        raise ConfigError(f"ad code {shown!r} is malformed: expected one token of 8-512 letters, digits and "
                          f"'#+/=_.-' (TikTok codes look like '#ABcd12...'), no spaces")
    return text


def expiry(start: dt.date, days: int) -> dt.date:
    """The date a code of ``days`` started on ``start`` stops running."""
    return start + dt.timedelta(days=days)


def days_left(expires_on: dt.date, today: dt.date) -> int:
    """Whole days a code can still run; 0 or less means expired."""
    return (expires_on - today).days


@dataclass
class VideoState:
    """What the ledger knows about one video now. Dates are ISO strings (or None)."""

    video_id: str
    status: str = "new"
    decision: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None
    requested_on: str | None = None
    requested_via: str | None = None
    requested_by: str | None = None
    code: str | None = None
    authorization_days: int | None = None
    start_date: str | None = None
    expires_on: str | None = None
    days_left: int | None = None
    code_by: str | None = None
    ad_id: str | None = None
    revoked_on: str | None = None

    @property
    def code_valid(self) -> bool:
        return self.status in VALID_CODE

    @property
    def requested(self) -> bool:
        """Asked for a code, or already holding a valid one (no second request needed)."""
        return self.status in ("requested", *VALID_CODE)

    def summary(self) -> str:
        """One line for reasons, terminals and the board."""
        if self.status in VALID_CODE:
            return f"code valid until {self.expires_on} ({self.days_left} days left)"
        if self.status == "expired":
            return f"code expired on {self.expires_on}: ask for a new code"
        if self.status == "revoked":
            return f"code revoked on {self.revoked_on}"
        if self.status == "rejected":
            why = f": {self.note}" if self.note else ""
            return f"rejected by {self.decided_by} on {(self.decided_at or '')[:10]}{why}"
        if self.status == "requested":
            via = f" via {self.requested_via}" if self.requested_via else ""
            return f"code requested on {self.requested_on}{via}"
        if self.status == "to_request":
            return f"approved by {self.decided_by}: ask the creator for a code"
        if self.status == "hold":
            return f"on hold ({self.decided_by})" + (f": {self.note}" if self.note else "")
        return "no decision yet"

    def to_dict(self) -> dict[str, Any]:
        """Every field plus ``summary`` (one line), ``shortlist`` (False when a valid code or a
        rejection keeps it off a new shortlist) and ``requested`` (left out of requests.md)."""
        return {**asdict(self), "summary": self.summary(), "shortlist": self.status not in (*VALID_CODE, "rejected"),
                "requested": self.requested}


def fold(video_id: str, events: list[dict[str, Any]], today: dt.date) -> VideoState:
    """Replay a video's events (oldest first) into its state on ``today``."""
    s = VideoState(video_id)
    code_revoked = False
    for e in events:
        kind = e["kind"]
        if kind == "decision":
            s.decision, s.decided_by, s.decided_at, s.note = e["decision"], e["who"], e["at"], e.get("note")
        elif kind == "request":
            s.requested_on, s.requested_via, s.requested_by = e["on_date"], e.get("channel"), e["who"]
        elif kind == "code":
            s.code, s.authorization_days, s.start_date = e["code"], e["days"], e["start_date"]
            s.expires_on, s.code_by, s.ad_id, s.revoked_on = e["expires_on"], e["who"], None, None
            code_revoked = False
        elif kind == "used":
            s.ad_id = e.get("ad_id")
        elif kind == "revoked":
            s.revoked_on, code_revoked = e["on_date"], True
    if s.expires_on:
        s.days_left = days_left(dt.date.fromisoformat(s.expires_on), today)
    if s.decision == "rejected":
        s.status = "rejected"
    elif s.code and code_revoked:
        s.status = "revoked"
    elif s.code:
        left = s.days_left or 0
        s.status = "expired" if left <= 0 else "expiring" if left <= EXPIRING_DAYS else "code_received"
    elif s.requested_on:
        s.status = "requested"
    elif s.decision == "approved":
        s.status = "to_request"
    elif s.decision == "hold":
        s.status = "hold"
    return s
