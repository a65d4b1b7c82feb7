"""Triage that learns: likely-regression order, clusters of alike changes, what is left.

Headless (no Textual). Layers: ``features`` (pure, per pair), ``learner`` (numpy logistic
regression with a prior), ``simulate`` (a reviewer following the queue, for benchmarks),
``ranking`` (cache, refit and store scores), ``clusters`` and ``estimate``.
"""

from .ranking import likely_regressions, refit_and_store

__all__ = ["likely_regressions", "refit_and_store"]
