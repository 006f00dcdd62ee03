"""eval reads a labelled folder (the form of ../shared/media/ugc/truth.json): partial cut
lists, hook-text word recall, tuned vs held-out splits. Known answers, no scoring run."""

from __future__ import annotations

import json

from scoring.evaluate import _Tally, load_suite, word_recall


def test_labelled_folder_becomes_a_suite(tmp_path):
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"a.mp4": {"cuts_s": [1.0]}, "b.mov": {"cuts_s_partial": [2.0]}}))
    clips, data = load_suite(path)
    assert [c["path"] for c in clips] == ["a.mp4", "b.mov"]
    assert clips[0]["abs_path"] == str(tmp_path / "a.mp4")


def test_partial_cuts_word_recall_and_stitch():
    t = _Tally()
    t.add("cuts_s_partial", [2.0, 5.0], [1.9, 3.0, 4.0])  # only the sure cuts: recall, extra cuts are fine
    t.add("hook_text", "[cover frame] Custom Kaos / SERING banget", "custom kaos SERING")
    t.add("is_stitch_or_duet", False, False)
    m = t.summary()
    assert m["cuts_s_partial"]["value"] == 0.5 and m["cuts_s_partial"]["n"] == 2
    assert m["hook_text"]["metric"] == "word_recall" and m["hook_text"]["value"] == 0.75
    assert m["is_stitch_or_duet"]["accuracy"] == 1.0
    assert word_recall("BEFORE / AFTER (small line)", "after") == 0.5
