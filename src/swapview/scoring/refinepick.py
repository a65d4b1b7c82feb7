"""Which unrefined pairs to refine next: those most likely to be in the wrong place.

An unrefined pair sits in the queue at its static distance. Its accurate distance is
predicted from what every score row stores already (static and lexical distance, length
change, signal count) by a least-squares fit on the pairs refined so far, with the fit's
residual spread. For a head of k rows, the pair is misplaced when it is shown inside
the first k but its accurate distance falls below the k-th one, or shown outside but
its accurate distance rises above it; the chance of either follows from the prediction.
Refining the pairs with the highest chance first fixes the head with fewer pairs than
walking down the static distance, which also refines the pairs shown in the head that
clearly belong there (refining them moves nothing in a share-of-the-same-pairs sense).

The sum of those chances over the unrefined pairs is the expected count of misplaced
rows in the head: the stop rule calls a head settled when it is small (``refinefit``).
No SQL here: ``refine.py`` reads the candidates and writes the results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .refinefit import NEGLIGIBLE_Z, fit_line

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
    """accurate ~ features @ coef, residual sd ``sigma``, fitted on ``pairs`` pairs."""

    coef: np.ndarray
    sigma: float
    pairs: int

    def predict(self, features: Features) -> tuple[np.ndarray, float]:
        """Predicted accurate distances and their spread."""
        return features.matrix() @ self.coef, self.sigma


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
    residual = y - x @ coef
    sigma = float(np.sqrt(np.sum(residual**2) / max(1, n - p)))
    return Predictor(coef, max(sigma, 1e-6), n)


def head_thresholds(known: np.ndarray, predicted: np.ndarray, heads: Sequence[int]) -> np.ndarray:
    """The best guess of the k-th accurate distance for each head k: the k-th largest of
    the refined pairs' distances and the unrefined pairs' predictions together."""
    values = np.sort(np.concatenate([known, predicted]))[::-1]
    if values.size == 0:
        return np.zeros(len(heads))
    return np.array([values[min(k, values.size) - 1] for k in heads])


def misplacement_chance(
    predicted: np.ndarray, sigma: float, shown_rank: np.ndarray, head: int, threshold: float
) -> np.ndarray:
    """Per unrefined pair, the chance that it is on the wrong side of the head's edge."""
    z = (threshold - predicted) / sigma
    below = 0.5 * _erfc(-z / math.sqrt(2.0))  # chance the accurate distance is under it
    return np.where(shown_rank < head, below, 1.0 - below)


def expected_misplaced(
    predicted: np.ndarray,
    sigma: float,
    shown_rank: np.ndarray,
    known: np.ndarray,
    heads: Sequence[int],
) -> np.ndarray:
    """Per head, the expected count of unrefined pairs on the wrong side of its edge."""
    thresholds = head_thresholds(known, predicted, heads)
    return np.array(
        [
            float(misplacement_chance(predicted, sigma, shown_rank, k, t).sum())
            for k, t in zip(heads, thresholds, strict=True)
        ]
    )


def pick_order(
    predicted: np.ndarray,
    sigma: float,
    shown_rank: np.ndarray,
    known: np.ndarray,
    heads: Sequence[int],
) -> np.ndarray:
    """Unrefined pairs (indexes into ``predicted``) in the order to refine them: highest
    chance of being misplaced in any of ``heads`` first, then highest prediction."""
    if predicted.size == 0:
        return np.zeros(0, dtype=int)
    thresholds = head_thresholds(known, predicted, heads)
    chance = np.zeros(predicted.shape[0])
    for k, t in zip(heads, thresholds, strict=True):
        chance = np.maximum(chance, misplacement_chance(predicted, sigma, shown_rank, k, t))
    # Below this, the chance is noise (z beyond NEGLIGIBLE_Z): order those by prediction.
    floor = 0.5 * math.erfc(NEGLIGIBLE_Z / math.sqrt(2.0))
    chance = np.where(chance > floor, chance, 0.0)
    return np.lexsort((-predicted, -chance))


def _erfc(x: np.ndarray) -> np.ndarray:
    return np.array([math.erfc(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))
