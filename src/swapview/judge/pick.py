"""Which pairs to spend the judge budget on.

auto (the default): where a verdict would move the queue most, the learned order's least
certain pairs near its head (score, a log-odds, closest to 0), then the rest of the head.
head: the learned order from the top. uncertain: least certain first, anywhere.
sample: a seeded random order. all: every pair, in load order.
Without a learned order (no `swapview triage` yet) every pick but sample is load order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlite_utils import Database

HEAD_WINDOW = 4  # auto looks at the top (4 x limit, at least 200) pairs for uncertain ones


def candidate_ids(
    db: Database, comparison_id: int, pick: str, limit: int | None, seed: int = 0
) -> Iterator[int]:
    """Pair ids in the order the judge should take them (judged ones are skipped later)."""
    scored = [
        (r[0], r[1])
        for r in db.execute(
            "SELECT t.pair_id, t.score FROM triage_scores t WHERE t.comparison_id = ?"
            " ORDER BY t.score DESC, t.pair_id DESC",
            [comparison_id],
        )
    ]
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM pairs WHERE comparison_id = ? ORDER BY id", [comparison_id]
        )
    ]
    if pick == "sample":
        random.Random(seed).shuffle(ids)
        return iter(ids)
    if pick == "all" or not scored:
        return iter(ids)
    if pick == "uncertain":
        order = [pid for pid, _ in sorted(scored, key=lambda r: abs(r[1]))]
    elif pick == "head":
        order = [pid for pid, _ in scored]
    else:
        window = max(HEAD_WINDOW * (limit or 50), 200)
        head = scored[:window]
        order = [pid for pid, _ in sorted(head, key=lambda r: abs(r[1]))]
        order += [pid for pid, _ in scored[window:]]
    seen = set(order)
    return iter(order + [pid for pid in ids if pid not in seen])
