"""What a queue shows: an order plus filters, turned into SQL."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from .. import metapath
from ..store import VISIBLE
from .orders import DEFAULT_ORDER, Order, get_order

JUDGE_FILTERS = {
    "disagrees": "judge disagrees",
    "unreviewed": "judged, untagged",
}


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """An order and the filters of one queue view. Immutable: change with ``replace``."""

    order: str = DEFAULT_ORDER
    seed: int = 0
    comparison_id: int | None = None
    untagged: bool = False
    tag: str | None = None
    signal: str | None = None
    meta_field: str | None = None
    meta_value: str | None = None
    meta_paths: tuple[str, ...] = ()  # exact JSON paths meta_field resolved to
    ids: tuple[int, ...] | None = None
    search: str | None = None
    label: str | None = None  # what ``ids`` holds when not a search ("like refund")
    # "disagrees": the reviewer's tag and the judge's verdict differ (``agrees_with``:
    # each tag and the verdict that agrees with it); "unreviewed": judged, not yet tagged.
    judge: str | None = None
    agrees_with: tuple[tuple[str, str], ...] = ()

    def with_(self, **changes: Any) -> QueueSpec:
        return replace(self, **changes)

    @property
    def order_def(self) -> Order:
        return get_order(self.order)

    def describe_filters(self) -> str:
        """A short human summary of the active filters, '' when none."""
        parts = []
        if self.untagged:
            parts.append("untagged")
        if self.tag:
            parts.append(f"tag={self.tag}")
        if self.signal:
            parts.append(f"signal={self.signal}")
        if self.meta_field:
            parts.append(f"{self.meta_field}={self.meta_value}")
        if self.judge:
            parts.append(JUDGE_FILTERS.get(self.judge, self.judge))
        if self.search is not None:
            parts.append(f"search={self.search!r}")
        if self.label is not None:
            parts.append(self.label)
        return ", ".join(parts)


def with_meta_filter(
    conn: sqlite3.Connection, spec: QueueSpec, field: str, value: str
) -> QueueSpec:
    """The spec filtered to pairs whose metadata at a dotted path equals ``value``.

    The path is read the way ``export --where`` and load's ``--*-field`` read it
    (metapath): ignoring case, keys holding dots, list indexes. SQL has no such lookup,
    so the key spellings are resolved once here from the metadata of pairs that mention
    the last key, and the filter then runs on those exact JSON paths."""
    spellings = resolve_meta_keys(conn, spec.comparison_id, field)
    paths = {metapath.sql_path(metapath.split(field)): None}  # as typed: pairs past the sample
    paths.update((metapath.sql_path(keys), None) for keys in spellings)
    # Shown as the data spells it: "winner" finds and shows a "Winner" column.
    shown = ".".join(map(str, spellings[0])) if spellings else field
    return spec.with_(meta_field=shown, meta_value=value, meta_paths=tuple(paths))


def resolve_meta_keys(
    conn: sqlite3.Connection, comparison_id: int | None, field: str, sample: int = 500
) -> list[tuple[metapath.Key, ...]]:
    """The key spellings a dotted field resolves to in a sample of the pairs' metadata
    (those that mention its last key), most common first."""
    last = metapath.split(field)[-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    scope, args = ("comparison_id = ? AND", [comparison_id]) if comparison_id else ("", [])
    rows = conn.execute(
        f"SELECT metadata FROM pairs WHERE {scope} metadata LIKE ? ESCAPE '\\' LIMIT ?",
        [*args, f"%{last}%", sample],
    )
    found: Counter[tuple[metapath.Key, ...]] = Counter()
    for (raw,) in rows:
        try:
            keys = metapath.resolve_keys(json.loads(raw), field)
        except ValueError:
            continue
        if keys is not None:
            found[keys] += 1
    return [keys for keys, _ in found.most_common()]


def filter_sql(spec: QueueSpec, conn: sqlite3.Connection) -> tuple[list[str], list[Any]]:
    """WHERE conditions over ``p`` (pairs) for the spec's filters, and their parameters."""
    conds: list[str] = []
    args: list[Any] = []
    # Orders over pairs need the comparison condition: their indexes start with it.
    needed = spec.order_def.on_pairs or not is_sole_comparison(conn, spec.comparison_id)
    if spec.comparison_id is not None and needed:
        conds.append("p.comparison_id = ?")
        args.append(spec.comparison_id)
    if spec.untagged:
        conds.append(
            "NOT EXISTS (SELECT 1 FROM decisions d0 WHERE d0.pair_id = p.id AND d0.tag IS NOT NULL)"
        )
    if spec.tag:
        conds.append("EXISTS (SELECT 1 FROM decisions d1 WHERE d1.pair_id = p.id AND d1.tag = ?)")
        args.append(spec.tag)
    if spec.signal:
        conds.append("EXISTS (SELECT 1 FROM signals g1 WHERE g1.pair_id = p.id AND g1.name = ?)")
        args.append(spec.signal)
    if spec.meta_field:
        conds.append(_meta_condition(spec, args))
    if spec.judge:
        conds.append(_judge_condition(spec, args))
    if spec.ids is not None:
        conds.append("p.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(list(spec.ids)))
    return conds, args


def _judge_condition(spec: QueueSpec, args: list[Any]) -> str:
    if spec.judge == "unreviewed":
        return (
            "EXISTS (SELECT 1 FROM judge_pairs j0 WHERE j0.pair_id = p.id) AND NOT EXISTS"
            " (SELECT 1 FROM decisions d2 WHERE d2.pair_id = p.id AND d2.tag IS NOT NULL)"
        )
    if spec.judge != "disagrees":
        raise ValueError(f"unknown judge filter {spec.judge!r}")
    if not spec.agrees_with:
        return "0"  # no tag says what a verdict should be: nothing to disagree with
    # Current decisions only: a stale tag was made on texts the judge may not have read.
    cases = " ".join("WHEN ? THEN ?" for _ in spec.agrees_with)
    for tag, verdict in spec.agrees_with:
        args.extend([tag, verdict])
    return (
        "EXISTS (SELECT 1 FROM decisions d3 JOIN judge_pairs j1 ON j1.pair_id = d3.pair_id"
        " WHERE d3.pair_id = p.id AND d3.stale = 0 AND d3.tag IS NOT NULL"
        f" AND j1.verdict != (CASE d3.tag {cases} ELSE j1.verdict END))"
    )


def _meta_condition(spec: QueueSpec, args: list[Any]) -> str:
    # Compared as export's --where compares (metapath.as_text): a JSON number 3 matches
    # "3", and without case: labels come as "Old", "old" and "OLD" from hand-made sheets.
    paths = spec.meta_paths or (metapath.sql_path(metapath.split(spec.meta_field or "")),)
    text = metapath.SQL_AS_TEXT.format(col="p.metadata", path="?")
    ors = []
    for path in paths:
        ors.append(f"lower({text}) = lower(?)")
        args.extend([path, path, path, spec.meta_value])
    return "(" + " OR ".join(ors) + ")"


def is_sole_comparison(conn: sqlite3.Connection, comparison_id: int | None) -> bool:
    """Whether this is the database's only comparison (so every pair belongs to it)."""
    # With one comparison in the file every pair belongs to it: dropping the condition
    # lets counts and positions run on the order's index alone, without a pairs lookup.
    rows = conn.execute(f"SELECT id FROM comparisons WHERE {VISIBLE} LIMIT 2").fetchall()
    return len(rows) == 1 and rows[0][0] == comparison_id
