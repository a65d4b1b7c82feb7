"""The likely-regression order in the review screen: refit from the tags in a worker.

While the queue is in the "regression" order, every committed tag asks for a refit. One
refit runs at a time in a thread worker with its own connection (a ``Ranker`` that keeps
the comparison's features in memory); tags that arrive meanwhile fold into one more
refit (``RefitGate``: no tag is left without a refit covering it). When it lands, the
queue is reloaded with the cursor kept on its pair, so the reviewer simply keeps
following the refreshed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from ..store import open_db
from ..triage.ranking import Ranker, RefitReport
from ..triage.stored import has_scores
from .gate import CoalescingGate

# The refit worker's gate (one implementation for refits and estimates: gate.py).
RefitGate = CoalescingGate

if TYPE_CHECKING:
    from .review_screen import ReviewScreen

REGRESSION_ORDER = "regression"


@dataclass
class TriageRefitted(Message):
    comparison_id: int
    report: RefitReport


def new_triage_state() -> dict:
    """The refit worker's state, made once in ReviewScreen.__init__."""
    return {"gate": RefitGate(), "rankers": {}, "seen": set(), "fresh": set()}


class TriageMixin:
    """Mixed into ReviewScreen; ``self`` is the screen."""

    def _triage_state(self: ReviewScreen) -> dict:
        return self._triage

    def request_refit(self: ReviewScreen) -> None:
        """Refit soon, if the queue is in the learned order of one comparison."""
        cid = self.spec.comparison_id
        if cid is None or self.spec.order != REGRESSION_ORDER:
            return
        state = self._triage_state()
        if not state["gate"].request():
            return  # the running worker will refit again
        if cid not in state["seen"]:
            state["seen"].add(cid)
            if not has_scores(
                self.conn, cid
            ):  # the queue shows no learned order yet: start at its top
                state["fresh"].add(cid)
                self.notify("learning the likely-regression order…", timeout=3)
        self.triage_worker(cid)

    @work(thread=True, group="triage", exit_on_error=False)
    def triage_worker(self: ReviewScreen, comparison_id: int) -> None:
        state = self._triage_state()
        gate: RefitGate = state["gate"]
        try:
            while True:
                generation = gate.begin()
                ranker = state["rankers"].get(comparison_id)
                if ranker is None:
                    ranker = Ranker(open_db(self.db_path), comparison_id, self.tag_kinds)
                    state["rankers"][comparison_id] = ranker
                self.post_message(TriageRefitted(comparison_id, ranker.refit()))
                if gate.finish(generation):
                    return
        except BaseException:
            gate.abort()
            raise

    def on_triage_refitted(self: ReviewScreen, msg: TriageRefitted) -> None:
        if self.spec.order != REGRESSION_ORDER or self.spec.comparison_id != msg.comparison_id:
            return
        if self.detail is not None:
            self._details.pop(self.detail.pair_id, None)  # its reason may have changed
        self.refitted(msg.comparison_id)
        fresh = self._triage_state()["fresh"]
        if msg.comparison_id in fresh:
            fresh.discard(msg.comparison_id)
            self.reload(keep=False, fallback=0)
        else:
            self.reload(keep=True)

    def close_triage(self: ReviewScreen) -> None:
        for ranker in self._triage_state()["rankers"].values():
            ranker.db.close()
