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
- ``QueuePickers`` and ``ViewPickers`` (pickers.py) each open a modal and act on the
  choice (order, filter, search, jump; what shifted, blind spots, second look, judge);
  ``TagQuestions`` (tag_questions.py) asks before an overwrite or a cluster tag;
  ``SecondLooks`` (second_look.py) keeps a second look blind until it is tagged. The
  screen forwards their keys and the messages their workers send back.

The widgets draw and post messages: the queue list owns the movement keys, the diff
pane declares its scrolling keys (bound here, since the queue keeps the focus). What the
screen shows follows its reactive state: the queue (``spec``), the pair (``detail``),
the view toggles, the progress and the estimate each have a watcher.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingsMap
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from .. import queue
from ..detail import PairDetail
from ..diff import diff_texts
from ..judge.pairs import judged
from ..queue import status as facets
from ..reviews import Decision
from ..scoring.refine import RefineProgress
from ..scoring.refine import status_text as refine_status
from ..session import GroupWrite, Outcome, ReviewSession
from ..store import connect
from ..triage.stored import data_version, has_clusters
from . import filters, keys
from .claims import CLAIM_POLL_SECONDS, CLAIM_SETTLE_SECONDS, ClaimKeeper
from .context import Arrival, ReviewContext
from .detail_cache import DetailCache, diff_key
from .diff_view import DiffView
from .footer import FittedFooter
from .keys import screen_bindings
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
from .modals import HelpScreen
from .moving_on import MovingOn, next_unclaimed
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
from .pickers import QueuePickers, ViewPickers
from .prompt_page import PromptPage
from .reads import ScreenReads
from .refiner import BackgroundRefiner
from .scoring_offer import ScoringOffer
from .second_look import SecondLooks
from .status_line import StatusParts, progress_forms, status_text
from .tag_questions import TagQuestions
from .triage_controller import (
    REGRESSION_ORDER,
    SAMPLE_ORDER,
    TriageController,
    alike_spec,
    estimate_text,
    sample_spec,
)

SYNC_DIFF_CHARS = 60_000  # smaller pairs are diffed at once; bigger ones in a worker
POLL_SECONDS = 1.0
# Keys that would show or change the first decision of a pair shown blind (a second look).
_NOT_BLIND = {"note", "note_external", "correct", "correct_external", "tag_cluster"}
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
        self.moving = MovingOn()
        self.claims = ClaimKeeper(self.reads, context.reviewer)
        self._claim_timer: Timer | None = None
        self.scoring = ScoringOffer(self, context.db_path)
        self.looks = SecondLooks()
        self.questions = TagQuestions(self, context.reviewer, self.looks, self.tags)
        self.queue_pickers = QueuePickers(
            self, self.conn, self.reads, self.tags, self.tag_kinds, context.comparisons
        )
        self.views = ViewPickers(
            self,
            self.reads,
            self.looks,
            evals=context.evals,
            share=context.config.second_look_share,
            tag_kinds=self.tag_kinds,
        )

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
        detail = self.looks.shown(self.spec, detail)  # a second look: the decision hidden
        pending = detail is not None and self.pair_list.is_pending(detail.pair_id)
        claimed_by = self.claims.claimed_by(detail.pair_id if detail is not None else None)
        self.query_one(PairInfo).show(detail, pending, claimed_by)
        if detail is None:
            self.query_one(NoteLine).set_parts([])  # no pair: nothing to write a note on
        else:
            judgement = detail.judgement.describe() if detail.judgement else None
            blind = self.looks.hides(self.spec, detail.pair_id)
            self.query_one(NoteLine).show(detail.note, judgement, blind)
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
        self.pair_list.hide_decisions(self.looks.hidden_ids(load.spec))
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
        if self.looks.active(self.spec):
            self.refresh_bindings()  # notes wait until a blind pair is tagged

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
        stats = diff.summary() if diff is not None else ""
        mode = (" · whitespace ignored" if self.ignore_ws else "") + (
            "" if self.wrap else " · no wrap"
        )
        self.query_one(DiffTitles).show(self.detail, stats, self.unified, mode)

    def _update_status(self) -> None:
        if not self.is_mounted:
            return
        summary, short = progress_forms(self.progress, self.tag_kinds)
        if self.looks.active(self.spec):
            summary = short = self.looks.progress_text()  # the counts would tell the tags
        parts = StatusParts(
            progress=summary,
            progress_short=short,
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
            self._looked(o)
            self._one_written(o)
        self.reads.refresh_decisions([], self.spec.comparison_id, self.progress.total)
        if o.action in ("tag", "undo", "redo", "tag_cluster") or o.group:
            self.triage.request_refit(self.spec, self.conn)
        self.triage.request_estimate(self.spec)
        self.refresh_bindings()

    def _looked(self, o: Outcome) -> None:
        """A second look stored: the pair is seen now, and the first tag is told."""
        said = self.looks.written(o)
        self.pair_list.hide_decisions(self.looks.hidden_ids(self.spec))
        self.refresh_bindings()  # a seen pair takes notes again
        self._update_status()  # the second look's own progress
        if said is not None:
            self.notify(said, markup=False, timeout=6)

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
        now = f"now {tag or 'untagged'}"
        if o.second_look:
            now = f"your second look, now {o.looked or 'none'}"
        self.notify(f"{verb}: {now}", markup=False, timeout=2)
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
        self.pair_list.show_decision(pair_id, facets.state_of(decision))
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
            if self.pair_list.is_pending(pid):
                continue  # its write is on the way: the row shows it as pending
            changed = self.pair_list.show_decision(pid, msg.states.get(pid))
            if changed and self.detail is not None and self.detail.pair_id == pid:
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
        self.questions.cluster(msg)

    def tag_pairs(self, todo: list[int], tag: str, write: GroupWrite) -> None:
        """Tag many pairs in one write (a cluster), undone as one step."""
        for pid in todo:
            self.pair_list.set_pending(pid, tag)
        if self.detail is not None and self.detail.pair_id in todo:
            self.detail = self.detail  # shown as pending
        self.session.group("tag_cluster", write, token=tuple(todo))

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
        self.queue_pickers.search_done(msg)

    def _push_back(self) -> None:
        """Remember the queue and pair, for escape to come back to."""
        row = self.pair_list.cursor_row
        self.triage.back.push(self.spec, row.pair_id if row else None, self.pair_list.cursor)

    def open_subset(self, ids: Sequence[int], label: str, *, unfiltered: bool = False) -> None:
        """A queue of these pairs under ``label``, from the top; escape comes back here.
        ``unfiltered``: exactly these pairs, whatever filters the queue had."""
        self._push_back()
        spec = self.spec.with_(ids=tuple(ids), label=label, search=None)
        if unfiltered:
            spec = queue.QueueSpec(spec.order, spec.seed, spec.comparison_id)
            spec = spec.with_(ids=tuple(ids), label=label)
        self.show_queue(spec, keep=False)

    # ----- keys: deciding
    def action_scroll_diff(self, unit: str, direction: int) -> None:
        self.diff_view.scroll_step(unit, direction)

    def action_scroll_prompt(self) -> None:
        self.query_one(PromptView).page_down()

    def action_tag(self, name: str) -> None:
        row = self.pair_list.cursor_row
        if row is None:
            return
        if not self.questions.before_tag(row, name or None):
            self.tag_row(row, name or None)

    def tag_row(self, row: queue.QueueRow, tag: str | None) -> None:
        self.pair_list.set_pending(row.pair_id, tag)
        if self.detail is not None and self.detail.pair_id == row.pair_id:
            self.detail = self.detail  # shown as pending
        if self.looks.hides(self.spec, row.pair_id):
            self.session.second_look(row.pair_id, tag)  # their own label, not an overwrite
        else:
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
        said = self.scoring.counted(msg)
        if said is not None:
            self.notify(said, markup=False, timeout=10)
        self._scoring_changed()

    @on(ScoringProgressed)
    def _scoring_progressed(self, msg: ScoringProgressed) -> None:
        self.scoring.progress = msg.text
        self._update_status()

    @on(ScoringFinished)
    def _scoring_finished(self, msg: ScoringFinished) -> None:
        said = self.scoring.finished(msg)
        if msg.error:
            self.notify(said, severity="error", markup=False)
        else:
            self.notify(said, markup=False, timeout=4)
        self.cache.clear()  # the details' scores and quirks are new
        self.reload(keep=True)
        self.scoring.check(self.spec.comparison_id, again=True)
        self._scoring_changed()

    def action_score(self) -> None:
        self.scoring.start()
        self._scoring_changed()

    def _scoring_changed(self) -> None:
        self._update_status()  # the status line's scoring part
        self.refresh_bindings()  # Z is offered only while there are unscored pairs

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
        self.views.forget()  # measured again on next use
        self.reload()

    def action_pick_order(self) -> None:
        self.queue_pickers.pick_order()

    def action_pick_filter(self) -> None:
        self.queue_pickers.pick_filter()

    def action_search(self) -> None:
        self.queue_pickers.search()

    def action_jump(self) -> None:
        self.queue_pickers.jump()

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

    # ----- keys: views that open a slice of the queue (pickers.py)
    def action_judge_agreement(self) -> None:
        self.views.judge_agreement()

    @on(JudgeCalibrated)
    def _judge_calibrated(self, msg: JudgeCalibrated) -> None:
        self.views.judge_calibrated(msg)

    def action_coverage_view(self) -> None:
        self.views.blind_spots()

    @on(CoverageBuilt)
    def _coverage_built(self, msg: CoverageBuilt) -> None:
        self.views.blind_spots_built(msg)

    def action_shift_view(self) -> None:
        self.views.shift()

    @on(ShiftBuilt)
    def _shift_built(self, msg: ShiftBuilt) -> None:
        self.views.shift_built(msg)

    def action_second_look(self) -> None:
        self.views.second_look()

    @on(SecondLookFound)
    def _second_look_found(self, msg: SecondLookFound) -> None:
        self.views.second_look_found(msg)

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
        if self.refiner is not None and self.refiner.resort_due(
            before, msg.progress, self.spec.order
        ):
            self.reload(keep=True)  # the refined head re-sorts; the cursor stays on its pair

    @on(ShiftProgressed)
    def _shift_progressed(self, msg: ShiftProgressed) -> None:
        # Once per database made before shift stored its numbers: say why it takes long.
        self.notify(
            f"storing per-pair numbers for shift (once): {msg.done:,} of {msg.total:,}",
            markup=False,
            timeout=3,
        )

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
            row = self.pair_list.cursor_row
            # Clearing a tag on a blind pair would tell the first tag without a label.
            blind_off = action in _NOT_BLIND or (action == "tag" and parameters == ("",))
            if blind_off and row is not None:
                return (not self.looks.hides(self.spec, row.pair_id)) or None
            return (row is not None) or None
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
        return keys.key_rows(self.bound_keys(), self.tags)

    def bound_keys(self) -> keys.Bound:
        ours = (self, self.pair_list)
        return keys.bound_keys(self.active_bindings, ours, self.app.get_key_display)

    def system_commands(self) -> Iterable[SystemCommand]:
        suggest = (self.estimate or {}).get("suggest") or {}
        for title, help_text, action in keys.palette_entries(self.bound_keys(), suggest):
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))

    # ----- moving on after a tag, in orders that follow tags
    def _move_on(self, tagged: int) -> None:
        """To the next row; in an order that follows tags (the learned order, a sample),
        to its first undecided pair (``MovingOn.after_tag``)."""
        plist, others = self.pair_list, self.claims.others
        # A second look moves row by row: its rows all hold the first reviewer's tags.
        if not self.spec.order_def.follows_tags or self.looks.active(self.spec):
            plist.set_cursor(next_unclaimed(plist.row_at, plist.cursor + 1, others))
            return
        busy = plist.pending_ids() | set(others)
        move = self.moving.after_tag(self.spec, plist.loaded(), plist.total, tagged, busy)
        if move.index is not None:
            plist.set_cursor(move.index)
        else:
            plist.move_cursor(1)
        if move.all_decided:
            self.notify("every pair of this queue is decided", markup=False, timeout=3)
        if move.ask:
            self._generation += 1
            self.reads.load_next_undecided(
                self._generation, self.spec, set(move.skip), plist.cursor
            )

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

    # ----- shortcuts
    @property
    def pair_list(self) -> PairList:
        return self.query_one(PairList)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one(DiffView)
