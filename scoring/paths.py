"""Where SparkScout keeps per-user files, by the platform's convention (platformdirs).

On Linux: ``$XDG_CACHE_HOME/sparkscout`` (default ``~/.cache/sparkscout``) for the feature
cache and ``$XDG_DATA_HOME/sparkscout`` (default ``~/.local/share/sparkscout``) for the
ledger and trained models; macOS and Windows get their own conventional folders. Read
when called, so a changed environment (tests, ``HOME``) is honoured. Imports nothing of
``scoring``: any layer may use it.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "sparkscout"


def user_cache_dir() -> Path:
    """The per-user cache folder (feature cache, downloaded media)."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def user_data_dir() -> Path:
    """The per-user data folder (the ledger, trained models)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))
