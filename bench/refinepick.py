"""A predictor of each unrefined pair's accurate distance, for bench/refine_sim.py.

Tried for issue 19 as a way to choose the next pairs to refine, and kept here with the
simulator because on the real migrations it did not help on every file (see
docs/benchmarks.md): the shipped order walks down the static distance.

The accurate distance is predicted from what every score row stores (static and lexical
distance, length change, signal count) by a least-squares fit on the refined pairs; the
residual spread grows with the distance, so the sd is a line in the prediction too. For
a head of k rows, a pair is misplaced when it is shown inside the first k but its
accurate distance falls below the k-th one, or shown outside but rises above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from swapview.scoring.refinefit import fit_line

MIN_SD_SHARE = 0.25  # the spread line never goes below a quarter of the overall sd
MIN_PAIRS_PER_TERM = 6  # fewer refined pairs than this per coefficient: the static line only
RIDGE = 1e-3  # keeps the solve stable when a feature is constant among the refined pairs


@dataclass(frozen=True, slots=True)
class Features:
    """Cheap per-pair features, one array each, aligned by pair."""

    static: np.ndarray
    lexical: np.ndarray
    length_change: np.ndarray
    signals: np.ndarray

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[float | None]]) -> Features:
        """From (static, lexical, length change, signal count) rows; NULLs read as 0."""
        a = np.array([[0.0 if v is None else float(v) for v in r] for r in rows], dtype=float)
        a = a.reshape(-1, 4)
        return cls(a[:, 0], a[:, 1], a[:, 2], a[:, 3])

    def take(self, index: np.ndarray) -> Features:
        return Features(
            self.static[index], self.lexical[index], self.length_change[index], self.signals[index]
        )

    def __len__(self) -> int:
        return int(self.static.shape[0])

    def matrix(self) -> np.ndarray:
        """Design matrix: intercept, static, lexical, size of the length change (log ratio,
        so halving and doubling weigh alike), whether any signal fired."""
        ratio = np.log(np.maximum(1.0 + self.length_change, 1e-3))
        return np.column_stack(
            [
                np.ones(len(self)),
                self.static,
                self.lexical,
                np.abs(ratio),
                (self.signals > 0).astype(float),
            ]
        )


@dataclass(frozen=True, slots=True)
class Predictor:
    """accurate ~ features @ coef, fitted on ``pairs`` pairs. The residual spread grows
    with the distance (real migrations: about 0.06 where the static distance is under
    0.1, 0.15 above 0.3), so it is a line in the prediction, ``spread``, with ``sigma``
    the overall residual sd as its floor's scale."""

    coef: np.ndarray
    sigma: float
    pairs: int
    spread: tuple[float, float] = (0.0, 0.0)  # sd = spread[0] + spread[1] * predicted

    def predict(self, features: Features) -> tuple[np.ndarray, np.ndarray]:
        """Predicted accurate distances and their sds."""
        mu = features.matrix() @ self.coef
        return mu, self.sd(mu)

    def sd(self, predicted: np.ndarray) -> np.ndarray:
        if self.spread == (0.0, 0.0):
            return np.full(np.shape(predicted), self.sigma)
        sd = self.spread[0] + self.spread[1] * np.asarray(predicted, dtype=float)
        return np.maximum(sd, MIN_SD_SHARE * self.sigma)


def fit_predictor(features: Features, accurate: np.ndarray) -> Predictor:
    """Least squares on every feature once there are enough pairs, else the static line.

    Pairs whose two distances agree exactly are rule-defined (identical outputs, a blank
    side) and say nothing about how the models relate: left out."""
    accurate = np.asarray(accurate, dtype=float)
    keep = features.static != accurate
    x, y = features.take(keep).matrix(), accurate[keep]
    n, p = x.shape
    if n < MIN_PAIRS_PER_TERM * p:
        line = fit_line(x[:, 1], y)
        coef = np.zeros(p)
        coef[0], coef[1] = line.intercept, line.slope
        return Predictor(coef, line.sigma, n)
    gram = x.T @ x + RIDGE * np.diag([0.0] + [1.0] * (p - 1))
    coef = np.linalg.solve(gram, x.T @ y)
    mu = x @ coef
    residual = y - mu
    sigma = max(float(np.sqrt(np.sum(residual**2) / max(1, n - p))), 1e-6)
    # E|r| = sd * sqrt(2 / pi) for a normal residual: a line through |r| gives the sd's.
    slope, intercept = np.polyfit(mu, np.abs(residual) * math.sqrt(math.pi / 2.0), 1)
    return Predictor(coef, sigma, n, (float(intercept), float(max(slope, 0.0))))


def head_thresholds(
    known: np.ndarray, predicted: np.ndarray, sd: np.ndarray | float, heads: Sequence[int]
) -> np.ndarray:
    """The best guess of the k-th accurate distance for each head k: the value t at
    which the refined pairs above t and the unrefined pairs' chances of being above t
    add up to k (found by bisection; the distances lie in [0, 2])."""
    known = np.sort(np.asarray(known, dtype=float))[::-1]
    sd = np.broadcast_to(np.asarray(sd, dtype=float), np.shape(predicted))
    out = []
    for k in heads:
        lo, hi = -1.0, 3.0
        for _ in range(40):
            t = (lo + hi) / 2.0
            count = np.searchsorted(-known, -t, side="left") + _above(predicted, sd, t).sum()
            lo, hi = (t, hi) if count >= k else (lo, t)
        out.append((lo + hi) / 2.0)
    return np.array(out)


def _above(predicted: np.ndarray, sd: np.ndarray, threshold: float) -> np.ndarray:
    return 0.5 * _erfc((threshold - predicted) / (sd * math.sqrt(2.0)))


def misplacement_chance(
    predicted: np.ndarray,
    sd: np.ndarray | float,
    shown_rank: np.ndarray,
    head: int,
    threshold: float,
) -> np.ndarray:
    """Per unrefined pair, the chance that it is on the wrong side of the head's edge."""
    above = _above(predicted, np.asarray(sd, dtype=float), threshold)
    return np.where(shown_rank < head, 1.0 - above, above)


def expected_misplaced(
    predicted: np.ndarray,
    sd: np.ndarray | float,
    shown_rank: np.ndarray,
    known: np.ndarray,
    heads: Sequence[int],
) -> np.ndarray:
    """Per head, the expected count of unrefined pairs on the wrong side of its edge."""
    thresholds = head_thresholds(known, predicted, sd, heads)
    return np.array(
        [
            float(misplacement_chance(predicted, sd, shown_rank, k, t).sum())
            for k, t in zip(heads, thresholds, strict=True)
        ]
    )


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc, vectorised (Abramowitz and Stegun 7.1.26, absolute error under 1.5e-7):
    math.erfc one element at a time cost 0.1 s per step over a pool of 30,000 pairs."""
    x = np.asarray(x, dtype=float)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    tail = poly * np.exp(-(x**2))
    return np.where(x >= 0, tail, 2.0 - tail)
