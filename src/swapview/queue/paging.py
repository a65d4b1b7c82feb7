"""Keyset pages, counts and positions over the queue, cheap anywhere in a million rows.

The full order is two segments: first the pairs the order has a value for, sorted by
(columns..., id) in the order's direction; then the rest (say, not scored yet) by id.
A ``SortKey`` (segment, values, id) names one row's place; a page starts after or ends
before a key, so reading page 9,000 costs what page 1 costs. OFFSET is used only when
a caller jumps to an arbitrary row with no key nearby.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from .orders import Order
from .spec import QueueSpec, filter_sql

SortKey = tuple[int, tuple[Any, ...], int]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue: what the list shows, and the row's sort key."""

    pair_id: int
    key: str
    snippet: str
    semantic: float | None
    lexical: float | None
    length_change: float | None
    signals: tuple[str, ...]
    tag: str | None
    reviewer: str | None
    has_note: bool
    stale: bool
    sort: SortKey


_SNIPPET = (
    "substr(CASE WHEN p.prompt_format = 'chat' THEN coalesce((SELECT json_extract(m.value,"
    " '$.content') FROM json_each(CASE WHEN json_valid(p.prompt) THEN p.prompt ELSE '[]' END)"
    " m WHERE json_extract(m.value, '$.role') = 'user' ORDER BY m.key DESC LIMIT 1), '')"
    " ELSE coalesce(p.prompt, '') END, 1, 160)"
)
_ROW_COLUMNS = (
    "p.id, p.key, " + _SNIPPET + ", s.semantic_distance, s.lexical_distance, s.length_change,"
    " (SELECT group_concat(g.name, ' ') FROM signals g WHERE g.pair_id = p.id),"
    " d.tag, d.reviewer, d.note IS NOT NULL AND d.note != '', coalesce(d.stale, 0)"
)


class _Query:
    """SQL pieces for one spec, built once per call site."""

    def __init__(self, conn: sqlite3.Connection, spec: QueueSpec) -> None:
        self.conn = conn
        self.spec = spec
        self.order: Order = spec.order_def
        self.cols = self.order.sql_columns(spec.seed)
        self.conds, self.args = filter_sql(spec, conn)
        o = self.order
        self.id_col = "p.id" if o.on_pairs else "o.pair_id"
        self.key_cols = (*self.cols, self.id_col)
        self.select = ", ".join((_ROW_COLUMNS, *self.cols))

    def _from(self, segment: int, rows: bool) -> str:
        o = self.order
        joins = ""
        if rows:
            joins = (
                " LEFT JOIN scores s ON s.pair_id = p.id"
                " LEFT JOIN decisions d ON d.pair_id = p.id"
            )
        if o.on_pairs:
            return "pairs p" + joins
        if segment == 0:
            # CROSS JOIN pins the order's table as the outer loop, so its index drives
            # the scan in sort order and LIMIT stops it early.
            return f"{o.source} o CROSS JOIN pairs p ON p.id = o.pair_id" + joins
        return f"pairs p LEFT JOIN {o.source} o ON o.pair_id = p.id" + joins

    def _where(self, segment: int, extra: list[str]) -> str:
        present = self.order.present
        seg = present if segment == 0 else f"NOT ({present})"
        conds = [seg, *self.conds, *extra]
        return " WHERE " + " AND ".join(f"({c})" for c in conds)

    def fetch(
        self, segment: int, after: SortKey | None, forward: bool, limit: int, offset: int = 0
    ) -> list[QueueRow]:
        """Rows of one segment after (forward) or before (backward) a key, in walk order."""
        desc = self.order.descending if segment == 0 else False
        if not forward:
            desc = not desc
        extra, args = self._bound(segment, after, desc)
        direction = " DESC" if desc else ""
        key_cols = self.key_cols if segment == 0 else ("p.id",)
        sql = (
            f"SELECT {self.select} FROM {self._from(segment, True)}"
            f"{self._where(segment, extra)}"
            f" ORDER BY {', '.join(c + direction for c in key_cols)} LIMIT ? OFFSET ?"
        )
        cur = self.conn.execute(sql, [*self.args, *args, limit, offset])
        return [self._row(r, segment) for r in cur]

    def _bound(self, segment: int, after: SortKey | None, desc: bool) -> tuple[list[str], list]:
        if after is None or after[0] != segment:
            return [], []
        op = "<" if desc else ">"
        if segment == 1:
            return [f"p.id {op} ?"], [after[2]]
        lhs = ", ".join(self.key_cols)
        marks = ", ".join("?" * len(self.key_cols))
        return [f"({lhs}) {op} ({marks})"], [*after[1], after[2]]

    def _row(self, r: tuple, segment: int) -> QueueRow:
        values = tuple(r[11:]) if segment == 0 else ()
        return QueueRow(
            pair_id=r[0],
            key=r[1],
            snippet=r[2] if isinstance(r[2], str) else str(r[2]),
            semantic=r[3],
            lexical=r[4],
            length_change=r[5],
            signals=tuple(r[6].split()) if r[6] else (),
            tag=r[7],
            reviewer=r[8],
            has_note=bool(r[9]),
            stale=bool(r[10]),
            sort=(segment, values, r[0]),
        )

    def count(self, segment: int | None = None, before: SortKey | None = None) -> int:
        """Rows in a segment (both when None), optionally only those before a key."""
        if segment is None:
            sql = "SELECT count(*) FROM pairs p" + self._where_plain()
            return int(self.conn.execute(sql, self.args).fetchone()[0])
        extra, args = [], []
        if before is not None:
            desc = self.order.descending if segment == 0 else False
            extra, args = self._bound(segment, before, not desc)
        base = self._from(segment, False)
        if segment == 0 and not self.order.on_pairs and not self.conds:
            base = f"{self.order.source} o"  # no filter on pairs: the index alone answers
        sql = f"SELECT count(*) FROM {base}{self._where(segment, extra)}"
        return int(self.conn.execute(sql, [*self.args, *args]).fetchone()[0])

    def _where_plain(self) -> str:
        return (" WHERE " + " AND ".join(f"({c})" for c in self.conds)) if self.conds else ""


def page_after(
    conn: sqlite3.Connection, spec: QueueSpec, key: SortKey | None, limit: int
) -> list[QueueRow]:
    """Up to ``limit`` rows after ``key`` (from the start when None), in queue order."""
    q = _Query(conn, spec)
    rows: list[QueueRow] = []
    if key is None or key[0] == 0:
        rows = q.fetch(0, key, True, limit)
    if len(rows) < limit:
        tail_from = key if key is not None and key[0] == 1 else None
        rows += q.fetch(1, tail_from, True, limit - len(rows))
    return rows


def page_before(
    conn: sqlite3.Connection, spec: QueueSpec, key: SortKey | None, limit: int
) -> list[QueueRow]:
    """Up to ``limit`` rows before ``key`` (up to the end when None), in queue order."""
    q = _Query(conn, spec)
    rows: list[QueueRow] = []
    if key is None or key[0] == 1:
        rows = q.fetch(1, key, False, limit)
    if len(rows) < limit:
        head_from = key if key is not None and key[0] == 0 else None
        rows += q.fetch(0, head_from, False, limit - len(rows))
    rows.reverse()
    return rows


def page_at(
    conn: sqlite3.Connection, spec: QueueSpec, offset: int, limit: int, total: int | None = None
) -> list[QueueRow]:
    """Rows at ``offset`` with OFFSET (for jumps with no key nearby); from the end when nearer."""
    q = _Query(conn, spec)
    if total is not None and offset > total // 2:
        from_end = max(total - offset - limit, 0)
        want = min(limit, total - offset)
        rows = _walk(q, offset_from_end=from_end, limit=want)
        return rows
    head = q.fetch(0, None, True, limit, offset)
    if len(head) == limit:
        return head
    n0 = q.count(0) if not head else offset + len(head)
    tail_offset = max(offset - n0, 0)
    return head + q.fetch(1, None, True, limit - len(head), tail_offset)


def _walk(q: _Query, offset_from_end: int, limit: int) -> list[QueueRow]:
    if limit <= 0:
        return []
    tail = q.fetch(1, None, False, offset_from_end + limit)
    rows = tail[offset_from_end:]
    if len(rows) < limit:
        skip = max(offset_from_end - len(tail), 0)
        rows += q.fetch(0, None, False, limit - len(rows), skip)
    rows.reverse()
    return rows


def count(conn: sqlite3.Connection, spec: QueueSpec) -> int:
    """How many pairs the queue holds."""
    return _Query(conn, spec).count()


def position(conn: sqlite3.Connection, spec: QueueSpec, key: SortKey) -> int:
    """Index of the row with ``key`` in the queue (rows before it)."""
    q = _Query(conn, spec)
    if key[0] == 0:
        return q.count(0, before=key)
    return q.count(0) + q.count(1, before=key)


def row_for(conn: sqlite3.Connection, spec: QueueSpec, pair_id: int) -> QueueRow | None:
    """One pair as a queue row (with its sort key), or None when the filters leave it out."""
    q = _Query(conn, spec)
    for segment in (0, 1):
        sql = (
            f"SELECT {q.select} FROM {q._from(segment, True)}"
            f"{q._where(segment, ['p.id = ?'])}"
        )
        row = conn.execute(sql, [*q.args, pair_id]).fetchone()
        if row is not None:
            return q._row(row, segment)
    return None


def sort_key(conn: sqlite3.Connection, spec: QueueSpec, pair_id: int) -> SortKey | None:
    """The key of one pair in this queue, or None when the filters leave it out."""
    row = row_for(conn, spec, pair_id)
    return row.sort if row else None


def find_key(conn: sqlite3.Connection, comparison_id: int | None, key: str) -> int | None:
    """Pair id of the exact key, else of the first key at or after it (a prefix jump)."""
    where, args = ("comparison_id = ? AND ", [comparison_id]) if comparison_id else ("", [])
    row = conn.execute(
        f"SELECT id FROM pairs WHERE {where}key = ?", [*args, key]
    ).fetchone()
    if row is None:
        row = conn.execute(
            f"SELECT id FROM pairs WHERE {where}key >= ? ORDER BY key LIMIT 1", [*args, key]
        ).fetchone()
        if row is not None and not _key_of(conn, row[0]).startswith(key):
            row = None
    return row[0] if row else None


def _key_of(conn: sqlite3.Connection, pair_id: int) -> str:
    return conn.execute("SELECT key FROM pairs WHERE id = ?", [pair_id]).fetchone()[0]
