"""Each pair's current verdict, kept in ``judge_pairs`` (m081) for the review queue.

The queue shows, sorts by and filters on the judge's verdict a page at a time; combining
both orders' rows (``combined_verdicts``) on every page would be slow, so the combined
verdict of the judge that judged a comparison last is written here after every judge run
or field import, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from ..store import write_transaction
from ..tagkinds import TagKinds, kind_of
from .stats import KIND_TO_VERDICT
from .verdicts import combined_verdicts, latest_judge

VERDICT_WORDS = {"new_worse": "worse", "same": "same", "new_better": "better"}


def refresh_judge_pairs(db: Database, comparison_id: int) -> int:
    """Rewrite the comparison's current verdicts; how many pairs have one."""
    key = latest_judge(db, comparison_id)
    verdicts = combined_verdicts(db, comparison_id, key) if key is not None else {}
    hashes = dict(
        db.execute(
            "SELECT id, content_hash FROM pairs WHERE comparison_id = ?", [comparison_id]
        ).fetchall()
    )
    rows = [
        (
            pid,
            comparison_id,
            key.model,
            key.rubric_hash,
            pv.combined.verdict,
            pv.combined.confidence,
            pv.combined.p_regression,
            pv.combined.p_improvement,
            int(pv.combined.inconsistent),
            pv.rationale or None,
            hashes[pid],
        )
        for pid, pv in verdicts.items()
        if key is not None and pid in hashes
    ]
    with write_transaction(db):
        db.execute("DELETE FROM judge_pairs WHERE comparison_id = ?", [comparison_id])
        db.conn.executemany(
            "INSERT INTO judge_pairs (pair_id, comparison_id, judge_model, rubric_hash,"
            " verdict, confidence, p_worse, p_better, inconsistent, rationale, pair_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def ensure_judge_pairs(db: Database, comparison_ids: Iterable[int]) -> None:
    """Fill in verdicts stored before ``judge_pairs`` existed (a cheap check otherwise)."""
    for cid in comparison_ids:
        judged = db.execute(
            "SELECT 1 FROM judge_verdicts v JOIN pairs p ON p.id = v.pair_id"
            " WHERE p.comparison_id = ? LIMIT 1",
            [cid],
        ).fetchone()
        listed = db.execute(
            "SELECT 1 FROM judge_pairs WHERE comparison_id = ? LIMIT 1", [cid]
        ).fetchone()
        if judged and not listed:
            refresh_judge_pairs(db, cid)


@dataclass(frozen=True, slots=True)
class PairJudgement:
    """What the detail pane says of the judge's verdict on one pair."""

    judge_model: str
    verdict: str
    confidence: float
    inconsistent: bool
    rationale: str | None

    def describe(self) -> str:
        """'judge gemma: new worse 92%, the two orders disagreed: "misses the refund"'."""
        text = f"judge {self.judge_model}: {self.verdict.replace('_', ' ')}"
        text += f" {round(self.confidence * 100)}%"
        if self.inconsistent:
            text += ", the two orders disagreed"
        if self.rationale:
            text += f': "{" ".join(self.rationale.split())}"'
        return text


def disagreement_map(tags: Iterable[str], kinds: TagKinds) -> tuple[tuple[str, str], ...]:
    """(tag, the verdict that agrees with it) for every tag that has one: the queue's
    "the judge disagrees with me" filter compares each decision against this."""
    out = []
    for tag in tags:
        verdict = KIND_TO_VERDICT.get(kind_of(tag, kinds))
        if verdict is not None:
            out.append((tag, verdict))
    return tuple(out)


def judged(conn, comparison_id: int | None) -> bool:
    """Whether any pair of the comparison (of any, for None) has a current verdict."""
    if comparison_id is None:
        row = conn.execute("SELECT 1 FROM judge_pairs LIMIT 1").fetchone()
    else:
        row = conn.execute(
            "SELECT 1 FROM judge_pairs WHERE comparison_id = ? LIMIT 1", [comparison_id]
        ).fetchone()
    return row is not None
