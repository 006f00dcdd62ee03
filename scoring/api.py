"""Python API for scouting workflows: the same data as ``ranking.json``, as typed objects.

    >>> from scoring import score
    >>> ranking = score(["fixtures/videos"], campaign="pipelines/demo.toml")  # doctest: +SKIP
    >>> ranking.shortlist[0].path                                             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scoring.campaign import Campaign
from scoring.engines.base import DEFAULT_TIMEOUT_S
from scoring.results import VideoResult
from scoring.run import MEDIA_FOLDER, EngineOptions, Run, report_timeline, resolve_campaign, settings_key

__all__ = ["MEDIA_FOLDER", "RankedVideo", "Ranking", "Run", "report_timeline", "resolve_campaign", "score",
           "settings_key"]


@dataclass
class RankedVideo:
    """One entry of ``ranking.json``'s ``videos`` list."""

    rank: int | None
    video_id: str | None
    path: str
    creator: str | None
    status: str
    error: dict[str, str] | None
    score: float | None
    recommendation: str
    shortlisted: bool
    suggested_authorization_days: int | None
    subscores: dict[str, float | None]
    reasons: list[dict[str, Any]]
    evidence: dict[str, Any]
    models: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    duplicate_of: str | None = None
    post_url: str | None = None
    caption: str | None = None
    media: dict[str, str] = field(default_factory=dict)
    ledger: dict[str, Any] | None = None
    raw_score: float | None = None  # the composite before severe-flaw caps
    gates: list[str] = field(default_factory=list)
    coverage: dict[str, float | None] = field(default_factory=dict)
    not_measured: list[dict[str, str]] = field(default_factory=list)
    below_above: dict[str, Any] | None = None
    copy_warnings: list[str] = field(default_factory=list)  # a download's "check the original post" warnings
    held_by: dict[str, Any] | None = None  # the gate, must-have, severe flaw or near-duplicate holding the score down
    fixes: list[dict[str, Any]] = field(default_factory=list)  # edits to ask for, estimated by re-scoring
    percentiles: dict[str, dict[str, int]] | None = None  # vs every video the ledger knows; None: no ledger

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankedVideo:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Ranking:
    """A scored batch: ``run`` metadata and ``videos`` in rank order (failed ones last)."""

    run: dict[str, Any]
    videos: list[RankedVideo]

    @property
    def shortlist(self) -> list[RankedVideo]:
        return [v for v in self.videos if v.shortlisted]

    @property
    def failed(self) -> list[RankedVideo]:
        return [v for v in self.videos if v.status != "ok"]

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "videos": [v.to_dict() for v in self.videos]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ranking:
        return cls(run=data["run"], videos=[RankedVideo.from_dict(v) for v in data["videos"]])


def score(
    paths: list[str] | None = None,
    *,
    manifest: str | Path | None = None,
    campaign: str | Path | Campaign | dict[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    profile: str = "full",
    cache_dir: str | Path | None | bool = None,
    progress: Callable[[int, int, VideoResult], None] | None = None,
    ledger: str | Path | None | bool = None,
    models_dir: str | Path | None = None,
    engine: str = "local",
    timeout: float | None = DEFAULT_TIMEOUT_S,
    ray_address: str | None = None,
    ship_videos: bool = False,
    isolate: bool | None = None,
    resume: bool = True,
    status: Callable[[str], None] | None = None,
) -> Ranking:
    """Score videos and rank them for a campaign (a thin wrapper over :class:`scoring.run.Run`).

    Args:
        paths: video files or folders (searched recursively).
        manifest: CSV/JSONL with ``path`` and optional creator and engagement counts.
        campaign: campaign TOML path, mapping or Campaign; defaults to a generic one.
        out: if given, write ranking.json, ranking.csv, features.parquet,
            results.sqlite, report.html (+ report_media/) and requests.md there. Each
            finished video is committed to results.sqlite as it finishes, and a rerun
            with the same ``out`` (and settings) reuses them (``resume=False``: recompute).
        workers: processes to use (default: every core).
        profile: ``full`` or ``fast`` (fast skips ASR, OCR, DNSMOS and CLIP).
        cache_dir: feature cache folder; None for the user cache, False to disable.
        progress: called as ``progress(done, total, result)`` after each video.
        ledger: the team's ad-code ledger file; None for the campaign's ``ledger`` (none if
            it has none), True for the campaign's else the default one, False for none. Its decisions and codes reach the ranking (see
            scoring.ledger) and the run's videos are recorded in it.
        models_dir: registry of trained models the campaign's ``[models]`` may name
            (default ``~/.local/share/sparkscout/models``); built-in models are always found.
        engine: ``local`` (worker processes here) or ``ray`` (needs ``sparkscout[ray]``).
        timeout: per-video limit in seconds (None: none); a video past it fails with ``timeout``.
        ray_address: Ray cluster address for ``engine="ray"`` (default: a private Ray instance here).
        ship_videos: ``engine="ray"``: send each video's bytes to the workers through Ray's
            object store (workers without the videos' filesystem); without it, only once a
            worker reports it cannot see a path.
        isolate: local engine only; False scores in this process (no crash isolation).
        resume: reuse videos already stored in ``out``'s results.sqlite.
        status: called with one-line status messages ("loading models…").

    Raises:
        ConfigError: bad campaign, manifest, paths or engine settings (nothing is written).
    """
    run = Run(paths, manifest=manifest, campaign=campaign, out=out, profile=profile, cache_dir=cache_dir,
              ledger=ledger, models_dir=models_dir, resume=resume, progress=progress, status=status,
              engine=EngineOptions(engine, workers=workers, timeout=timeout, ray_address=ray_address,
                                   ship_videos=ship_videos, isolate=isolate))
    return Ranking.from_dict(run.execute())
