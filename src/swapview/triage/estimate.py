"""How many regressions are left among the unreviewed pairs, with an interval.

Tags from the queue are biased (the queue goes after likely regressions), so they cannot
stand for the rest. Instead every pair gets a fixed band (stratum, by the prior score) and
a random ``sample_key``; within a band, the pairs in sample_key order form a uniform random
permutation drawn before any tag. The *sample* of a band is the longest prefix of that
order that is fully reviewed (skipped pairs are passed over as missing at random). Pairs
the queue already reviewed count towards it for free; the reviewer is asked to tag the
first unreviewed ones (``suggest_sample``).

Per band h with N pairs, a prefix sample of n with x regressions, and `found` regressions
among all reviewed pairs of the band, the number still unreviewed is estimated by
expansion minus what is known: R = N x / n - found. It is unbiased whatever order the queue
took; its variance is N^2 (1 - n/N) p(1-p)/(n-1), p smoothed away from 0 and 1. Bands add up;
a band with no sample yet contributes its whole unreviewed count to the upper bound, and
while any band lacks a sample there is no point estimate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

# Status codes of a pair in a band's sample order.
UNREVIEWED, NEGATIVE, REGRESSION, SKIPPED = -1, 0, 1, 2
CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class BandEstimate:
    band: int
    pairs: int
    unreviewed: int
    sampled: int  # length of the reviewed prefix, skips excluded
    sample_regressions: int
    found: int  # regressions among all reviewed pairs of the band
    remaining: float
    variance: float  # of `remaining`; inf when the band has no sample yet

    def as_dict(self) -> dict:
        out = asdict(self)
        out["variance"] = None if math.isinf(self.variance) else self.variance
        out["remaining"] = None if math.isnan(self.remaining) else self.remaining
        return out


def prefix_sample(status: np.ndarray) -> tuple[int, int]:
    """(n, regressions) in the reviewed prefix of one band's sample order."""
    stop = np.flatnonzero(status == UNREVIEWED)
    prefix = status[: stop[0]] if len(stop) else status
    prefix = prefix[prefix != SKIPPED]
    return len(prefix), int((prefix == REGRESSION).sum())


def _variance(size: int, n: int, x: int) -> float:
    if n == 0:
        return math.inf
    if n >= size:
        return 0.0
    p = (x + 0.5) / (n + 1.0)  # smoothed, so a sample with no regressions is not certain
    return size * size * (1.0 - n / size) * p * (1.0 - p) / max(n - 1, 1)


def band_estimate(band: int, status: np.ndarray) -> BandEstimate:
    """Estimate for one band from its pairs' statuses in sample_key order."""
    size = int((status != SKIPPED).sum())
    unreviewed = int((status == UNREVIEWED).sum())
    found = int((status == REGRESSION).sum())
    n, x = prefix_sample(status)
    if unreviewed == 0:
        return BandEstimate(band, len(status), 0, n, x, found, 0.0, 0.0)
    if n == 0:
        return BandEstimate(band, len(status), unreviewed, 0, 0, found, math.nan, math.inf)
    remaining = min(max(size * x / n - found, 0.0), float(unreviewed))
    return BandEstimate(
        band, len(status), unreviewed, n, x, found, remaining, _variance(size, n, x)
    )


def combine(bands: list[BandEstimate], confidence: float = CONFIDENCE) -> dict:
    """Total estimate and interval over bands; unsampled bands widen it to their size."""
    z = _z(confidence)
    sampled = [b for b in bands if not math.isinf(b.variance)]
    unsampled = [b for b in bands if math.isinf(b.variance)]
    point = sum(b.remaining for b in sampled)
    sd = math.sqrt(sum(b.variance for b in sampled))
    known_max = sum(b.unreviewed for b in sampled)
    low = max(0.0, point - z * sd)
    high = min(float(known_max), point + z * sd) + sum(b.unreviewed for b in unsampled)
    # A band without a sample has no estimate of its own, and another band's rate says
    # nothing about it (bands are cut by risk): until every band with unreviewed pairs has
    # a sample there is no point estimate, only the bounds.
    estimate: float | None = None if unsampled else point
    return {
        "unreviewed": sum(b.unreviewed for b in bands),
        "found": sum(b.found for b in bands),
        "remaining": None if estimate is None else round(estimate, 1),
        "low": math.floor(low),
        "high": math.ceil(max(high, estimate or 0.0)),
        "confidence": confidence,
        "complete": not unsampled,
        "unsampled_bands": sum(1 for b in unsampled if b.unreviewed),
        "bands": [b.as_dict() for b in bands],
    }


def _z(confidence: float) -> float:
    """Two-sided normal quantile, by bisection on erf (no scipy)."""
    lo, hi = 0.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if math.erf(mid / math.sqrt(2)) < confidence:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def sample_gain(status: np.ndarray, tags: int) -> tuple[float, list[int]]:
    """How much tagging the next ``tags`` unreviewed pairs in sample order cuts the variance.

    Returns (variance reduction, their positions). Pairs the queue already reviewed after
    them extend the prefix for free, which this counts.
    """
    positions = np.flatnonzero(status == UNREVIEWED)[:tags].tolist()
    if not positions:
        return 0.0, []
    size = int((status != SKIPPED).sum())
    n, x = prefix_sample(status)
    after = status.copy()
    # Expected outcome of the new tags: the band's current rate (0.5 when unknown).
    after[positions] = NEGATIVE
    n_new, _ = prefix_sample(after)
    rate = (x + 0.5) / (n + 1.0)
    before = (int((status == UNREVIEWED).sum()) / 2.0) ** 2 if n == 0 else _variance(size, n, x)
    expected = _variance(size, n_new, round(x + rate * (n_new - n)))
    return before - expected, positions


def describe_remaining(est: dict | None, *, short: bool = False) -> str:
    """The one wording of the remaining-regressions estimate (``combine``'s result), for
    the CLI, the report and the review status line (``short``: "~23 left (12-41)")."""
    if est is None:
        return ""
    if not est["unreviewed"]:
        return "none left" if short else "no unreviewed pairs: no regressions remain"
    span = f"{est['low']}-{est['high']}"
    if short:
        point = "?" if est["remaining"] is None else f"~{est['remaining']:.0f}"
        return f"{point} left ({span})"
    if est["remaining"] is None:
        return (
            f"no estimate yet ({est['unsampled_bands']} of {len(est['bands'])} bands have no"
            f" random sample tagged): {span} regressions may remain among"
            f" {est['unreviewed']} unreviewed pairs; {est['found']} found so far"
        )
    return (
        f"about {est['remaining']:.0f} regressions remain among {est['unreviewed']} unreviewed"
        f" pairs ({round(est['confidence'] * 100)}% interval {span}); {est['found']} found so far"
    )
