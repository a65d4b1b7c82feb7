"""One scale for two models, and when the head of the queue is settled (no SQL writes).

The accurate model's distances are put on the static scale by a line fitted on the
refined pairs: accurate = slope * static + intercept (+ noise of sd ``sigma``). A refined
pair sorts at (accurate - intercept) / slope, so it lands where an unrefined pair whose
static distance predicts that accurate distance would sit, and neither kind outranks
the other by a difference of scale. Least squares of accurate on static stays unbiased
when pairs are chosen by their static distance (the head first), which is how
refinement chooses them; the calibration sample spreads the fit over the whole range.

The stop rule: an unrefined pair's accurate distance, on the static scale, is taken as
normal around its static distance with sd sigma / slope. The first k rows of the queue
are settled when the unrefined pairs are expected to put fewer than SETTLE_SHARE * k
pairs into them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_FIT_PAIRS = 8
MIN_SLOPE = 0.05  # a flat or falling line would make the inverse map explode
SETTLE_SHARE = 0.02  # expected intruders per head row: agreement 0.98 expected
FIRST_HEAD = 25  # settled heads are reported on a doubling ladder from here
NEGLIGIBLE_Z = 6.0  # beyond this many sds an unrefined pair cannot matter (p < 1e-9)


@dataclass(frozen=True, slots=True)
class Fit:
    """accurate ~ slope * static + intercept, residual sd sigma, over ``pairs`` pairs."""

    slope: float
    intercept: float
    sigma: float
    pairs: int

    def to_static(self, accurate: float) -> float:
        """An accurate distance on the static scale."""
        return (accurate - self.intercept) / self.slope

    @property
    def static_sd(self) -> float:
        """The spread of an unrefined pair's future place, on the static scale."""
        return self.sigma / self.slope


IDENTITY = Fit(1.0, 0.0, 1.0, 0)


def fit_line(static: np.ndarray, accurate: np.ndarray) -> Fit:
    """Least squares of accurate on static; the identity (wide sd) with too few pairs."""
    static = np.asarray(static, dtype=np.float64)
    accurate = np.asarray(accurate, dtype=np.float64)
    n = int(static.size)
    if n < MIN_FIT_PAIRS or float(np.var(static)) <= 1e-12:
        return Fit(1.0, 0.0, 1.0, n)
    slope, intercept = np.polyfit(static, accurate, 1)
    slope = max(float(slope), MIN_SLOPE)
    intercept = float(np.mean(accurate) - slope * np.mean(static))
    residual = accurate - (slope * static + intercept)
    sigma = float(np.sqrt(np.sum(residual**2) / max(1, n - 2)))
    return Fit(slope, intercept, max(sigma, 1e-6), n)


def intrusion_chance(static: np.ndarray, threshold: float, fit: Fit) -> np.ndarray:
    """Chance that each unrefined pair's accurate distance sorts above ``threshold``."""
    z = (threshold - np.asarray(static, dtype=np.float64)) / fit.static_sd
    return 0.5 * np.array([math.erfc(v / math.sqrt(2.0)) for v in z])


def settled_enough(expected_intruders: float, head: int) -> bool:
    return expected_intruders < SETTLE_SHARE * head


def head_ladder(total: int) -> list[int]:
    """25, 50, 100, ... up to the total (the total itself last)."""
    sizes, k = [], FIRST_HEAD
    while k < total:
        sizes.append(k)
        k *= 2
    return [*sizes, total] if total else []
