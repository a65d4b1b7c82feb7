"""The likely-regression order in the review screen: refit from the tags in a worker.

While the queue is in the "regression" order, every committed tag asks for a refit. One
refit runs at a time in a thread worker with its own connection (a ``Ranker`` that keeps
the comparison's features in memory); tags that arrive meanwhile fold into one more
refit. When it lands, the queue is reloaded with the cursor kept on its pair, so the
reviewer simply keeps following the refreshed order.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from ..store import open_db
from ..triage.ranking import Ranker, RefitReport

if TYPE_CHECKING:
    from .review_screen import ReviewScreen

REGRESSION_ORDER = "regression"


class TriageRefitted(Message):
    def __init__(self, comparison_id: int, report: RefitReport) -> None:
        super().__init__()
        self.comparison_id = comparison_id
        self.report = report


class TriageMixin:
    """Mixed into ReviewScreen; ``self`` is the screen."""

    def _triage_state(self: ReviewScreen) -> dict:
        state = self.__dict__.get("_triage")
        if state is None:
            state = {"lock": threading.Lock(), "dirty": False, "running": False,
                     "rankers": {}, "seen": set(), "fresh": set()}
            self.__dict__["_triage"] = state
        return state

    def request_refit(self: ReviewScreen) -> None:
        """Refit soon, if the queue is in the learned order of one comparison."""
        cid = self.spec.comparison_id
        if cid is None or self.spec.order != REGRESSION_ORDER:
            return
        state = self._triage_state()
        with state["lock"]:
            state["dirty"] = True
            if state["running"]:
                return
            state["running"] = True
        if cid not in state["seen"]:
            state["seen"].add(cid)
            had = self.conn.execute(
                "SELECT 1 FROM triage_scores WHERE comparison_id = ? LIMIT 1", [cid]
            ).fetchone()
            if had is None:  # the queue shows no learned order yet: start at its top
                state["fresh"].add(cid)
                self.notify("learning the likely-regression order…", timeout=3)
        self.triage_worker(cid)

    @work(thread=True, group="triage", exit_on_error=False)
    def triage_worker(self: ReviewScreen, comparison_id: int) -> None:
        state = self._triage_state()
        try:
            while True:
                with state["lock"]:
                    if not state["dirty"]:
                        break
                    state["dirty"] = False
                ranker = state["rankers"].get(comparison_id)
                if ranker is None:
                    ranker = Ranker(open_db(self.db_path), comparison_id)
                    state["rankers"][comparison_id] = ranker
                self.post_message(TriageRefitted(comparison_id, ranker.refit()))
        finally:
            with state["lock"]:
                state["running"] = False

    def on_triage_refitted(self: ReviewScreen, msg: TriageRefitted) -> None:
        if self.spec.order != REGRESSION_ORDER or self.spec.comparison_id != msg.comparison_id:
            return
        if self.detail is not None:
            self._details.pop(self.detail.pair_id, None)  # its reason may have changed
        fresh = self._triage_state()["fresh"]
        if msg.comparison_id in fresh:
            fresh.discard(msg.comparison_id)
            self.reload(keep=False, fallback=0)
        else:
            self.reload(keep=True)

    def close_triage(self: ReviewScreen) -> None:
        for ranker in self._triage_state()["rankers"].values():
            ranker.db.close()
