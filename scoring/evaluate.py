"""``sparkscout eval``: accuracy of the evidence against ground truth in a suite file.

Suite format (DESIGN.md): ``{"clips": [{"path": "a.mp4", "speech_onset_s": 0.33,
"face_in_hook": true, "cuts_s": [1.0, 6.0], "transcript": "...",
"quality_group": "blur", "quality_level": 2}]}``. Paths resolve against the suite's folder.
Any evidence key may carry truth; keys that are not evidence keys are ignored.
Optional ``quality_score`` (per clip or top level) names the sub-score checked inside a
quality group (default: ``audio_clarity`` for groups named ``audio*``, else ``visual_clarity``).

A labelled folder is read too: ``{"a.mp4": {truth...}, "b.mp4": {...}}`` (the form of
``../shared/media/ugc/truth.json``). There ``cuts_s_partial`` (only the sure cuts of a
clip) is scored as recall of those cuts, ``hook_text`` as the share of the truth's words
found, and ``is_stitch_or_duet`` against a ``stitch`` event (format analyzer). ``tuned`` (a set
of clip paths) splits every metric into clips a rule was tuned on and held-out clips.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from scoring.contract import EVIDENCE_KEYS
from scoring.errors import ConfigError

CUT_TOLERANCE_S = 0.25
MENTION_TOLERANCE_S = 0.5


def cut_f1(truth: list[float], found: list[float], tol: float = CUT_TOLERANCE_S) -> tuple[int, int, int]:
    """Greedy one-to-one matching of times within ``tol`` s: (true positives, n_found, n_truth)."""
    unused = sorted(found)
    tp = 0
    for t in sorted(truth):
        best = min(unused, key=lambda f: abs(f - t), default=None)
        if best is not None and abs(best - t) <= tol:
            tp += 1
            unused.remove(best)
    return tp, len(found), len(truth)


EXTRA_KEYS = ("cuts_s_partial", "is_stitch_or_duet")


def word_recall(truth: str, found: str | None) -> float:
    """Share of the truth's words (any script, lower case; bracketed notes left out) that
    appear among the found text's words (0-1)."""
    def words(text: str) -> list[str]:
        return re.sub(r"[^\w' ]+", " ", re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text.lower())).split()

    want, have = words(truth), set(words(found or ""))
    return sum(w in have for w in want) / len(want) if want else 1.0


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words): Levenshtein distance over normalised words (rapidfuzz,
    on word sequences: each word is one token)."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = _words(reference), _words(hypothesis or "")
    return Levenshtein.distance(ref, hyp), len(ref)


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman rank correlation; None when undefined (fewer than 3 points or constant)."""
    from scipy.stats import spearmanr

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return round(float(spearmanr(x, y).statistic), 4)


class _Tally:
    """Accumulates per-key metrics across clips."""

    def __init__(self) -> None:
        self.abs_err: dict[str, list[float]] = defaultdict(list)
        self.correct: dict[str, list[bool]] = defaultdict(list)
        self.cuts = [0, 0, 0]
        self.partial = [0, 0]
        self.recall: dict[str, list[float]] = defaultdict(list)
        self.wer = [0, 0]
        self.mentions: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, key: str, truth: Any, found: Any) -> dict[str, Any]:
        if key == "cuts_s":
            tp, nf, nt = cut_f1(list(truth), list(found or []))
            self.cuts = [self.cuts[0] + tp, self.cuts[1] + nf, self.cuts[2] + nt]
            return {"tp": tp, "found": nf, "truth": nt}
        if key == "cuts_s_partial":
            tp, _, nt = cut_f1(list(truth), list(found or []))
            self.partial = [self.partial[0] + tp, self.partial[1] + nt]
            return {"tp": tp, "truth": nt}
        if key == "hook_text" and isinstance(truth, str):
            r = word_recall(truth, found)
            self.recall[key].append(r)
            return {"word_recall": round(r, 4)}
        if key == "transcript":
            if truth is None:
                ok = not found
                self.correct[key].append(ok)
                return {"correct": ok}
            edits, n = word_errors(truth, found or "")
            self.wer = [self.wer[0] + edits, self.wer[1] + n]
            return {"wer": round(edits / max(n, 1), 4)}
        if isinstance(truth, list):  # mentions / cta: recall of true times within tolerance
            times = [m["t"] for m in (found or []) if isinstance(m, dict) and m.get("t") is not None]
            hit = sum(any(abs(t - m["t"]) <= MENTION_TOLERANCE_S for t in times) for m in truth)
            self.mentions[key][0] += hit
            self.mentions[key][1] += len(truth)
            return {"found": hit, "truth": len(truth)}
        if isinstance(truth, bool) or truth is None:
            ok = (found is None) if truth is None else (bool(found) == truth and found is not None)
            self.correct[key].append(ok)
            return {"correct": ok}
        if isinstance(truth, (int, float)):
            if found is None:
                self.correct[key].append(False)
                return {"correct": False, "missing": True}
            err = abs(float(found) - float(truth))
            self.abs_err[key].append(err)
            return {"abs_error": round(err, 4)}
        if isinstance(truth, str):
            ok = isinstance(found, str) and truth.lower() in found.lower()
            self.correct[key].append(ok)
            return {"correct": ok}
        return {}

    def summary(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key, errs in self.abs_err.items():
            out[key] = {"metric": "mean_abs_error", "value": round(float(np.mean(errs)), 4),
                        "max": round(float(np.max(errs)), 4), "n": len(errs)}
        for key, oks in self.correct.items():
            entry = out.setdefault(key, {})
            entry.update({"accuracy": round(sum(oks) / len(oks), 4), "n_checked": len(oks)})
            entry.setdefault("metric", "accuracy")
            entry.setdefault("value", entry["accuracy"])
        tp, nf, nt = self.cuts
        if nt or nf:
            p = tp / nf if nf else 1.0
            r = tp / nt if nt else 1.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            out["cuts_s"] = {"metric": f"f1@{CUT_TOLERANCE_S}s", "value": round(f1, 4), "precision": round(p, 4),
                             "recall": round(r, 4), "n": nt}
        if self.partial[1]:
            out["cuts_s_partial"] = {"metric": f"recall@{CUT_TOLERANCE_S}s", "value": round(self.partial[0] / self.partial[1], 4),
                                     "n": self.partial[1]}
        for key, values in self.recall.items():
            out[key] = {"metric": "word_recall", "value": round(float(np.mean(values)), 4), "n": len(values)}
        if self.wer[1]:
            out["transcript"] = {"metric": "wer", "value": round(self.wer[0] / self.wer[1], 4), "n": self.wer[1]}
        for key, (hit, n) in self.mentions.items():
            out[key] = {"metric": f"recall@{MENTION_TOLERANCE_S}s", "value": round(hit / n, 4) if n else None, "n": n}
        return out


def load_suite(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Clips with absolute paths, and the suite's top-level settings."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: suite not found") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if isinstance(data, dict) and "clips" not in data and data and all(isinstance(v, dict) for v in data.values()):
        data = {"clips": [{"path": name, **truth} for name, truth in data.items()]}  # a labelled folder
    clips = data.get("clips") if isinstance(data, dict) else None
    if not isinstance(clips, list) or not clips:
        raise ConfigError(f"{path}: expected {{\"clips\": [...]}} with at least one clip")
    for i, clip in enumerate(clips):
        if not isinstance(clip, dict) or not isinstance(clip.get("path"), str):
            raise ConfigError(f"{path}: clips[{i}] needs a 'path'")
        p = Path(clip["path"])
        clip["abs_path"] = str(p if p.is_absolute() else path.resolve().parent / p)
    return clips, data


def evaluate(suite: str | Path, *, out: str | Path | None = None, campaign: Any = None, workers: int | None = None,
             cache_dir: Any = None, tuned: set[str] | None = None) -> dict[str, Any]:
    """Score every clip of ``suite`` and compare its evidence with the truth given.

    ``tuned``: clip paths (as written in the suite, or their file names) that rules were
    tuned on; the result then also has ``splits``: the metrics of those clips and of the
    others (``held_out``).

    Returns ``{"metrics": {key: {...}}, "quality": {group: {...}}, "clips": [...]}``.
    """
    from scoring.api import score

    clips, data = load_suite(suite)
    if campaign is None and isinstance(data.get("campaign"), str):  # named in the suite: relative to it
        campaign = str(Path(suite).resolve().parent / data["campaign"])
    ranking = score([c["abs_path"] for c in clips], campaign=campaign, workers=workers, cache_dir=cache_dir)
    by_path = {str(Path(v.path).resolve()): v for v in ranking.videos}
    tally = _Tally()
    split_tally = {"tuned": _Tally(), "held_out": _Tally()}
    groups: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    per_clip = []
    for clip in clips:
        video = by_path.get(str(Path(clip["abs_path"]).resolve()))
        entry: dict[str, Any] = {"path": clip["path"], "status": video.status if video else "missing"}
        if video is None or video.status != "ok":
            entry["error"] = video.error if video else None
            per_clip.append(entry)
            continue
        checks = {}
        found_of = {**video.evidence, "cuts_s_partial": video.evidence.get("cuts_s"),
                    "is_stitch_or_duet": any(e.get("kind") == "stitch" for e in video.events)}
        split = None
        if tuned is not None:
            split = "tuned" if clip["path"] in tuned or Path(clip["path"]).name in tuned else "held_out"
            entry["split"] = split
        for key in (*EVIDENCE_KEYS, *EXTRA_KEYS):
            if key in clip:
                found = found_of.get(key)
                checks[key] = {"truth": clip[key], "found": found, **tally.add(key, clip[key], found)}
                if split is not None:
                    split_tally[split].add(key, clip[key], found)
        entry["checks"] = checks
        if "quality_group" in clip:
            group = str(clip["quality_group"])
            which = clip.get("quality_score") or data.get("quality_score") or (
                "audio_clarity" if group.startswith("audio") else "visual_clarity")
            value = video.subscores.get(which)
            groups[f"{group}:{which}"].append((float(clip.get("quality_level", 0)), value))
            entry["quality"] = {"group": group, "level": clip.get("quality_level"), which: value}
        per_clip.append(entry)
    quality = {}
    for name, pairs in sorted(groups.items()):
        levels = [lv for lv, v in pairs if v is not None]
        values = [v for _, v in pairs if v is not None]
        quality[name] = {"spearman": spearman(levels, values), "n": len(values),
                         "scores_by_level": [[lv, v] for lv, v in sorted(pairs)]}
    result = {"suite": str(suite), "metrics": tally.summary(), "quality": quality, "clips": per_clip,
              "failed": [c for c in per_clip if c["status"] != "ok"]}
    if tuned is not None:
        result["splits"] = {name: t.summary() for name, t in split_tally.items()}
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def format_result(result: dict[str, Any]) -> str:
    """A plain-text table of the metrics and quality groups."""
    width = max([30, *(len(k) + 1 for k in result["metrics"]), *(len(k) + 1 for k in result["quality"])])
    lines = [f"suite: {result['suite']}", f"{'key':<{width}} {'metric':<18} {'value':>8}  n"]
    for key, m in sorted(result["metrics"].items()):
        value = "—" if m.get("value") is None else f"{m['value']:.3f}"
        lines.append(f"{key:<{width}} {m.get('metric', ''):<18} {value:>8}  {m.get('n', m.get('n_checked', ''))}")
    if result["quality"]:
        lines.append(f"{'quality group':<{width}} {'spearman(score,lvl)':<18} {'':>8}  scores by level")
        for name, q in result["quality"].items():
            rho = "—" if q["spearman"] is None else f"{q['spearman']:.3f}"
            scores = ", ".join(f"{lv:g}:{'—' if v is None else f'{v:.0f}'}" for lv, v in q["scores_by_level"])
            lines.append(f"{name:<{width}} {'':<18} {rho:>8}  {scores}")
    for split, metrics in result.get("splits", {}).items():
        lines.append(f"-- {split} clips --")
        for key, m in sorted(metrics.items()):
            value = "—" if m.get("value") is None else f"{m['value']:.3f}"
            lines.append(f"{key:<{width}} {m.get('metric', ''):<18} {value:>8}  {m.get('n', m.get('n_checked', ''))}")
    for c in result["failed"]:
        lines.append(f"FAILED {c['path']}: {c.get('error')}")
    return "\n".join(lines)
