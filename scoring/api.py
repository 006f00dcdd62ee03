"""Python API for scouting workflows: the same data as ``ranking.json``, as typed objects.

    >>> from scoring import score
    >>> ranking = score(["fixtures/videos"], campaign="pipelines/demo.toml")  # doctest: +SKIP
    >>> ranking.shortlist[0].path                                             # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scoring import __version__
from scoring.campaign import Campaign, campaign_from_dict, load_campaign
from scoring.engines.base import DEFAULT_TIMEOUT_S, make_engine
from scoring.fixes import add_fixes
from scoring.inputs import VideoRef, collect
from scoring.ledger import Ledger, default_ledger_path
from scoring.pipeline import RunSettings, load_scorers
from scoring.ranking import rank_results
from scoring.report import write_report
from scoring.report.explain import add_percentiles
from scoring.report.requests import write_requests
from scoring.results import VideoResult
from scoring.runstore import RunStore, roundtrip
from scoring.store import default_cache_dir, write_run_outputs
from scoring.threads import available_cores
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
    copy_warnings: list[str] = field(default_factory=list)  # a download's "check the original post" warnings
    held_by: dict[str, Any] | None = None  # the gate, must-have or severe flaw holding the score down
    fixes: list[dict[str, Any]] = field(default_factory=list)  # edits to ask for, estimated by re-scoring
    percentiles: dict[str, dict[str, int]] = field(default_factory=dict)  # vs every video the ledger knows

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


def _run_cached(jobs: list[tuple[int, VideoRef]], settings: RunSettings,
                on_result: Callable[[int, VideoResult], None]) -> list[tuple[int, VideoRef]]:
    """Score here the videos whose every analyzer result is cached (no decode, no model,
    no worker process); return the jobs that still need an engine."""
    if not settings.cache_dir or not jobs:
        return jobs
    from scoring.pipeline import Worker

    worker = Worker(settings)  # analyzers load their models lazily: nothing is loaded here
    rest = []
    for index, ref in jobs:
        result = worker.process_cached(ref)
        if result is None:
            rest.append((index, ref))
        else:
            on_result(index, result)
    return rest


def settings_key(settings: RunSettings) -> str:
    """Identity of everything that changes a video's result (stored results are reused only under it)."""
    blob = json.dumps({"version": __version__, "profile": settings.profile, "plan": dataclasses.asdict(settings.plan()),
                       "campaign": dataclasses.asdict(settings.campaign), "models": settings.model_roots,
                       "media": settings.make_media}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


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
    """Score videos and rank them for a campaign.

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
    camp = resolve_campaign(campaign)
    refs = collect(paths, manifest)  # a file listed twice is scored once
    eng = make_engine(engine, workers=workers, timeout_s=timeout, isolate=isolate, ray_address=ray_address,
                      ship_videos=ship_videos)
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
    scorers = load_scorers(settings)  # a model the campaign names but the registry lacks stops the run here
    eng.open()  # joins a Ray cluster now: a refusal stops the run before anything is written
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    results: list[VideoResult | None] = [None] * len(refs)
    store = None
    done = 0
    try:
        store = RunStore(out, settings_key(settings)) if out is not None else None
        if store is not None and resume:
            for i, stored in store.load(refs).items():
                results[i] = stored
            done = sum(r is not None for r in results)
            if done and status:
                status(f"resuming: {done} of {len(refs)} videos already scored in {store.path}")

        def on_result(index: int, result: VideoResult) -> None:
            nonlocal done
            result = roundtrip(result)  # exactly what a resumed run would read back
            results[index] = result
            if store is not None:
                store.put(result)
            done += 1
            if progress:
                progress(done, len(refs), result)

        jobs = [(i, ref) for i, ref in enumerate(refs) if results[i] is None]
        resumed = len(refs) - len(jobs)
        jobs = _run_cached(jobs, settings, on_result)
        eng.run(jobs, settings, on_result, status)
    finally:
        eng.close()
        if store is not None:
            store.close()
    final = [r for r in results if r is not None]
    run = {
        "sparkscout_version": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 2),
        "profile": profile,
        **eng.describe(),
        "workers": min(workers or available_cores(), max(1, len(refs))),
        "resumed_videos": resumed,
        "cached_videos": len(refs) - resumed - len(jobs),
        "campaign_file": camp.source,
        "cwd": str(Path.cwd()),  # relative video paths are relative to it (ledger, serve from elsewhere)
        "brand": camp.brand,
        "python": platform.python_version(),
        "models": models_used(final),
    }
    features = {r.video_id: r.features for r in final if r.status == "ok" and r.video_id}
    if ledger_path:
        run["ledger"] = str(Path(ledger_path).resolve())
        with Ledger.open(ledger_path) as led:
            state = led.state_map(r.video_id for r in final if r.status == "ok" and r.video_id)
            doc = rank_results(final, camp, run, ledger=state)
            led.register_videos(doc["videos"], run_dir=out, campaign=camp.name)
            reference = led.reference_scores()
        add_percentiles(doc["videos"], reference)  # against every video the team's ledger knows
    else:
        doc = rank_results(final, camp, run)
    add_fixes(doc["videos"], features, scorers, camp.resolved_weights(), camp.facts(), camp.hook_seconds)
    if out is not None:
        _collect_media(final, doc, Path(out))
        write_run_outputs(out, doc, features)
        write_report(doc, out)
        write_requests(doc, out, brand=camp.brand, days=camp.authorization_days)
    return Ranking.from_dict(doc)
