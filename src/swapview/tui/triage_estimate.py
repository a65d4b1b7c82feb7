"""What is left, in the review screen: the estimate in the status line, and its sample.

The status line shows the estimate of regressions left among the unreviewed pairs
("~23 left (12-41)"), recomputed by ``estimate_remaining`` in a worker after every
committed write, one at a time (requests meanwhile fold into one more). It appears once
triage is in use (the learned or sample order, or bands already assigned): assigning
bands reads every pair's features. ``S`` queues the next random pairs of the band that
would tighten it most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.message import Message

from .. import queue
from ..store import open_db
from ..triage.estimate import UNREVIEWED, describe_remaining
from ..triage.sampling import Suggestion, band_statuses, estimate_remaining, suggest_sample
from ..triage.stored import has_bands
from .gate import CoalescingGate
from .history import QueueHistory

if TYPE_CHECKING:
    from .review_screen import ReviewScreen

REGRESSION_ORDER = "regression"
SAMPLE_ORDER = "sample"
SAMPLE_QUEUE = 50  # pairs of a band's sample put in the queue at once
SAMPLE_TITLE = "Sample for the estimate"


@dataclass
class SampleSuggested(Message):
    comparison_id: int
    suggestion: Suggestion
    ids: list[int]


@dataclass
class EstimateReady(Message):
    comparison_id: int
    estimate: dict | None

    def can_replace(self, message: Message) -> bool:
        # A newer estimate of the same comparison makes a queued one moot.
        return isinstance(message, EstimateReady) and message.comparison_id == self.comparison_id


@dataclass
class TriageUI:
    """What the triage keys remember: made once in ReviewScreen.__init__."""

    back: QueueHistory = field(default_factory=QueueHistory)
    estimate: dict | None = None
    refitted: set[int] = field(default_factory=set)  # comparisons with features computed
    gate: CoalescingGate = field(default_factory=CoalescingGate)
    estimate_next: tuple[int, bool] | None = None  # the latest request: the one to serve


def estimate_text(est: dict | None) -> str:
    """'~23 left (12-41)': regressions left among the unreviewed pairs, 90% interval."""
    return describe_remaining(est, short=True)


class EstimateMixin:
    """Base of TriageActionsMixin; ``self`` is the screen. Holds the triage UI state."""

    def _ui(self: ReviewScreen) -> TriageUI:
        return self._triage_ui

    def _push_back(self: ReviewScreen) -> None:
        """Remember the queue and pair, for escape to come back to."""
        row = self.pair_list.cursor_row
        self._ui().back.push(self.spec, row.pair_id if row else None, self.pair_list.cursor)

    # ----- what is left, and the sample that narrows it
    def refitted(self: ReviewScreen, comparison_id: int) -> None:
        """A refit landed: the comparison's features are cached, the estimate is cheap."""
        self._ui().refitted.add(comparison_id)
        self.request_estimate()

    def request_estimate(self: ReviewScreen) -> None:
        cid = self.spec.comparison_id
        if cid is None:
            self._set_estimate(None)
            return
        ui = self._ui()
        if self.spec.order == REGRESSION_ORDER and cid not in ui.refitted:
            return  # the first refit computes the features, then asks (no double work)
        # One estimate at a time; requests meanwhile fold into one more (the latest).
        ui.estimate_next = (cid, self.spec.order in (REGRESSION_ORDER, SAMPLE_ORDER))
        if ui.gate.request():
            self.estimate_worker()

    @work(thread=True, group="estimate", exit_on_error=False)
    def estimate_worker(self: ReviewScreen) -> None:
        ui = self._ui()
        try:
            while True:
                generation = ui.gate.begin()
                job = ui.estimate_next
                if job is not None:
                    self.post_message(EstimateReady(job[0], self._estimate(*job)))
                if ui.gate.finish(generation):
                    return
        except BaseException:
            ui.gate.abort()
            raise

    def _estimate(self: ReviewScreen, comparison_id: int, wanted: bool) -> dict | None:
        db = open_db(self.db_path, migrate=False)
        try:
            # Bands are assigned on first use (it reads every pair's features): only once
            # the reviewer is triaging, not on every review.
            banded = has_bands(db, comparison_id)
            if not (banded or wanted):
                return None
            return estimate_remaining(db, comparison_id, kinds=self.tag_kinds)
        finally:
            db.close()

    def on_estimate_ready(self: ReviewScreen, msg: EstimateReady) -> None:
        if msg.comparison_id == self.spec.comparison_id:
            self._set_estimate(msg.estimate)

    def _set_estimate(self: ReviewScreen, est: dict | None) -> None:
        self._ui().estimate = est
        self._update_status()

    def estimate_status(self: ReviewScreen) -> str:
        text = estimate_text(self._ui().estimate)
        return f", {text}" if text else ""

    def action_sample_band(self: ReviewScreen) -> None:
        cid = self.spec.comparison_id
        if cid is not None:
            self.sample_worker(cid)

    @work(thread=True, exclusive=True, group="sample", exit_on_error=False)
    def sample_worker(self: ReviewScreen, comparison_id: int) -> None:
        db = open_db(self.db_path, migrate=False)
        try:
            suggestion = suggest_sample(db, comparison_id, kinds=self.tag_kinds)
            ids: list[int] = []
            if suggestion.band is not None:
                # The band's next unreviewed pairs in sample order: a short queue, so it
                # pages as fast at a million pairs as at a hundred.
                pairs, status = band_statuses(db, comparison_id, self.tag_kinds)[suggestion.band]
                ids = pairs[status == UNREVIEWED][:SAMPLE_QUEUE].tolist()
        finally:
            db.close()
        self.post_message(SampleSuggested(comparison_id, suggestion, ids))

    def on_sample_suggested(self: ReviewScreen, msg: SampleSuggested) -> None:
        s = msg.suggestion
        if s.band is None or not msg.ids:
            self.notify(s.reason, markup=False)
            return
        if not (self.spec.order == SAMPLE_ORDER and self.spec.ids is not None):
            self._push_back()  # a new sample replaces the last one; back goes to the queue
        self.set_spec(
            queue.QueueSpec(
                order=SAMPLE_ORDER,
                seed=self.spec.seed,
                comparison_id=msg.comparison_id,
                ids=tuple(msg.ids),
                label=f"band {s.band} sample",
            ),
            keep=False,
        )
        self.notify(
            f"{s.reason}: tag from the top; each tag narrows the estimate", markup=False, timeout=4
        )

    def system_commands(self: ReviewScreen) -> Iterable[SystemCommand]:
        suggest = (self._ui().estimate or {}).get("suggest") or {}
        for cmd in super().system_commands():
            if cmd.title == SAMPLE_TITLE and suggest.get("band") is not None:
                cmd = cmd._replace(
                    title=f"Sample band {suggest['band']}", help=f"{suggest['reason']} ({cmd.help})"
                )
            yield cmd
