"""Where the cursor goes after a tag in an order that follows tags (a plain object).

In the learned order the queue re-sorts as tags arrive, and a band's sample is tagged
from its top. There "moves on" means the first undecided pair of the order, skipping the
pairs being written and those the reader passed over on purpose (moved off without a
tag). A refit that lands while the reader looks at a pair does not re-sort the list
under their eyes: it is marked due, and the next tag (or a page the list lacks) brings
the new order in, with the cursor on that order's first undecided pair.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from .. import queue


@dataclass(frozen=True, slots=True)
class Found:
    """The first undecided row among the loaded ones (None: no loaded row is), and
    whether every row before it was loaded (else the database must be asked)."""

    index: int | None
    complete: bool


def first_loaded_undecided(
    rows: Iterable[tuple[int, queue.QueueRow]], total: int, skip: set[int]
) -> Found:
    """Scan the loaded ``(index, row)`` pairs in index order for an untagged row; past a
    gap in what is loaded the row found is only a guess (``complete`` is False)."""
    complete, expected = True, 0
    for index, row in rows:
        complete = complete and index == expected
        if row.tag is None and row.pair_id not in skip:
            return Found(index, complete)
        expected = index + 1
    return Found(None, complete and expected >= total)


@dataclass(frozen=True, slots=True)
class Move:
    """Where a tag moves the cursor: to ``index`` at once (None: one row down), and
    whether the database must then be asked for the first undecided pair (leaving out
    ``skip``), or every pair of the queue is decided."""

    index: int | None
    ask: bool = False
    all_decided: bool = False
    skip: frozenset[int] = frozenset()


def next_unclaimed(
    row_at: Callable[[int], queue.QueueRow | None], index: int, others: Collection[int]
) -> int:
    """``index``, or the first row after it that no other reviewer is on."""
    while (row := row_at(index)) is not None and row.pair_id in others:
        index += 1
    return index


class MovingOn:
    """The reader's passed-over pairs (per queue) and whether a re-sort is due."""

    def __init__(self) -> None:
        self.resort_due = False
        self._spec: queue.QueueSpec | None = None
        self._passed: set[int] = set()
        # What this reviewer's committed writes decided: a page or a queue read just
        # before a commit can still show such a pair untagged, and must not be moved to.
        self.decided: set[int] = set()

    def written(self, pair_id: int, tag: str | None) -> None:
        """The writer committed a decision (or an undo) on ``pair_id``."""
        if tag is None:
            self.decided.discard(pair_id)
        else:
            self.decided.add(pair_id)

    def passed(self, spec: queue.QueueSpec, pair_id: int) -> None:
        """The reader moved off an undecided pair: later move-ons leave it alone."""
        self.skipped(spec).add(pair_id)

    def skipped(self, spec: queue.QueueSpec) -> set[int]:
        """The pairs passed over in this queue (another queue starts afresh)."""
        if spec != self._spec:
            self._spec, self._passed = spec, set()
        return self._passed

    def after_tag(
        self,
        spec: queue.QueueSpec,
        rows: Iterable[tuple[int, queue.QueueRow]],
        total: int,
        tagged: int,
        busy: set[int],
    ) -> Move:
        """In an order that follows tags: the first undecided pair, leaving out ``tagged``
        and ``busy`` (being written, or another reviewer is on them), those passed over
        and those decided. The loaded rows answer at once; the database is asked when
        they cannot tell or a re-sort is due."""
        skip = frozenset(self.skipped(spec) | self.decided | busy | {tagged})
        found = first_loaded_undecided(rows, total, set(skip))
        if found.complete and not self.resort_due:
            return Move(found.index, all_decided=found.index is None)
        self.resort_due = False
        return Move(found.index, ask=True, skip=skip)
