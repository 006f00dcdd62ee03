"""SparkScout: score short creator videos as candidate Spark Ads and rank them."""

__version__ = "0.1.0"


def score(*args, **kwargs):  # noqa: D401  (thin lazy wrapper keeps `import scoring` cheap)
    """Score and rank videos; see :func:`scoring.api.score`."""
    from scoring.api import score as _score

    return _score(*args, **kwargs)


__all__ = ["__version__", "score"]
