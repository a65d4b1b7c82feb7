"""The review screen: queue above, pair and diff below; tag with one key and move on.

``ReviewScreen`` coordinates; the logic lives in plain objects it holds, each tested
alone:

- ``ScreenReads`` (reads.py) starts the thread workers for the queue, pages, decisions,
  search and big diffs; ``TriageController`` (triage_controller.py) the refits, the
  estimate, clusters, alike pairs and samples. Their results come back as the dataclass
  messages of messages.py, handled here with ``@on``.
- ``ReviewSession`` (session.py) is the reviewer's single writer thread; its outcomes
  come back as ``WriteDone``.
- ``DetailCache`` holds pair details and diffs; ``QueueHistory`` (on the controller)
  where escape goes back to; filters.py and notes.py the filter picker's choices and
  the $EDITOR round trip.

The widgets draw and post messages: the queue list owns the movement keys, the diff
pane declares its scrolling keys (bound here, since the queue keeps the focus). What the
screen shows follows its reactive state: the queue (``spec``), the pair (``detail``),
the view toggles, the progress and the estimate each have a watcher.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from .. import queue
from ..config import Config
from ..coverage.result import blind_spot_line
from ..detail import PairDetail
from ..diff import diff_texts
from ..judge.pairs import disagreement_map, judged
from ..queue import status as facets
from ..queue.spec import with_meta_filter
from ..queue.window import QueueLoad
from ..reviews import Decision
from ..scoring.refine import RefineProgress
from ..scoring.refine import status_text as refine_status
from ..session import Outcome, ReviewSession
from ..shift.view import ShiftView, ViewRow, shift_line
from ..store import connect
from ..textsafe import visible
from ..triage.stored import data_version, has_clusters
from . import filters
from .claims import CLAIM_POLL_SECONDS, CLAIM_SETTLE_SECONDS, ClaimKeeper
from .cluster_modal import ConfirmClusterTag
from .detail_cache import DetailCache, diff_key
from .diff_view import DiffView
from .footer import FittedFooter
from .keys import SAMPLE_TITLE, binding_order, screen_bindings
from .legend import legend_rows
from .messages import (
    AlikeFound,
    ClaimsRead,
    ClusterRead,
    CoverageBuilt,
    DecisionsRefreshed,
    DiffReady,
    EstimateReady,
    JudgeCalibrated,
    QueueLoaded,
    RefineStepped,
    RowsLoaded,
    SampleSuggested,
    ScoringFinished,
    ScoringProgressed,
    SearchDone,
    SecondLookFound,
    ShapeCounted,
    ShiftBuilt,
    ShiftProgressed,
    TriageRefitted,
    UnscoredCounted,
    WriteDone,
)
from .modals import AskLine, ConfirmOverwrite, HelpScreen, Picker, overwrite_question
from .moving_on import MovingOn, first_loaded_undecided
from .notes import CORRECTION, NoteTaker
from .pair_list import Columns, PairList, header_text
from .panels import (
    PROMPT_MODES,
    CorrectionLine,
    DiffTitles,
    NoteLine,
    PairInfo,
    PromptView,
)
from .prompt_page import PromptPage
from .reads import ScreenReads
from .refiner import BackgroundRefiner
from .scoring_offer import ScoringOffer
from .status_line import StatusParts, status_text
from .triage_controller import (
    REGRESSION_ORDER,
    SAMPLE_ORDER,
    TriageController,
    alike_spec,
    cluster_default_tag,
    cluster_write,
    estimate_text,
    sample_spec,
)

REFINED_ORDERS = ("semantic", "quirk")  # orders that read the refined distance
RESORT_S = 10.0  # refinement re-sorts the queue at most this often
SYNC_DIFF_CHARS = 60_000  # smaller pairs are diffed at once; bigger ones in a worker
POLL_SECONDS = 1.0
SECOND_LOOK_LABEL = "second look"
_NEEDS_ROW = {
    "tag",
    "note",
    "note_external",
    "tag_cluster",
    "more_like_this",
    "correct",
    "correct_external",
    "prompt_page",
}


@dataclass
class ReviewContext:
    """Everything the screen needs, gathered by the caller (CLI or test)."""

    db_path: str
    reviewer: str
    spec: queue.QueueSpec
    config: Config = field(default_factory=Config)
    resume: bool = True
    comparisons: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    preloaded: Future[QueueLoad] | None = None  # the first load, started by the caller
    refine: str | None = None  # the accurate model refining the queue meanwhile (minilm)
    evals: list[str] = field(default_factory=list)  # the eval suite, for the blind spots (B)


@dataclass(frozen=True)
class Arrival:
    """Where the cursor lands in the next queue: on ``target``, else (with ``keep``) on
    the pair it is on if the queue has it, else at row ``fallback``."""

    target: int | None = None
    keep: bool = True
    fallback: int = 0


class ReviewScreen(Screen):
    """Pages through one queue; all writes go through the reviewer's ReviewSession."""

    AUTO_FOCUS = "#queue"

    # Assigning the spec shows that queue (always: the same spec again is a reload).
    spec: var[queue.QueueSpec] = var(queue.QueueSpec, init=False, always_update=True)
    detail: var[PairDetail | None] = var(None, init=False, always_update=True)
    progress: var[queue.Progress] = var(queue.Progress(0, 0), init=False)
    estimate: var[dict | None] = var(None, init=False)
    refine_state: var[RefineProgress | None] = var(None, init=False)
    unified = var(False, init=False)
    wrap = var(True, init=False)
    ignore_ws = var(False, init=False)
    prompt_mode = var("turns", init=False)

    def __init__(self, context: ReviewContext) -> None:
        super().__init__()
        self.context = context
        self.db_path = context.db_path
        self.reviewer = context.reviewer
        self.set_reactive(ReviewScreen.spec, context.spec)
        self.tags = context.config.all_tags()
        self.tag_kinds = context.config.tag_kinds()  # what each tag counts as
        # Bindings depend on the config (custom tags), so they are added per instance;
        # BindingsMap splits "j,down" into one binding per key, as BINDINGS would.
        for key, bindings in BindingsMap(screen_bindings(self.tags)).key_to_bindings.items():
            self._bindings.key_to_bindings.setdefault(key, []).extend(bindings)
        self._arrival = Arrival()
        self._shift: tuple[int, ShiftView] | None = None  # built on first use, per comparison
        self.total = 0
        self.shape = queue.Shape(0, 0)
        self._generation = 0
        self._data_version: int | None = None
        self.conn: sqlite3.Connection = connect(context.db_path)
        self.cache = DetailCache(self.conn)
        self.reads = ScreenReads(self, context.db_path, context.reviewer)
        self.triage = TriageController(self, context.db_path, self.tag_kinds)
        self.session = ReviewSession(context.db_path, context.reviewer, self._written)
        self.notes = NoteTaker(self, self.session, self.conn)
        self.refiner = (
            BackgroundRefiner(self, context.db_path, context.refine) if context.refine else None
        )
        self._reloaded_at = 0.0  # when refinement last re-sorted the queue
        self.moving = MovingOn()
        self.claims = ClaimKeeper(self.reads, context.reviewer)
        self._claim_timer: Timer | None = None
        self.scoring = ScoringOffer(self, context.db_path)

    def _written(self, outcome: Outcome) -> None:
        """Called on the session's writer thread after each commit (or failure)."""
        self.post_message(WriteDone(outcome))

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="queue-head")
        # Custom tags take the colour of what they count as (wrong_fact as a regression).
        yield PairList(id="queue", tag_kinds=self.tag_kinds)
        yield PairInfo(id="pair-info", tag_kinds=self.tag_kinds)
        yield NoteLine(id="note-line")
        yield CorrectionLine(id="correction-line")
        yield PromptView(id="prompt")
        yield DiffTitles(id="titles")
        yield DiffView(id="diff")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.prompt_mode = "collapsed" if self.app.size.height < 30 else "turns"
        self._data_version = data_version(self.conn)
        self.set_interval(POLL_SECONDS, self._poll_changes)
        self.set_interval(CLAIM_POLL_SECONDS, self.claims.poll)
        self.claims.poll()
        self._generation += 1
        preloaded, self.context.preloaded = self.context.preloaded, None
        self.reads.load_queue(self._generation, self.spec, None, 0, self.context.resume, preloaded)
        self._follow_spec()
        self._refine_current()

    def on_resize(self) -> None:
        self._update_status()  # the status parts and the column titles fit the width
        self.query_one(PromptView).fit_height(self.size.height)

    def on_unmount(self) -> None:
        problem = self.claims.release(self.conn)
        if problem is not None:
            self.log.warning(f"claim not released (it expires by itself): {problem}")
        self.session.close()
        self.conn.close()
        self.triage.close()

    # ----- reactive state
    def watch_spec(self) -> None:
        """Another queue: load it, and the learned order, the estimate and the keys that
        apply follow it."""
        arrival, self._arrival = self._arrival, Arrival()
        self.reload(target=arrival.target, keep=arrival.keep, fallback=arrival.fallback)
        self._follow_spec()
        self._refine_current()

    def _refine_current(self) -> None:
        """Refine the comparison on screen (once per comparison)."""
        name = self._comparison_name(self.spec.comparison_id)
        if self.refiner is not None and name is not None and name != self.refiner.comparison:
            self.refine_state = None
            self.refiner.start(name)

    def _comparison_name(self, cid: int | None) -> str | None:
        return next((name for i, name, *_ in self.context.comparisons if i == cid), None)

    def _follow_spec(self) -> None:
        self.scoring.check(self.spec.comparison_id)
        self.triage.request_refit(self.spec, self.conn)
        if not self.triage.request_estimate(self.spec):
            self.estimate = None
        self.refresh_bindings()
        self._update_status()

    def watch_progress(self) -> None:
        self._update_status()

    def watch_estimate(self) -> None:
        self._update_status()

    def watch_refine_state(self) -> None:
        self._update_status()

    def watch_detail(self, detail: PairDetail | None) -> None:
        pending = detail is not None and self.pair_list.is_pending(detail.pair_id)
        claimed_by = self.claims.claimed_by(detail.pair_id if detail is not None else None)
        self.query_one(PairInfo).show(detail, pending, claimed_by)
        if detail is None:
            self.query_one(NoteLine).set_parts([])  # no pair: nothing to write a note on
        else:
            judgement = detail.judgement.describe() if detail.judgement else None
            self.query_one(NoteLine).show(detail.note, judgement)
        self.query_one(CorrectionLine).show(detail)  # hidden unless the pair has one
        self.query_one(PromptView).show(detail, self.prompt_mode)
        if detail is None:
            self.diff_view.show(None, "No pairs in this queue." if not self.total else "")
            self._update_titles()

    def watch_unified(self, unified: bool) -> None:
        self.diff_view.set_mode(unified=unified)
        self._update_titles()

    def watch_wrap(self, wrap: bool) -> None:
        self.diff_view.set_mode(wrap=wrap)
        # The diff titles say so too, but a narrow terminal cuts that part off.
        said = "wrap on" if wrap else "wrap off (h/l scroll sideways)"
        self.notify(said, markup=False, timeout=2)
        self._update_titles()
        self.refresh_bindings()

    def watch_ignore_ws(self, ignore: bool) -> None:
        if self.detail is not None:
            self._show_pair(self.detail.pair_id)
        self.notify(
            "whitespace and reflow ignored" if ignore else "whitespace shown",
            markup=False,
            timeout=2,
        )
        self._update_titles()

    def watch_prompt_mode(self, mode: str) -> None:
        self.query_one(PromptView).show(self.detail, mode)

    # ----- the queue
    def show_queue(
        self,
        spec: queue.QueueSpec,
        *,
        target: int | None = None,
        keep: bool = True,
        fallback: int = 0,
    ) -> None:
        """Show another queue; the cursor goes to ``target``, else (with ``keep``) stays
        on its pair if the new queue has it, else to row ``fallback``."""
        if spec.ids is None and spec.label is not None:
            spec = spec.with_(label=None)  # the pairs it named are gone from the queue
        self._arrival = Arrival(target, keep, fallback)
        self.spec = spec  # the watcher loads it

    def reload(
        self,
        *,
        target: int | None = None,
        keep: bool = True,
        fallback: int | None = None,
        resume: bool = False,
    ) -> None:
        """Recount and refill the queue for ``self.spec``. With ``keep`` the cursor stays
        on its pair when the new queue has it, else goes to row ``fallback``."""
        self._generation += 1
        current = self.pair_list.cursor_row
        if target is None and keep and current is not None and not resume:
            target = current.pair_id
        if fallback is None:
            fallback = self.pair_list.cursor if keep else 0
        self.reads.load_queue(self._generation, self.spec, target, fallback, resume)

    def _list_columns(self, spec: queue.QueueSpec) -> Columns:
        clusters = has_clusters(self.conn, spec.comparison_id)
        likely = spec.order == REGRESSION_ORDER
        return Columns(
            likely=likely, clusters=clusters, judge=judged(self.conn, spec.comparison_id)
        )

    @on(QueueLoaded)
    def _queue_loaded(self, msg: QueueLoaded) -> None:
        if msg.generation != self._generation:
            return
        load = msg.load
        self.set_reactive(ReviewScreen.spec, load.spec)  # the same queue, as it was read
        self.shape = load.shape
        self.total = load.shape.total
        self.pair_list.set_columns(self._list_columns(load.spec))
        self.pair_list.reset(self.total, load.index, load.rows)
        if not self.total:
            self.detail = None
        if load.note:
            self.notify(load.note, markup=False, timeout=3)
        self.progress = load.progress
        self._update_status()
        self.reads.count_shape(msg.generation, load.spec)

    @on(ShapeCounted)
    def _shape_counted(self, msg: ShapeCounted) -> None:
        if msg.generation == self._generation:
            self.shape = msg.shape

    @on(PairList.RowsWanted)
    def _rows_wanted(self, msg: PairList.RowsWanted) -> None:
        plist = self.pair_list
        before = plist.row_at(msg.start - 1)
        after = plist.row_at(msg.start + msg.count)
        self.reads.fetch_rows(
            msg.generation,
            self.spec,
            self.shape,
            msg.start,
            msg.count,
            before.sort if before else None,
            after.sort if after and not before else None,
        )

    @on(RowsLoaded)
    def _rows_loaded(self, msg: RowsLoaded) -> None:
        keys = self.pair_list.key_cells
        self.pair_list.put_rows(msg.generation, msg.start, msg.rows)
        if self.pair_list.key_cells != keys:
            self._update_status()  # the header follows the key column

    @on(PairList.Highlighted)
    def _highlighted(self, msg: PairList.Highlighted) -> None:
        self._show_pair(msg.row.pair_id)
        self._update_status()

    # ----- the current pair
    def _show_pair(self, pair_id: int, fresh: bool = False) -> None:
        detail = self.cache.detail(pair_id, fresh)
        self.detail = detail
        key = diff_key(detail, self.ignore_ws)
        diff = self.cache.diff(key)
        if diff is None and detail.size <= SYNC_DIFF_CHARS:
            diff = diff_texts(detail.baseline, detail.candidate, ignore_whitespace=self.ignore_ws)
            self.cache.remember_diff(key, diff)
        if diff is None:
            self.diff_view.show(None, f"diffing {detail.size:,} characters…")
            self.reads.diff(key, detail.baseline, detail.candidate, self.ignore_ws)
        elif self.diff_view.diff is not diff:
            self.diff_view.show(diff)
        self._update_titles()

    @on(DiffView.LaidOut)
    def _laid_out(self, msg: DiffView.LaidOut) -> None:
        if msg.diff is self.diff_view.diff:
            self._update_titles()

    @on(DiffReady)
    def _diff_ready(self, msg: DiffReady) -> None:
        self.cache.remember_diff(msg.cache_key, msg.diff)
        if self.detail is not None and msg.cache_key == diff_key(self.detail, self.ignore_ws):
            self.diff_view.show(msg.diff)
            self._update_titles()

    def _update_titles(self) -> None:
        diff = self.diff_view.diff
        stats = ""
        if diff is not None and not diff.counted:
            stats = "counting…"  # a lazy diff: counted once laid out
        elif diff is not None:
            stats = (
                "identical"
                if diff.identical
                else "same as far as shown; differs further on"
                if diff.differs_beyond
                else f"+{diff.inserted_words:,} −{diff.deleted_words:,} words"
            )
        mode = (" · whitespace ignored" if self.ignore_ws else "") + (
            "" if self.wrap else " · no wrap"
        )
        self.query_one(DiffTitles).show(self.detail, stats, self.unified, mode)

    def _update_status(self) -> None:
        if not self.is_mounted:
            return
        p = self.progress
        regressions = p.regressions(self.tag_kinds)
        parts = StatusParts(
            progress=p.summary(self.tag_kinds),
            progress_short=f"{p.reviewed:,}/{p.total:,} done, {regressions:,} reg",
            estimate=estimate_text(self.estimate),
            position=f"{self.pair_list.cursor + 1:,}/{self.total:,}" if self.total else "0/0",
            order=self.spec.order_def.name,
            filters=self.spec.describe_filters() or "all",
            reviewer=self.reviewer,
            refine=refine_status(self.refine_state)
            if self.refine_state and self.refine_state.total
            else "",
            scoring=self.scoring.status(),
        )
        # Less the status line's padding, and one cell: a line that fills it exactly is cut.
        text = status_text(parts, self.size.width - 3)
        # Fixed one-line widgets: no layout pass over the screen on every key.
        self.query_one("#status", Static).update(Content(text), layout=False)
        plist = self.pair_list
        head = Content(
            header_text(plist.size.width or self.size.width, plist.columns, plist.key_cells)
        )
        self.query_one("#queue-head", Static).update(head, layout=False)

    # ----- writes come back
    @on(WriteDone)
    def _write_done(self, msg: WriteDone) -> None:
        o = msg.outcome
        if o.group or o.action == "tag_cluster":
            self._group_written(o)
        elif o.error:
            self.notify(o.error, severity="warning", markup=False)
            if o.pair_id is not None:
                self.pair_list.clear_pending(o.pair_id)
            self.refresh_bindings()
            return
        else:
            self._one_written(o)
        self.reads.refresh_decisions([], self.spec.comparison_id, self.progress.total)
        if o.action in ("tag", "undo", "redo", "tag_cluster") or o.group:
            self.triage.request_refit(self.spec, self.conn)
        self.triage.request_estimate(self.spec)
        self.refresh_bindings()

    def _one_written(self, o: Outcome) -> None:
        assert o.pair_id is not None
        self._apply_decision(o.pair_id, o.decision)
        if o.action not in ("undo", "redo"):
            return
        index = self.pair_list.index_of(o.pair_id)
        if index is not None:
            self.pair_list.set_cursor(index)
        verb = "undone" if o.action == "undo" else "redone"
        tag = o.decision.tag if o.decision else None
        self.notify(f"{verb}: now {tag or 'untagged'}", markup=False, timeout=2)
        if self.spec.untagged or self.spec.tag:
            # The pair may have come into (or left) a queue filtered on tags.
            self.reload(target=o.pair_id)

    def _group_written(self, o: Outcome) -> None:
        """A group write (a cluster tag), or its undo or redo."""
        for pid in o.token if isinstance(o.token, tuple) else ():
            self.pair_list.clear_pending(pid)
        for pid, decision in o.group:
            self._apply_decision(pid, decision)
        n = len(o.group)
        if o.group and o.action == "tag_cluster":
            tag = o.group[0][1].tag if o.group[0][1] else None
            self.notify(f"tagged {n:,} pairs as {tag}", markup=False, timeout=3)
        elif o.group:
            ids = [pid for pid, _ in o.group]
            here = self.pair_list.cursor_row
            if here is None or here.pair_id not in ids:
                found = [i for i in map(self.pair_list.index_of, ids) if i is not None]
                if found:
                    self.pair_list.set_cursor(min(found))
            verb = "undone" if o.action == "undo" else "redone"
            self.notify(f"{verb}: a cluster tag on {n:,} pairs", markup=False, timeout=3)
        if o.error:
            self.notify(o.error, severity="warning", markup=False)

    def _apply_decision(self, pair_id: int, decision: Decision | None) -> None:
        index = self.pair_list.index_of(pair_id)
        row = self.pair_list.row_at(index) if index is not None else None
        if row is not None:
            self.pair_list.update_row(
                dataclasses.replace(
                    row,
                    tag=decision.tag if decision else None,
                    reviewer=decision.reviewer if decision else None,
                    has_note=bool(decision and decision.note),
                    stale=bool(decision and decision.stale),
                )
            )
        else:
            self.pair_list.clear_pending(pair_id)
        self.cache.forget(pair_id)
        if self.detail is not None and self.detail.pair_id == pair_id:
            self.detail = self.cache.detail(pair_id, fresh=True)

    # ----- other reviewers
    def _poll_changes(self) -> None:
        # PRAGMA data_version changes when any other connection commits: microseconds to
        # ask, so the visible rows are re-read only when someone actually wrote.
        version = data_version(self.conn)
        if version != self._data_version:
            self._data_version = version
            self.reads.refresh_decisions(
                self.pair_list.visible_pair_ids(), self.spec.comparison_id, self.progress.total
            )

    @on(DecisionsRefreshed)
    def _decisions_refreshed(self, msg: DecisionsRefreshed) -> None:
        self.progress = msg.progress
        for pid in msg.checked:
            index = self.pair_list.index_of(pid)
            if index is None or self.pair_list.is_pending(pid):
                continue
            row = self.pair_list.row_at(index)
            if row is None:
                continue
            state = msg.states.get(pid)
            new = (
                (state.tag, state.reviewer, state.has_note, state.stale)
                if state
                else (None, None, False, False)
            )
            if (row.tag, row.reviewer, row.has_note, row.stale) != new:
                self.pair_list.update_row(
                    dataclasses.replace(
                        row, tag=new[0], reviewer=new[1], has_note=new[2], stale=new[3]
                    )
                )
                if self.detail is not None and self.detail.pair_id == pid:
                    self.detail = self.cache.detail(pid, fresh=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(
                f"{event.worker.name}: {event.worker.error}", severity="error", markup=False
            )

    # ----- triage results
    @on(TriageRefitted)
    def _triage_refitted(self, msg: TriageRefitted) -> None:
        if self.spec.order != REGRESSION_ORDER or self.spec.comparison_id != msg.comparison_id:
            return
        if self.detail is not None:
            self.cache.forget(self.detail.pair_id)  # its reason may have changed
        first = self.triage.refit_landed(msg.comparison_id)
        self.triage.request_estimate(self.spec)  # the features are cached: it is cheap now
        if first:
            self.reload(keep=False, fallback=0)
        else:
            self.moving.resort_due = True  # brought in when the reader moves on

    @on(EstimateReady)
    def _estimate_ready(self, msg: EstimateReady) -> None:
        if msg.comparison_id == self.spec.comparison_id:
            self.estimate = msg.estimate

    @on(ClusterRead)
    def _cluster_read(self, msg: ClusterRead) -> None:
        if msg.built:
            self.cache.clear()  # pair lines now show their cluster
            self.reload(keep=True)
        found = msg.cluster
        if found is None:
            self.notify("this pair is in no cluster: no other pair changed alike", markup=False)
            return
        if not msg.todo:
            self.notify(f"all {found.size:,} pairs of this cluster are reviewed", markup=False)
            return
        row = self.pair_list.cursor_row
        current = row.tag if row is not None and row.pair_id == msg.pair_id else None
        keys = {t.name: t.key for t in self.tags}
        for shown, b in self._key_bindings():
            if b.action.startswith("tag('") and b.action != "tag('')":
                keys[b.action[5:-2]] = shown
        modal = ConfirmClusterTag(
            len(msg.todo),
            found.size - len(msg.todo),
            found.shared(),
            cluster_default_tag(current, self.tags),
            self.tags,
            keys,
        )
        self.app.push_screen(
            modal, lambda chosen: self._tag_cluster_confirmed(found.id, msg.todo, chosen)
        )

    def _tag_cluster_confirmed(self, cluster_id: int, todo: list[int], tag: str | None) -> None:
        if tag is None:
            return
        for pid in todo:
            self.pair_list.set_pending(pid, tag)
        if self.detail is not None and self.detail.pair_id in todo:
            self.detail = self.detail  # shown as pending
        self.session.group("tag_cluster", cluster_write(cluster_id, tag), token=tuple(todo))

    @on(AlikeFound)
    def _alike_found(self, msg: AlikeFound) -> None:
        if not msg.ids:
            self.notify("no unreviewed pair is like this one", markup=False)
            return
        self._push_back()
        self.notify(
            f"{len(msg.ids)} unreviewed pairs like {msg.key}; escape goes back",
            markup=False,
            timeout=3,
        )
        self.show_queue(alike_spec(self.spec, msg.pair_id, msg.key, msg.ids), target=msg.pair_id)

    @on(SampleSuggested)
    def _sample_suggested(self, msg: SampleSuggested) -> None:
        s = msg.suggestion
        if s.band is None or not msg.ids:
            self.notify(s.reason, markup=False)
            return
        if not (self.spec.order == SAMPLE_ORDER and self.spec.ids is not None):
            self._push_back()  # a new sample replaces the last one; back goes to the queue
        self.show_queue(sample_spec(self.spec, msg.comparison_id, s.band, msg.ids), keep=False)
        self.notify(
            f"{s.reason}: tag from the top; each tag narrows the estimate", markup=False, timeout=4
        )

    @on(SearchDone)
    def _search_done(self, msg: SearchDone) -> None:
        query, result = msg.query, msg.result
        if not result.ids:
            self.notify(
                f"no match for {query!r} in {result.scanned:,} pairs",
                markup=False,
                severity="warning",
            )
            return
        more = "" if result.complete else " (first matches; narrow the search for more)"
        self.notify(f"{len(result.ids):,} matches for {query!r}{more}", markup=False)
        self.show_queue(self.spec.with_(ids=result.ids, search=query))

    def _push_back(self) -> None:
        """Remember the queue and pair, for escape to come back to."""
        row = self.pair_list.cursor_row
        self.triage.back.push(self.spec, row.pair_id if row else None, self.pair_list.cursor)

    # ----- keys: deciding
    def action_scroll_diff(self, unit: str, direction: int) -> None:
        self.diff_view.scroll_step(unit, direction)

    def action_scroll_prompt(self) -> None:
        self.query_one(PromptView).page_down()

    def action_tag(self, name: str) -> None:
        row = self.pair_list.cursor_row
        if row is None:
            return
        if not self._ask_before_overwrite(row, name or None):
            self._tag_row(row, name or None)

    def _tag_row(self, row: queue.QueueRow, tag: str | None) -> None:
        self.pair_list.set_pending(row.pair_id, tag)
        if self.detail is not None and self.detail.pair_id == row.pair_id:
            self.detail = self.detail  # shown as pending
        self.session.tag(row.pair_id, tag)
        if tag is not None:
            self._move_on(row.pair_id)

    def action_undo(self) -> None:
        self.session.undo()

    def action_redo(self) -> None:
        self.session.redo()

    def action_note(self) -> None:
        if self.detail is not None:
            self.notes.inline(self.detail)

    def action_note_external(self) -> None:
        if self.detail is not None:
            self.notes.external(self.detail)

    # ----- keys: corrected answers
    def action_correct(self) -> None:
        """The corrected answer in the inline editor, opened on the new output."""
        if self.detail is not None:
            self.notes.inline(self.detail, field=CORRECTION)

    def action_correct_external(self) -> None:
        if self.detail is not None:
            self.notes.external(self.detail, field=CORRECTION)

    # ----- unscored pairs: say so, and score them in a worker
    @on(UnscoredCounted)
    def _unscored_counted(self, msg: UnscoredCounted) -> None:
        if self.scoring.counted(msg):
            n = sum(msg.unscored.values())
            self.notify(
                f"{n:,} pairs have no scores yet, so distances show '-' and the queue is in"
                " key order: press Z to score them now (or run swapview score)",
                markup=False,
                timeout=10,
            )
        self._update_status()
        self.refresh_bindings()

    @on(ScoringProgressed)
    def _scoring_progressed(self, msg: ScoringProgressed) -> None:
        self.scoring.progress = msg.text
        self._update_status()

    @on(ScoringFinished)
    def _scoring_finished(self, msg: ScoringFinished) -> None:
        self.scoring.finished(msg)
        if msg.error:
            self.notify(msg.error, severity="error", markup=False)
        else:
            done = sum(r.scored for r in msg.reports)
            self.notify(f"scored {done:,} pairs", markup=False, timeout=4)
        self.cache.clear()  # the details' scores and quirks are new
        self.reload(keep=True)
        self.scoring.check(self.spec.comparison_id, again=True)
        self._update_status()
        self.refresh_bindings()

    def action_score(self) -> None:
        self.scoring.start()
        self._update_status()
        self.refresh_bindings()

    # ----- keys: the prompt on a page of its own
    def action_prompt_page(self) -> None:
        if self.detail is not None:
            self.app.push_screen(PromptPage(self.detail))

    # ----- keys: views
    def action_toggle_view(self, what: str) -> None:
        if what == "unified":
            self.unified = not self.unified
        elif what == "wrap":
            self.wrap = not self.wrap
        elif what == "ignore_ws":
            self.ignore_ws = not self.ignore_ws
        elif what == "prompt":
            modes = PROMPT_MODES
            self.prompt_mode = modes[(modes.index(self.prompt_mode) + 1) % len(modes)]

    # ----- keys: the queue
    def action_toggle_untagged(self) -> None:
        self.show_queue(self.spec.with_(untagged=not self.spec.untagged))

    def action_clear_filters(self) -> None:
        # Leaving "more like this" or a band's sample is going back, not to all pairs.
        if self.triage.back and self.spec.label is not None:
            self.action_queue_back()
        else:
            self.show_queue(filters.cleared(self.spec))

    def action_reload(self) -> None:
        self._shift = None  # measured again on next use
        self.reload()

    def action_pick_order(self) -> None:
        choices = [(o.name, f"{o.name}: {o.label}") for o in queue.available_orders(self.conn)]

        def chosen(name: str | None) -> None:
            if name:
                self.show_queue(self.spec.with_(order=name), keep=False)

        self.app.push_screen(Picker("Order the queue by", choices, self.spec.order), chosen)

    def action_pick_filter(self) -> None:
        choices = filters.filter_choices(self.conn, self.spec, self.tags, self.context.comparisons)
        self.app.push_screen(Picker("Filter the queue", choices), self._filter_chosen)

    def _filter_chosen(self, choice: str | None) -> None:
        if not choice:
            return
        agrees = disagreement_map([t.name for t in self.tags], self.tag_kinds)
        picked = filters.apply_choice(self.spec, choice, agrees)
        if picked.spec is not None:
            self.show_queue(picked.spec)
        elif picked.move == "clear":
            self.action_clear_filters()
        elif picked.move == "untagged":
            self.action_toggle_untagged()
        else:
            fields = ", ".join(facets.metadata_fields(self.conn, self.spec.comparison_id)[:8])
            hint = f"e.g. {fields}" if fields else "lang=en"
            self.app.push_screen(AskLine("Metadata filter: field=value", hint), self._meta_chosen)

    def _meta_chosen(self, text: str | None) -> None:
        if not text:
            return
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            self.notify("write it as field=value", severity="warning", markup=False)
            return
        self.show_queue(with_meta_filter(self.conn, self.spec, name.strip(), value.strip()))

    def action_search(self) -> None:
        def asked(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.show_queue(self.spec.with_(ids=None, search=None))
                return
            self.notify("searching…", markup=False, timeout=2)
            self.reads.search(text.strip(), self.spec.comparison_id)

        prompt = "Fuzzy search in keys, prompts and outputs (empty clears)"
        self.app.push_screen(AskLine(prompt, value=self.spec.search or ""), asked)

    def action_jump(self) -> None:
        self.app.push_screen(AskLine("Jump to key (or a key prefix)"), self._jump_to)

    def _jump_to(self, key: str | None) -> None:
        if not key:
            return
        pid = queue.find_key(self.conn, self.spec.comparison_id, key.strip())
        if pid is None:
            self.notify(f"no key {key!r}", severity="warning", markup=False)
        elif queue.row_for(self.conn, self.spec, pid) is None:
            self.notify(
                f"{key!r} is not in this queue (filter: "
                f"{self.spec.describe_filters()}); F clears filters",
                severity="warning",
                markup=False,
            )
        else:
            self.reload(target=pid)

    # ----- keys: triage
    def action_tag_cluster(self) -> None:
        row = self.pair_list.cursor_row
        if row is not None:
            self.triage.read_cluster(row.pair_id)

    def action_more_like_this(self) -> None:
        row = self.pair_list.cursor_row
        if row is not None:
            self.notify("finding alike pairs…", timeout=2)
            self.triage.find_alike(row.pair_id, row.key)

    def action_queue_back(self) -> None:
        place = self.triage.back.pop()
        if place is not None:
            self.show_queue(place.spec, target=place.pair_id, keep=False, fallback=place.row)

    def action_sample_band(self) -> None:
        if self.spec.comparison_id is not None:
            self.triage.suggest_sample(self.spec.comparison_id)

    # ----- keys: the judge
    def action_judge_agreement(self) -> None:
        if self.spec.comparison_id is not None:
            self.reads.judge_calibration(self.spec.comparison_id, self.tag_kinds)

    @on(JudgeCalibrated)
    def _judge_calibrated(self, msg: JudgeCalibrated) -> None:
        text = msg.summary or "no judge has judged this comparison (swapview judge --help)"
        self.notify(text, markup=False, timeout=10)

    # ----- refinement
    @on(RefineStepped)
    def _refine_stepped(self, msg: RefineStepped) -> None:
        if msg.problem is not None:
            self.notify(
                f"refinement off: {msg.problem}", severity="warning", markup=False, timeout=6
            )
            return
        if msg.comparison != self._comparison_name(self.spec.comparison_id):
            return
        before, self.refine_state = self.refine_state, msg.progress
        progress = msg.progress
        grew = progress is not None and (before is None or progress.refined != before.refined)
        now = time.monotonic()
        due = now - self._reloaded_at >= RESORT_S or (progress is not None and progress.done)
        if grew and due and self.spec.order in REFINED_ORDERS:
            # The refined head re-sorts the queue; the cursor stays on its pair.
            self._reloaded_at = now
            self.reload(keep=True)

    # ----- keys: where the eval suite is blind
    def action_coverage_view(self) -> None:
        cid = self.spec.comparison_id
        if cid is None:
            return
        if not self.context.evals:
            self.notify(
                "no eval suite given: review --evals FILE (or evals = [...] in the config)",
                severity="warning",
                markup=False,
            )
            return
        self.notify("clustering the prompts against the eval cases…", markup=False, timeout=4)
        self.reads.coverage(cid, self.context.evals, self.tag_kinds)

    @on(CoverageBuilt)
    def _coverage_built(self, msg: CoverageBuilt) -> None:
        if msg.problem is not None:
            self.notify(msg.problem, severity="error", markup=False)
            return
        if msg.comparison_id != self.spec.comparison_id:
            return
        if not msg.spots:
            self.notify("no blind spot: every cluster holds its share of eval cases", markup=False)
            return
        choices = [(str(i), blind_spot_line(s.cluster)) for i, s in enumerate(msg.spots)]

        def chosen(choice: str | None) -> None:
            if choice is not None:
                spot = msg.spots[int(choice)]
                self._push_back()
                label = f"blind spot {spot.cluster.id}"
                spec = self.spec.with_(ids=tuple(spot.pair_ids), label=label, search=None)
                self.show_queue(spec, keep=False)

        title = "Blind spots: traffic the eval suite does not cover; enter: its pairs"
        self.app.push_screen(Picker(title, choices), chosen)

    # ----- keys: what shifted
    def action_shift_view(self) -> None:
        cid = self.spec.comparison_id
        if cid is None:
            return
        if self._shift is not None and self._shift[0] == cid:
            self._pick_shift_row(self._shift[1])
            return
        self.notify("measuring what shifted…", markup=False, timeout=3)
        self.reads.shift(cid)

    @on(ShiftProgressed)
    def _shift_progressed(self, msg: ShiftProgressed) -> None:
        # Once per database made before shift stored its numbers: say why it takes long.
        self.notify(
            f"storing per-pair numbers for shift (once): {msg.done:,} of {msg.total:,}",
            markup=False,
            timeout=3,
        )

    @on(ShiftBuilt)
    def _shift_built(self, msg: ShiftBuilt) -> None:
        self._shift = (msg.comparison_id, msg.view)
        if msg.comparison_id == self.spec.comparison_id:
            self._pick_shift_row(msg.view)

    def _pick_shift_row(self, view: ShiftView) -> None:
        if not view.rows:
            self.notify("nothing to measure: no scored pairs", markup=False)
            return
        choices = [(str(i), shift_line(row)) for i, row in enumerate(view.rows)]
        title = "What shifted: old ▕ new, per slice (* significant, ◆ long tail); enter: its pairs"

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self._show_shift_pairs(view, view.rows[int(choice)])

        self.app.push_screen(Picker(title, choices), chosen)

    def _show_shift_pairs(self, view: ShiftView, row: ViewRow) -> None:
        ids = view.pair_ids(row)
        if not ids:
            self.notify(f"no pair behind {row.measure} in {row.scope}", markup=False)
            return
        self._push_back()
        label = f"shift: {row.measure}" + ("" if row.scope == "all" else f" in {row.scope}")
        self.show_queue(self.spec.with_(ids=tuple(ids), label=label, search=None), keep=False)
        self.notify(f"{len(ids):,} pairs behind {label}; escape goes back", markup=False)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.key_rows(), legend_rows(self.tags)))

    def action_quit_review(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "score":
            return self.scoring.offered  # hidden unless the queue has unscored pairs
        if action == "undo":
            return self.session.can_undo or None
        if action == "redo":
            return self.session.can_redo or None
        if action == "scroll_diff" and parameters and parameters[0] == "x":
            return (not self.wrap) or None
        if action in _NEEDS_ROW:
            return (self.pair_list.cursor_row is not None) or None
        if action == "judge_agreement":
            return judged(self.conn, self.spec.comparison_id) or None
        if action in ("sample_band", "second_look", "coverage_view", "shift_view"):
            return (self.spec.comparison_id is not None) or None
        if action == "queue_back":
            return bool(self.triage.back) or None
        return True

    # ----- introspection for help and the command palette
    def key_rows(self) -> list[tuple[str, str, str]]:
        """(keys, what they do, binding id: the name a config's [keys] table remaps)."""
        place = {bid: i for i, bid in enumerate(binding_order(self.tags))}
        rows = [(key, b.description, b.id or "") for key, b in self._key_bindings()]
        return sorted(rows, key=lambda row: place.get(row[2], len(place)))

    def _key_bindings(self) -> list[tuple[str, Binding]]:
        seen: dict[str, tuple[list[str], Binding]] = {}
        ours = (self, self.pair_list)
        for key, active in self.active_bindings.items():
            b = active.binding
            if active.node not in ours or not b.description or not b.id:
                continue  # only the review keys (ours all have ids, for remapping)
            entry = seen.setdefault(b.id or b.action, ([], b))
            entry[0].append(self.app.get_key_display(b.with_key(key)))
        return [(", ".join(keys), b) for keys, b in seen.values()]

    def system_commands(self) -> Iterable[SystemCommand]:
        suggest = (self.estimate or {}).get("suggest") or {}
        for keys, b in self._key_bindings():
            if b.action.startswith(("move", "scroll_diff", "goto")):
                continue
            title, help_text = visible(b.description), f"key: {keys}"
            if title == SAMPLE_TITLE and suggest.get("band") is not None:
                title = f"Sample band {suggest['band']}"
                help_text = f"{suggest['reason']} ({help_text})"
            yield SystemCommand(title, help_text, lambda a=b.action: self.run_action(a))

    # ----- moving on after a tag, in orders that follow tags
    def _move_on(self, tagged: int) -> None:
        """To the next row; in an order that follows tags (the learned order, a sample),
        to its first undecided pair. The cursor moves at once to the best the loaded rows
        tell; the database is asked when they cannot tell or the order re-sorted."""
        plist = self.pair_list
        if not self.spec.order_def.follows_tags:
            plist.set_cursor(self._next_unclaimed(plist.cursor + 1))
            return
        skip = self._move_on_skip() | {tagged}
        found = first_loaded_undecided(plist.loaded(), plist.total, skip)
        if found.index is not None:
            plist.set_cursor(found.index)
        else:
            plist.move_cursor(1)
        if found.complete and not self.moving.resort_due:
            if found.index is None:
                self.notify("every pair of this queue is decided", markup=False, timeout=3)
            return
        self.moving.resort_due = False
        self._generation += 1
        self.reads.load_next_undecided(self._generation, self.spec, skip, plist.cursor)

    def _move_on_skip(self) -> set[int]:
        """Pairs a move-on leaves alone: being written, passed over by the reader, or
        another reviewer is on."""
        skip = self.moving.skipped(self.spec) | self.pair_list.pending_ids()
        return skip | self.moving.decided | set(self.claims.others)

    @on(WriteDone)
    def _note_decided(self, msg: WriteDone) -> None:
        o = msg.outcome
        changed = list(o.group)
        if o.pair_id is not None and not o.error:
            changed.append((o.pair_id, o.decision))
        for pid, decision in changed:
            self.moving.written(pid, decision.tag if decision else None)

    @on(PairList.Left)
    def _left_row(self, msg: PairList.Left) -> None:
        row = msg.row
        if row.tag is None and not self.pair_list.is_pending(row.pair_id):
            self.moving.passed(self.spec, row.pair_id)

    @on(PairList.RowsWanted)
    def _resort_for_rows(self, msg: PairList.RowsWanted) -> None:
        # Pages of the new order do not fit rows of the old one: re-sort first.
        if self.moving.resort_due and self.spec.order_def.follows_tags:
            self.moving.resort_due = False
            self.reload(keep=True)

    # ----- other reviewers: who decided, claims
    def _ask_before_overwrite(self, row: queue.QueueRow, tag: str | None) -> bool:
        """Ask (True: asked, the tag waits) before replacing another reviewer's tag."""
        theirs, who = row.tag, row.reviewer
        if theirs is None or who is None or who == self.reviewer or tag == theirs:
            return False
        if self.spec.label == SECOND_LOOK_LABEL:
            return False  # a second opinion is what this queue asks for
        question = overwrite_question(visible(row.key), theirs, who, tag)

        def answered(yes: bool | None) -> None:
            current = self.pair_list.cursor_row
            if yes and current is not None and current.pair_id == row.pair_id:
                self._tag_row(current, tag)

        self.app.push_screen(ConfirmOverwrite(question), answered)
        return True

    @on(PairList.Highlighted)
    def _claim_highlighted(self, msg: PairList.Highlighted) -> None:
        # Claimed once the cursor rests: holding j down is not a write per row.
        if self._claim_timer is not None:
            self._claim_timer.stop()
        pair_id = msg.row.pair_id
        claim = self.claims.claim
        self._claim_timer = self.set_timer(CLAIM_SETTLE_SECONDS, lambda: claim(pair_id))

    @on(ClaimsRead)
    def _claims_read(self, msg: ClaimsRead) -> None:
        shown = self.detail.pair_id if self.detail is not None else None
        if self.claims.update(msg.claims, shown):
            self.detail = self.detail  # the pair line says who is on it

    def _next_unclaimed(self, index: int) -> int:
        """``index``, or the first row after it that no other reviewer is on."""
        plist = self.pair_list
        while (row := plist.row_at(index)) is not None and row.pair_id in self.claims.others:
            index += 1
        return index

    def action_second_look(self) -> None:
        if self.spec.comparison_id is not None:
            share = self.context.config.second_look_share
            self.reads.second_look(self.spec.comparison_id, share)

    @on(SecondLookFound)
    def _second_look_found(self, msg: SecondLookFound) -> None:
        if msg.comparison_id != self.spec.comparison_id:
            return
        if not msg.ids:
            self.notify("no pair waits for your second look", markup=False)
            return
        self._push_back()
        spec = self.spec.with_(ids=tuple(msg.ids), label=SECOND_LOOK_LABEL, search=None)
        self.show_queue(spec, keep=False)
        self.notify(
            f"{len(msg.ids):,} pairs others tagged, for your own tag (agreement in the"
            " report); escape goes back",
            markup=False,
            timeout=4,
        )

    # ----- shortcuts
    @property
    def pair_list(self) -> PairList:
        return self.query_one(PairList)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one(DiffView)
