"""Result types every layer shares: a leaf module (no analyzers, no media, no models).

Engines produce :class:`VideoResult`; ranking, the store and the report read it. It
round-trips through plain JSON (:meth:`VideoResult.to_dict` / :meth:`VideoResult.from_dict`)
so a run store can keep each finished video and a resumed run can read it back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from scoring.contract import empty_evidence
from scoring.inputs import VideoRef


@dataclass
class VideoResult:
    """One video's outcome, before batch-level ranking."""

    ref: VideoRef
    status: str
    video_id: str | None = None
    error: dict[str, str] | None = None
    info: dict[str, Any] | None = None
    features: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=empty_evidence)
    events: list[dict[str, Any]] = field(default_factory=list)
    subscores: dict[str, float | None] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    judgment: dict[str, dict[str, Any]] = field(default_factory=dict)  # per sub-score: coverage, not_measured, caps
    models: dict[str, str] = field(default_factory=dict)
    made_by: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    media: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (the ref as a dict of its fields)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["ref"] = dataclasses.asdict(self.ref)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoResult:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["ref"] = VideoRef(**data["ref"])
        return cls(**kwargs)


def failed_result(ref: VideoRef, code: str, message: str, video_id: str | None = None,
                  seconds: float = 0.0) -> VideoResult:
    """A failed VideoResult whose message names the file (engines use it for crashes and time-outs)."""
    if ref.path not in message:
        message = f"{ref.path}: {message}"
    return VideoResult(ref=ref, status="failed", video_id=video_id, error={"code": code, "message": message},
                       seconds=seconds)
