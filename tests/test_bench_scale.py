"""The logic of benchmarks/bench_scale.py: worker counts, distinct clip variants, scaling arithmetic."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from videofactory import sine, write_video

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_pipeline  # noqa: E402
import bench_real  # noqa: E402
import bench_scale  # noqa: E402


def test_worker_counts_are_capped_at_the_cores_with_a_line_per_skip():
    kept, skipped = bench_scale.parse_workers("1,4,8,16", cores=2)
    assert kept == [1]
    assert len(skipped) == 3 and all("2 cores" in line for line in skipped)
    assert skipped[0].startswith("skipping 4 workers")
    kept, skipped = bench_scale.parse_workers(" 16,1, 4,4 ", cores=16)
    assert kept == [1, 4, 16] and skipped == []


@pytest.mark.parametrize("spec", ["1,x", "0,4", "", "1,,4", "-2"])
def test_bad_worker_lists_are_refused(spec):
    with pytest.raises(ValueError, match="positive integers"):
        bench_scale.parse_workers(spec, cores=16)


@pytest.mark.parametrize("sources,count", [(3, 6), (12, 48), (1, 5), (33, 48), (48, 48)])
def test_variants_are_distinct_and_every_source_comes_first(sources, count):
    plan = bench_scale.plan_variants(sources, count)
    assert len(plan) == count and len(set(plan)) == count
    assert [s for s, _, _ in plan[:min(sources, count)]] == list(range(min(sources, count)))
    assert all(off == 0.0 and not mirror for _, off, mirror in plan[:sources])
    assert all(0.0 <= off < 1.0 for _, off, _ in plan)
    uses = [sum(1 for s, _, _ in plan if s == i) for i in range(sources)]
    assert max(uses) - min(uses) <= 1  # round-robin: no source dominates the mix


def test_efficiency_is_speedup_over_workers_against_one_worker():
    runs = [{"workers": 1, "per_min_steady": 10.0, "per_min": 8.0},
            {"workers": 4, "per_min_steady": 32.0, "per_min": 24.0},
            {"workers": 16, "per_min_steady": None, "per_min": 64.0}]
    warm = {r["workers"]: r for r in bench_scale.scaling(runs)}
    assert warm[1] == {"workers": 1, "speedup": 1.0, "efficiency": 1.0}
    assert warm[4] == {"workers": 4, "speedup": 3.2, "efficiency": 0.8}
    assert warm[16]["speedup"] is None and warm[16]["efficiency"] is None
    wall = {r["workers"]: r for r in bench_scale.scaling(runs, "per_min")}
    assert wall[16] == {"workers": 16, "speedup": 8.0, "efficiency": 0.5}
    assert bench_scale.scaling([{"workers": 4, "per_min_steady": 3.0}])[0]["efficiency"] is None  # no 1-worker run


def test_steady_rate_counts_only_the_busy_stretch_and_shares_of_videos_in_it():
    # 2 workers, videos of 10 s; worker A's first ends at 12 (models), B's at 16. A: 12-22, 22-32;
    # B: 16-26, 26-36. Stretch: 2nd result (16) to the last start (26): 10 s in which each worker
    # does one video's worth of work -> 2 videos / 10 s = 12 /min.
    done = [(12.0, 12.0), (16.0, 16.0), (22.0, 10.0), (26.0, 10.0), (32.0, 10.0), (36.0, 10.0)]
    assert bench_scale.steady_rate(done, 2) == 12.0
    # First results spread: A's at 10, B's at 19 (A's second video is 90 % done by then). The
    # plain window, 2nd result to the last, says 5 videos in 21 s = 14.3 /min; the machine did 12.
    done = [(10.0, 10.0), (19.0, 19.0), (20.0, 10.0), (29.0, 10.0), (30.0, 10.0), (39.0, 10.0), (40.0, 10.0)]
    assert round(5 / (40.0 - 19.0) * 60, 1) == 14.3
    assert bench_scale.steady_rate(done, 2) == 12.0
    assert bench_scale.steady_rate(done[:2], 2) is None  # no warm video
    assert bench_scale.steady_rate([(5.0, 5.0), (6.0, 6.0), (7.0, 1.0)], 2) is None  # last start before the 2nd result
    assert bench_scale.steady_rate([(5.0, 5.0), (9.0, 4.0)], 1) is None  # 1 worker, 2 videos: no stretch at all


def test_per_video_cost_compares_the_same_warm_videos_across_worker_counts():
    one = {"workers": 1, "video_s": [["c", 9.0], ["d", 2.0], ["e", 4.0]]}  # c loaded the models
    two = {"workers": 2, "video_s": [["a", 8.0], ["b", 9.0], ["c", 3.0], ["d", 3.0], ["e", 5.0]]}
    assert bench_scale.per_video_costs([one, two]) == {1: 3.0, 2: 4.0}  # d and e in both
    assert bench_scale.per_video_costs([{"workers": 2, "video_s": [["a", 1.0], ["b", 1.0]]}]) == {2: None}


def test_thread_budget_is_read_from_the_engine_status_line():
    assert bench_scale.thread_budget(["loading models in 4 worker processes (4 threads each)…"]) == 4
    assert bench_scale.thread_budget(["x", "loading models in 16 worker processes (1 thread each)…"]) == 1
    assert bench_scale.thread_budget(["models loaded in 1.0 s"]) is None


def _region_means(path: Path) -> tuple[float, float, float]:
    """First picture of ``path``: mean of its left tenth, right tenth and middle (grey levels)."""
    with av.open(str(path)) as c:
        img = next(c.decode(video=0)).to_ndarray(format="rgb24").mean(axis=2)
    w = img.shape[1]
    return float(img[:, : w // 10].mean()), float(img[:, -w // 10:].mean()), float(img[:, w // 3: 2 * w // 3].mean())


def test_an_offset_and_a_mirror_make_clips_that_differ_from_the_plain_one(tmp_path, monkeypatch):
    # Source: 108x192 (scales by exactly 10 to 1080x1920), 2 s at 10 fps; a white bar on the
    # left, the background's grey level rises with time (40 at 0 s, 120 at 1 s).
    def frame(i: int, t: float) -> np.ndarray:
        img = np.full((192, 108, 3), int(40 + 80 * t), np.uint8)
        img[:, :10] = 255
        return img

    src = write_video(tmp_path / "src.mp4", frame, n_frames=20, fps=10, size=(108, 192), audio=sine(2.0))
    monkeypatch.setattr(bench_pipeline, "BENCH_DIR", tmp_path / "bench")
    plain = bench_real.build_real_clip(src, seconds=0.5, fps=10)
    shifted = bench_real.build_real_clip(src, seconds=0.5, fps=10, offset=1.0, mirror=True)
    assert plain != shifted and plain.name == "src_0s_1080x1920_1slice.mp4"
    assert hashlib.sha256(plain.read_bytes()).digest() != hashlib.sha256(shifted.read_bytes()).digest()
    left, right, mid = _region_means(plain)
    assert left > 200 and right < 90 and 25 < mid < 60  # bar left, background of 0 s
    left, right, mid = _region_means(shifted)
    assert right > 200 and left < 160 and 100 < mid < 140  # bar right (mirrored), background of 1 s
    with av.open(str(shifted)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (1080, 1920)


def test_the_table_prints_a_row_per_count_in_order_from_a_partial_result(capsys):
    runs = [{"workers": 1, "videos": 16, "per_min_steady": 20.0, "per_min_warm": 21.0, "per_min": 18.0, "failed": 0,
             "threads_per_worker": 16},
            {"workers": 16, "videos": 48, "per_min_steady": 240.0, "per_min_warm": 336.0, "per_min": 150.0,
             "failed": 2, "threads_per_worker": 1}]  # stopped before the 4 and 8 runs: they are simply absent
    r = {"machine": {"cpu_model": "Test CPU", "cores": 16, "affinity": list(range(16))},
         "loadavg_before": [0.1, 0.1, 0.1], "loadavg_after": [9.0, 3.0, 1.0], "profile": "fast",
         "clips": {"sources": 10, "variants": [{}] * 48}, "skipped": [], "runs": runs,
         "floor": {"1": {"per_min": 24.0}, "16": {"per_min": 300.0, "slowdown": 1.28}},
         "scaling_steady": bench_scale.scaling(runs), "scaling_warm": bench_scale.scaling(runs, "per_min_warm"),
         "scaling_wall": bench_scale.scaling(runs, "per_min"),
         "s_per_video": {"1": 2.0, "16": 3.0}}
    bench_scale.print_table(r)
    out = capsys.readouterr().out
    lines = [ln.split() for ln in out.splitlines() if ln.strip()[:2] in ("1 ", "16")]
    assert [ln[0] for ln in lines] == ["1", "16"]
    assert lines[1][:9] == ["16", "1", "48", "240.0", "150.0", "12.0", "0.75", "1.0", "0.52"]
    assert lines[1][10] == "1.50" and lines[1][11] == "1.28"  # engine slowdown beside the floor's
    assert "2 of 48 videos failed with 16 worker(s)" in out
