"""The shift analysis as the review app shows it: rows with their bars, and the pairs
behind each row (selecting a row narrows the queue to them).

One ``ShiftView`` is built in a worker (it reads every pair's stored scores, signals and
metadata once) and kept, so asking for a row's pairs costs an array mask, not a re-read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .analysis import OVERALL, analyse
from .data import PairData, Progress, load_pairs
from .measures import Measure, build_measures
from .result import change_text, describe
from .slices import Slice, find_slices

BAR_CELLS = 6
BLOCKS = " ▏▎▍▌▋▊▉█"


@dataclass(frozen=True, slots=True)
class ViewRow:
    """One (measure, scope) row: its words, both sides' levels and the change."""

    measure: str
    scope: str
    kind: str
    n: int
    levels: str  # "0.4% -> 6.1%", "212 -> 128"
    change: str  # "+5.7pp [+2.1, +9.0]"
    old: float | None
    new: float | None
    significant: bool
    long_tail: bool


class ShiftView:
    """Every row of one comparison's shift, and the pair ids behind any of them."""

    def __init__(self, data: PairData, measures: list[Measure], slices: list[Slice]) -> None:
        self._data = data
        self._measures = {m.name: m for m in measures}
        self._slices = {s.label: s for s in slices}
        rows = analyse(measures, slices, len(data))
        self.rows = [
            ViewRow(
                r.measure,
                r.scope,
                r.kind,
                r.n,
                describe(r),
                change_text(r),  # type: ignore[arg-type]
                r.old,
                r.new,
                r.significant,
                r.long_tail,
            )
            for r in rows
        ]

    @classmethod
    def build(cls, db: Database, comparison_id: int, progress: Progress | None = None) -> ShiftView:
        """``progress(done, total)`` while per-pair numbers not yet stored are filled."""
        data = load_pairs(db, comparison_id, progress=progress)
        return cls(data, build_measures(data), find_slices(data))

    def pair_ids(self, row: ViewRow) -> list[int]:
        """The pairs behind a row: its scope's pairs where the measure is defined and,
        for a quirk, where it fired (on either side for a rate of both sides)."""
        m = self._measures[row.measure]
        mask = m.valid.copy()
        if row.scope != OVERALL:
            mask &= self._slices[row.scope].mask
        if m.kind == "rate" and m.old is not None and m.new is not None:
            mask &= m.old.astype(bool) | m.new.astype(bool)
        elif m.kind == "changed" and m.flags is not None:
            mask &= m.flags
        return [int(i) for i in self._data.ids[mask]]


def shift_line(row: ViewRow) -> str:
    """'* refusal_rate      locale=de          ▏     ▕█████ 0.4% → 6.1%  +5.7pp [+2.1,+9.0]'."""
    mark = "*" if row.significant else "◆" if row.long_tail else " "
    old, new = bars(row)
    measure, scope = _fit(row.measure.removesuffix("_rate"), 14), _fit(row.scope, 18)
    return (
        f"{mark} {measure} {scope} {old}▕{new} {_levels(row):<13} {row.change.replace(', ', ',')}"
    )


def _levels(row: ViewRow) -> str:
    """Both sides' levels, short: '0.4% → 6.1%', '217 → 190'; a quirk of one side fires
    in the slice against elsewhere: '8.2% vs 0.0%'."""
    if row.old is None or row.new is None:
        return row.levels
    if row.kind == "mean":
        return f"{row.old:.4g} → {row.new:.4g}"
    if row.kind == "changed":
        return f"{row.new:.1%} vs {row.old:.1%}"
    return f"{row.old:.1%} → {row.new:.1%}"


def _fit(text: str, cells: int) -> str:
    return (text if len(text) <= cells else text[: cells - 1] + "…").ljust(cells)


def bars(row: ViewRow) -> tuple[str, str]:
    """Old and new as bars on one scale (the larger of the two fills BAR_CELLS)."""
    values = [abs(v) if v is not None and v == v else 0.0 for v in (row.old, row.new)]
    top = max(values) or 1.0
    return _bar(values[0] / top), _bar(values[1] / top)


def _bar(fraction: float) -> str:
    eighths = round(max(0.0, min(fraction, 1.0)) * BAR_CELLS * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (BLOCKS[part] if part else "")
    return text.ljust(BAR_CELLS)
