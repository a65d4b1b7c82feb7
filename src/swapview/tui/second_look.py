"""A blind second look: pairs another reviewer decided, shown without that decision.

Agreement between reviewers (Cohen's kappa in the report) means something only when the
second reviewer decides without seeing the first one's tag, note or corrected answer.
``SecondLooks`` (a plain object the screen holds; no Textual) knows which pairs of the
second-look queue are still blind, hands the screen copies of their rows and details
with the decision left out, and says what the first reviewer said once this reviewer's
own tag is stored (``session.second_look``, which never replaces the first decision).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..detail import PairDetail
from ..queue import QueueRow, QueueSpec
from ..session import Outcome
from ..textsafe import visible

SECOND_LOOK_LABEL = "second look"  # the queue's label (and its filter's description)


def blind_row(row: QueueRow) -> QueueRow:
    """The row with the decision left out: no tag mark, colour, note mark or staleness."""
    return dataclasses.replace(row, tag=None, reviewer=None, has_note=False, stale=False)


def blind_detail(detail: PairDetail) -> PairDetail:
    """The pair with the decision left out: no tag, reviewer, note or corrected answer."""
    return dataclasses.replace(
        detail, tag=None, note=None, reviewer=None, stale=False, corrected=None, corrected_by=None
    )


def reveal_text(outcome: Outcome) -> str:
    """What the first reviewer said against this reviewer's own tag, once it is stored."""
    mine = outcome.looked or "nothing"
    first = outcome.decision
    if first is None or first.tag is None:
        return f"no one else's tag stands on this pair now; you said {mine}"
    return f"{visible(first.reviewer)} said {visible(first.tag)}; you said {mine}"


class SecondLooks:
    """The pairs offered for this reviewer's second look, and which are still blind."""

    def __init__(self) -> None:
        self.offered: tuple[int, ...] = ()
        self.blind: set[int] = set()  # offered and not yet tagged by this reviewer
        self.looked: dict[int, str | None] = {}  # this reviewer's stored second looks

    def offer(self, ids: Iterable[int]) -> None:
        """A new second-look queue: every pair in it starts blind."""
        self.offered = tuple(ids)
        self.blind = set(self.offered)
        self.looked = {}

    @staticmethod
    def active(spec: QueueSpec) -> bool:
        """The queue on screen is the second look (elsewhere decisions show as they are)."""
        return spec.label == SECOND_LOOK_LABEL and spec.ids is not None

    def hides(self, spec: QueueSpec, pair_id: int | None) -> bool:
        """``pair_id`` is shown as a second look: its decision must not be drawn, and a tag
        on it is this reviewer's own label, not an overwrite."""
        return pair_id is not None and self.active(spec) and pair_id in self.blind

    def hidden_ids(self, spec: QueueSpec) -> frozenset[int]:
        return frozenset(self.blind) if self.active(spec) else frozenset()

    def shown(self, spec: QueueSpec, detail: PairDetail | None) -> PairDetail | None:
        """The detail as the panes may draw it."""
        if detail is None or not self.hides(spec, detail.pair_id):
            return detail
        return blind_detail(detail)

    def written(self, outcome: Outcome) -> str | None:
        """A second look (or its undo or redo) was stored: the pair is seen from now on.
        Returns what to tell the reviewer (None for an undo or redo)."""
        if outcome.pair_id is None or not outcome.second_look or outcome.error:
            return None
        self.blind.discard(outcome.pair_id)
        self.looked[outcome.pair_id] = outcome.looked
        return reveal_text(outcome) if outcome.action == "second_look" else None

    def progress_text(self) -> str:
        """The status line's progress in the second-look queue: counts of the queue's own
        decisions would give the first reviewer's tags away."""
        done = sum(1 for pid in self.offered if self.looked.get(pid) is not None)
        return f"second look: {done:,} of {len(self.offered):,} tagged, blind to the first tag"
