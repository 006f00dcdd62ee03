"""Shortlist: per-creator cap with a reason, near-duplicates suppressed, variety preferred."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from scoring.analyzers.fingerprint import audio_bits, dhash, pack_bits
from scoring.api import score
from scoring.shortlist import Candidate, audio_ber, hook_distance, select

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "videos"


def _reencode(src: Path, dst: Path, size=(540, 960), crf="34") -> Path:
    """A lower-quality, resized copy with its audio re-encoded: a typical re-upload."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vs = out.add_stream("libx264", rate=24)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"crf": crf, "preset": "veryfast"}
        aus = out.add_stream("aac", rate=44100, layout="mono")
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100)
        for frame in inp.decode(video=0):
            img = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        inp.seek(0)
        for frame in inp.decode(audio=0):
            frame.pts = None
            for rf in resampler.resample(frame):
                for p in aus.encode(rf):
                    out.mux(p)
        for p in aus.encode():
            out.mux(p)
    return dst


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("shortlist")
    _reencode(FIXTURES / "clean.mp4", d / "reupload.mp4")
    manifest = d / "m.csv"
    rows = [("clean.mp4", "@ana"), ("cuts.mp4", "@ana"), ("speech_late.mp4", "@ben"), ("face_late.mp4", "@cy")]
    manifest.write_text("path,creator\n" + "".join(f"{FIXTURES / p},{c}\n" for p, c in rows)
                        + f"{d / 'reupload.mp4'},@dee\n")
    out = d / "out"
    ranking = score(manifest=str(manifest), campaign=str(FIXTURES.parent.parent / "pipelines" / "demo.toml"),
                    out=str(out), workers=2, cache_dir=False)
    return ranking, out


def test_one_video_per_creator_with_reason(batch):
    ranking, _ = batch
    ana = [v for v in ranking.videos if v.creator == "@ana"]
    assert len(ana) == 2 and sum(v.shortlisted for v in ana) == 1
    left_out = next(v for v in ana if not v.shortlisted)
    # cuts.mp4 is heavily blurred (a severe flaw: never shortlisted, said first), else the creator cap says why
    assert any("@ana already has a higher-ranked video" in r["text"] or "severe flaw" in r["text"]
               for r in left_out.reasons if r["kind"] == "shortlist")


def test_reencoded_copy_is_flagged_not_shortlisted_twice(batch):
    ranking, out = batch
    by_name = {Path(v.path).name: v for v in ranking.videos}
    copy, clean = by_name["reupload.mp4"], by_name["clean.mp4"]
    assert copy.video_id != clean.video_id
    doc = json.loads((out / "ranking.json").read_text())
    entry = next(v for v in doc["videos"] if v["path"].endswith("reupload.mp4"))
    assert entry["duplicate_of"] == clean.video_id
    assert not (copy.shortlisted and clean.shortlisted)
    assert any("near-duplicate of #" in r["text"] for r in copy.reasons)
    assert copy.recommendation == "skip"


def test_skipped_near_duplicate_is_held_under_consider(batch):
    """A skipped copy does not keep a shortlistable score: it is held under the consider
    threshold like other holds, says whose copy it is, and score order is rank order."""
    from scoring.campaign import load_campaign

    _, out = batch
    doc = json.loads((out / "ranking.json").read_text())
    consider = load_campaign(str(FIXTURES.parent.parent / "pipelines" / "demo.toml")).consider_min_score
    entry = next(v for v in doc["videos"] if v["path"].endswith("reupload.mp4"))
    assert entry["score"] < consider
    assert entry["held_by"]["kind"] == "duplicate" and "clean.mp4" in entry["held_by"]["text"]
    ranked = [v for v in doc["videos"] if v["rank"] is not None]
    assert [v["score"] for v in ranked] == sorted((v["score"] for v in ranked), reverse=True)


def test_unrelated_clips_are_not_duplicates(batch):
    ranking, out = batch
    doc = json.loads((out / "ranking.json").read_text())
    flagged = [Path(v["path"]).name for v in doc["videos"] if v.get("duplicate_of")]
    assert flagged == ["reupload.mp4"]


def test_fingerprint_distances_known_answers():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (64, 36, 3), np.uint8)
    b = rng.integers(0, 255, (64, 36, 3), np.uint8)
    ha, hb = f"{dhash(a):016x}" * 4, f"{dhash(b):016x}" * 4
    assert hook_distance(ha, ha) == 0.0
    assert 0.3 < hook_distance(ha, hb) < 0.7
    t = np.arange(16000 * 6) / 16000
    tone = (np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 1.3 * t)) + rng.normal(0, 0.3, t.size)) * 0.2
    other = rng.normal(0, 0.2, t.size)
    fa, fb = audio_bits(tone, 16000), audio_bits(other, 16000)
    assert audio_ber(pack_bits(fa), pack_bits(fa), fa.shape[1]) == 0.0
    assert audio_ber(pack_bits(fa), pack_bits(fb), fa.shape[1]) > 0.3
    assert audio_bits(np.zeros(16000 * 5), 16000) is None  # silence has no fingerprint


def test_variety_wins_when_scores_are_close():
    base = 0xFF00FF00FF00FF00
    similar_hash = base ^ ((1 << 13) - 1)  # 13 of 64 bits differ: similar, not a duplicate
    same = {"fingerprint.hook_dhash": f"{base:016x}" * 4}
    similar = {"fingerprint.hook_dhash": f"{similar_hash:016x}" * 4}
    different = {"fingerprint.hook_dhash": f"{base ^ 0x0F0F0F0F33333333:016x}" * 4}
    assert hook_distance(same["fingerprint.hook_dhash"], similar["fingerprint.hook_dhash"]) == 13 / 64

    def cands():
        return [Candidate("a", 1, 80.0, "@a", same, True), Candidate("b", 2, 79.0, "@b", similar, True),
                Candidate("c", 3, 77.5, "@c", different, True)]

    # similarity of b to a = 1 - 2 * 13/64 ~ 0.59: 5 points x 0.59 = 2.97 > the 1.5-point gap
    varied = cands()
    assert select(varied, size=2, max_per_creator=1, diversity_weight=5.0) == ["a", "c"]
    assert varied[1].duplicate_of is None
    assert any("#3 picked before it for variety" in n for n in varied[1].notes)
    assert select(cands(), size=2, max_per_creator=1, diversity_weight=0.0) == ["a", "b"]
