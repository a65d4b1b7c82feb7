"""Old against new per measure, overall and per slice, with intervals and corrected tests.

Correction: Benjamini-Hochberg over every test (measures x scopes). A shift table looks at
hundreds of cells and its job is to find which moved: Holm's family-wise control would
let a real one-slice shift vanish under the count of cells, while BH keeps the expected
share of false findings among those reported at 5%, and stays valid for the positive
dependence that slices of one measure have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import stats
from .measures import Measure
from .slices import Slice

ALPHA = 0.05
MIN_TESTED = 20  # pairs: below this a slice is shown but not tested
SMALL_SHARE = 0.05  # a slice under this share of pairs is "small in traffic"
LARGE_EFFECT = 0.5  # Cohen's h or d: "medium" by Cohen's convention
OVERALL = "all"


@dataclass
class Row:
    measure: str
    kind: str
    scope: str  # "all" or "field=value"
    n: int
    old: float | None  # the old side's mean or rate (for "changed": the rest's rate)
    new: float | None  # the new side's (for "changed": the slice's rate)
    change: float | None
    low: float | None
    high: float | None
    effect: float  # Cohen's h (rates) or d (means), signed
    p: float | None  # None: not tested
    q: float | None = None  # BH-adjusted
    share: float = 1.0  # of all pairs
    note: str = ""

    @property
    def significant(self) -> bool:
        return self.q is not None and self.q < ALPHA

    @property
    def long_tail(self) -> bool:
        return (
            self.scope != OVERALL and self.share < SMALL_SHARE and abs(self.effect) >= LARGE_EFFECT
        )


def compare(measure: Measure, mask: np.ndarray, scope: str, total: int) -> Row | None:
    """One measure in one scope (all pairs, or a slice's mask)."""
    use = mask & measure.valid
    n = int(use.sum())
    if n == 0:
        return None
    share = n / max(total, 1)
    if measure.kind == "mean":
        return _mean_row(measure, use, scope, share)
    if measure.kind == "rate":
        return _rate_row(measure, use, scope, share)
    return _changed_row(measure, use, scope, share)


def _mean_row(m: Measure, use: np.ndarray, scope: str, share: float) -> Row:
    old, new = m.old[use], m.new[use]  # type: ignore[index]
    diff = new - old
    change, low, high = stats.mean_diff_interval(diff)
    tested = len(diff) >= MIN_TESTED
    return Row(
        m.name,
        m.kind,
        scope,
        len(diff),
        float(old.mean()),
        float(new.mean()),
        change,
        low,
        high,
        stats.cohen_d(old, new),
        stats.paired_mean_p(diff) if tested else None,
        share=share,
        note=m.note,
    )


def _rate_row(m: Measure, use: np.ndarray, scope: str, share: float) -> Row:
    old, new = m.old[use], m.new[use]  # type: ignore[index]
    p_old, p_new = float(old.mean()), float(new.mean())
    change, low, high = stats.paired_rate_diff(old, new)
    tested = len(old) >= MIN_TESTED and bool((old != new).any())
    return Row(
        m.name,
        m.kind,
        scope,
        len(old),
        p_old,
        p_new,
        change,
        low,
        high,
        stats.cohen_h(p_old, p_new),
        stats.mcnemar_p(old, new) if tested else None,
        share=share,
        note=m.note,
    )


def _changed_row(m: Measure, use: np.ndarray, scope: str, share: float) -> Row:
    flags, valid = m.flags, m.valid  # type: ignore[assignment]
    k, n = int(flags[use].sum()), int(use.sum())  # type: ignore[index]
    if scope == OVERALL:
        low, high = stats.wilson(k, n)
        return Row(
            m.name,
            m.kind,
            scope,
            n,
            None,
            k / n,
            None,
            low,
            high,
            0.0,
            None,
            share=share,
            note="share of pairs where it fired",
        )
    rest = valid & ~use
    k2, n2 = int(flags[rest].sum()), int(rest.sum())  # type: ignore[index]
    if n2 == 0:
        return Row(m.name, m.kind, scope, n, None, k / n, None, None, None, 0.0, None, share=share)
    change, low, high = stats.independent_rate_diff(k, n, k2, n2)
    tested = n >= MIN_TESTED and k + k2 > 0
    return Row(
        m.name,
        m.kind,
        scope,
        n,
        k2 / n2,
        k / n,
        change,
        low,
        high,
        stats.cohen_h(k2 / n2, k / n),
        stats.two_proportion_p(k, n, k2, n2) if tested else None,
        share=share,
        note="this slice against the rest",
    )


def analyse(measures: list[Measure], slices: list[Slice], total: int) -> list[Row]:
    """Every (measure, scope) row with BH q-values, sorted: significant first, then by
    the size of the effect."""
    everyone = np.ones(total, dtype=bool)
    rows = [r for m in measures if (r := compare(m, everyone, OVERALL, total))]
    for s in slices:
        rows += [r for m in measures if (r := compare(m, s.mask, s.label, total))]
    tested = [r for r in rows if r.p is not None]
    for row, q in zip(tested, stats.benjamini_hochberg([r.p for r in tested]), strict=True):  # type: ignore[misc]
        row.q = q
    return sorted(rows, key=sort_key)


def sort_key(row: Row) -> tuple[bool, float, str, str]:
    return (not row.significant, -abs(row.effect), row.measure, row.scope)


def rest_row(measure: Measure, slice_: Slice, total: int) -> Row | None:
    """The same measure over the pairs outside one slice (for "unchanged elsewhere")."""
    return compare(measure, ~slice_.mask, f"not {slice_.label}", total)


def finite(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x
