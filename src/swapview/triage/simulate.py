"""A simulated reviewer who follows the likely-regression queue and tags by known labels.

Used by ``bench/triage.py`` and the tests. The protocol (documented in docs/benchmarks.md):
the reviewer always takes the top unreviewed pair of the current queue; the queue starts in
the prior's order; the model is refit from all tags so far every ``refit_every`` tags and
the queue re-sorted. Recall at 20% = regressions among the first ceil(0.2 N) pairs reviewed,
over all regressions; "after 50 tags" = regressions among the first 50 pairs reviewed.

At each of ``CHECKPOINTS`` tags it also scores what the reviewer would be shown at that
moment, on the pairs not yet tagged, against their labels: the log loss and expected
calibration error of the shown chance (as ``chance_percent`` rounds it), the AUC of the
order, and the largest log-odds any pair gets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .learner import Model, chance_percent, fit_scaler, fit_tags, prior_model

REFIT_EVERY = 5
CHECKPOINTS = (10, 25, 50, 100)
ECE_BINS = 10

# (all pairs' scaled features, tagged rows in tagging order, their labels) -> shown model
Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray], Model]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What the reviewer is shown after ``tags`` tags, scored on the untagged pairs."""

    tags: int
    log_loss: float  # mean, natural log, of the shown chance
    ece: float  # expected calibration error of the shown chance, ECE_BINS equal-count bins
    auc: float  # NaN when the untagged pairs hold one class only
    max_abs_log_odds: float
    mean_chance: float
    rate: float  # the true share of regressions among the untagged pairs


@dataclass(frozen=True, slots=True)
class SimResult:
    order: np.ndarray  # pair indices in the order the reviewer reviewed them
    recall_at_share: float
    recall_at_tags: float
    checkpoints: tuple[Checkpoint, ...] = ()


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
    fitter: Fitter = fit_tags,
    checkpoints: tuple[int, ...] = CHECKPOINTS,
) -> SimResult:
    """Follow the learned queue until ``share`` of the pairs are reviewed (and on to the
    last checkpoint the file has room for)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    Z = fit_scaler(X).transform(X)
    # A tiny random jitter breaks exact ties (identical prior scores) without bias.
    rng = np.random.default_rng(seed)
    jitter = rng.random(n) * 1e-9
    wanted = sorted(c for c in checkpoints if c < n)
    limit = max(budget(n, share), min(tags, n), *wanted)
    reviewed = np.zeros(n, dtype=bool)
    order: list[int] = []
    model = prior_model()
    seen: list[Checkpoint] = []
    while len(order) < limit:  # (an exploring pick may leave a batch short: loop on)
        scores = model.score(Z) + jitter
        scores[reviewed] = -np.inf
        stop = next((c for c in wanted if c > len(order)), limit)
        step = min(refit_every, stop - len(order))
        top = np.argpartition(-scores, step - 1)[:step]
        for i in top[np.argsort(-scores[top])]:
            if explore_every and (len(order) + 1) % explore_every == 0:
                i = rng.choice(np.flatnonzero(~reviewed))
            elif reviewed[i]:
                continue
            order.append(int(i))
            reviewed[i] = True
        idx = np.asarray(order)
        model = fitter(Z, idx, y[idx])
        while wanted and len(order) >= wanted[0]:
            seen.append(checkpoint(model.score(Z), y, reviewed))
            wanted.pop(0)
    found = np.asarray(order)
    return SimResult(
        found,
        _recall(y, found[: budget(n, share)]),
        _recall(y, found[: min(tags, n)]),
        tuple(seen),
    )


def checkpoint(scores: np.ndarray, y: np.ndarray, reviewed: np.ndarray) -> Checkpoint:
    """Calibration and ranking of log-odds ``scores`` on the rows not yet ``reviewed``."""
    rest, truth = scores[~reviewed], y[~reviewed]
    shown = np.array([chance_percent(float(s)) for s in rest]) / 100.0
    return Checkpoint(
        int(reviewed.sum()),
        log_loss(shown, truth),
        calibration_error(shown, truth),
        auc(rest, truth),
        float(np.abs(rest).max()) if len(rest) else 0.0,
        float(shown.mean()) if len(rest) else math.nan,
        float(truth.mean()) if len(rest) else math.nan,
    )


def log_loss(chance: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of labels ``y`` under chances in (0, 1)."""
    return float(-np.mean(np.where(y > 0, np.log(chance), np.log1p(-chance))))


def calibration_error(chance: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: |mean chance - share of regressions| per bin of equal
    count (sorted by chance), weighted by bin size."""
    order = np.argsort(chance, kind="stable")
    total = 0.0
    for part in np.array_split(order, min(bins, len(order))):
        total += len(part) * abs(float(chance[part].mean()) - float(y[part].mean()))
    return total / len(chance) if len(chance) else math.nan


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (ties count half), NaN when one class is absent."""
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if not positives or not negatives:
        return math.nan
    values, inverse = np.unique(scores, return_inverse=True)
    ranks = (np.cumsum(np.bincount(inverse)) - (np.bincount(inverse) - 1) / 2.0)[inverse]
    return float((ranks[y > 0].sum() - positives * (positives + 1) / 2) / (positives * negatives))


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
