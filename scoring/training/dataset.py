"""Dataset assembly: stored run features (no decoding) joined to labels.

A run folder is what ``sparkscout score --out DIR`` wrote: ``ranking.json`` (paths,
post URLs) plus ``features.parquet`` (or, without it, the ``features`` table of
``results.sqlite``). Labels join to videos by, in order: ``video_id``, ``path`` (full,
then file name), TikTok post id (from a post URL or "Post ID"), ad name (= the file's
name without extension, or containing it). Every label row ends up ``matched``,
``unmatched`` or ``ambiguous`` in the :class:`JoinReport`; nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError
from scoring.training.labels import LabelRow, LabelSet, post_id_of
from scoring.training.targets import bradley_terry, derive_target, goodness


@dataclass
class RunVideo:
    """One scored video from a stored run: identity and its flat features."""

    video_id: str
    path: str
    post_url: str | None
    features: dict[str, Any]
    run: str


def _read_features(run: Path) -> dict[str, dict[str, Any]]:
    parquet, sqlite = run / "features.parquet", run / "results.sqlite"
    if parquet.is_file():
        import pyarrow.parquet as pq

        table = pq.read_table(parquet).to_pylist()
        return {r["video_id"]: {k: v for k, v in r.items() if k not in ("video_id", "path")} for r in table}
    if sqlite.is_file():
        con = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True)
        try:
            out: dict[str, dict[str, Any]] = defaultdict(dict)
            for vid, key, value in con.execute("SELECT video_id, key, value FROM features"):
                out[vid][key] = value
        finally:
            con.close()
        return dict(out)
    raise ConfigError(f"{run}: no features.parquet or results.sqlite (not a 'sparkscout score --out' folder)")


def load_runs(dirs: list[str | Path]) -> tuple[list[RunVideo], list[str]]:
    """Scored videos of every run folder (a video in several runs: the last one wins).

    Returns:
        (videos, notes) where notes say what was merged or skipped.
    """
    by_id: dict[str, RunVideo] = {}
    notes: list[str] = []
    for d in dirs:
        run = Path(d)
        ranking_path = run / "ranking.json"
        if not ranking_path.is_file():
            raise ConfigError(f"{run}: no ranking.json (not a 'sparkscout score --out' folder)")
        try:
            ranking = json.loads(ranking_path.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{ranking_path}: invalid JSON: {exc}") from None
        feats = _read_features(run)
        for v in ranking.get("videos", []):
            vid = v.get("video_id")
            if v.get("status") != "ok" or not vid:
                notes.append(f"{run}: {v.get('path')} skipped (status {v.get('status')})")
                continue
            if vid not in feats:
                notes.append(f"{run}: {v.get('path')} has no stored features; skipped")
                continue
            if vid in by_id:
                notes.append(f"{v.get('path')}: also in {by_id[vid].run}; using {run}")
            by_id[vid] = RunVideo(vid, v.get("path") or "", v.get("post_url"), feats[vid], str(run))
    return sorted(by_id.values(), key=lambda r: r.video_id), notes


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Matcher:
    """Finds the videos a label identifier refers to."""

    def __init__(self, videos: list[RunVideo]) -> None:
        self.videos = videos
        self.by_id = {v.video_id: v for v in videos}
        self.by_path: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_post: dict[str, list[str]] = defaultdict(list)
        self.stems: dict[str, list[str]] = defaultdict(list)
        for v in videos:
            self.by_path[str(Path(v.path).resolve()) if v.path else ""].append(v.video_id)
            self.by_name[Path(v.path).name].append(v.video_id)
            self.stems[_norm(Path(v.path).stem)].append(v.video_id)
            pid = post_id_of(v.post_url)
            if pid:
                self.by_post[pid].append(v.video_id)

    def find(self, ids: dict[str, str]) -> tuple[list[str], str | None]:
        """Candidate video ids and the key that found them (first key with any match)."""
        if ids.get("video_id"):
            vid = ids["video_id"] if ids["video_id"].startswith("sha256:") else "sha256:" + ids["video_id"]
            if vid in self.by_id:
                return [vid], "video_id"
        if ids.get("path"):
            hits = self.by_path.get(str(Path(ids["path"]).resolve())) or self.by_name.get(Path(ids["path"]).name)
            if hits:
                return sorted(set(hits)), "path"
        for key in ("post_id", "post_url"):
            pid = post_id_of(ids.get(key))
            if pid and self.by_post.get(pid):
                return sorted(set(self.by_post[pid])), "post_id"
        if ids.get("ad_name"):
            name = _norm(ids["ad_name"])
            if self.stems.get(name):
                return sorted(set(self.stems[name])), "ad_name"
            padded = f" {name} "
            hits = [vid for stem, vids in self.stems.items() if stem and f" {stem} " in padded for vid in vids]
            if hits:
                return sorted(set(hits)), "ad_name"
        return [], None

    def find_one(self, text: str) -> tuple[list[str], str | None]:
        """A bare identifier (pairs files): try it as every kind of id."""
        return self.find({"video_id": text, "path": text, "post_id": text, "ad_name": text})


@dataclass
class JoinReport:
    """What happened to every label row. ``matched`` maps row line -> (video_id, key)."""

    source: str
    matched: dict[int, tuple[str, str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    no_target: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        by_key: dict[str, int] = defaultdict(int)
        for _, key in self.matched.values():
            by_key[key] += 1
        keys = ", ".join(f"{n} by {k}" for k, n in sorted(by_key.items()))
        lines = [f"labels {self.source}: {len(self.matched)} matched ({keys or 'none'}), "
                 f"{len(self.unmatched)} unmatched, {len(self.ambiguous)} ambiguous"]
        for title, items in (("unmatched", self.unmatched), ("ambiguous", self.ambiguous),
                             ("merged", self.merged), ("no target value", self.no_target), ("note", self.notes)):
            for item in items[:20]:
                lines.append(f"  {title}: {item}")
            if len(items) > 20:
                lines.append(f"  … {len(items) - 20} more {title}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "matched": len(self.matched), "unmatched": self.unmatched,
                "ambiguous": self.ambiguous, "merged": self.merged, "no_target": self.no_target}


@dataclass
class Dataset:
    """Videos with a training target (goodness: higher is better) and the join report.

    Attributes:
        videos: labelled videos, sorted by video_id.
        y: goodness per video (same order), a float.
        target: target name; ``higher_is_better`` False for CPA (``y`` is then -CPA).
        pairs: ``(better_index, worse_index)`` when the labels were pairwise picks.
    """

    videos: list[RunVideo]
    y: list[float]
    target: str
    higher_is_better: bool
    report: JoinReport
    pairs: list[tuple[int, int]] = field(default_factory=list)


def _merge_rows(rows: list[LabelRow], kind: str) -> LabelRow:
    """Several ads running the same post: counts add up; ratings average."""
    keys = {k for r in rows for k in r.values}
    values: dict[str, float | None] = {}
    for k in keys:
        vals = [r.values[k] for r in rows if r.values.get(k) is not None]
        if not vals:
            values[k] = None
        elif kind == "ads_manager" and k not in ("ctr_reported", "cpa_reported", "avg_play_s", "avg_play_user_s"):
            values[k] = float(sum(vals))
        else:
            values[k] = float(sum(vals) / len(vals))
    return LabelRow(rows[0].line, dict(rows[0].ids), values)


def build_dataset(labels: LabelSet, videos: list[RunVideo], target: str | None) -> Dataset:
    """Join labels to videos and compute the target per matched video.

    Raises:
        ConfigError: nothing matched (the message lists a few unmatched rows).
    """
    matcher = Matcher(videos)
    report = JoinReport(labels.source)
    report.notes.extend(labels.skipped)
    index = {v.video_id: i for i, v in enumerate(videos)}
    if labels.kind == "pairs":
        pairs: list[tuple[str, str]] = []
        for better, worse, line in labels.pairs:
            ends = []
            for text in (better, worse):
                hits, key = matcher.find_one(text)
                if len(hits) == 1:
                    ends.append(hits[0])
                elif hits:
                    report.ambiguous.append(f"row {line}: {text!r} matches {len(hits)} videos")
                else:
                    report.unmatched.append(f"row {line}: {text!r}")
            if len(ends) == 2:
                report.matched[line] = (ends[0], "pair")
                pairs.append((ends[0], ends[1]))
        if not pairs:
            raise ConfigError(f"{labels.source}: no pair matched a scored video\n{report.summary()}")
        strength = bradley_terry(pairs)
        kept = [v for v in videos if v.video_id in strength]
        pos = {v.video_id: i for i, v in enumerate(kept)}
        return Dataset(kept, [strength[v.video_id] for v in kept], target or "preference", True, report,
                       [(pos[b], pos[w]) for b, w in pairs])
    groups: dict[str, list[LabelRow]] = defaultdict(list)
    for row in labels.rows:
        hits, key = matcher.find(row.ids)
        label = ", ".join(f"{k}={v}" for k, v in row.ids.items())
        if not hits:
            report.unmatched.append(f"row {row.line}: {label}")
        elif len(hits) > 1:
            names = ", ".join(Path(matcher.by_id[h].path).name for h in hits[:4])
            report.ambiguous.append(f"row {row.line}: {label} matches {len(hits)} videos ({names})")
        else:
            report.matched[row.line] = (hits[0], key or "?")
            groups[hits[0]].append(row)
    if not groups:
        raise ConfigError(f"{labels.source}: no label row matched a scored video\n{report.summary()}")
    merged_rows = []
    order = sorted(groups, key=lambda vid: index[vid])
    for vid in order:
        rows = groups[vid]
        if len(rows) > 1:
            report.merged.append(f"rows {', '.join(str(r.line) for r in rows)} are the same video "
                                 f"({Path(matcher.by_id[vid].path).name}): combined")
        merged_rows.append(_merge_rows(rows, labels.kind))
    merged = LabelSet(labels.source, labels.kind, merged_rows)
    if target is None:
        cols = merged.numeric_columns()
        if labels.kind != "ratings" or len(cols) != 1:
            raise ConfigError(f"{labels.source}: say which target to fit with --target "
                              f"(derived: ctr, view_rate_2s, view_rate_6s, completion_rate, cpa; columns: {', '.join(cols)})")
        target = cols[0]
    tv = derive_target(merged, target)
    kept, y = [], []
    for vid, row, value in zip(order, merged_rows, tv.values):
        if value is None:
            report.no_target.append(f"row {row.line}: {Path(matcher.by_id[vid].path).name} lacks the inputs of {target}")
            continue
        kept.append(matcher.by_id[vid])
        y.append(goodness(value, tv.higher_is_better))
    if tv.shrunk_rows:
        report.notes.append(f"{tv.shrunk_rows} videos had little data for {target}: shrunk toward the pooled "
                            f"value {tv.pooled:.4g}")
    return Dataset(kept, y, target, tv.higher_is_better, report)
