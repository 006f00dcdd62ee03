"""The soundtrack's analyzers run beside the picture's (a second thread) with the same output."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from scoring.analyzers import AnalysisContext
from scoring.analyzers.base import Analyzer
from scoring.pipeline import AUDIO_LANE, RunSettings, Worker, run_analyzers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def fake(name: str, requires=(), after=(), body=None) -> Analyzer:
    """An analyzer named ``name`` whose one feature lists the upstream Signals it saw."""

    class Fake(Analyzer):
        version = "1"
        feature_keys = ("saw",)

        def analyze(self, clip, ctx):
            if body is not None:
                body()
            return self.signals({"saw": ",".join(sorted(ctx.upstream))})

    Fake.name, Fake.requires, Fake.after = name, tuple(requires), tuple(after)
    return Fake()


def test_the_soundtrack_runs_beside_the_picture_and_dependents_see_their_inputs():
    picture_ran = threading.Event()
    overlapped = []
    analyzers = [fake("speech", body=lambda: overlapped.append(picture_ran.wait(timeout=20))),
                 fake("faces", body=picture_ran.set),
                 fake("asr", requires=("speech",)),
                 fake("mentions", requires=("faces",), after=("asr",)),
                 fake("cuts")]
    assert {"speech", "asr"} <= AUDIO_LANE
    ctx = AnalysisContext()
    out = run_analyzers(analyzers, None, ctx, lanes=2)
    assert overlapped == [True]  # speech was still running when faces ran: two threads
    assert "asr" in out["mentions"].features["mentions.saw"].split(",")
    assert "faces" in out["mentions"].features["mentions.saw"].split(",")
    assert "speech" in out["asr"].features["asr.saw"].split(",")
    assert set(ctx.upstream) == {a.name for a in analyzers}
    assert all(s.made_by["analyzer"] == n for n, s in out.items())


def test_the_picture_analyzers_share_two_threads_and_wait_for_their_inputs():
    cuts_ran = threading.Event()
    overlapped = []
    order = []
    analyzers = [fake("faces", body=lambda: overlapped.append(cuts_ran.wait(timeout=20))),
                 fake("cuts", body=lambda: (order.append("cuts"), cuts_ran.set())),
                 fake("stitch", requires=("cuts",), after=("faces",), body=lambda: order.append("stitch")),
                 fake("picture")]
    ctx = AnalysisContext()
    out = run_analyzers(analyzers, None, ctx, lanes=2)
    assert overlapped == [True]  # faces was still running when cuts ran: two threads
    assert set(out["stitch"].features["stitch.saw"].split(",")) == {"cuts", "faces"}
    assert order.index("cuts") < order.index("stitch")
    assert set(out) == {a.name for a in analyzers}
    # one lane: in run order, one at a time (faces would wait for cuts in vain)
    cuts_ran.clear()
    analyzers[0] = fake("faces", body=lambda: overlapped.append(cuts_ran.is_set()))
    run_analyzers(analyzers, None, AnalysisContext(), lanes=1)
    assert overlapped == [True, False]


def test_a_picture_analyzer_needing_the_soundtrack_waits_for_it():
    speech_may_end = threading.Event()
    analyzers = [fake("speech", body=lambda: speech_may_end.wait(timeout=20)),
                 fake("faces"), fake("cuts", body=speech_may_end.set),
                 fake("abcd", requires=("faces", "cuts", "speech"))]
    out = run_analyzers(analyzers, None, AnalysisContext(), lanes=2)
    assert set(out["abcd"].features["abcd.saw"].split(",")) == {"faces", "cuts", "speech"}


def test_a_failing_soundtrack_analyzer_is_reported_and_its_dependents_still_run():
    def boom():
        raise ValueError("no audio stream")

    analyzers = [fake("speech", body=boom), fake("faces"), fake("asr", requires=("speech",)),
                 fake("mentions", after=("asr",))]
    ctx = AnalysisContext()
    out = run_analyzers(analyzers, None, ctx, lanes=2)
    assert isinstance(out["speech"], ValueError)
    assert ctx.upstream["speech"].features == {"speech.saw": None}
    assert "speech" in out["asr"].features["asr.saw"] and "asr" in out["mentions"].features["mentions.saw"]


@pytest.mark.parametrize("video", ["clean.mp4"])
def test_a_video_scores_the_same_in_one_lane_and_in_two(video, monkeypatch):
    from scoring import threads as thread_caps

    worker = Worker(RunSettings(profile="fast", cache_dir=None))
    from scoring.inputs import VideoRef

    results = {}
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # as thread_caps.cap sets it in a worker process
    for lanes in (1, 2):
        monkeypatch.setattr(thread_caps, "budget", lambda default=None, n=lanes: n)
        r = worker.process(VideoRef(str(FIXTURES / video)))
        assert r.status == "ok", r.error
        results[lanes] = r
    assert results[1].features == results[2].features
    assert results[1].events == results[2].events
    assert results[1].subscores == results[2].subscores


def test_the_early_soundtrack_is_used_only_when_it_is_the_clips(tmp_path, monkeypatch):
    """The soundtrack's analyzers start on an audio-only decode while the picture decodes. An
    end card cuts the audio: the audio-only decode finds it from the video's last keyframe and
    seconds and cuts the same (issue 23: the six analyzers ran twice on every end-card video);
    where they cannot tell (one GOP: the only keyframe is the first frame) the early results
    are dropped and the lane runs again. Either way the Signals are those of one lane."""
    from videofactory import letterboxed, moving_pattern, sine, with_end_card, write_video

    from scoring import pipeline
    from scoring import threads as thread_caps
    from scoring.inputs import VideoRef

    each_second = {"g": "12"}  # a keyframe a second, as phone and TikTok encodes have (1-5 s)
    card = with_end_card(letterboxed(moving_pattern(288, 162), 288, 512, 162), 6.0, "maker")
    plain = write_video(tmp_path / "plain.mp4", moving_pattern(180, 320), n_frames=96, fps=12, size=(180, 320),
                        audio=sine(8.0), options=each_second)
    carded = write_video(tmp_path / "card.mp4", card, n_frames=96, fps=12, size=(288, 512), audio=sine(8.0),
                         options=each_second)
    one_gop = write_video(tmp_path / "gop.mp4", card, n_frames=96, fps=12, size=(288, 512), audio=sine(8.0),
                          options={"g": "300", "sc_threshold": "0"})  # no keyframe after 0 s
    fitted = []
    fits = pipeline.SoundtrackLane.fits
    monkeypatch.setattr(pipeline.SoundtrackLane, "fits", lambda self, clip: fitted.append(fits(self, clip)) or fitted[-1])
    worker = Worker(RunSettings(profile="fast", cache_dir=None))
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    for video, used in ((plain, True), (carded, True), (one_gop, False)):
        results = {}
        for lanes in (1, 2):
            monkeypatch.setattr(thread_caps, "budget", lambda default=None, n=lanes: n)
            results[lanes] = worker.process(VideoRef(str(video)))
            assert results[lanes].status == "ok", results[lanes].error
        assert fitted.pop() is used and not fitted, video.name
        assert results[1].features == results[2].features and results[1].events == results[2].events
    assert results[1].features["layout.end_card_s"] == pytest.approx(6.0, abs=0.2)


def test_one_lane_where_openmp_threads_spin(small_clip, monkeypatch):
    """Outside a capped worker process OpenMP waits by spinning: two lanes would slow Whisper."""
    from scoring import pipeline
    from scoring import threads as thread_caps
    from scoring.inputs import VideoRef

    started = []
    monkeypatch.setattr(pipeline.SoundtrackLane, "__init__", lambda self, *a, **k: started.append(1) or 1 / 0)
    monkeypatch.setattr(thread_caps, "budget", lambda default=None: 2)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    r = Worker(RunSettings(profile="fast", cache_dir=None)).process(VideoRef(str(small_clip)))
    assert r.status == "ok" and started == []


def test_the_soundtracks_models_load_first_and_its_lane_waits_for_them_only(monkeypatch):
    order = []
    monkeypatch.setattr(Analyzer, "load_models", lambda self, ctx=None: order.append(self.name))
    worker = Worker(RunSettings(profile="full", cache_dir=None))
    gate = threading.Event()
    original = Analyzer.load_models

    def slow_picture(self, ctx=None):
        if self.name not in AUDIO_LANE:
            gate.wait(timeout=20)  # the picture's models are still loading
        original(self, ctx)

    monkeypatch.setattr(Analyzer, "load_models", slow_picture)
    worker.start_loading()
    audio = tuple(a.name for a in worker.analyzers if a.name in AUDIO_LANE)
    worker.wait_for_models(audio)  # returns while the picture's models load
    assert set(order) == set(audio) and not gate.is_set()
    gate.set()
    worker.wait_for_models()
    assert order[:len(audio)] == list(audio) and len(order) > len(audio)


def test_a_decoded_clip_cannot_be_changed_by_an_analyzer():
    """Analyzers share one Clip across threads: its arrays are read-only views."""
    from scoring.media import decode_clip

    clip = decode_clip(str(FIXTURES / "clean.mp4"))
    arrays = [clip.hook.images, clip.body.times, clip.stills.images, clip.audio.samples, clip.signatures.luma]
    for a in arrays:
        with pytest.raises(ValueError, match="read-only"):
            a[(0,) * a.ndim] = 0
