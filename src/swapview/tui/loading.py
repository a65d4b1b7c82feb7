"""The review screen's reads that may be slow, as thread workers posting typed messages.

Each worker opens its own SQLite connection (connections belong to their thread; WAL
means these reads never wait on a writer) and reports back with a message, so the UI
thread only ever applies results.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass

from textual import work
from textual.message import Message

from .. import queue
from ..diff import Diff, diff_texts
from ..queue.search import SearchResult, search
from ..queue.status import DecisionState
from ..queue.window import QueueLoad, load_queue
from ..store import connect


@dataclass
class QueueLoaded(Message):
    generation: int
    load: QueueLoad


@dataclass
class ShapeCounted(Message):
    generation: int
    shape: queue.Shape

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ShapeCounted)  # only the latest count matters


@dataclass
class RowsLoaded(Message):
    generation: int
    start: int
    rows: list[queue.QueueRow]


@dataclass
class DecisionsRefreshed(Message):
    """Fresh decisions of the pairs in ``checked`` (absent from ``states`` = undecided)."""

    checked: list[int]
    states: dict[int, DecisionState]
    progress: queue.Progress


@dataclass
class SearchDone(Message):
    query: str
    result: SearchResult


@dataclass
class DiffReady(Message):
    cache_key: tuple
    diff: Diff


class LoadingMixin:
    """Workers of the review screen; the screen provides db_path and post_message."""

    db_path: str
    reviewer: str

    def _conn(self) -> closing[sqlite3.Connection]:
        return closing(connect(self.db_path))

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def load_queue_worker(
        self,
        generation: int,
        spec: queue.QueueSpec,
        target: int | None,
        fallback: int,
        resume: bool = False,
        preloaded: Future[QueueLoad] | None = None,
    ) -> None:
        if preloaded is not None:
            # The CLI started this read before Textual was imported (see review_cmd).
            self.post_message(QueueLoaded(generation, preloaded.result()))
            return
        with self._conn() as conn:
            load = load_queue(
                conn,
                spec,
                reviewer=self.reviewer if resume else None,
                target=target,
                fallback=fallback,
            )
        self.post_message(QueueLoaded(generation, load))

    @work(thread=True, exclusive=True, group="shape", exit_on_error=False)
    def shape_worker(self, generation: int, spec: queue.QueueSpec) -> None:
        with self._conn() as conn:
            shape = queue.shape(conn, spec)
        self.post_message(ShapeCounted(generation, shape))

    @work(thread=True, group="pages", exit_on_error=False)
    def fetch_rows_worker(
        self,
        generation: int,
        spec: queue.QueueSpec,
        shape: queue.Shape,
        start: int,
        count: int,
        before: queue.SortKey | None,
        after: queue.SortKey | None,
    ) -> None:
        with self._conn() as conn:
            if before is not None:
                rows = queue.page_after(conn, spec, before, count, shape)
            elif after is not None:
                rows = queue.page_before(conn, spec, after, count, shape)
            else:
                rows = queue.page_at(conn, spec, start, count, shape)
        self.post_message(RowsLoaded(generation, start, rows))

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_worker(
        self, pair_ids: list[int], comparison_id: int | None, total: int | None
    ) -> None:
        with self._conn() as conn:
            states = queue.decisions_for(conn, pair_ids)
            prog = queue.progress(conn, comparison_id, total=total or None)
        self.post_message(DecisionsRefreshed(pair_ids, states, prog))

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search_worker(self, query: str, comparison_id: int | None) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        with self._conn() as conn:
            result = search(conn, query, comparison_id, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(SearchDone(query, result))

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def diff_worker(
        self, cache_key: tuple, old: str | None, new: str | None, ignore_whitespace: bool
    ) -> None:
        diff = diff_texts(old, new, ignore_whitespace=ignore_whitespace, lazy=True)
        self.post_message(DiffReady(cache_key, diff))
