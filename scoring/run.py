"""One scoring run as named stages: collect -> plan -> engine -> rank -> write.

``scoring.api.score`` builds a :class:`Run` from its arguments and calls :meth:`Run.execute`;
each stage is a method with its inputs and outputs on the object, so a stage can be read,
tested or reordered on its own. Behaviour (and ``ranking.json``) is that of the former
single ``score`` function.

Report media: the worker that decodes a video writes its thumbnails (the decoded hook
frames exist only there; a second decode would cost a video's decode time), into the
feature cache or ``out/report_media``; :meth:`Run.write` is the one place that gathers
them next to the report and points each ranking entry at them.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring import __version__
from scoring.campaign import Campaign, campaign_from_dict, load_campaign
from scoring.engines.base import DEFAULT_TIMEOUT_S, Engine, make_engine
from scoring.fixes import add_fixes
from scoring.inputs import VideoRef, collect
from scoring.ledger import Ledger, default_ledger_path
from scoring.pipeline import RunSettings, load_scorers, report_timeline
from scoring.ranking import rank_results
from scoring.report import write_report
from scoring.report.explain import add_percentiles
from scoring.report.requests import write_requests
from scoring.results import VideoResult
from scoring.runstore import RunStore, roundtrip
from scoring.store import default_cache_dir, write_run_outputs
from scoring.threads import available_cores
from scoring.training.registry import model_roots, models_used

MEDIA_FOLDER = "report_media"

Progress = Callable[[int, int, VideoResult], None]
Status = Callable[[str], None]


def resolve_campaign(campaign: str | Path | Campaign | dict[str, Any] | None) -> Campaign:
    """A Campaign from a TOML path, a mapping, an existing Campaign, or the defaults."""
    if campaign is None:
        return Campaign()
    if isinstance(campaign, Campaign):
        return campaign
    if isinstance(campaign, dict):
        return campaign_from_dict(campaign)
    return load_campaign(campaign)


def settings_key(settings: RunSettings) -> str:
    """Identity of everything that changes a video's result (stored results are reused only under it)."""
    blob = json.dumps({"version": __version__, "profile": settings.profile, "plan": dataclasses.asdict(settings.plan()),
                       "campaign": dataclasses.asdict(settings.campaign), "models": settings.model_roots,
                       "media": settings.make_media}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def collect_media(results: list[VideoResult], doc: dict[str, Any], out: Path) -> None:
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


def run_cached(jobs: list[tuple[int, VideoRef]], settings: RunSettings,
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


@dataclass
class EngineOptions:
    """How videos are executed: the engine, its workers and per-video limit (see scoring.engines)."""

    name: str = "local"
    workers: int | None = None
    timeout: float | None = DEFAULT_TIMEOUT_S
    ray_address: str | None = None
    ship_videos: bool = False
    isolate: bool | None = None

    def make(self) -> Engine:
        return make_engine(self.name, workers=self.workers, timeout_s=self.timeout, isolate=self.isolate,
                           ray_address=self.ray_address, ship_videos=self.ship_videos)


@dataclass
class Run:
    """One batch: what to score (``paths``/``manifest``), how (``campaign``, ``profile``,
    ``engine``), where results go (``out``, ``ledger``). See ``scoring.api.score`` for each
    argument's meaning; stages fill the fields below the divider."""

    paths: list[str] | None = None
    manifest: str | Path | None = None
    campaign: str | Path | Campaign | dict[str, Any] | None = None
    out: str | Path | None = None
    profile: str = "full"
    cache_dir: str | Path | None | bool = None
    ledger: str | Path | None | bool = None
    models_dir: str | Path | None = None
    engine: EngineOptions = field(default_factory=EngineOptions)
    resume: bool = True
    progress: Progress | None = None
    status: Status | None = None
    # -- filled by the stages --
    camp: Campaign = field(init=False)
    refs: list[VideoRef] = field(init=False, default_factory=list)
    eng: Engine = field(init=False)
    ledger_path: str | Path | None = field(init=False, default=None)
    settings: RunSettings = field(init=False)
    scorers: Any = field(init=False, default=None)
    results: list[VideoResult | None] = field(init=False, default_factory=list)
    resumed: int = field(init=False, default=0)
    cached: int = field(init=False, default=0)
    doc: dict[str, Any] = field(init=False, default_factory=dict)

    def execute(self) -> dict[str, Any]:
        """All stages in order; returns the ranking document (``ranking.json``'s content)."""
        self.collect()
        self.plan()
        started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
        self.run_engine()
        self.rank(started, t0)
        self.write()
        return self.doc

    # -- stages --------------------------------------------------------------------------
    def collect(self) -> None:
        """Campaign, the video list (a file listed twice is scored once) and the engine.

        Raises ConfigError on a bad campaign, manifest, paths or engine setting."""
        self.camp = resolve_campaign(self.campaign)
        self.refs = collect(self.paths, self.manifest)
        self.eng = self.engine.make()

    def plan(self) -> None:
        """Ledger, cache, model registry and scorers: everything checked before any work.

        A bad ledger or a model the campaign names but the registry lacks stops the run here;
        ``eng.open()`` joins a Ray cluster now, so a refusal stops it before anything is written."""
        ledger = self.ledger
        path = None if ledger is False else self.camp.ledger if ledger in (None, True) else ledger
        if ledger is True and not path:
            path = default_ledger_path()
        if path:
            Ledger.open(path).close()
        self.ledger_path = path
        cache = None if self.cache_dir is False else str(self.cache_dir or default_cache_dir())
        media_dir = Path(self.out) / MEDIA_FOLDER if self.out is not None else None
        self.settings = RunSettings(campaign=self.camp, profile=self.profile, cache_dir=cache,
                                    make_media=self.out is not None, media_dir=str(media_dir) if media_dir else None,
                                    model_roots=[str(p) for p in model_roots(self.models_dir)])
        self.scorers = load_scorers(self.settings)
        self.eng.open()

    def run_engine(self) -> None:
        """Score every video: stored ones (resume), fully cached ones here, the rest on the engine.

        Each finished video is committed to ``out``/results.sqlite as it finishes."""
        refs = self.refs
        self.results = [None] * len(refs)
        store = None
        done = 0
        try:
            store = RunStore(self.out, settings_key(self.settings)) if self.out is not None else None
            if store is not None and self.resume:
                for i, stored in store.load(refs).items():
                    self.results[i] = stored
                done = sum(r is not None for r in self.results)
                if done and self.status:
                    self.status(f"resuming: {done} of {len(refs)} videos already scored in {store.path}")

            def on_result(index: int, result: VideoResult) -> None:
                nonlocal done
                result = roundtrip(result)  # exactly what a resumed run would read back
                self.results[index] = result
                if store is not None:
                    store.put(result)
                done += 1
                if self.progress:
                    self.progress(done, len(refs), result)

            jobs = [(i, ref) for i, ref in enumerate(refs) if self.results[i] is None]
            self.resumed = len(refs) - len(jobs)
            jobs = run_cached(jobs, self.settings, on_result)
            self.cached = len(refs) - self.resumed - len(jobs)
            self.eng.run(jobs, self.settings, on_result, self.status)
        finally:
            self.eng.close()
            if store is not None:
                store.close()

    def rank(self, started: dt.datetime, t0: float) -> None:
        """Run metadata, ranking (with the ledger's decisions and percentiles) and fixes."""
        final = self.finished
        camp = self.camp
        run = {
            "sparkscout_version": __version__,
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - t0, 2),
            "profile": self.profile,
            **self.eng.describe(),
            "workers": min(self.engine.workers or available_cores(), max(1, len(self.refs))),
            "resumed_videos": self.resumed,
            "cached_videos": self.cached,
            "campaign_file": camp.source,
            "cwd": str(Path.cwd()),  # relative video paths are relative to it (ledger, serve from elsewhere)
            "brand": camp.brand,
            "python": platform.python_version(),
            "models": models_used(final),
        }
        if self.ledger_path:
            run["ledger"] = str(Path(self.ledger_path).resolve())
            with Ledger.open(self.ledger_path) as led:
                state = led.state_map(r.video_id for r in final if r.status == "ok" and r.video_id)
                doc = rank_results(final, camp, run, ledger=state)
                led.register_videos(doc["videos"], run_dir=self.out, campaign=camp.name)
                reference = led.reference_scores()
            add_percentiles(doc["videos"], reference)  # against every video the team's ledger knows
        else:
            doc = rank_results(final, camp, run)
        for v in doc["videos"]:  # None: no ledger to compare with (not measured), as RankedVideo says
            v.setdefault("percentiles", None)
        add_fixes(doc["videos"], self.features, self.scorers, camp.resolved_weights(), camp.facts(),
                  camp.hook_seconds)
        self.doc = doc

    def write(self) -> None:
        """With ``out``: report media, ranking.json/CSV/Parquet/SQLite, report.html, requests.md."""
        if self.out is None:
            return
        collect_media(self.finished, self.doc, Path(self.out))
        write_run_outputs(self.out, self.doc, self.features)
        write_report(self.doc, self.out, report_timeline())  # lanes: the analyzers' declared event kinds
        write_requests(self.doc, self.out, brand=self.camp.brand, days=self.camp.authorization_days)

    # -- derived -------------------------------------------------------------------------
    @property
    def finished(self) -> list[VideoResult]:
        return [r for r in self.results if r is not None]

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        return {r.video_id: r.features for r in self.finished if r.status == "ok" and r.video_id}
