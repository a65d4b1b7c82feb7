"""The statistics behind `swapview shift`: intervals, tests, effect sizes, corrections.

Pure functions on numbers and numpy arrays (no SQLite), so each is tested alone. numpy has
no statistics library under it here, so the few distributions needed are written out.
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_MAX_N = 5_000  # above this, a mean's bootstrap distribution is normal to rounding
BOOTSTRAP_CHUNK = 2_000_000  # indices drawn at once: rounds are vectorised in chunks
BOOTSTRAP_ROUNDS = 1000
EXACT_BINOMIAL_MAX = 5000


def wilson(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k of n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(0.0, p * (1 - p) / n + z * z / (4 * n * n))) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def paired_rate_diff(old: np.ndarray, new: np.ndarray) -> tuple[float, float, float]:
    """(new rate - old rate, low, high) for 0/1 outcomes on the same pairs.

    Newcombe's (1998) method 10: Wilson intervals of both margins combined with the
    correlation of the two outcomes, so it stays inside [-1, 1] and sound near 0.
    """
    n = len(old)
    a = int(np.sum(old & new))
    b = int(np.sum(old & ~new))
    c = int(np.sum(~old & new))
    d = n - a - b - c
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n)
    l2, u2 = wilson(a + c, n)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(margins) if margins else 0.0
    theta = p1 - p2
    delta = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    eps = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return (-theta, -(theta + eps), -(theta - delta))


def mcnemar_p(old: np.ndarray, new: np.ndarray) -> float:
    """Two-sided exact McNemar test: only pairs where the sides differ carry evidence."""
    b = int(np.sum(old & ~new))
    c = int(np.sum(~old & new))
    return binomial_two_sided(min(b, c), b + c)


def binomial_two_sided(k: int, m: int) -> float:
    """P(X <= k or X >= m - k) for X ~ Binomial(m, 1/2), k <= m/2."""
    if m == 0:
        return 1.0
    if m > EXACT_BINOMIAL_MAX:
        z = (abs(m - 2 * k) - 1) / math.sqrt(m)  # continuity-corrected normal
        return normal_two_sided(max(0.0, z))
    log_half = m * math.log(0.5)
    terms = [
        math.exp(math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1) + log_half)
        for i in range(k + 1)
    ]
    return min(1.0, 2 * sum(terms))


def normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def independent_rate_diff(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """(p1 - p2, low, high) for two independent groups: Newcombe's method 10 (Wilson hybrid)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    diff = p1 - p2
    return (
        diff,
        diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Pooled two-proportion z-test."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return normal_two_sided((k1 / n1 - k2 / n2) / se)


def mean_diff_interval(diff: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high) of paired differences: seeded percentile bootstrap up to
    BOOTSTRAP_MAX_N pairs, the normal interval beyond (where the two agree)."""
    n = len(diff)
    mean = float(diff.mean())
    if n < 2:
        return (mean, math.nan, math.nan)
    if n > BOOTSTRAP_MAX_N:
        half = Z95 * float(diff.std(ddof=1)) / math.sqrt(n)
        return (mean, mean - half, mean + half)
    rng = np.random.default_rng(seed)
    per_chunk = max(1, BOOTSTRAP_CHUNK // n)
    means = np.concatenate(
        [
            diff[rng.integers(0, n, (min(per_chunk, BOOTSTRAP_ROUNDS - start), n))].mean(axis=1)
            for start in range(0, BOOTSTRAP_ROUNDS, per_chunk)
        ]
    )
    low, high = np.quantile(means, [0.025, 0.975])
    return (mean, float(low), float(high))


def paired_mean_p(diff: np.ndarray) -> float:
    """Paired test of a zero mean difference (normal approximation to the paired t)."""
    n = len(diff)
    if n < 2:
        return 1.0
    sd = float(diff.std(ddof=1))
    if sd == 0:
        return 1.0 if float(diff.mean()) == 0 else 0.0
    return normal_two_sided(float(diff.mean()) / (sd / math.sqrt(n)))


def cohen_h(p_old: float, p_new: float) -> float:
    """Effect size of a change in a rate, comparable across base rates."""
    return 2 * math.asin(math.sqrt(p_new)) - 2 * math.asin(math.sqrt(p_old))


def cohen_d(old: np.ndarray, new: np.ndarray) -> float:
    """Mean change over the pooled standard deviation of the two sides."""
    if len(old) < 2:
        return 0.0
    sd = math.sqrt((float(old.var(ddof=1)) + float(new.var(ddof=1))) / 2)
    diff = float(new.mean() - old.mean())
    return 0.0 if sd == 0 else diff / sd


def benjamini_hochberg(p: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order."""
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p)
    ranked = np.asarray(p, dtype=float)[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()
