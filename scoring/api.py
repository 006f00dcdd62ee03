"""Python API for scouting workflows: the same data as ``ranking.json``, as typed objects.

    >>> from scoring import score
    >>> ranking = score(["fixtures/videos"], campaign="pipelines/demo.toml")  # doctest: +SKIP
    >>> ranking.shortlist[0].path                                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scoring import __version__
from scoring.campaign import Campaign, campaign_from_dict, load_campaign
from scoring.engines.local import default_workers, run_local
from scoring.inputs import VideoRef, collect
from scoring.ledger import Ledger, default_ledger_path
from scoring.pipeline import RunSettings, VideoResult
from scoring.ranking import rank_results
from scoring.report import write_report
from scoring.report.requests import write_requests
from scoring.store import default_cache_dir, write_run_outputs
from scoring.training.registry import model_roots, models_used


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


MEDIA_FOLDER = "report_media"


def _collect_media(results: list[VideoResult], doc: dict[str, Any], out: Path) -> None:
    """Copy each video's report media next to the report and point its entry at them."""
    folder = out / MEDIA_FOLDER
    by_id = {r.video_id: r for r in results if r.media}
    for entry in doc["videos"]:
        r = by_id.get(entry["video_id"])
        entry["media"] = {}
        if r is None:
            continue
        for kind, src in r.media.items():
            dst = folder / Path(src).name
            if not dst.exists():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
            entry["media"][kind] = f"{MEDIA_FOLDER}/{dst.name}"


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
    ledger: str | Path | None | bool = None,
    models_dir: str | Path | None = None,
) -> Ranking:
    """Score videos and rank them for a campaign.

    Args:
        paths: video files or folders (searched recursively).
        manifest: CSV/JSONL with ``path`` and optional creator and engagement counts.
        campaign: campaign TOML path, mapping or Campaign; defaults to a generic one.
        out: if given, write ranking.json, ranking.csv, features.parquet,
            results.sqlite, report.html (+ report_media/) and requests.md there.
        workers: processes to use (default: every core).
        profile: ``full`` or ``fast`` (fast skips ASR, OCR, DNSMOS and CLIP).
        cache_dir: feature cache folder; None for the user cache, False to disable.
        progress: called as ``progress(done, total, result)`` after each video.
        ledger: the team's ad-code ledger file; None for the campaign's ``ledger`` (none if
            it has none), True for the campaign's else the default one, False for none. Its decisions and codes reach the ranking (see
            scoring.ledger) and the run's videos are recorded in it.
        models_dir: registry of trained models the campaign's ``[models]`` may name
            (default ``~/.local/share/sparkscout/models``); built-in models are always found.

    Raises:
        ConfigError: bad campaign, manifest or paths (nothing is written).
    """
    camp = resolve_campaign(campaign)
    refs: list[VideoRef] = collect(paths, manifest)
    ledger_path = None if ledger is False else camp.ledger if ledger in (None, True) else ledger
    if ledger is True and not ledger_path:
        ledger_path = default_ledger_path()
    if ledger_path:
        Ledger.open(ledger_path).close()  # a bad ledger stops the run before any work
    cache = None if cache_dir is False else str(cache_dir or default_cache_dir())
    media_dir = Path(out) / MEDIA_FOLDER if out is not None else None
    settings = RunSettings(campaign=camp, profile=profile, cache_dir=cache, make_media=out is not None,
                           media_dir=str(media_dir) if media_dir else None,
                           model_roots=[str(p) for p in model_roots(models_dir)])
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
        "models": models_used(results),
    }
    if ledger_path:
        run["ledger"] = str(Path(ledger_path).resolve())
        with Ledger.open(ledger_path) as led:
            state = led.state_map(r.video_id for r in results if r.status == "ok" and r.video_id)
            doc = rank_results(results, camp, run, ledger=state)
            led.register_videos(doc["videos"], run_dir=out, campaign=camp.name)
    else:
        doc = rank_results(results, camp, run)
    if out is not None:
        _collect_media(results, doc, Path(out))
        features = {r.video_id: r.features for r in results if r.status == "ok" and r.video_id}
        write_run_outputs(out, doc, features)
        write_report(doc, out)
        write_requests(doc, out, brand=camp.brand, days=camp.authorization_days)
    return Ranking.from_dict(doc)
