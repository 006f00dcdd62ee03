"""Python API for scouting workflows: the same data as ``ranking.json``, as typed objects.

    >>> from scoring import score
    >>> ranking = score(["fixtures/videos"], campaign="pipelines/demo.toml")  # doctest: +SKIP
    >>> ranking.shortlist[0].path                                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scoring import __version__
from scoring.campaign import Campaign, campaign_from_dict, load_campaign
from scoring.engines.local import default_workers, run_local
from scoring.inputs import VideoRef, collect
from scoring.pipeline import RunSettings, VideoResult
from scoring.ranking import rank_results
from scoring.report import write_report
from scoring.store import default_cache_dir, write_run_outputs


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


def resolve_campaign(campaign: str | Path | Campaign | dict[str, Any] | None) -> Campaign:
    """A Campaign from a TOML path, a mapping, an existing Campaign, or the defaults."""
    if campaign is None:
        return Campaign()
    if isinstance(campaign, Campaign):
        return campaign
    if isinstance(campaign, dict):
        return campaign_from_dict(campaign)
    return load_campaign(campaign)


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
) -> Ranking:
    """Score videos and rank them for a campaign.

    Args:
        paths: video files or folders (searched recursively).
        manifest: CSV/JSONL with ``path`` and optional creator and engagement counts.
        campaign: campaign TOML path, mapping or Campaign; defaults to a generic one.
        out: if given, write ranking.json, ranking.csv, features.parquet,
            results.sqlite and report.html there.
        workers: processes to use (default: every core).
        profile: ``full`` or ``fast`` (fast skips ASR and OCR).
        cache_dir: feature cache folder; None for the user cache, False to disable.
        progress: called as ``progress(done, total, result)`` after each video.

    Raises:
        ConfigError: bad campaign, manifest or paths (nothing is written).
    """
    camp = resolve_campaign(campaign)
    refs: list[VideoRef] = collect(paths, manifest)
    cache = None if cache_dir is False else str(cache_dir or default_cache_dir())
    settings = RunSettings(campaign=camp, profile=profile, cache_dir=cache)
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    n_workers = workers or default_workers()
    results = run_local(refs, settings, n_workers, progress)
    run = {
        "sparkscout_version": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 2),
        "profile": profile,
        "engine": "local",
        "workers": min(n_workers, len(refs)),
        "campaign_file": camp.source,
        "python": platform.python_version(),
    }
    doc = rank_results(results, camp, run)
    if out is not None:
        features = {r.video_id: r.features for r in results if r.status == "ok" and r.video_id}
        write_run_outputs(out, doc, features)
        write_report(doc, out)
    return Ranking.from_dict(doc)
