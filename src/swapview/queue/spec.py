"""What a queue shows: an order plus filters, turned into SQL."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from .orders import DEFAULT_ORDER, Order, get_order


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
    ids: tuple[int, ...] | None = None
    search: str | None = None
    label: str | None = None  # what ``ids`` holds when not a search ("like refund")

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
        if self.search is not None:
            parts.append(f"search={self.search!r}")
        if self.label is not None:
            parts.append(self.label)
        return ", ".join(parts)


def meta_path(field: str) -> str:
    """A JSON path for one top-level metadata field, quoted so any name works."""
    return "$." + json.dumps(field)


def filter_sql(spec: QueueSpec, conn: sqlite3.Connection) -> tuple[list[str], list[Any]]:
    """WHERE conditions over ``p`` (pairs) for the spec's filters, and their parameters."""
    conds: list[str] = []
    args: list[Any] = []
    # Orders over pairs need the comparison condition: their indexes start with it.
    needed = spec.order_def.on_pairs or not only_comparison(conn, spec.comparison_id)
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
        # Compare as text so `--meta lang=en` and a JSON number 3 vs "3" both match, and
        # without case: labels come as "Old", "old" and "OLD" from hand-made sheets.
        conds.append("lower(CAST(json_extract(p.metadata, ?) AS TEXT)) = lower(?)")
        args.extend([meta_path(spec.meta_field), spec.meta_value])
    if spec.ids is not None:
        conds.append("p.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(list(spec.ids)))
    return conds, args


def only_comparison(conn: sqlite3.Connection, comparison_id: int | None) -> bool:
    # With one comparison in the file every pair belongs to it: dropping the condition
    # lets counts and positions run on the order's index alone, without a pairs lookup.
    rows = conn.execute("SELECT id FROM comparisons LIMIT 2").fetchall()
    return len(rows) == 1 and rows[0][0] == comparison_id
