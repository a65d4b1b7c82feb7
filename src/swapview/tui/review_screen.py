"""The review screen: queue above, pair and diff below; tag with one key and move on."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from .. import queue
from ..config import Config, TagConfig
from ..detail import PairDetail, pair_detail
from ..diff import Diff, diff_texts
from ..queue.window import QueueLoad
from ..session import Outcome, ReviewSession
from ..store import connect
from ..triage.stored import data_version
from .actions import ActionsMixin
from .diff_view import DiffView
from .loading import (
    DecisionsRefreshed,
    DiffReady,
    LoadingMixin,
    QueueLoaded,
    RowsLoaded,
    SearchDone,
    ShapeCounted,
)
from .pair_list import PairList, header_text
from .panels import DiffTitles, NoteLine, PairInfo, PromptView
from .status_line import StatusParts, status_text
from .triage import TriageMixin, new_triage_state
from .triage_actions import TRIAGE_BINDINGS, TriageActionsMixin
from .triage_estimate import TriageUI

SYNC_DIFF_CHARS = 60_000  # smaller pairs are diffed at once; bigger ones in a worker
DETAIL_CACHE_CHARS = 20_000_000
POLL_SECONDS = 1.0


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


def _bindings(tags: list[TagConfig]) -> list[Binding]:
    b = [
        Binding("j,down", "move(1)", "Next", id="next_pair"),
        Binding("k,up", "move(-1)", "Prev", id="prev_pair", show=False),
        Binding("g,home", "goto('first')", "First pair", id="first_pair", show=False),
        Binding("G,end", "goto('last')", "Last pair", id="last_pair", show=False),
        Binding("ctrl+d", "move_page(1)", "List page down", id="list_page_down", show=False),
        Binding("ctrl+u", "move_page(-1)", "List page up", id="list_page_up", show=False),
        Binding(
            "space,pagedown",
            "scroll_diff('page', 1)",
            "Diff page down",
            id="diff_page_down",
            show=False,
        ),
        Binding(
            "b,pageup", "scroll_diff('page', -1)", "Diff page up", id="diff_page_up", show=False
        ),
        Binding("J", "scroll_diff('line', 1)", "Diff line down", id="diff_down", show=False),
        Binding("K", "scroll_diff('line', -1)", "Diff line up", id="diff_up", show=False),
        Binding(
            "right,l", "scroll_diff('x', 1)", "Diff right (no wrap)", id="diff_right", show=False
        ),
        Binding(
            "left,h", "scroll_diff('x', -1)", "Diff left (no wrap)", id="diff_left", show=False
        ),
    ]
    for t in tags:
        b.append(
            Binding(
                t.key,
                f"tag('{t.name}')",
                (t.label or t.name).capitalize(),
                id=f"tag_{t.name}",
                show=t.name in ("regression", "improvement", "neutral", "skip"),
            )
        )
    b += [
        Binding("x", "tag('')", "Clear tag", id="clear_tag", show=False),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("U,ctrl+r", "redo", "Redo", id="redo", show=False),
        Binding("a", "note", "Note", id="note"),
        Binding("e", "note_external", "Note in $EDITOR", id="note_external", show=False),
        Binding("v", "toggle('unified')", "Unified/side by side", id="toggle_unified", show=False),
        Binding("w", "toggle('wrap')", "Wrap", id="toggle_wrap", show=False),
        Binding(
            "W",
            "toggle('ignore_ws')",
            "Ignore whitespace & reflow",
            id="toggle_whitespace",
            show=False,
        ),
        Binding(
            "p",
            "toggle('prompt')",
            "Prompt: last question / all turns / one line",
            id="toggle_prompt",
            show=False,
        ),
        Binding("P", "scroll_prompt", "Prompt: scroll", id="scroll_prompt", show=False),
        Binding("t", "toggle_untagged", "Untagged only", id="toggle_untagged", show=False),
        Binding("o", "pick_order", "Order", id="order"),
        Binding("f", "pick_filter", "Filter", id="filter"),
        Binding("F", "clear_filters", "Clear filters", id="clear_filters", show=False),
        *TRIAGE_BINDINGS,
        Binding("slash", "search", "Search", id="search"),
        Binding("colon", "jump", "Jump to key", id="jump", show=False),
        Binding("ctrl+l,R", "reload", "Reload queue", id="reload", show=False),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit_review", "Quit", id="quit", show=False),
    ]
    return b


def binding_ids(tags: list[TagConfig]) -> set[str]:
    """Every id a config's [keys] table can remap."""
    return {b.id for b in _bindings(tags) if b.id}


class ReviewScreen(TriageActionsMixin, TriageMixin, LoadingMixin, ActionsMixin, Screen):
    """Pages through one queue; all writes go through the reviewer's ReviewSession."""

    AUTO_FOCUS = "#queue"

    @dataclass
    class WriteDone(Message):
        outcome: Outcome

    def __init__(self, context: ReviewContext) -> None:
        super().__init__()
        self.context = context
        self.db_path = context.db_path
        self.reviewer = context.reviewer
        self.spec = context.spec
        self.tags = context.config.all_tags()
        self.tag_kinds = context.config.tag_kinds()  # what each tag counts as
        # Bindings depend on the config (custom tags), so they are added per instance;
        # BindingsMap splits "j,down" into one binding per key, as BINDINGS would.
        for key, bindings in BindingsMap(_bindings(self.tags)).key_to_bindings.items():
            self._bindings.key_to_bindings.setdefault(key, []).extend(bindings)
        self.total = 0
        self.shape = queue.Shape(0, 0)
        self.progress = queue.Progress(0, 0)
        self.detail: PairDetail | None = None
        self.unified = False
        self.wrap = True
        self.ignore_ws = False
        self.prompt_mode = "turns"
        self._generation = 0
        self._details: OrderedDict[int, PairDetail] = OrderedDict()
        self._diffs: OrderedDict[tuple, Diff] = OrderedDict()
        self._data_version: int | None = None
        self.conn: sqlite3.Connection = connect(context.db_path)
        self._triage = new_triage_state()
        self._triage_ui = TriageUI()
        self.session = ReviewSession(
            context.db_path, context.reviewer, lambda o: self.post_message(self.WriteDone(o))
        )

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="queue-head")
        # Custom tags take the colour of what they count as (wrong_fact as a regression).
        yield PairList(id="queue", tag_kinds=self.tag_kinds)
        yield PairInfo(id="pair-info", tag_kinds=self.tag_kinds)
        yield NoteLine(id="note-line")
        yield PromptView(id="prompt")
        yield DiffTitles(id="titles")
        yield DiffView(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        self.prompt_mode = "collapsed" if self.app.size.height < 30 else "turns"
        self._data_version = self._version()
        self.set_interval(POLL_SECONDS, self._poll_changes)
        self._generation += 1
        preloaded, self.context.preloaded = self.context.preloaded, None
        self.load_queue_worker(self._generation, self.spec, None, 0, self.context.resume, preloaded)
        self.request_refit()
        self.request_estimate()

    def on_resize(self) -> None:
        self._update_status()  # the status parts and the column titles fit the width
        self.query_one(PromptView).fit_height(self.size.height)

    def on_unmount(self) -> None:
        self.session.close()
        self.conn.close()
        self.close_triage()

    # ----- the queue
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
        self.load_queue_worker(self._generation, self.spec, target, fallback, resume)

    @on(QueueLoaded)
    def _queue_loaded(self, msg: QueueLoaded) -> None:
        if msg.generation != self._generation:
            return
        load = msg.load
        self.spec = load.spec
        self.shape = load.shape
        self.total = load.shape.total
        self.progress = load.progress
        self.pair_list.set_columns(self.list_columns(load.spec))
        self.pair_list.reset(self.total, load.index, load.rows)
        if not self.total:
            self._show_detail(None)
        if load.note:
            self.notify(load.note, markup=False, timeout=3)
        self._update_status()
        self.shape_worker(msg.generation, load.spec)

    @on(ShapeCounted)
    def _shape_counted(self, msg: ShapeCounted) -> None:
        if msg.generation == self._generation:
            self.shape = msg.shape

    @on(PairList.RowsWanted)
    def _rows_wanted(self, msg: PairList.RowsWanted) -> None:
        plist = self.pair_list
        before = plist.row_at(msg.start - 1)
        after = plist.row_at(msg.start + msg.count)
        self.fetch_rows_worker(
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
    def _load_detail(self, pair_id: int, fresh: bool = False) -> PairDetail:
        if not fresh and pair_id in self._details:
            self._details.move_to_end(pair_id)
            return self._details[pair_id]
        detail = pair_detail(self.conn, pair_id)
        self._details[pair_id] = detail
        while sum(d.size for d in self._details.values()) > DETAIL_CACHE_CHARS:
            self._details.popitem(last=False)
        return detail

    def _show_pair(self, pair_id: int, fresh: bool = False) -> None:
        detail = self._load_detail(pair_id, fresh)
        self._show_detail(detail)
        key = (pair_id, detail.content_hash, self.ignore_ws)
        diff = self._diffs.get(key)
        if diff is None and detail.size <= SYNC_DIFF_CHARS:
            diff = diff_texts(detail.baseline, detail.candidate, ignore_whitespace=self.ignore_ws)
            self._remember_diff(key, diff)
        if diff is None:
            self.diff_view.show(None, f"diffing {detail.size:,} characters…")
            # Lazy: the worker aligns lines; hunks get their word diff when laid out.
            self.diff_worker(key, detail.baseline, detail.candidate, self.ignore_ws)
        elif self.diff_view.diff is not diff:
            self.diff_view.show(diff)
        self._update_titles()

    def _remember_diff(self, key: tuple, diff: Diff) -> None:
        self._diffs[key] = diff
        while len(self._diffs) > 64:
            self._diffs.popitem(last=False)

    @on(DiffView.LaidOut)
    def _laid_out(self, msg: DiffView.LaidOut) -> None:
        if msg.diff is self.diff_view.diff:
            self._update_titles()

    @on(DiffReady)
    def _diff_ready(self, msg: DiffReady) -> None:
        self._remember_diff(msg.cache_key, msg.diff)
        d = self.detail
        if d is not None and msg.cache_key == (d.pair_id, d.content_hash, self.ignore_ws):
            self.diff_view.show(msg.diff)
            self._update_titles()

    def _show_detail(self, detail: PairDetail | None) -> None:
        self.detail = detail
        pending = detail is not None and self.pair_list.is_pending(detail.pair_id)
        self.query_one(PairInfo).show(detail, pending)
        if detail is None:
            self.query_one(NoteLine).set_parts([])  # no pair: nothing to write a note on
        else:
            self.query_one(NoteLine).show(detail.note)
        self.query_one(PromptView).show(detail, self.prompt_mode)
        if detail is None:
            self.diff_view.show(None, "No pairs in this queue." if not self.total else "")
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
        p = self.progress
        regressions = p.regressions(self.tag_kinds)
        parts = StatusParts(
            progress=p.summary(self.tag_kinds),
            progress_short=f"{p.reviewed:,}/{p.total:,} done, {regressions:,} reg",
            estimate=self.estimate_status().removeprefix(", "),
            position=f"{self.pair_list.cursor + 1:,}/{self.total:,}" if self.total else "0/0",
            order=self.spec.order_def.name,
            filters=self.spec.describe_filters() or "all",
            reviewer=self.reviewer,
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
        if self.group_written(o):
            return
        if o.error:
            self.notify(o.error, severity="warning", markup=False)
            if o.pair_id is not None:
                self.pair_list.clear_pending(o.pair_id)
            self.refresh_bindings()
            return
        self._apply_decision(o.pair_id, o.decision)
        if o.action in ("undo", "redo"):
            index = self.pair_list.index_of(o.pair_id)
            if index is not None:
                self.pair_list.set_cursor(index)
            verb = "undone" if o.action == "undo" else "redone"
            tag = o.decision.tag if o.decision else None
            self.notify(f"{verb}: now {tag or 'untagged'}", markup=False, timeout=2)
            if self.spec.untagged or self.spec.tag:
                # The pair may have come into (or left) a queue filtered on tags.
                self.reload(target=o.pair_id)
        self.refresh_worker([], self.spec.comparison_id, self.progress.total)
        if o.action in ("tag", "undo", "redo"):
            self.request_refit()
        self.request_estimate()
        self.refresh_bindings()

    def _apply_decision(self, pair_id: int, decision) -> None:
        index = self.pair_list.index_of(pair_id)
        if index is not None:
            row = self.pair_list.row_at(index)
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
        self._details.pop(pair_id, None)
        if self.detail is not None and self.detail.pair_id == pair_id:
            self._show_detail(self._load_detail(pair_id, fresh=True))

    # ----- other reviewers
    def _version(self) -> int:
        return data_version(self.conn)

    def _poll_changes(self) -> None:
        # PRAGMA data_version changes when any other connection commits: microseconds to
        # ask, so the visible rows are re-read only when someone actually wrote.
        version = self._version()
        if version != self._data_version:
            self._data_version = version
            self.refresh_worker(
                self.pair_list.visible_pair_ids(), self.spec.comparison_id, self.progress.total
            )

    @on(DecisionsRefreshed)
    def _decisions_refreshed(self, msg: DecisionsRefreshed) -> None:
        self.progress = msg.progress
        self._update_status()
        for pid in msg.checked:
            index = self.pair_list.index_of(pid)
            if index is None or self.pair_list.is_pending(pid):
                continue
            row = self.pair_list.row_at(index)
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
                    self._show_detail(self._load_detail(pid, fresh=True))

    @on(SearchDone)
    def _search_done(self, msg: SearchDone) -> None:
        self.search_finished(msg.query, msg.result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(
                f"{event.worker.name}: {event.worker.error}", severity="error", markup=False
            )

    # ----- shortcuts
    @property
    def pair_list(self) -> PairList:
        return self.query_one(PairList)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one(DiffView)
