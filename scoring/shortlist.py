"""Near-duplicate suppression and a diverse shortlist.

A video with a severe flaw is never shortlisted: its slot stays empty (ranking says so).

Practitioners authorise 3–5 videos from different creators and angles and let
performance pick the winner, so the shortlist (1) drops re-uploads and light re-edits
of a higher-ranked video, (2) caps videos per creator and (3) when scores are close,
prefers a video whose opening differs from those already picked (maximal marginal
relevance: score minus ``diversity_weight`` × similarity to the closest pick).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.bits import unpack_bits

HOOK_DUPLICATE_DISTANCE = 0.12   # mean Hamming fraction of aligned hook-frame dHashes
AUDIO_DUPLICATE_BER = 0.30       # bit error rate of the audio fingerprints
MAX_FRAME_SHIFT = 2              # hook frames (1/8 s each) tried when aligning trims
MAX_AUDIO_SHIFT = 32             # audio fingerprint frames (64 ms each), about ±2 s


def _hashes(hex_text: str | None) -> np.ndarray | None:
    if not hex_text:
        return None
    raw = np.frombuffer(bytes.fromhex(hex_text), np.uint8)
    return np.unpackbits(raw).reshape(-1, 64).astype(bool)


def hook_distance(a: str | None, b: str | None) -> float | None:
    """Smallest mean Hamming fraction (0 same – ~0.5 unrelated) over small frame shifts."""
    ha, hb = _hashes(a), _hashes(b)
    if ha is None or hb is None:
        return None
    best = 1.0
    for shift in range(-MAX_FRAME_SHIFT, MAX_FRAME_SHIFT + 1):
        x, y = (ha[shift:], hb) if shift >= 0 else (ha, hb[-shift:])
        n = min(len(x), len(y))
        if n >= max(1, min(len(ha), len(hb)) - MAX_FRAME_SHIFT):
            best = min(best, float(np.mean(x[:n] != y[:n])))
    return best


def audio_ber(a: str | None, b: str | None, width: int) -> float | None:
    """Smallest bit error rate of two audio fingerprints over shifts of about ±2 s."""
    if not a or not b:
        return None
    fa, fb = unpack_bits(a, width), unpack_bits(b, width)
    best = None
    for shift in range(-MAX_AUDIO_SHIFT, MAX_AUDIO_SHIFT + 1):
        x, y = (fa[shift:], fb) if shift >= 0 else (fa, fb[-shift:])
        n = min(len(x), len(y))
        if n >= 40:
            ber = float(np.mean(x[:n] != y[:n]))
            best = ber if best is None else min(best, ber)
    return best


@dataclass
class Candidate:
    """What the shortlist needs of one scored, ranked video."""

    video_id: str
    rank: int
    score: float | None
    creator: str | None
    features: dict[str, Any]
    eligible: bool  # passes gates and the consider threshold
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)
    severe: bool = False  # a severe flaw: never shortlisted (its slot stays empty)

    @property
    def eligible_but_severe(self) -> bool:
        """Would be shortlisted but for its severe flaw."""
        return self.eligible and self.severe and self.duplicate_of is None


def _similarity(a: Candidate, b: Candidate) -> float:
    """0 (unrelated openings) to 1 (same opening)."""
    d = hook_distance(a.features.get("fingerprint.hook_dhash"), b.features.get("fingerprint.hook_dhash"))
    return 0.0 if d is None else max(0.0, 1.0 - 2.0 * d)


def is_near_duplicate(a: Candidate, b: Candidate) -> str | None:
    """A reason text when ``a`` and ``b`` are the same post re-encoded or lightly re-edited."""
    if a.video_id == b.video_id:
        return "identical file"
    d = hook_distance(a.features.get("fingerprint.hook_dhash"), b.features.get("fingerprint.hook_dhash"))
    if d is None or d > HOOK_DUPLICATE_DISTANCE:
        return None
    width = int(a.features.get("fingerprint.audio_width") or 16)
    ber = audio_ber(a.features.get("fingerprint.audio"), b.features.get("fingerprint.audio"), width)
    if ber is not None and ber > AUDIO_DUPLICATE_BER:
        return None  # same picture, different soundtrack: a different cut
    sound = f", audio fingerprint {100 * (1 - ber):.0f} % alike" if ber is not None else ""
    return f"opening frames {100 * (1 - d):.0f} % alike{sound}"


def mark_duplicates(candidates: list[Candidate]) -> None:
    """Mark each candidate that nearly duplicates a higher-ranked one (list in rank order)."""
    originals: list[Candidate] = []
    for c in candidates:
        for o in originals:
            why = is_near_duplicate(c, o)
            if why:
                c.duplicate_of = o.video_id
                c.notes.append(f"not shortlisted: near-duplicate of #{o.rank} ({why})")
                break
        else:
            originals.append(c)


def select(candidates: list[Candidate], size: int, max_per_creator: int, diversity_weight: float) -> list[str]:
    """Pick up to ``size`` video ids (see module docstring). ``candidates`` in rank order."""
    mark_duplicates(candidates)
    for c in candidates:
        if c.eligible_but_severe:
            c.notes.append("not shortlisted: a severe flaw; a shortlist slot is left empty rather than filled with it")
    pool = [c for c in candidates if c.eligible and not c.severe and c.duplicate_of is None and c.score is not None]
    picked: list[Candidate] = []
    per_creator: dict[str, list[int]] = {}
    while pool and len(picked) < size:
        allowed = []
        for c in pool:
            taken = per_creator.get(c.creator or "", []) if c.creator else []
            if c.creator and len(taken) >= max_per_creator:
                c.notes.append(f"not shortlisted: {c.creator} already has a higher-ranked video (#{taken[0]}); "
                               f"max {max_per_creator} per creator")
                continue
            allowed.append(c)
        pool = allowed
        if not pool:
            break

        def adjusted(c: Candidate) -> float:
            sim = max((_similarity(c, p) for p in picked), default=0.0)
            return (c.score or 0.0) - diversity_weight * sim

        best = max(pool, key=lambda c: (adjusted(c), -c.rank))
        skipped = [c for c in pool if c.rank < best.rank]
        for c in skipped:
            c.notes.append(f"#{best.rank} picked before it for variety: its opening differs more from the videos "
                           f"already shortlisted")
        picked.append(best)
        pool.remove(best)
        if best.creator:
            per_creator.setdefault(best.creator, []).append(best.rank)
    return [c.video_id for c in picked]
