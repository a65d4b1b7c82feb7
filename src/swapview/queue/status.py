"""Counts a reviewer watches (progress), fresh decisions for visible rows, filter choices."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from ..reviews import Decision
from ..stats import tag_counts
from ..tagkinds import TagKinds, count_of_kind
from .spec import is_sole_comparison


@dataclass(frozen=True, slots=True)
class Progress:
    """Reviewed counts for one comparison (or all when comparison_id is None)."""

    total: int
    reviewed: int  # stale decisions included (stats.TagCounts says the rule)
    tags: dict[str, int] = field(default_factory=dict)  # current decisions only
    stale: int = 0

    def regressions(self, kinds: TagKinds | None = None) -> int:
        """Pairs tagged with any tag that counts as a regression ("wrong_fact" too)."""
        return count_of_kind(self.tags, "regression", kinds)

    def summary(self, kinds: TagKinds | None = None) -> str:
        n = self.regressions(kinds)
        stale = f" ({self.stale:,} stale)" if self.stale else ""
        return (
            f"{self.reviewed:,} of {self.total:,} reviewed{stale}, {n:,} regression{_plural_s(n)}"
        )


def _plural_s(n: int) -> str:
    return "" if n == 1 else "s"


def progress(
    conn: sqlite3.Connection, comparison_id: int | None, total: int | None = None
) -> Progress:
    """Total pairs, tagged pairs and counts per tag; pass ``total`` to skip recounting it."""
    scope, args = (" AND p.comparison_id = ?", [comparison_id]) if comparison_id else ("", [])
    if total is None and comparison_id is not None and is_sole_comparison(conn, comparison_id):
        total = conn.execute("SELECT count(*) FROM pairs").fetchone()[0]  # a b-tree count
    if total is None:
        total = conn.execute(f"SELECT count(*) FROM pairs p WHERE 1{scope}", args).fetchone()[0]
    counts = tag_counts(conn, comparison_id)
    return Progress(
        total=int(total), reviewed=counts.reviewed, tags=counts.tags, stale=counts.stale
    )


@dataclass(frozen=True, slots=True)
class DecisionState:
    tag: str | None
    reviewer: str | None
    has_note: bool
    stale: bool


def state_of(decision: Decision | None) -> DecisionState | None:
    """What a queue row shows of a decision (None: undecided)."""
    if decision is None:
        return None
    return DecisionState(decision.tag, decision.reviewer, bool(decision.note), decision.stale)


def decisions_for(conn: sqlite3.Connection, pair_ids: list[int]) -> dict[int, DecisionState]:
    """Current decisions of some pairs (missing = undecided), to refresh visible rows."""
    out: dict[int, DecisionState] = {}
    for start in range(0, len(pair_ids), 500):
        chunk = pair_ids[start : start + 500]
        rows = conn.execute(
            "SELECT pair_id, tag, reviewer, note IS NOT NULL AND note != '', stale"
            " FROM decisions WHERE pair_id IN (SELECT value FROM json_each(?))",
            [json.dumps(chunk)],
        )
        for pid, tag, reviewer, has_note, stale in rows:
            out[pid] = DecisionState(tag, reviewer, bool(has_note), bool(stale))
    return out


def signal_names(conn: sqlite3.Connection) -> list[str]:
    """Signal names present in the database, for the filter menu."""
    rows = conn.execute("SELECT DISTINCT name FROM signals ORDER BY name")
    return [r[0] for r in rows]


def tag_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT DISTINCT tag FROM decisions WHERE tag IS NOT NULL ORDER BY tag")
    return [r[0] for r in rows]


def metadata_fields(
    conn: sqlite3.Connection, comparison_id: int | None, sample: int = 200
) -> list[str]:
    """Top-level metadata field names seen in a sample of pairs."""
    where, args = ("WHERE comparison_id = ?", [comparison_id]) if comparison_id else ("", [])
    rows = conn.execute(f"SELECT metadata FROM pairs {where} ORDER BY id LIMIT ?", [*args, sample])
    names: set[str] = set()
    for (meta,) in rows:
        try:
            value = json.loads(meta) if meta else None
        except ValueError:
            continue
        if isinstance(value, dict):
            names.update(value)
    return sorted(names)
