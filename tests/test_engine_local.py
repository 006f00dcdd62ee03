"""Local engine: input order, recycling, crash isolation, time limits, cold starts, thread caps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from videofactory import moving_pattern, sine, write_video

from scoring.engines.base import make_engine
from scoring.engines.local import LocalEngine
from scoring.errors import ConfigError
from scoring.inputs import VideoRef
from scoring.pipeline import RunSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"
# Widths that make tests/faulty_plugin.py misbehave. The plugin is imported only in the
# worker processes: importing it here would register its analyzer in this test process too.
SEGFAULT, EXIT, HANG = 322, 324, 326


def _run(engine, refs, settings):
    got = {}
    engine.run(list(enumerate(refs)), settings, lambda i, r: got.__setitem__(i, r))
    return [got[i] for i in range(len(refs))]


@pytest.fixture(scope="module")
def faulty_clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("faulty")
    paths = {}
    for name, width in (("fine", 320), ("segv", SEGFAULT), ("exit", EXIT), ("hang", HANG)):
        paths[name] = write_video(d / f"{name} clip.mp4", moving_pattern(width, 568), n_frames=12, fps=12,
                                  size=(width, 568), audio=sine(1.0))
    return paths


def test_recycled_workers_keep_every_result():
    names = ["static.mp4", "nope.mp4", "face_late.mp4"]
    refs = [VideoRef(str(FIXTURES / n)) for n in names]
    results = _run(LocalEngine(workers=1, recycle_every=2), refs, RunSettings(profile="fast"))
    assert [Path(r.ref.path).name for r in results] == names
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].error["code"] == "not_found"


@pytest.mark.slow
def test_a_dying_or_stuck_worker_fails_only_its_video(faulty_clips):
    settings = RunSettings(profile="fast", plugins=["faulty_plugin"])
    order = ["fine", "segv", "exit", "hang"]
    refs = [VideoRef(str(faulty_clips[n])) for n in order]
    status = []
    engine = LocalEngine(workers=2, timeout_s=20)
    got = {}
    engine.run(list(enumerate(refs)), settings, lambda i, r: got.__setitem__(i, r), status.append)
    results = dict(zip(order, (got[i] for i in range(4))))
    assert results["fine"].status == "ok"
    assert results["fine"].features["faulty.numba_loaded"] is False  # no JIT in the hot path
    for name, code in (("segv", "worker_crashed"), ("exit", "worker_crashed"), ("hang", "timeout")):
        assert results[name].status == "failed" and results[name].error["code"] == code, name
        assert str(faulty_clips[name]) in results[name].error["message"]
    assert "SIGSEGV" in results["segv"].error["message"]
    assert "code 7" in results["exit"].error["message"]
    assert any("loading models" in s for s in status)


@pytest.mark.slow
def test_cold_workers_start_together_repeatedly(tmp_path):
    """Several cold workers at once on a fresh cache (feature cache + JIT folders), three times."""
    refs = [VideoRef(str(FIXTURES / n)) for n in ("clean.mp4", "speech_late.mp4", "static.mp4")]
    for rep in range(3):
        settings = RunSettings(profile="fast", cache_dir=str(tmp_path / f"cache{rep}"))
        results = _run(LocalEngine(workers=3), refs, settings)
        assert [r.status for r in results] == ["ok"] * 3, [r.error for r in results]


def test_no_numba_or_torch_in_a_full_profile_worker():
    """librosa's numba-compiled functions were the JIT cache race; nothing loads numba now.
    torch + transformers cost ~280 MB per worker for Silero VAD and MiniLM, which now run
    on ONNX Runtime and NumPy: without a CLIP model nothing imports them."""
    code = (
        "import sys\n"
        "from scoring.pipeline import RunSettings, Worker\n"
        f"w = Worker(RunSettings(profile='full'))\n"
        f"r = w.process(__import__('scoring.inputs').inputs.VideoRef({str(FIXTURES / 'clean.mp4')!r}))\n"
        "assert r.status == 'ok', r.error\n"
        "assert r.evidence['speech_onset_s'] is not None and r.evidence['transcript']\n"
        "print([m for m in ('torch', 'transformers', 'silero_vad') if m in sys.modules])\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
    assert out.stdout.strip().splitlines()[-2] == "[]"


def test_thread_budget_per_worker():
    code = (
        "from scoring import threads\n"
        "threads.cap(1)\n"
        "import numpy, cv2, torch\n"
        "threads.cap_loaded()\n"
        "from threadpoolctl import threadpool_info\n"
        "import os\n"
        "print(torch.get_num_threads(), cv2.getNumThreads(), max(p['num_threads'] for p in threadpool_info()),"
        " threads.budget(), os.environ['OMP_WAIT_POLICY'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1", "1", "1", "PASSIVE"]  # no spinning OpenMP waits


_DECODE_THREADS = (
    "import os, sys, threading, time\n"
    "from scoring import threads\n"
    "threads.cap(int(sys.argv[1]))\n"
    "from scoring.media import decode_clip\n"
    "decode_clip(sys.argv[2])  # warm: imports, first-use pools\n"
    "base = len(os.listdir('/proc/self/task'))\n"
    "peak, stop = [base], threading.Event()\n"
    "def watch():\n"
    "    while not stop.is_set():\n"
    "        peak.append(len(os.listdir('/proc/self/task')))\n"
    "        time.sleep(0.0005)\n"
    "w = threading.Thread(target=watch); w.start()\n"
    "for _ in range(3):\n"
    "    decode_clip(sys.argv[2])\n"
    "stop.set(); w.join()\n"
    "print(max(peak) - base - 1)  # threads besides this one and the watcher\n"
)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_decoder_threads_follow_the_budget():
    """FFmpeg's decoding and scaling threads count against a worker's budget (by default
    they used every core). A clip without audio: the audio resampler's filter graph keeps
    two idle threads of its own."""
    clip = str(Path(__file__).resolve().parent.parent / "fixtures" / "videos" / "noaudio.mp4")
    counts = []
    for budget in (1, 2):
        out = subprocess.run([sys.executable, "-c", _DECODE_THREADS, str(budget), clip],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        counts.append(int(out.stdout.split()[-1]))
    assert counts[0] == 0  # budget 1: FFmpeg decodes in the calling thread
    assert counts[1] >= 1  # budget 2: decoding threads


def test_engine_settings_are_validated():
    with pytest.raises(ConfigError, match="workers"):
        make_engine("local", workers=0)
    with pytest.raises(ConfigError, match="timeout"):
        make_engine("local", timeout_s=-1)
    with pytest.raises(ConfigError, match="unknown engine"):
        make_engine("spark")


@pytest.mark.slow
def test_ctrl_c_prints_one_line_keeps_what_was_stored_and_exits_130(tmp_path):
    """Ctrl-C reaches the whole foreground process group: the workers used to print one
    KeyboardInterrupt traceback each. Now only the parent acts on it."""
    import sqlite3

    out = tmp_path / "o"
    names = ["clean.mp4", "blurry.mp4", "static.mp4", "face_late.mp4", "dark.mp4", "cuts.mp4"]
    cmd = [sys.executable, "-m", "scoring.cli", "score", *(str(FIXTURES / n) for n in names), "--workers", "2",
           "--profile", "fast", "--no-cache", "--no-ledger", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(FIXTURES.parent.parent)}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
                            start_new_session=True)  # its own process group, like a terminal's job
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("[1/"):  # one video stored; the workers are busy with the next ones
            os.killpg(proc.pid, signal.SIGINT)
            break
    rest = proc.communicate(timeout=120)[1]
    err = "".join(lines) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    said = [ln for ln in err.splitlines() if "interrupted" in ln]
    assert len(said) == 1 and "results.sqlite" in said[0] and "cache" not in said[0], err
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] >= 1


def test_interrupt_message_mentions_the_cache_only_when_there_is_one(monkeypatch, tmp_path, capsys):
    import scoring.api
    from scoring.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(scoring.api, "score", interrupted)
    base = ["score", str(FIXTURES / "clean.mp4"), "--out", str(tmp_path / "o"), "--no-ledger"]
    assert main([*base, "--no-cache"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "cache" not in err
    assert main(base) == 130
    assert "computed features stay in the cache" in capsys.readouterr().err


def test_fast_profile_loads_no_model_it_cannot_use():
    """Hook phrases embed the transcript; the fast profile has no speech recognition, so
    its MiniLM model (seconds to load) is never loaded there."""
    code = (
        "from scoring.pipeline import RunSettings, Worker\n"
        "from scoring.analyzers.hook_phrases import _prototype_vectors\n"
        "w = Worker(RunSettings(profile='fast'))\n"
        "assert 'hook_phrases' in [a.name for a in w.analyzers]\n"
        "w.load_models()\n"
        "print(_prototype_vectors.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "0"


def test_models_loading_in_the_background_meet_the_first_video():
    from scoring.pipeline import Worker

    ref = VideoRef(str(FIXTURES / "static.mp4"))
    worker = Worker(RunSettings(profile="fast"))
    worker.start_loading()
    first = worker.process(ref)  # decodes while the loader thread runs, then waits for it
    assert first.status == "ok", first.error
    broken = Worker(RunSettings(profile="fast"))

    def fail():
        raise OSError("weights unreadable")

    broken.start_loading(then=fail)
    result = broken.process(ref)
    assert result.status == "failed" and "models could not be loaded" in result.error["message"]
    assert "weights unreadable" in result.error["message"]


def test_a_prestarted_worker_is_adopted_or_stopped():
    """The CLI starts workers before the run's settings exist: a pool of that size adopts
    them (same result as a fresh worker); a pool of another size stops them."""
    from scoring.engines import local

    ref = VideoRef(str(FIXTURES / "static.mp4"))
    local.prestart(1)
    adopted = local._PRESTARTED[0][1]
    results = _run(LocalEngine(workers=1), [ref], RunSettings(profile="fast"))
    assert not local._PRESTARTED and adopted.exitcode is not None  # it ran the video, then was stopped
    assert results[0].status == "ok"
    fresh = _run(LocalEngine(workers=1), [ref], RunSettings(profile="fast"))
    assert fresh[0].features == results[0].features

    local.prestart(2)  # a guess that the run does not match (one video: one worker)
    stale = [proc for _, proc, _ in local._PRESTARTED]
    results = _run(LocalEngine(workers=1), [ref], RunSettings(profile="fast"))
    assert results[0].status == "ok"
    assert not local._PRESTARTED and all(p.exitcode is not None for p in stale)
