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

from ..chat import snippet_text
from .orders import Order
from .spec import QueueSpec, filter_sql

SortKey = tuple[int, tuple[Any, ...], int]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue: what the list shows, and the row's sort key."""

    pair_id: int
    key: str
    snippet: str
    semantic: float | None  # the distance the semantic order sorts by (static scale)
    lexical: float | None
    length_change: float | None
    signals: tuple[str, ...]
    tag: str | None
    reviewer: str | None
    has_note: bool
    stale: bool
    sort: SortKey
    # From triage, when it ran: log-odds of "regression" and why; size of the pair's cluster.
    likely: float | None = None
    likely_reason: str | None = None
    cluster_size: int | None = None
    # The judge's combined verdict (new_worse / same / new_better) and its confidence.
    judge: str | None = None
    judge_confidence: float | None = None
    # The accurate model that re-scored this pair's meaning (None: the static model's).
    refined_model: str | None = None


_SNIPPET = (
    "substr(CASE WHEN p.prompt_format = 'chat' THEN coalesce((SELECT json_extract(m.value,"
    " '$.content') FROM json_each(CASE WHEN json_valid(p.prompt) THEN p.prompt ELSE '[]' END)"
    " m WHERE json_extract(m.value, '$.role') = 'user' ORDER BY m.key DESC LIMIT 1), '')"
    " ELSE coalesce(p.prompt, '') END, 1, 160)"
)
_ROW_COLUMNS = (
    "p.id, p.key, " + _SNIPPET + ", coalesce(s.refined_on_static, s.semantic_distance),"
    " s.lexical_distance, s.length_change,"
    " (SELECT group_concat(g.name, ' ') FROM signals g WHERE g.pair_id = p.id),"
    " d.tag, d.reviewer, d.note IS NOT NULL AND d.note != '', coalesce(d.stale, 0),"
    " (SELECT t.score FROM triage_scores t WHERE t.pair_id = p.id),"
    " (SELECT t.reason FROM triage_scores t WHERE t.pair_id = p.id),"
    " (SELECT k.size FROM triage_cluster_members m JOIN triage_clusters k"
    " ON k.id = m.cluster_id WHERE m.pair_id = p.id),"
    " (SELECT j.verdict FROM judge_pairs j WHERE j.pair_id = p.id),"
    " (SELECT j.confidence FROM judge_pairs j WHERE j.pair_id = p.id), s.refined_model"
)
_N_ROW_COLUMNS = 17  # the sort values follow these


@dataclass(frozen=True, slots=True)
class Shape:
    """How many rows a queue has, and how many the order has a value for (the head).

    ``head`` may be None (not counted yet: a full index scan at 1M rows); paging then
    probes the tail when it gets there."""

    total: int
    head: int | None = None

    @property
    def tail(self) -> int | None:
        return None if self.head is None else self.total - self.head


class _Query:
    """SQL pieces for one spec, built once per call."""

    def __init__(self, conn: sqlite3.Connection, spec: QueueSpec) -> None:
        self.conn = conn
        self.spec = spec
        self.order: Order = spec.order_def
        self.cols = self.order.sql_columns(spec.seed)
        self.conds, self.args = filter_sql(spec, conn)
        self.id_col = "p.id" if self.order.on_pairs else "o.pair_id"
        self.key_cols = (*self.cols, self.id_col)
        self.select = ", ".join((_ROW_COLUMNS, *self.cols))

    def _from(self, segment: int, rows: bool) -> str:
        o = self.order
        joins = ""
        if rows:
            joins = (
                " LEFT JOIN scores s ON s.pair_id = p.id LEFT JOIN decisions d ON d.pair_id = p.id"
            )
        if o.on_pairs:
            return "pairs p" + joins
        if segment == 0:
            if not rows and not self.conds:
                return f"{o.source} o"  # nothing filters on pairs: the index alone answers
            # CROSS JOIN pins the order's table as the outer loop, so its index drives
            # the scan in sort order and LIMIT stops it early.
            return f"{o.source} o CROSS JOIN pairs p ON p.id = o.pair_id" + joins
        return f"pairs p LEFT JOIN {o.source} o ON o.pair_id = p.id" + joins

    def _where(self, segment: int, extra: list[str]) -> str:
        present = self.order.present
        seg = present if segment == 0 else f"NOT ({present})"
        conds = [seg, *self.conds, *extra]
        return " WHERE " + " AND ".join(f"({c})" for c in conds)

    def _order_by(self, segment: int, desc: bool) -> str:
        direction = " DESC" if desc else ""
        cols = self.key_cols if segment == 0 else ("p.id",)
        return " ORDER BY " + ", ".join(c + direction for c in cols)

    def _desc(self, segment: int, forward: bool) -> bool:
        desc = self.order.descending if segment == 0 else False
        return desc if forward else not desc

    def fetch(
        self,
        segment: int,
        after: SortKey | None,
        forward: bool,
        limit: int,
        inclusive: bool = False,
    ) -> list[QueueRow]:
        """Rows of one segment after (forward) or before (backward) a key, in walk order."""
        if limit <= 0:
            return []
        desc = self._desc(segment, forward)
        extra, args = self._bound(segment, after, desc, inclusive)
        sql = (
            f"SELECT {self.select} FROM {self._from(segment, True)}"
            f"{self._where(segment, extra)}{self._order_by(segment, desc)} LIMIT ?"
        )
        cur = self.conn.execute(sql, [*self.args, *args, limit])
        return [self._row(r, segment) for r in cur]

    def key_at(self, segment: int, offset: int, forward: bool) -> SortKey | None:
        """The key of the row ``offset`` rows into a segment: an index-only scan, no texts."""
        desc = self._desc(segment, forward)
        cols = self.key_cols if segment == 0 else ("p.id",)
        sql = (
            f"SELECT {', '.join(cols)} FROM {self._from(segment, False)}"
            f"{self._where(segment, [])}{self._order_by(segment, desc)} LIMIT 1 OFFSET ?"
        )
        row = self.conn.execute(sql, [*self.args, offset]).fetchone()
        if row is None:
            return None
        return (segment, tuple(row[:-1]), row[-1]) if segment == 0 else (1, (), row[0])

    def _bound(
        self, segment: int, after: SortKey | None, desc: bool, inclusive: bool = False
    ) -> tuple[list[str], list]:
        if after is None or after[0] != segment:
            return [], []
        op = ("<" if desc else ">") + ("=" if inclusive else "")
        if segment == 1:
            return [f"p.id {op} ?"], [after[2]]
        lhs = ", ".join(self.key_cols)
        marks = ", ".join("?" * len(self.key_cols))
        # The redundant bound on the first column lets SQLite seek in indexes where it
        # would not use the row-value comparison (expression indexes, longer keys).
        first = f"{self.key_cols[0]} {op[0]}= ?"
        values = [*after[1], after[2]]
        return [f"({lhs}) {op} ({marks})", first], [*values, values[0]]

    def _row(self, r: tuple, segment: int) -> QueueRow:
        values = tuple(r[_N_ROW_COLUMNS:]) if segment == 0 else ()
        return QueueRow(
            pair_id=r[0],
            key=r[1],
            snippet=snippet_text(r[2]) if isinstance(r[2], str) else str(r[2]),
            semantic=r[3],
            lexical=r[4],
            length_change=r[5],
            signals=tuple(r[6].split()) if r[6] else (),
            tag=r[7],
            reviewer=r[8],
            has_note=bool(r[9]),
            stale=bool(r[10]),
            sort=(segment, values, r[0]),
            likely=r[11],
            likely_reason=r[12],
            cluster_size=r[13],
            judge=r[14],
            judge_confidence=r[15],
            refined_model=r[16],
        )

    def count(self, segment: int | None = None, before: SortKey | None = None) -> int:
        """Rows in a segment (both when None), optionally only those before a key."""
        if segment is None:
            where = (" WHERE " + " AND ".join(f"({c})" for c in self.conds)) if self.conds else ""
            return int(
                self.conn.execute(f"SELECT count(*) FROM pairs p{where}", self.args).fetchone()[0]
            )
        extra: list[str] = []
        args: list[Any] = []
        if before is not None:
            extra, args = self._bound(segment, before, not self._desc(segment, True))
        sql = f"SELECT count(*) FROM {self._from(segment, False)}{self._where(segment, extra)}"
        return int(self.conn.execute(sql, [*self.args, *args]).fetchone()[0])

    def shape(self) -> Shape:
        total = self.count()
        head = total if self.order.present == "1" else self.count(0)
        return Shape(total, head)


def shape(conn: sqlite3.Connection, spec: QueueSpec) -> Shape:
    """Total rows and rows with a value for the order. Pass it to the page functions:
    without it they must probe the tail of unvalued rows, a full scan at 1M rows."""
    return _Query(conn, spec).shape()


def count(conn: sqlite3.Connection, spec: QueueSpec) -> int:
    """How many pairs the queue holds."""
    return _Query(conn, spec).count()


def page_after(
    conn: sqlite3.Connection,
    spec: QueueSpec,
    key: SortKey | None,
    limit: int,
    shape: Shape | None = None,
    *,
    inclusive: bool = False,
) -> list[QueueRow]:
    """Up to ``limit`` rows after ``key`` (from the start when None), in queue order."""
    q = _Query(conn, spec)
    rows: list[QueueRow] = []
    if key is None or key[0] == 0:
        rows = q.fetch(0, key, True, limit, inclusive)
    if len(rows) < limit and (shape is None or shape.tail is None or shape.tail):
        tail_from = key if key is not None and key[0] == 1 else None
        rows += q.fetch(1, tail_from, True, limit - len(rows), inclusive)
    return rows


def page_before(
    conn: sqlite3.Connection,
    spec: QueueSpec,
    key: SortKey | None,
    limit: int,
    shape: Shape | None = None,
) -> list[QueueRow]:
    """Up to ``limit`` rows before ``key`` (up to the end when None), in queue order."""
    q = _Query(conn, spec)
    rows: list[QueueRow] = []
    if (key is None or key[0] == 1) and (shape is None or shape.tail is None or shape.tail):
        rows = q.fetch(1, key, False, limit)
    if len(rows) < limit:
        head_from = key if key is not None and key[0] == 0 else None
        rows += q.fetch(0, head_from, False, limit - len(rows))
    rows.reverse()
    return rows


def page_at(
    conn: sqlite3.Connection,
    spec: QueueSpec,
    offset: int,
    limit: int,
    shape: Shape | None = None,
) -> list[QueueRow]:
    """Rows from ``offset`` on, for jumps with no key nearby: finds the key at the offset
    with an index-only scan (from whichever end is nearer), then pages by key."""
    q = _Query(conn, spec)
    if shape is None or shape.head is None:
        shape = q.shape()
    head = shape.head
    assert head is not None  # q.shape() always counts the head
    if offset >= shape.total or limit <= 0:
        return []
    segment, k, size = (
        (0, offset, head) if offset < head else (1, offset - head, shape.total - head)
    )
    forward = k <= size // 2
    key = q.key_at(segment, k if forward else size - 1 - k, forward)
    if key is None:
        return []
    return page_after(conn, spec, key, limit, shape, inclusive=True)


def position(
    conn: sqlite3.Connection, spec: QueueSpec, key: SortKey, shape: Shape | None = None
) -> int:
    """Index of the row with ``key`` in the queue (rows before it)."""
    q = _Query(conn, spec)
    if key[0] == 0:
        return q.count(0, before=key)
    head = shape.head if shape is not None and shape.head is not None else q.count(0)
    return head + q.count(1, before=key)


def row_for(conn: sqlite3.Connection, spec: QueueSpec, pair_id: int) -> QueueRow | None:
    """One pair as a queue row (with its sort key), or None when the filters leave it out."""
    q = _Query(conn, spec)
    for segment in (0, 1):
        sql = f"SELECT {q.select} FROM {q._from(segment, True)}{q._where(segment, ['p.id = ?'])}"
        row = conn.execute(sql, [*q.args, pair_id]).fetchone()
        if row is not None:
            return q._row(row, segment)
    return None


def sort_key(conn: sqlite3.Connection, spec: QueueSpec, pair_id: int) -> SortKey | None:
    """The key of one pair in this queue, or None when the filters leave it out."""
    row = row_for(conn, spec, pair_id)
    return row.sort if row else None


def find_key(conn: sqlite3.Connection, comparison_id: int | None, key: str) -> int | None:
    """Pair id of the exact key, else of the first key at or after it (a prefix jump);
    failing both, the same ignoring case ("SUP-0001" finds "sup-0001")."""
    where, args = ("comparison_id = ? AND ", [comparison_id]) if comparison_id else ("", [])
    row = conn.execute(f"SELECT id FROM pairs WHERE {where}key = ?", [*args, key]).fetchone()
    if row is None:
        row = conn.execute(
            f"SELECT id FROM pairs WHERE {where}key >= ? ORDER BY key LIMIT 1", [*args, key]
        ).fetchone()
        if row is not None and not _key_of(conn, row[0]).startswith(key):
            row = None
    if row is None:
        # LIKE ignores ASCII case; one scan of the comparison's keys, only reached when the
        # exact and prefix look-ups fail (the exact key sorts before longer ones).
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        row = conn.execute(
            f"SELECT id FROM pairs WHERE {where}key LIKE ? ESCAPE '\\' ORDER BY key LIMIT 1",
            [*args, pattern],
        ).fetchone()
    return row[0] if row else None


def _key_of(conn: sqlite3.Connection, pair_id: int) -> str:
    return conn.execute("SELECT key FROM pairs WHERE id = ?", [pair_id]).fetchone()[0]
