"""The per-video function every engine runs: hash, decode once, analyze, score.

Models and analyzers are built once per worker process and reused across videos.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scoring.analyzers import AnalysisContext, Analyzer, Signals, build_analyzers
from scoring.analyzers.registry import declared_context_fields, declared_features, timeline_kinds
from scoring.campaign import Campaign
from scoring.errors import ConfigError, MediaError
from scoring.inputs import VideoRef
from scoring.media import SamplingPlan, decode_clip
from scoring.media.probe import check_file
from scoring.report.media import media_names, write_media
from scoring.results import VideoResult
from scoring.scorers import SUBSCORES, Scorer, load_scorer
from scoring.scorers.derived import DERIVED_FEATURES
from scoring.scorers.registry import check_features
from scoring.store import FeatureCache, analyzer_cache_keys, file_sha256

PROFILES = ("fast", "full")

# Campaign -> AnalysisContext: how each field an analyzer may declare (``context_fields``) is
# filled. The worker's context holds ``hook_seconds`` and exactly the declared fields.
CONTEXT_FROM_CAMPAIGN: dict[str, Callable[[Campaign], object]] = {
    "hook_seconds": lambda c: c.hook_seconds,
    "terms": lambda c: c.terms(),
    "product_images": lambda c: list(c.product_images),
    "clip_model": lambda c: _clip_path(c),
    "safe_zone": lambda c: dict(c.safe_zone) or None,
}


def analysis_context(campaign: Campaign) -> dict[str, object]:
    """The AnalysisContext fields for ``campaign``: ``hook_seconds`` and every field some
    registered analyzer declares in ``context_fields``.

    Raises:
        ConfigError: an analyzer declares a field the pipeline cannot fill from a campaign.
    """
    fields = {"hook_seconds"} | declared_context_fields()
    unknown = sorted(fields - set(CONTEXT_FROM_CAMPAIGN))
    if unknown:
        raise ConfigError(f"analyzers read context fields no campaign fills: {', '.join(unknown)} "
                          f"(known: {', '.join(CONTEXT_FROM_CAMPAIGN)})")
    return {f: CONTEXT_FROM_CAMPAIGN[f](campaign) for f in CONTEXT_FROM_CAMPAIGN if f in fields}


def known_features(campaign: Campaign | None = None) -> set[str]:
    """Feature names a scorer model may read: the registered analyzers' declarations, the
    scorers' derived features and the campaign facts (``campaign.*``)."""
    return set(declared_features()) | set(DERIVED_FEATURES) | set((campaign or Campaign()).facts())


def report_timeline() -> list[dict[str, str]]:
    """The report timeline's lanes from the analyzers' declared event kinds (data for the report)."""
    return timeline_kinds()


@dataclass
class RunSettings:
    """Everything a worker needs; picklable so process pools can ship it."""

    campaign: Campaign = field(default_factory=Campaign)
    profile: str = "full"
    cache_dir: str | None = None
    model_roots: list[str] = field(default_factory=list)
    make_media: bool = False
    media_dir: str | None = None  # where report media go when there is no cache
    plugins: list[str] = field(default_factory=list)  # modules imported in each worker (extra analyzers)

    def plan(self) -> SamplingPlan:
        return SamplingPlan(hook_seconds=self.campaign.hook_seconds)


class Worker:
    """Holds the analyzers and scorers of one process; :meth:`process` scores one video."""

    def __init__(self, settings: RunSettings) -> None:
        if settings.profile not in PROFILES:
            raise ConfigError(f"unknown profile {settings.profile!r} (use {' or '.join(PROFILES)})")
        self.settings = settings
        for module in settings.plugins:
            try:
                importlib.import_module(module)  # registers its analyzers in this process
            except ImportError as exc:
                raise ConfigError(f"plugin {module!r} cannot be imported: {exc}") from exc
        self.plan = settings.plan()
        self.analyzers: list[Analyzer] = build_analyzers(settings.profile)
        self.scorers = load_scorers(settings)
        self.cache = FeatureCache(settings.cache_dir) if settings.cache_dir else None
        self.media_root: Path | None = None
        if settings.make_media:
            self.media_root = (self.cache.root / "media") if self.cache else Path(settings.media_dir or "report_media")
        self.context = analysis_context(settings.campaign)
        for a in self.analyzers:
            a.bind_context(self.context)  # campaign-dependent analyzers: campaign in the cache key
        self.cache_keys = analyzer_cache_keys(self.analyzers, _plan_key(self.plan))
        self._loader: threading.Thread | None = None
        self._loaded = {a.name: threading.Event() for a in self.analyzers}  # models loaded, by analyzer
        self._load_error: BaseException | None = None

    def load_models(self) -> None:
        """Load every analyzer's models now (warm-up before the first video). Without this
        call they load on first use, so a run served from the feature cache loads none.
        A model only another analyzer's output can feed, and that analyzer is not in the
        profile (hook phrases without speech recognition in ``fast``), is not loaded."""
        from scoring.analyzers.warmup import needed

        ctx = AnalysisContext(**self.context)
        present = {a.name for a in self.analyzers}
        # the soundtrack's first: its lane starts on the first video once they are loaded
        for a in sorted(self.analyzers, key=lambda a: a.name not in AUDIO_LANE):
            if needed(a.name, present):
                a.load_models(ctx)
            self._loaded[a.name].set()

    def start_loading(self, then: Callable[[], None] | None = None) -> None:
        """Load the models in a background thread, so the first video decodes meanwhile
        (:meth:`process` waits for them only before its analyzers run). ``then`` runs in
        that thread once they are loaded (engines cap the new thread pools there)."""
        def load() -> None:
            try:
                self.load_models()
                if then is not None:
                    then()
            except BaseException as exc:  # noqa: BLE001 - re-raised by wait_for_models, on a video
                self._load_error = exc
            finally:
                for event in self._loaded.values():
                    event.set()

        self._loader = threading.Thread(target=load, name="sparkscout-model-loader", daemon=True)
        self._loader.start()

    def wait_for_models(self, names: tuple[str, ...] | None = None) -> None:
        """Block until :meth:`start_loading`'s models are loaded (only those of the analyzers
        ``names``: the soundtrack's lane); raise if loading failed."""
        loader = self._loader  # the soundtrack's lane may wait here too
        if names is not None and loader is not None:
            for name in names:
                self._loaded[name].wait()
        elif loader is not None:
            loader.join()
            self._loader = None
        if self._load_error is not None:
            raise RuntimeError(f"models could not be loaded: {type(self._load_error).__name__}: "
                               f"{self._load_error}") from self._load_error

    def process_cached(self, ref: VideoRef) -> VideoResult | None:
        """The video's result if every analyzer's output is in the feature cache, else None.

        Decodes nothing and loads no model, so a fully cached rerun needs no worker.
        """
        if self.cache is None:
            return None
        try:
            check_file(ref.path)
            video_id = file_sha256(ref.path)
        except (MediaError, OSError):
            return None
        if self._cached_signals(video_id) is None:
            return None
        return self.process(ref)

    def _cached_signals(self, video_id: str) -> tuple[dict, dict[str, Signals], dict[str, str]] | None:
        """(info, signals, media) when everything about ``video_id`` is cached, else None."""
        if self.cache is None:
            return None
        info = self.cache.get(video_id, f"info-{_plan_key(self.plan)}")
        if info is None:
            return None
        cached: dict[str, Signals] = {}
        for a in self.analyzers:
            hit = self.cache.get_signals(video_id, self.cache_keys[a.name])
            if hit is None:
                return None
            cached[a.name] = hit
        media = self._known_media(video_id)
        return None if media is None else (info, cached, media)

    def process(self, ref: VideoRef) -> VideoResult:
        """Score one video. Media problems become a failed result, never an exception."""
        start = time.perf_counter()
        result = VideoResult(ref=ref, status="ok")
        try:
            check_file(ref.path)
            result.video_id = file_sha256(ref.path)
            signals = self._analyze(ref.path, result)
            self._merge(signals, result)
            self._score(result)
            _note_watermark(result)
        except MediaError as exc:
            result.status = "failed"
            result.error = {"code": exc.code, "message": str(exc)}
        except Exception as exc:  # a bug must not sink the batch; report it on the video
            result.status = "failed"
            result.error = {"code": "internal_error",
                            "message": f"{ref.path}: internal error: {type(exc).__name__}: {exc}"}
            result.warnings.append(traceback.format_exc(limit=5))
        result.seconds = round(time.perf_counter() - start, 3)
        return result

    def _analyze(self, path: str, result: VideoResult) -> dict[str, Signals]:
        video_id = result.video_id or ""
        cached: dict[str, Signals] = {}
        info = None
        if self.cache is not None:
            info = self.cache.get(video_id, f"info-{_plan_key(self.plan)}")
            for a in self.analyzers:
                hit = self.cache.get_signals(video_id, self.cache_keys[a.name])
                if hit is not None:
                    cached[a.name] = hit
        media_known = self._known_media(video_id)
        if info is not None and len(cached) == len(self.analyzers) and media_known is not None:
            result.info, result.media = info, media_known
            return cached  # everything known: no decode at all
        from scoring import threads as thread_caps

        ctx = AnalysisContext(**self.context)
        ctx.upstream.update(cached)
        todo = [a for a in self.analyzers if a.name not in cached]
        lanes = 2 if thread_caps.budget() >= 2 and _passive_waits() else 1
        audio = [a for a in todo if a.name in AUDIO_LANE]
        early = None
        if lanes >= 2 and audio and len(audio) < len(todo):  # the soundtrack's analyzers start now
            names = tuple(a.name for a in audio)
            early = SoundtrackLane(audio, ctx, path=path, plan=self.plan,
                                   before=lambda: self.wait_for_models(names))
        try:
            clip = decode_clip(path, self.plan)
            result.info = clip.info.to_dict()
            if self.media_root is not None:
                try:
                    media = write_media(clip.hook, video_id, self.media_root, self._zone())
                    result.media = {k: str(self.media_root / n) for k, n in media.items()}
                except Exception as exc:  # report media are a nicety: never fail the video for them
                    result.warnings.append(f"report media not made: {type(exc).__name__}: {exc}")
            if self.cache is not None:
                self.cache.put(video_id, f"info-{_plan_key(self.plan)}", result.info)
            self.wait_for_models()  # loaded in the background while this first clip decoded
        except BaseException:
            if early is not None:  # nothing of this video runs on after it failed
                early.stop = True
                early.wait()
            raise
        made = run_analyzers(todo, clip, ctx, lanes, early)
        out: dict[str, Signals] = {}
        for a in self.analyzers:  # in run order: warnings and cache writes as before, from this thread
            if a.name in cached:
                out[a.name] = cached[a.name]
                continue
            sig = made[a.name]
            if isinstance(sig, Exception):  # one analyzer failing leaves its features empty
                result.warnings.append(f"analyzer {a.name} failed: {type(sig).__name__}: {sig}")
                sig = ctx.upstream[a.name]
            elif self.cache is not None:
                self.cache.put_signals(video_id, self.cache_keys[a.name], sig)
            out[a.name] = sig
        return out

    def _zone(self):
        """The campaign's TikTok safe zone (drawn over a frame in the report)."""
        from scoring.analyzers.onscreen_text import safe_zone_from

        return safe_zone_from(self.context.get("safe_zone"))

    def _known_media(self, video_id: str) -> dict[str, str] | None:
        """Paths of this video's report media if they exist (or none are wanted), else None."""
        if self.media_root is None:
            return {}
        paths = {k: self.media_root / n for k, n in media_names(video_id, self._zone()).items()}
        return {k: str(p) for k, p in paths.items()} if all(p.exists() for p in paths.values()) else None

    @staticmethod
    def _merge(signals: dict[str, Signals], result: VideoResult) -> None:
        for name, sig in signals.items():
            result.features.update(sig.features)
            for key, value in sig.evidence.items():
                if value is not None or result.evidence.get(key) is None:
                    result.evidence[key] = value
            result.events.extend(e.to_dict() for e in sig.events)
            result.made_by[name] = sig.made_by
        result.events.sort(key=lambda e: (e["t"], e["kind"]))

    def _score(self, result: VideoResult) -> None:
        features = {**result.features, **self.settings.campaign.facts()}
        for name, scorer in self.scorers.items():
            if scorer is None:
                result.subscores[name] = None
                continue
            sub = scorer.score(features)
            result.subscores[name] = sub.value
            result.judgment[name] = sub.judgment()
            result.models[name] = scorer.model_id
            result.reasons.extend(r.to_dict() for r in sub.reasons)


# Analyzers of the soundtrack alone: they read ``clip.audio`` and ``clip.duration_s`` and,
# upstream, only each other, and share no model with the picture's analyzers (Silero VAD,
# Whisper, DNSMOS: ONNX Runtime and CTranslate2 release the GIL). With two cores for a worker
# they run in a second thread: from a quick audio-only decode while the picture decodes (a
# one-slice H.264 picture decodes on one core), then beside the picture's analyzers.
AUDIO_LANE = frozenset({"speech", "asr", "dnsmos", "audio_quality", "sound_class", "loudness"})


def _passive_waits() -> bool:
    """Whether OpenMP threads sleep while they wait (``thread_caps.cap`` sets it in every worker
    process). CTranslate2's OpenMP team spins by default: two lanes then made Whisper 3x slower."""
    return os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE"


def _run_one(a: Analyzer, clip, ctx: AnalysisContext) -> tuple[Signals, Exception | None]:
    """``a``'s Signals (with ``made_by``), or its empty Signals and the exception it raised."""
    # an analyzer sees only what it declares it reads (requires / after)
    view = dataclasses.replace(ctx, upstream={n: ctx.upstream[n] for n in (*a.requires, *a.after) if n in ctx.upstream})
    try:
        sig = a.analyze(clip, view)
    except Exception as exc:  # noqa: BLE001 - reported by the caller, per analyzer
        return a.signals(dict.fromkeys(a.feature_keys)), exc
    sig.made_by = {"analyzer": a.name, "version": a.version, "config": a.config_hash()}
    return sig, None


class SoundtrackLane:
    """The :data:`AUDIO_LANE` analyzers, in run order, in a thread of their own.

    Given ``path``, the thread first decodes the soundtrack alone (:func:`decode_audio`) and
    runs ``before`` (waiting for the models); the Clip it worked on must then prove the same
    as the full Clip's (:meth:`fits`: the audio-only decode cuts at an end card too, but may
    not tell one from the video's tail), else its results are not used. ``ctx`` is copied:
    the lane writes its Signals in its own ``upstream``.
    """

    def __init__(self, analyzers: list[Analyzer], ctx: AnalysisContext, clip=None, path: str | None = None,
                 plan=None, before: Callable[[], None] | None = None) -> None:
        self.analyzers, self.clip, self.stop = analyzers, clip, False
        self.ctx = dataclasses.replace(ctx, upstream=dict(ctx.upstream))
        self.out: dict[str, tuple[Signals, Exception | None]] = {}
        self.done = {a.name: threading.Event() for a in analyzers}
        self.fatal: BaseException | None = None
        self.changed = threading.Condition()  # notified whenever one of its analyzers is done
        self._thread = threading.Thread(target=self._run, args=(path, plan, before), name="sparkscout-audio",
                                        daemon=True)
        self._thread.start()

    def _run(self, path: str | None, plan, before: Callable[[], None] | None) -> None:
        try:
            if path is not None:
                from scoring.media.decode import decode_audio

                try:
                    self.clip = decode_audio(path, plan)
                except Exception:  # noqa: BLE001 - the full decode reports the file's problem
                    self.clip = None
                    return
            if before is not None:
                before()
            for a in self.analyzers:
                if self.stop:
                    return
                self.out[a.name] = _run_one(a, self.clip, self.ctx)
                self.ctx.upstream[a.name] = self.out[a.name][0]
                self._mark(a.name)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self.fatal = exc
        finally:
            for name in self.done:
                self._mark(name)

    def _mark(self, name: str) -> None:
        with self.changed:
            self.done[name].set()
            self.changed.notify_all()

    def fits(self, clip) -> bool:
        """Whether the lane's Clip holds ``clip``'s soundtrack (waits for the audio decode)."""
        from scoring.media.decode import same_audio

        while self.clip is None and self._thread.is_alive() and not any(e.is_set() for e in self.done.values()):
            self._thread.join(0.01)
        return self.clip is not None and (self.clip is clip or same_audio(self.clip, clip))

    def wait(self) -> None:
        """Until the thread ends (after the analyzer it is running, once ``stop`` is set)."""
        self._thread.join()

    def join(self) -> None:
        """:meth:`wait`, then raise what stopped the thread, if anything did."""
        self._thread.join()
        if self.fatal is not None:
            raise self.fatal


def run_analyzers(analyzers: list[Analyzer], clip, ctx: AnalysisContext, lanes: int = 1,
                  early: SoundtrackLane | None = None) -> dict[str, Signals | Exception]:
    """Run ``analyzers`` (in run order) on ``clip``; their Signals (with ``made_by``) by name,
    or the exception one raised (its empty Signals are in ``ctx.upstream`` for what follows).

    ``lanes=2``: the :data:`AUDIO_LANE` analyzers run in a second thread (``early``: one
    started before ``clip`` was decoded, used if its soundtrack is ``clip``'s; else it is
    waited for and not used), and the others in two threads (this one and a helper), each
    analyzer once what it declares it reads (``requires``/``after``) is done; those that need
    a soundtrack analyzer, directly or through another, are taken last. The Signals are the
    same as in one lane: every analyzer sees exactly its inputs.
    """
    out: dict[str, Signals | Exception] = {}

    def run(a: Analyzer) -> None:
        sig, exc = _run_one(a, clip, ctx)
        out[a.name] = exc if exc is not None else sig
        ctx.upstream[a.name] = sig

    audio = [a for a in analyzers if a.name in AUDIO_LANE]
    if early is not None and not early.fits(clip):
        early.stop = True
        early.join()
        early = None
    if early is None and lanes >= 2 and audio and len(audio) < len(analyzers):
        early = SoundtrackLane(audio, ctx, clip=clip)
    if lanes < 2 and early is None:
        for a in analyzers:
            run(a)
        return out
    heard: set[str] = set(early.done) if early is not None else set()
    for a in analyzers:  # the soundtrack's, and what needs them
        if {*a.requires, *a.after} & heard:
            heard.add(a.name)
    picture = [a for a in analyzers if early is None or a.name not in early.done]
    picture.sort(key=lambda a: a.name in heard)  # stable: run order kept within each part
    try:
        _run_together(picture, run, ctx, early)
    finally:
        if early is not None:
            early.join()
    if early is not None:
        for a in early.analyzers:
            sig, exc = early.out[a.name]
            out[a.name] = exc if exc is not None else sig
            ctx.upstream[a.name] = sig
    return out


def _run_together(todo: list[Analyzer], run: Callable[[Analyzer], None], ctx: AnalysisContext,
                  early: SoundtrackLane | None, threads: int = 2) -> None:
    """``run`` every analyzer of ``todo`` on ``threads`` threads (this one included), taking
    them in order, each once its declared inputs among ``todo`` and the soundtrack lane's are
    done. Stops taking new ones when the lane failed (its caller raises that)."""
    names = {a.name for a in todo}
    done: set[str] = set()
    taken: set[str] = set()
    changed = early.changed if early is not None else threading.Condition()
    failed: list[BaseException] = []

    def ready(a: Analyzer) -> bool:
        for dep in (*a.requires, *a.after):
            if dep in names and dep not in done:
                return False
            if early is not None and dep in early.done and not early.done[dep].is_set():
                return False
        return True

    def take() -> Analyzer | None:
        with changed:
            while True:
                if failed or (early is not None and early.fatal is not None):
                    return None
                left = [a for a in todo if a.name not in taken]
                if not left:
                    return None
                a = next((a for a in left if ready(a)), None)
                if a is not None:
                    taken.add(a.name)
                    return a
                changed.wait()

    def loop() -> None:
        while (a := take()) is not None:
            try:
                if early is not None:  # the soundtrack's Signals it reads, from the lane
                    for dep in (*a.requires, *a.after):
                        if dep in early.done and early.ctx.upstream.get(dep) is not None:
                            ctx.upstream[dep] = early.ctx.upstream[dep]
                run(a)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                failed.append(exc)
            finally:
                with changed:
                    done.add(a.name)
                    changed.notify_all()

    helpers = [threading.Thread(target=loop, name=f"sparkscout-picture-{k}", daemon=True)
               for k in range(1, min(threads, len(todo)))]
    for t in helpers:
        t.start()
    try:
        loop()
    finally:
        for t in helpers:
            t.join()
    if failed:
        raise failed[0]


MUSIC_RIGHTS = ("uses music: Spark Ads need original sound or TikTok's Commercial Music Library; "
                "check before requesting")


def _note_watermark(result: VideoResult) -> None:
    """Rights risks become reasons (dimension ``rights``): another creator's footage (a
    ``stitch`` event: stitch or duet), a music-led soundtrack (``sound_class``), and the
    handle in a platform watermark: it fills ``creator`` when the manifest gave none; a
    manifest creator that differs from it means a re-upload of someone else's post."""
    for e in result.events:
        if e.get("kind") == "stitch":
            result.reasons.append({"dimension": "rights", "impact": 0.0, "t": e.get("t"), "text": e["label"]})
    if result.features.get("sound_class.music_led"):  # issue 20: music is licensed apart from the post
        result.reasons.append({"dimension": "rights", "impact": 0.0, "t": None,
                               "text": MUSIC_RIGHTS})
    handle = result.features.get("watermark.handle") or result.features.get("onscreen_text.watermark_handle")
    if not handle:
        return
    given = (result.ref.creator or "").strip()
    if not given:
        result.ref = dataclasses.replace(result.ref, creator=f"@{handle}")
        result.reasons.append({"dimension": "rights", "impact": 0.0, "t": None, "sign": "+",
                               "text": f"creator @{handle}, read from the TikTok watermark: request the ad code "
                                       f"from @{handle}'s original post"})
    elif _handle_key(given) != _handle_key(handle):
        result.reasons.append({"dimension": "rights", "impact": 0.0, "t": None, "sign": "-",
                               "text": f"re-upload: the TikTok watermark says @{handle}, not {given}; the post is "
                                       f"@{handle}'s, so request the ad code from that account's original post"})


def _handle_key(text: str) -> str:
    """A creator name or handle compared loosely: lower case, without @, spaces or a profile URL."""
    text = text.strip().lower().rstrip("/")
    text = text.rsplit("/@", 1)[-1] if "/@" in text else text
    return text.lstrip("@").replace(" ", "")


def load_scorers(settings: RunSettings) -> dict[str, Scorer | None]:
    """The campaign's scorer per sub-score (None where no model exists and none was asked for).

    Raises:
        ConfigError: a profile or a model the campaign names that does not exist, or a model
            that reads a feature no registered analyzer declares (a misspelling). Engines
            call it before starting workers, so such a run stops with exit 2, writing nothing.
    """
    if settings.profile not in PROFILES:
        raise ConfigError(f"unknown profile {settings.profile!r} (use {' or '.join(PROFILES)})")
    scorers: dict[str, Scorer | None] = {}
    roots = [Path(r) for r in settings.model_roots]
    for module in settings.plugins:  # their analyzers' features are known features too
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"plugin {module!r} cannot be imported: {exc}") from exc
    known = known_features(settings.campaign)
    for name in SUBSCORES:
        if name == "engagement":
            continue  # needs the whole batch: scored in ranking
        ref = settings.campaign.model_ref(name)
        try:
            scorers[name] = load_scorer(ref, roots)
        except ConfigError:
            if name in settings.campaign.models:
                raise
            scorers[name] = None  # no built-in model for it yet
            continue
        check_features(ref, roots, known)  # a misspelt feature: an error, not "not measured"
    return scorers


def _clip_path(campaign: Campaign) -> str | None:
    """``[models] clip`` as a local folder (relative to the campaign file), or None."""
    ref = campaign.models.get("clip")
    if not ref:
        return None
    path = Path(ref).expanduser()
    if not path.is_absolute() and campaign.source:
        path = Path(campaign.source).resolve().parent / path
    return str(path)


def _plan_key(plan: SamplingPlan) -> str:
    items = sorted(dataclasses.asdict(plan).items())
    return "-".join(f"{v}" for _, v in items)


# One Worker per process, built on first use (process pools call init_worker).
_WORKER: Worker | None = None


def init_worker(settings: RunSettings, threads: int | None = None) -> None:
    """Build this process's Worker; cap native thread pools when several processes share cores."""
    global _WORKER
    if threads:
        import cv2

        cv2.setNumThreads(threads)
    _WORKER = Worker(settings)


def process_in_worker(ref: VideoRef) -> VideoResult:
    if _WORKER is None:
        raise RuntimeError("init_worker was not called in this process")
    return _WORKER.process(ref)
