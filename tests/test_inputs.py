"""Manifest (CSV / JSONL) and path scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.errors import ConfigError
from scoring.inputs import collect, read_manifest, scan_paths


def test_csv_manifest_resolves_relative_paths_and_counts(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    m = tmp_path / "m.csv"
    m.write_text("path,creator,views,likes,comments\na.mp4,@jo,\"12,000\",900,\n")
    [ref] = read_manifest(m)
    assert ref.path == str(tmp_path / "a.mp4") and ref.creator == "@jo"
    assert (ref.views, ref.likes, ref.comments, ref.shares) == (12000, 900, None, None)


def test_jsonl_manifest(tmp_path):
    m = tmp_path / "m.jsonl"
    m.write_text(json.dumps({"path": "/v/x.mp4", "views": 10, "saves": 2}) + "\n\n")
    [ref] = read_manifest(m)
    assert ref.path == "/v/x.mp4" and ref.saves == 2


@pytest.mark.parametrize("text, needle", [
    ("creator,views\n@a,3\n", "'path'"),
    ("path,views\na.mp4,lots\n", "column 'views'"),
    ("path,likes\na.mp4,-4\n", "column 'likes'"),
    ("path,colour\na.mp4,red\n", "unknown column 'colour'"),
])
def test_manifest_errors_name_column_and_file(tmp_path, text, needle):
    m = tmp_path / "m.csv"
    m.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_manifest(m)
    assert needle in str(err.value) and str(m) in str(err.value)


def test_scan_folder_finds_videos_only_and_dedupes(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.mp4", "sub/a.MOV", "notes.txt", "c.m4a"):
        (tmp_path / name).write_bytes(b"x")
    found = [r.path for r in scan_paths([str(tmp_path)])]
    assert found == sorted(str(tmp_path / n) for n in ("b.mp4", "c.m4a", "sub/a.MOV"))
    both = collect([str(tmp_path), str(tmp_path / "b.mp4")])
    assert len(both) == 3
    with pytest.raises(ConfigError, match="nope: no such file or folder"):
        collect([str(tmp_path / "nope")])


def test_a_missing_path_among_others_is_kept_to_fail_alone(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    refs = collect([str(tmp_path / "a.mp4"), str(tmp_path / "gone.mp4")])
    assert [Path(r.path).name for r in refs] == ["a.mp4", "gone.mp4"]


def test_a_folder_without_videos_is_named(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a video")
    with pytest.raises(ConfigError) as err:
        collect([str(folder)])
    assert str(folder) in str(err.value) and "no video file" in str(err.value)


def test_a_relative_folder_is_named_with_where_it_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        collect(["."])
    assert f". ({tmp_path.resolve()}): folder holds no video file" in str(err.value)
