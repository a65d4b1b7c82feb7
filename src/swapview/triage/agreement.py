"""Agreement between reviewers: Cohen's kappa over pairs two reviewers tagged, with a
bootstrap interval, for the report (issue #14: "their agreement next to the regression rate").

Each reviewer's view of a pair is the tag of their latest `tag` write on it (a note or an
undo carries the shared decision, not their own judgement). Tags compare by kind
(regression, improvement, neutral, skip: see tagkinds), so a team's custom tag that counts
as a regression agrees with `regression`. A pair three reviewers tagged counts the two
whose latest tags came first.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from sqlite_utils import Database

from ..tagkinds import TagKinds, kind_of

BOOTSTRAP = 2000
SEED = 14
LATEST_TAGS_SQL = """
SELECT r.pair_id, r.reviewer, r.tag FROM reviews r
JOIN pairs p ON p.id = r.pair_id
WHERE p.comparison_id = ? AND r.action = 'tag' AND r.id IN (
    SELECT max(id) FROM reviews WHERE action = 'tag' GROUP BY pair_id, reviewer)
ORDER BY r.pair_id, r.id
"""


def doubly_tagged(
    db: Database, comparison_id: int, kinds: TagKinds | None = None
) -> list[tuple[str, str]]:
    """(first reviewer's kind, second reviewer's kind) for each pair two reviewers tagged."""
    views: dict[int, list[str]] = {}
    for pair_id, _reviewer, tag in db.execute(LATEST_TAGS_SQL, [comparison_id]):
        if tag is not None:
            views.setdefault(pair_id, []).append(kind_of(tag, kinds))
    return [(v[0], v[1]) for v in views.values() if len(v) >= 2]


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa; None with no pairs, or when chance agreement is certain."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(left[k] * right[k] for k in left) / (n * n)
    if expected >= 1:
        return None  # one kind only on both sides: kappa is undefined
    return (observed - expected) / (1 - expected)


def agreement(db: Database, comparison_id: int, kinds: TagKinds | None = None) -> dict[str, Any]:
    """Pairs compared, share agreed, kappa and a 95% percentile-bootstrap interval."""
    pairs = doubly_tagged(db, comparison_id, kinds)
    kappa = cohen_kappa(pairs)
    low = high = None
    if kappa is not None:
        rng = random.Random(SEED)
        draws = [cohen_kappa(rng.choices(pairs, k=len(pairs))) for _ in range(BOOTSTRAP)]
        found = sorted(d for d in draws if d is not None)
        if found:
            low, high = found[int(0.025 * len(found))], found[int(0.975 * len(found)) - 1]
    agreed = sum(a == b for a, b in pairs)
    return {"pairs": len(pairs), "agreed": agreed, "kappa": kappa, "low": low, "high": high}


def describe_agreement(result: dict[str, Any]) -> str:
    n, agreed, kappa = result["pairs"], result["agreed"], result["kappa"]
    text = f"{n} pairs were tagged by two reviewers; they agreed on {agreed}"
    if kappa is None:
        return text + " (Cohen's kappa undefined: every tag was of one kind)"
    interval = ""
    if result["low"] is not None:
        interval = f", 95% interval {result['low']:.2f} to {result['high']:.2f}"
    return text + f" (Cohen's kappa {kappa:.2f}{interval})"
