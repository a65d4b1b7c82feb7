"""Agreement between reviewers: a share of each reviewer's tags offered to a second one,
and Cohen's kappa over the pairs two reviewers tagged (next to the regression rate).

Which pairs are offered is a pure function of the pair id and the share (a multiplicative
hash, as the random order uses), so every reviewer's app agrees on it without a table,
and a larger share only adds pairs. A reviewer's own label of a pair is their latest tag
still standing (a ``tag``, or the ``redo`` of one; an ``undo`` withdraws the tag it reverts;
a note records the decision standing, not theirs), or,
once they took a second look at it, their latest second look: that one was made blind to
the first decision, a later tag of theirs was not. Skips say nothing about the pair and
are left out. Labels are compared by kind
(a custom ``wrong_fact`` counted as a regression agrees with ``regression``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from ..judge.stats import cohen_kappa
from ..report import Section
from ..reviews import SECOND_LOOK
from ..tagkinds import TagKinds, kind_of

DEFAULT_SHARE = 0.05  # of each reviewer's tags, offered for a second look
SECOND_LOOK_LIMIT = 200
LABELS = ("regression", "improvement", "neutral")
_HASH = "((p.id * 2654435761) % 4294967296)"
_LABEL_ACTIONS = f"('tag', 'redo', '{SECOND_LOOK}')"  # the events that say a reviewer's tag


def _picked(share: float) -> tuple[str, list[Any]]:
    return f"{_HASH} < ?", [int(max(0.0, min(share, 1.0)) * 4294967296)]


def second_look(
    db: Database,
    comparison_id: int,
    reviewer: str,
    share: float = DEFAULT_SHARE,
    limit: int = SECOND_LOOK_LIMIT,
) -> list[int]:
    """Pairs offered to ``reviewer`` for a second look: tagged by someone else, in the
    offered share, not yet tagged by ``reviewer``; oldest decision first."""
    picked, args = _picked(share)
    rows = db.execute(
        "SELECT p.id FROM pairs p JOIN decisions d ON d.pair_id = p.id"
        f" WHERE p.comparison_id = ? AND d.tag IS NOT NULL AND d.tag != 'skip' AND {picked}"
        " AND d.reviewer != ? AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.pair_id = p.id"
        f" AND r.reviewer = ? AND r.action IN {_LABEL_ACTIONS} AND r.tag IS NOT NULL)"
        " ORDER BY d.updated, p.id LIMIT ?",
        [comparison_id, *args, reviewer, reviewer, limit],
    )
    return [pid for (pid,) in rows]


def double_labels(
    db: Database, comparison_id: int, kinds: TagKinds | None = None
) -> list[tuple[str, str]]:
    """(first reviewer's kind, second reviewer's kind) of each pair two reviewers tagged:
    the first two reviewers to tag it, each by their own label (``reviewer_labels``)."""
    rows = db.execute(
        "SELECT r.id, r.pair_id, r.reviewer, r.action, r.tag, r.reverts FROM reviews r"
        " JOIN pairs p ON p.id = r.pair_id"
        f" WHERE p.comparison_id = ? AND r.action IN {_HISTORY_ACTIONS} ORDER BY r.id",
        [comparison_id],
    )
    pairs = []
    for by_reviewer in reviewer_labels(rows).values():
        labels = [kind_of(t, kinds) for t in by_reviewer.values() if t is not None]
        labels = [k for k in labels if k in LABELS]
        if len(labels) >= 2:
            pairs.append((labels[0], labels[1]))
    return pairs


_HISTORY_ACTIONS = f"('tag', 'redo', 'undo', '{SECOND_LOOK}')"
Event = tuple[
    int, int, str, str, str | None, int | None
]  # id, pair, reviewer, action, tag, reverts


def reviewer_labels(events: Iterable[Event]) -> dict[int, dict[str, str | None]]:
    """Pair -> reviewer -> that reviewer's own label, reviewers in the order they first
    tagged, from the history in id order: the latest of their tags still standing (an undo
    withdraws the tag it reverts, a redo of a tag puts it back), or their latest second
    look once they took one."""
    standing: dict[tuple[int, str], dict[int, str | None]] = {}
    looks: dict[tuple[int, str], str | None] = {}
    tag_events: set[int] = set()
    order: dict[int, dict[str, None]] = {}
    for rid, pid, who, action, tag, reverts in events:
        key = (pid, who)
        if action == "undo":
            standing.get(key, {}).pop(reverts, None)  # type: ignore[arg-type]
            continue
        if action == "redo" and reverts not in tag_events:
            continue  # the redo of a note or a correction: no tag of theirs
        if action == SECOND_LOOK:
            looks[key] = tag
        else:
            standing.setdefault(key, {})[rid] = tag
            tag_events.add(rid)
        order.setdefault(pid, {})[who] = None
    out: dict[int, dict[str, str | None]] = {}
    for pid, reviewers in order.items():
        out[pid] = {}
        for who in reviewers:
            key = (pid, who)
            tags = list(standing.get(key, {}).values())
            out[pid][who] = looks[key] if key in looks else (tags[-1] if tags else None)
    return out


def agreement_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """Cohen's kappa of two reviewers' tags on the pairs both tagged (None: no such pair)."""
    pairs = double_labels(db, comparison["id"], comparison.get("tag_kinds"))
    if not pairs:
        return None
    k = cohen_kappa(pairs, LABELS)
    agree = sum(a == b for a, b in pairs)
    text = f"{k.n:,} pairs were tagged by two reviewers, who agreed on {agree:,}"
    if k.kappa is None:
        text += "; Cohen's kappa is undefined (every tag was the same)."
    else:
        text += f": Cohen's kappa {k.kappa:.2f} (95% interval {k.low:.2f} to {k.high:.2f})."
    if k.n < 30:
        text += " Fewer than 30 pairs: the interval is wide; tag more second looks (A)."
    data = {"pairs": k.n, "agreed": agree, "kappa": k.kappa, "low": k.low, "high": k.high}
    metrics: dict[str, float | None] = {"reviewer_pairs_double_tagged": k.n}
    if k.kappa is not None:
        metrics |= {"reviewer_kappa": k.kappa, "reviewer_kappa_low": k.low}
    return Section(
        key="agreement",
        title="Agreement between reviewers",
        markdown=text,
        data=data,
        metrics=metrics,
    )
