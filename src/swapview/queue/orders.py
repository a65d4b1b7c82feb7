"""The review queue's sort orders: one registry entry each.

An order sorts pairs by SQL expressions over one table joined as ``o`` (``scores``, or a
table another module fills, such as a triage score) or over ``pairs`` itself. Pairs where
the order has no value (not scored yet) come after all the others, by id. Every order
breaks ties by pair id, so a (values, id) key is unique and keyset paging is exact.

To add an order (say, the triage helper's "likely regression"), register one entry:

    register(Order("regression", "likely regression first", source="triage_scores",
                   columns=("o.score",), descending=True, present="o.score IS NOT NULL"))

and give ``source`` an index on ``(score, pair_id)``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..errors import SwapviewError


@dataclass(frozen=True, slots=True)
class Order:
    """How to sort the queue; ``columns`` may use ``{seed}`` for seeded orders."""

    name: str
    label: str
    source: str
    columns: tuple[str, ...]
    descending: bool
    present: str = "1"
    # Offered only once its table has a row (a table every database has from its
    # migrations, filled by a later step: the judge's verdicts).
    needs_rows: bool = False
    # The order is read from its top as tags arrive (the learned order re-sorts after
    # each one; a band's sample is tagged top down): moving on after a tag goes to its
    # first undecided pair, not to the next row.
    follows_tags: bool = False

    @property
    def on_pairs(self) -> bool:
        """True when the order reads ``pairs`` only (no joined table)."""
        return self.source == "pairs"

    def sql_columns(self, seed: int) -> tuple[str, ...]:
        return tuple(c.format(seed=int(seed) % 2**30) for c in self.columns)

    def available(self, conn: sqlite3.Connection) -> bool:
        """An order over a table another step fills is offered once that table exists."""
        if self.on_pairs:
            return True
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.source]
        ).fetchone()
        if row is None or not self.needs_rows:
            return row is not None
        return conn.execute(f"SELECT 1 FROM {self.source} LIMIT 1").fetchone() is not None


# A seeded shuffle that SQLite computes from the id alone: a multiplicative hash
# with an xor-shift, so neighbouring ids land far apart. Integer arithmetic stays
# within 64 bits for ids and seeds below 2**30. ((a | b) - (a & b)) is xor, which
# SQLite lacks.
_H = "(((p.id + {seed}) * 2654435761) % 4294967296)"
_HS = f"({_H} >> 16)"
_RANDOM = f"(((({_H} | {_HS}) - ({_H} & {_HS})) * 73244475) % 4294967296)"

ORDERS: dict[str, Order] = {}


def register(order: Order) -> Order:
    """Add an order to the registry (replacing one of the same name)."""
    ORDERS[order.name] = order
    return order


# Meaning: the accurate model's distance where refinement reached the pair (put on the
# static scale, scoring/refine.py), the static one elsewhere. The expression must stay
# identical to migration m090's indexes for SQLite to use them.
MEANING = "coalesce(o.refined_on_static, o.semantic_distance)"

register(
    Order(
        "semantic",
        "most changed in meaning first",
        "scores",
        (MEANING,),
        True,
        f"{MEANING} IS NOT NULL",
    )
)
register(
    Order(
        "lexical",
        "most changed in wording first",
        "scores",
        ("o.lexical_distance",),
        True,
        "o.lexical_distance IS NOT NULL",
    )
)
register(
    Order(
        "length",
        "most shortened first",
        "scores",
        ("o.length_change",),
        False,
        "o.length_change IS NOT NULL",
    )
)
register(
    Order(
        "quirk",
        "quirk signals first, then by meaning",
        "scores",
        ("o.signal_count", MEANING),
        True,
        f"o.signal_count IS NOT NULL AND {MEANING} IS NOT NULL",
    )
)
register(
    Order(
        "regression",
        "likely regression first (learns from your tags)",
        "triage_scores",
        ("o.score",),
        True,
        "o.score IS NOT NULL",
        follows_tags=True,
    )
)
# The judge's combined verdict (judge/pairs.py keeps judge_pairs current): the pairs it
# most likely calls worse first. Offered once a judge has run.
register(
    Order(
        "judge",
        "judge: most likely worse first",
        "judge_pairs",
        ("o.p_worse",),
        True,
        "o.p_worse IS NOT NULL",
        needs_rows=True,
        follows_tags=True,
    )
)
# Each band's pairs in sample_key order are a uniform random sample of it; tagging them
# from the top tightens the remaining-regressions estimate. comparison_id leads so the
# triage_bands_sample index serves the sort (its rowid, pair_id, breaks ties). The review
# app's "sample" key narrows it to one band's next pairs (an ids filter).
register(
    Order(
        "sample",
        "random sample per band (tightens the estimate)",
        "triage_bands",
        ("o.comparison_id", "o.band", "o.sample_key"),
        False,
        follows_tags=True,
    )
)
register(Order("key", "by key", "pairs", ("p.key",), False))
register(Order("random", "random (seeded)", "pairs", (_RANDOM,), False))

DEFAULT_ORDER = "semantic"
RANDOM_INDEXED_SEED = 0  # migration m020 indexes the random order for this seed


def get_order(name: str) -> Order:
    """The order by name, or an error listing the known ones."""
    try:
        return ORDERS[name]
    except KeyError:
        raise SwapviewError(f"unknown order {name!r}; choose one of: {', '.join(ORDERS)}") from None


def available_orders(conn: sqlite3.Connection) -> list[Order]:
    return [o for o in ORDERS.values() if o.available(conn)]
