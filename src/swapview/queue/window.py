"""The first window of a queue: count, cursor position (resume or keep), its page."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import dataclass

from sqlite_utils import Database

from ..reviews import last_reviewed_pair
from ..store import on_thread
from .paging import (
    QueueRow,
    Shape,
    SortKey,
    count,
    page_after,
    page_at,
    page_before,
    position,
    row_for,
)
from .spec import QueueSpec
from .status import Progress, progress

PAGE = 100  # rows per page: the list asks for pages of this size, aligned to it


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """What a (re)load of the queue found."""

    spec: QueueSpec
    shape: Shape
    index: int
    rows: dict[int, QueueRow]
    progress: Progress
    note: str = ""


def load_queue(
    conn: sqlite3.Connection,
    spec: QueueSpec,
    *,
    reviewer: str | None = None,
    target: int | None = None,
    fallback: int = 0,
) -> QueueLoad:
    """Count the queue, place the cursor on ``target`` (or ``fallback``), read its page.

    With ``reviewer`` the cursor resumes after the pair that reviewer tagged last. The
    head count (pairs the order has a value for) is left out: the first screen does not
    need it, and at 1M rows it is an index scan of its own."""
    if reviewer is not None:
        target = last_reviewed_pair(Database(conn), reviewer, spec.comparison_id)
    total = count(conn, spec)
    shape = Shape(total)
    index = max(0, min(fallback, total - 1))
    rows: dict[int, QueueRow] = {}
    note = ""
    row = row_for(conn, spec, target) if target is not None else None
    if row is not None:
        index = position(conn, spec, row.sort, shape)
        start = index - index % PAGE
        before = page_before(conn, spec, row.sort, index - start, shape) if index > start else []
        page = [*before, row, *page_after(conn, spec, row.sort, PAGE, shape)]
        rows = {start + i: r for i, r in enumerate(page)}
        if reviewer is not None:
            if row.tag is not None and index + 1 < total:
                index += 1
            note = f"resumed at {row.key}"
    elif total:
        start = index - index % PAGE
        rows = {start + i: r for i, r in enumerate(page_at(conn, spec, start, PAGE, shape))}
    return QueueLoad(spec, shape, index, rows, progress(conn, spec.comparison_id), note)


def first_undecided(
    conn: sqlite3.Connection, spec: QueueSpec, skip: Collection[int] = ()
) -> int | None:
    """The first pair of the queue, in its order, with no tag and not in ``skip`` (pairs
    being written, passed over, or claimed by another reviewer); None when there is none."""
    undecided = spec.with_(untagged=True)
    after: SortKey | None = None
    while True:
        rows = page_after(conn, undecided, after, PAGE)
        for row in rows:
            if row.pair_id not in skip:
                return row.pair_id
        if len(rows) < PAGE:
            return None
        after = rows[-1].sort


def preload(db_path: str, spec: QueueSpec, reviewer: str | None) -> Future[QueueLoad]:
    """Start ``load_queue`` on a thread now (``store.on_thread``)."""
    return on_thread(db_path, lambda conn: load_queue(conn, spec, reviewer=reviewer))
