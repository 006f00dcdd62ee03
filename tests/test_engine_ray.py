"""Ray engine: a private local instance whatever Ray state the machine holds, a real head
node joined by address (same ranking as the local engine, token authentication, a killed
worker, no shared filesystem), clear exit-2 messages, and the install hint without Ray.

All Ray traffic stays on this host: the head node is started with ``--node-ip-address
127.0.0.1`` (Ray resolves that to this machine's own interface address), in a private
temporary folder and HOME, and stopped by killing the processes of its own session
(``ray stop`` would stop every Ray process on the machine, other users' included).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scoring import score
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "videos"
CAMPAIGN = str(ROOT / "pipelines" / "demo.toml")
VIDEOS = [str(FIXTURES / n) for n in ("clean.mp4", "blurry.mp4", "horizontal.mp4", "static.mp4")]
HEAD_START_S = 150  # a loaded 2-core machine took 13-20 s


def _comparable(videos: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if k not in ("seconds", "warnings", "media")} for entry in videos]


def _differences(a: list[dict], b: list[dict]) -> list[str]:
    """Where two rankings differ, video by video and key by key (for the assertion message)."""
    return [f"{x.get('path')}: {k}: {x.get(k)!r} != {y.get(k)!r}"[:400] for x, y in zip(a, b)
            for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _short_tmp(prefix: str) -> Path:
    """A short folder under /tmp: Ray's socket paths must fit in 107 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _local_ranking(paths: list[str]) -> list[dict]:
    ranking = score(paths, campaign=CAMPAIGN, profile="fast", cache_dir=False, workers=2, ledger=False)
    return [v.to_dict() for v in ranking.videos]


@pytest.mark.slow
def test_private_instance_despite_a_stale_cluster_file(monkeypatch):
    """A dead cluster named in Ray's ray_current_cluster file (left by any earlier `ray
    start`) used to make `--engine ray` try to join it and fail; now Ray starts privately."""
    pytest.importorskip("ray")
    tmp = _short_tmp("ssray-")
    try:
        (tmp / "ray").mkdir()
        (tmp / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{_free_port()}")  # nobody there
        (tmp / "home").mkdir()
        monkeypatch.setenv("TMPDIR", str(tmp))  # where Ray looks for ray_current_cluster
        monkeypatch.delenv("RAY_TMPDIR", raising=False)
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
        monkeypatch.setenv("HOME", str(tmp / "home"))  # Ray writes its token under ~/.ray
        before = os.environ.get("RAY_AUTH_MODE")
        ray_run = score(VIDEOS[:3], engine="ray", campaign=CAMPAIGN, profile="fast", cache_dir=False, workers=2,
                        ledger=False)
        assert os.environ.get("RAY_AUTH_MODE") == before  # ray.init's change to our environment undone
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert ray_run.run["engine"] == "ray" and ray_run.run["ray_address"] is None
    assert [v.status for v in ray_run.videos] == ["ok"] * 3
    assert _comparable([v.to_dict() for v in ray_run.videos]) == _comparable(_local_ranking(VIDEOS[:3]))


def test_unreachable_address_exits_2_at_once(tmp_path, capsys):
    pytest.importorskip("ray")
    address = f"127.0.0.1:{_free_port()}"  # nothing listens there: connection refused
    code = main(["score", VIDEOS[0], "--engine", "ray", "--ray-address", address, "--out", str(tmp_path / "o"),
                 "--no-ledger", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"cannot reach the Ray cluster at {address}" in err and "refused" in err
    assert "internal error" not in err
    assert not (tmp_path / "o").exists()  # nothing written


def test_ray_missing_exits_2_with_install_hint(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code = main(["score", VIDEOS[0], "--engine", "ray", "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    assert "pip install 'sparkscout[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written


# --- a real head node ---------------------------------------------------------------


class Head:
    """`ray start --head --block` in its own session, private HOME and temp folder, with
    token authentication on (as a head that finds ~/.ray/auth_token runs)."""

    def __init__(self) -> None:
        self.root = _short_tmp("ssrh-")
        self.home, self.cwd = self.root / "home", self.root / "headcwd"
        self.home.mkdir()
        self.cwd.mkdir()
        (self.home / ".ray").mkdir()
        (self.home / ".ray" / "auth_token").write_text(secrets.token_hex(32))  # what the head node requires
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = self.root / "head.log"
        env = {**os.environ, **self.env(token=True),
               "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
        ray_bin = Path(sys.executable).with_name("ray")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(ray_bin), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(self.port),
                 "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats", "--block"],
                cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + HEAD_START_S
        while b"Ray runtime started" not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                said = self.log.read_text(errors="replace")[-3000:]
                self.stop()
                pytest.fail(f"the Ray head node did not start: {said}")
            time.sleep(0.5)

    def env(self, token: bool) -> dict[str, str]:
        """Environment of a client on this machine (RAY_AUTH_MODE=token or not)."""
        env = {"HOME": str(self.home), "TMPDIR": str(self.root), "RAY_USAGE_STATS_ENABLED": "0"}
        if token:
            env["RAY_AUTH_MODE"] = "token"
        return env

    def session_pids(self) -> list[int]:
        """Processes of the head's session: GCS, raylet, its workers (and Ray's helpers)."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getsid(int(entry)) == self.proc.pid:
                        pids.append(int(entry))
                except OSError:
                    continue
        return pids

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        for pid in self.session_pids():  # whatever did not stop with it
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def head():
    pytest.importorskip("ray")
    h = Head()
    yield h
    h.stop()


def _cli(head: Head, args: list[str], token: bool = True, cwd: Path | None = None, **popen):
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    env.update(head.env(token), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "scoring.cli", "score", *args, "--engine", "ray", "--ray-address", head.address,
           "--profile", "fast", "--no-cache", "--no-ledger", "--campaign", CAMPAIGN]
    if popen:
        return subprocess.Popen(cmd, env=env, cwd=cwd, text=True, **popen)
    return subprocess.run(cmd, env=env, cwd=cwd, text=True, capture_output=True, timeout=600)


@pytest.mark.slow
def test_real_head_node_joined_by_address_ranks_like_local(head, tmp_path):
    out = tmp_path / "o"
    run = _cli(head, [*VIDEOS, "--out", str(out), "--workers", "2"])
    assert run.returncode == 0, run.stderr[-3000:]
    doc = json.loads((out / "ranking.json").read_text())
    assert doc["run"]["engine"] == "ray" and doc["run"]["ray_address"] == head.address
    assert doc["run"]["shipped_videos"] == 0  # the workers see the same filesystem
    assert [v["status"] for v in doc["videos"]] == ["ok"] * 4
    assert _comparable(doc["videos"]) == _comparable(_local_ranking(VIDEOS))


@pytest.mark.slow
def test_token_cluster_without_token_mode_exits_2_saying_what_to_set(head, tmp_path):
    out = tmp_path / "o"
    run = _cli(head, [VIDEOS[0], "--out", str(out)], token=False)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "requires token authentication; set RAY_AUTH_MODE=token" in run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert "InvalidAuthToken" not in run.stderr  # Ray's 20 s of C++ retry logs are not shown
    assert not out.exists()


@pytest.mark.slow
def test_videos_without_a_shared_filesystem_are_shipped(head, tmp_path, monkeypatch):
    """The driver's relative paths do not exist in the head's workers' folder: as on a
    cluster without the scout's disk. The bytes go through Ray's object store instead."""
    drive = tmp_path / "laptop"
    drive.mkdir()
    names = ["clean.mp4", "blurry.mp4", "horizontal.mp4"]
    for n in names:
        shutil.copyfile(FIXTURES / n, drive / n)
    assert not (head.cwd / names[0]).exists()
    out = tmp_path / "o"
    run = _cli(head, [*names, "--out", str(out), "--workers", "2"], cwd=drive)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "cannot see" in run.stderr and "object store" in run.stderr
    doc = json.loads((out / "ranking.json").read_text())
    assert doc["run"]["shipped_videos"] == 3
    for v in doc["videos"]:  # report media came back with the results
        assert v["media"] and all((out / p).is_file() for p in v["media"].values()), v["media"]
    monkeypatch.chdir(drive)
    local = _comparable(_local_ranking(names))
    assert _comparable(doc["videos"]) == local, _differences(_comparable(doc["videos"]), local)


@pytest.mark.slow
def test_a_killed_ray_worker_fails_its_video_and_the_batch_completes(head, tmp_path):
    out = tmp_path / "o"
    proc = _cli(head, [*VIDEOS, "--out", str(out), "--workers", "1",
                       "--ship-videos"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        for pid in head.session_pids():
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"ray::_RayWorker.process"):  # scoring a video right now
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.02)
    err = proc.communicate(timeout=600)[1]
    assert killed is not None, f"no Ray worker was seen scoring a video: {err[-2000:]}"
    assert proc.returncode == 0, err[-3000:]
    doc = json.loads((out / "ranking.json").read_text())
    crashed = [v for v in doc["videos"] if v["error"] and v["error"]["code"] == "worker_crashed"]
    assert len(crashed) == 1, [v["error"] for v in doc["videos"]]
    assert "the Ray worker scoring this video died" in crashed[0]["error"]["message"]
    assert crashed[0]["path"] in crashed[0]["error"]["message"]
    assert sum(v["status"] == "ok" for v in doc["videos"]) == 3  # a new actor took the rest
    assert doc["run"]["shipped_videos"] == 4


@pytest.mark.slow
def test_ctrl_c_with_a_private_ray_instance_prints_one_line(tmp_path):
    pytest.importorskip("ray")
    tmp = _short_tmp("ssrc-")
    out = tmp_path / "o"
    names = ["clean.mp4", "blurry.mp4", "static.mp4", "face_late.mp4", "dark.mp4", "cuts.mp4"]
    cmd = [sys.executable, "-m", "scoring.cli", "score", *(str(FIXTURES / n) for n in names), "--workers", "2",
           "--engine", "ray", "--profile", "fast", "--no-cache", "--no-ledger", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp), "TMPDIR": str(tmp), "RAY_USAGE_STATS_ENABLED": "0"}
    try:
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
                                start_new_session=True)  # its own process group, like a terminal's job
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("[1/"):
                os.killpg(proc.pid, signal.SIGINT)
                break
        err = "".join(lines) + proc.communicate(timeout=180)[1]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert sum("interrupted" in ln for ln in err.splitlines()) == 1, err
    assert (out / "results.sqlite").is_file()


# --- the shipping loop, on a fake Ray (no cluster): memory bound and paths ----------


class _Blob:
    def __init__(self, data: bytes) -> None:
        self.data = data


class _Done:
    """A finished task's object ref."""

    def __init__(self, value) -> None:
        self.value = value


class _Method:
    def __init__(self, fn) -> None:
        self.fn = fn

    def remote(self, *args):
        return _Done(self.fn(*(a.data if isinstance(a, _Blob) else a for a in args)))


class _FakeRay:
    """Tasks run at once; put() objects are tracked to see how many are alive together."""

    def __init__(self) -> None:
        import weakref

        self.blobs: weakref.WeakSet = weakref.WeakSet()
        self.peak = 0

    def put(self, data):
        blob = _Blob(data)
        self.blobs.add(blob)
        self.peak = max(self.peak, len(self.blobs))
        return blob

    def get(self, obj):
        return [o.value for o in obj] if isinstance(obj, list) else obj.value

    def wait(self, refs, num_returns=1, timeout=None):
        return refs[:num_returns], refs[num_returns:]

    def kill(self, actor) -> None:
        pass


class _NoFilesWorker:
    """A pipeline Worker on a node without the driver's disk: it can read only what it is sent."""

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir

    def process(self, ref):
        import hashlib

        from scoring.results import VideoResult

        data = Path(ref.path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        media = self.media_dir / f"{digest[:16]}_filmstrip.jpg"
        media.write_bytes(b"jpeg " + digest.encode())
        return VideoResult(ref=ref, status="ok", video_id=f"sha256:{digest}", media={"filmstrip": str(media)})


def test_shipping_keeps_one_video_per_worker_in_the_store_and_lands_the_media(tmp_path):
    from scoring.engines import ray_engine
    from scoring.inputs import VideoRef
    from scoring.pipeline import RunSettings

    remote = tmp_path / "node"
    remote.mkdir()

    class Body(ray_engine._RayWorker):
        def __init__(self) -> None:  # no models: the fake Worker above
            self.worker = _NoFilesWorker(remote)

        def process(self, ref, blob=None):
            if blob is None:
                return ray_engine.NOT_HERE  # this node cannot see the driver's paths
            return super().process(ref, blob)

    class ActorClass:
        @staticmethod
        def remote(settings, threads):
            body = Body()
            return type("Actor", (), {"process": _Method(body.process), "ready": _Method(body.ready)})()

    names = [f"v{i}.mp4" for i in range(7)]
    for i, n in enumerate(names):
        (tmp_path / n).write_bytes(b"video %d " % i * 1000)
    refs = [VideoRef(str(tmp_path / n)) for n in names]
    settings = RunSettings(media_dir=str(tmp_path / "driver_media"), make_media=True)
    engine = ray_engine.RayEngine(workers=3)
    fake, got, said = _FakeRay(), {}, []
    loop = ray_engine._Loop(fake, ActorClass, 1, settings, engine, got.__setitem__, said.append)
    loop.run(3, list(reversed(list(enumerate(refs)))))
    assert sorted(got) == list(range(7))
    assert engine.ship and engine.shipped == 7  # switched on by the first "cannot see", then every video
    assert sum("cannot see" in s for s in said) == 1
    assert fake.peak <= 3 and len(fake.blobs) == 0  # at most one video per worker in the store; all released
    for i, result in got.items():
        assert result.ref.path == refs[i].path and result.status == "ok"  # the driver's path, not the copy's
        landed = Path(result.media["filmstrip"])
        assert landed.parent == tmp_path / "driver_media" and landed.read_bytes().startswith(b"jpeg ")
