"""The ad-code ledger: review decisions, code requests, received codes and their expiry,
kept in one SQLite file per brand or team so that later runs know earlier decisions.

``Ledger`` (store.py) reads and writes the file; ``state.py`` turns a video's events into
its status (pure); ``export.py`` writes CSV, iCalendar and pairwise labels; ``cli.py``
is ``sparkscout ledger``; ``web/`` is ``sparkscout serve``.
"""

from scoring.ledger.state import AUTHORIZATION_DAYS, EXPIRING_DAYS, STATUSES, VideoState, days_left, expiry
from scoring.ledger.store import Ledger, default_ledger_path

__all__ = ["AUTHORIZATION_DAYS", "EXPIRING_DAYS", "STATUSES", "Ledger", "VideoState", "days_left",
           "default_ledger_path", "expiry"]
