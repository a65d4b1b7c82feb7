"""The filter picker's choices, and the queue each choice leads to (no Textual)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .. import queue
from ..config import TagConfig
from ..judge.pairs import judged
from ..queue import status as facets

ComparisonChoice = tuple[int, str, str | None, str | None]  # id, name, baseline, candidate


def filter_choices(
    conn: sqlite3.Connection,
    spec: queue.QueueSpec,
    tags: list[TagConfig],
    comparisons: list[ComparisonChoice],
) -> list[tuple[str, str]]:
    """(choice id, label) for every filter the reviewer can pick now."""
    c = [
        ("clear", "all pairs (clear filters)"),
        ("untagged", ("✓ " if spec.untagged else "") + "untagged only"),
    ]
    names = [t.name for t in tags]
    names += [t for t in facets.tag_names(conn) if t not in names]
    c += [(f"tag:{t}", f"tagged {t}") for t in names]
    c += [(f"signal:{s}", f"signal {s}") for s in facets.signal_names(conn)]
    if judged(conn, spec.comparison_id):
        c += [
            ("judge:disagrees", "the judge disagrees with the tag"),
            ("judge:unreviewed", "judged, not yet tagged"),
        ]
    c += [("meta", "metadata field = value …")]
    c += [
        (f"comparison:{cid}", f"comparison {name} ({base or '?'} → {cand or '?'})")
        for cid, name, base, cand in comparisons
    ]
    if len(comparisons) > 1:
        c.append(("comparison:all", "all comparisons"))
    return c


@dataclass(frozen=True)
class FilterChoice:
    """What a picked filter does: a new queue, or one of the screen's own moves."""

    spec: queue.QueueSpec | None = None
    move: str | None = None  # "clear", "untagged" or "ask_meta"


def apply_choice(
    spec: queue.QueueSpec, choice: str, agrees_with: tuple[tuple[str, str], ...] = ()
) -> FilterChoice:
    """What picking ``choice`` does; ``agrees_with`` maps each tag to the judge verdict
    that agrees with it (for "the judge disagrees")."""
    kind, _, value = choice.partition(":")
    if kind in ("clear", "untagged"):
        return FilterChoice(move=kind)
    if kind == "tag":
        return FilterChoice(spec.with_(tag=value, untagged=False))
    if kind == "signal":
        return FilterChoice(spec.with_(signal=value))
    if kind == "judge":
        return FilterChoice(spec.with_(judge=value, agrees_with=agrees_with))
    if kind == "comparison":
        cid = None if value == "all" else int(value)
        return FilterChoice(spec.with_(comparison_id=cid, ids=None, search=None))
    return FilterChoice(move="ask_meta")


def cleared(spec: queue.QueueSpec) -> queue.QueueSpec:
    """The same order and comparison with no filter."""
    return queue.QueueSpec(order=spec.order, seed=spec.seed, comparison_id=spec.comparison_id)
