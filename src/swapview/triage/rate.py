"""The whole comparison's regression rate, corrected for how the tagged pairs were chosen.

Tags follow the queue, which puts likely regressions first, so the share of regressions
among tagged pairs overstates the comparison's rate (25 top pairs read 20%). Here the
regressions found are counted as they are, and the rest come from the stratified estimate
of what is left (random prefix samples per band, see estimate.py): the rate is
(found + estimated remaining) / pairs, its interval the remaining estimate's interval
shifted by what was found. Skipped pairs count in the denominator as pairs of the comparison.
"""

from __future__ import annotations

import math

from .estimate import _variance, _z

CONFIDENCE = 0.95
DEFAULT_WIDTH = 0.05  # the interval width "how many more tags" aims for


def estimated_rate(est: dict, pairs: int, width: float = DEFAULT_WIDTH) -> dict:
    """{found, rate, low, high, complete, more_tags, width} from ``estimate_remaining``."""
    found = est["found"]
    n = max(pairs, 1)
    rate = None if est["remaining"] is None else (found + est["remaining"]) / n
    return {
        "found": found,
        "pairs": pairs,
        "rate": rate,
        "low": (found + est["low"]) / n,
        "high": (found + est["high"]) / n,
        "confidence": est["confidence"],
        "complete": est["complete"],
        "width": width,
        "more_tags": tags_to_width(est["bands"], width * n, est["confidence"]),
    }


def tags_to_width(bands: list[dict], width: float, confidence: float = CONFIDENCE) -> int | None:
    """About how many more random tags (each the next of a band's sample order) bring the
    interval of the regressions remaining under ``width`` pairs; None when no number of
    tags would (fewer unreviewed pairs than that). Greedy: each step tags a few pairs of
    the band where they cut the variance most, expecting the band's current rate."""
    z = _z(confidence)
    state = [
        [b["pairs"], b["sampled"], b["sample_regressions"], b["unreviewed"]]
        for b in bands
        if b["unreviewed"]
    ]
    spare = sum(s[3] for s in state)
    step = max(5, spare // 2000)
    added = 0
    while _half_width(state, z) * 2 > width:
        gains = [(_gain(s, step), i) for i, s in enumerate(state) if s[3] > 0]
        if not gains:
            return None
        _, best = max(gains)
        take = min(step, state[best][3])
        size, n, x, left = state[best]
        rate = (x + 0.5) / (n + 1.0)
        state[best] = [size, n + take, x + rate * take, left - take]
        added += take
    return added


def _band_var(s: list) -> float:
    size, n, x, left = s
    if left == 0:
        return 0.0
    if n == 0:
        return math.inf
    return _variance(size, n, round(x))


def _half_width(state: list[list], z: float) -> float:
    return z * math.sqrt(sum(_band_var(s) for s in state))


def _gain(s: list, step: int) -> float:
    size, n, x, left = s
    before = _band_var(s)
    take = min(step, left)
    rate = (x + 0.5) / (n + 1.0)
    after = _band_var([size, n + take, x + rate * take, left - take])
    return math.inf if math.isinf(before) else before - after


def describe_rate(r: dict) -> str:
    """'regressions found: 12; estimated rate 3.1% (95% interval 1.9% to 4.6%) ...'"""
    conf = round(r["confidence"] * 100)
    found = f"{r['found']} regressions found (counted)"
    span = f"{r['low']:.1%} to {r['high']:.1%}"
    if r["rate"] is None:
        est = (
            f"the whole comparison's rate lies between {r['low']:.1%} and {r['high']:.1%}"
            " (no point estimate until every band has a random sample)"
        )
    else:
        est = (
            f"estimated rate over all {r['pairs']} pairs {r['rate']:.1%} ({conf}% interval {span})"
        )
    more = (
        f"about {r['more_tags']} more random tags (`swapview triage sample`) would narrow it"
        f" to {r['width'] * 100:.0f} points wide"
        if r["more_tags"]
        else f"it is already under {r['width'] * 100:.0f} points wide"
        if r["more_tags"] == 0
        else "no number of tags narrows it further"
    )
    return f"{found}; {est}; {more}."
