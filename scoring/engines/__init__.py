"""Engines run the same per-video function (scoring.pipeline.Worker.process) at scale."""
