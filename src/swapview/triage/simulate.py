"""A simulated reviewer who follows the likely-regression queue and tags by known labels.

Used by ``bench/triage.py`` and the tests. The protocol (documented in docs/benchmarks.md):
the reviewer always takes the top unreviewed pair of the current queue; the queue starts in
the prior's order; the model is refit from all tags so far every ``refit_every`` tags and
the queue re-sorted. Recall at 20% = regressions among the first ceil(0.2 N) pairs reviewed,
over all regressions; "after 50 tags" = regressions among the first 50 pairs reviewed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .learner import fit_auto, fit_scaler, prior_model

REFIT_EVERY = 5


@dataclass(frozen=True, slots=True)
class SimResult:
    order: np.ndarray  # pair indices in the order the reviewer reviewed them
    recall_at_share: float
    recall_at_tags: float


def budget(n: int, share: float = 0.2) -> int:
    return max(1, math.ceil(share * n))


def simulate_learned(
    X: np.ndarray,
    y: np.ndarray,
    *,
    share: float = 0.2,
    tags: int = 50,
    refit_every: int = REFIT_EVERY,
    seed: int = 0,
    explore_every: int = 0,
) -> SimResult:
    """Follow the learned queue until ``share`` of the pairs are reviewed."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    Z = fit_scaler(X).transform(X)
    # A tiny random jitter breaks exact ties (identical prior scores) without bias.
    rng = np.random.default_rng(seed)
    jitter = rng.random(n) * 1e-9
    limit = max(budget(n, share), min(tags, n))
    reviewed = np.zeros(n, dtype=bool)
    order: list[int] = []
    model = prior_model()
    while len(order) < limit:  # (an exploring pick may leave a batch short: loop on)
        scores = model.score(Z) + jitter
        scores[reviewed] = -np.inf
        step = min(refit_every, limit - len(order))
        top = np.argpartition(-scores, step - 1)[:step]
        for i in top[np.argsort(-scores[top])]:
            if explore_every and (len(order) + 1) % explore_every == 0:
                i = rng.choice(np.flatnonzero(~reviewed))
            elif reviewed[i]:
                continue
            order.append(int(i))
            reviewed[i] = True
        idx = np.asarray(order)
        model = fit_auto(Z[idx], y[idx])
    found = np.asarray(order)
    return SimResult(
        found,
        _recall(y, found[: budget(n, share)]),
        _recall(y, found[: min(tags, n)]),
    )


def _recall(y: np.ndarray, taken: np.ndarray) -> float:
    total = y.sum()
    return float(y[taken].sum() / total) if total else math.nan


def expected_recall(scores: np.ndarray, y: np.ndarray, k: int) -> float:
    """Recall in the top k of a static order, averaged over random tie-breaking.

    NaN scores go last. Exact: the tie group straddling position k counts pro rata.
    """
    y = np.asarray(y, dtype=np.float64)
    total = y.sum()
    if not total:
        return math.nan
    s = np.where(np.isnan(scores), -np.inf, scores)
    values, inverse = np.unique(-s, return_inverse=True)  # ascending -s = descending s
    counts = np.bincount(inverse, minlength=len(values))
    hits = np.bincount(inverse, weights=y, minlength=len(values))
    taken, found = 0, 0.0
    for c, h in zip(counts, hits, strict=True):
        if taken + c <= k:
            taken += c
            found += h
        else:
            found += h * (k - taken) / c
            break
    return float(found / total)
