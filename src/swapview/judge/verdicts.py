"""Reading and writing judge verdicts (tables judge_rubrics and judge_verdicts, m080)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..store import now, write_transaction
from .protocol import ORDERS, Combined, Order, Verdict, combine

DONE = ("ok", "unparseable", "identical")  # answered: never asked again


@dataclass(slots=True)
class JudgeKey:
    """Which judge: the model and the rubric it was given."""

    model: str
    rubric_hash: str


@dataclass(slots=True)
class OrderResult:
    """One order's outcome, as stored."""

    status: str
    choice: str | None = None
    verdict: Verdict | None = None
    probs: dict[Verdict, float] | None = None
    rationale: str | None = None
    raw_answer: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    attempts: int = 0


def save_rubric(db: Database, key: JudgeKey, text: str) -> None:
    with write_transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO judge_rubrics (hash, text, created) VALUES (?, ?, ?)",
            [key.rubric_hash, text, now()],
        )


def save(
    db: Database, key: JudgeKey, pair_id: int, pair_hash: str, order: Order, r: OrderResult
) -> None:
    """Store one order's outcome in its own transaction, so a kill loses at most one."""
    p = r.probs or {}
    with write_transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO judge_verdicts (pair_id, judge_model, rubric_hash,"
            " ask_order, status, choice, verdict, p_new_worse, p_same, p_new_better,"
            " rationale, raw_answer, prompt_tokens, completion_tokens, latency_ms,"
            " attempts, pair_hash, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?)",
            [
                pair_id, key.model, key.rubric_hash, order, r.status, r.choice, r.verdict,
                p.get("new_worse"), p.get("same"), p.get("new_better"), r.rationale,
                r.raw_answer, r.prompt_tokens, r.completion_tokens, r.latency_ms,
                r.attempts, pair_hash, now(),
            ],
        )  # fmt: skip


def done_orders(db: Database, key: JudgeKey, pair_id: int, pair_hash: str) -> set[str]:
    """Orders of this pair already answered by this judge for the pair's current text."""
    rows = db.execute(
        "SELECT ask_order FROM judge_verdicts WHERE pair_id = ? AND judge_model = ? AND"
        f" rubric_hash = ? AND pair_hash = ? AND status IN {DONE}",
        [pair_id, key.model, key.rubric_hash, pair_hash],
    ).fetchall()
    return {r[0] for r in rows}


def latest_judge(db: Database, comparison_id: int) -> JudgeKey | None:
    """The judge (model, rubric) that judged this comparison most recently."""
    row = db.execute(
        "SELECT v.judge_model, v.rubric_hash FROM judge_verdicts v JOIN pairs p"
        " ON p.id = v.pair_id WHERE p.comparison_id = ? ORDER BY v.created DESC LIMIT 1",
        [comparison_id],
    ).fetchone()
    return JudgeKey(row[0], row[1]) if row else None


@dataclass(slots=True)
class PairVerdict:
    pair_id: int
    combined: Combined
    rationale: str


# Which stored answers count towards a pair's verdict: this judge's, on the pair's
# current texts, parseable. ``CURRENT_VERDICT`` is the same test for one pair ``p``.
CURRENT_VERDICT = (
    "v.judge_model = ? AND v.rubric_hash = ? AND v.pair_hash = p.content_hash"
    " AND v.status IN ('ok', 'identical')"
)


def combined_verdicts(
    db: Database, comparison_id: int, key: JudgeKey, pair_ids: Sequence[int] | None = None
) -> dict[int, PairVerdict]:
    """Each judged pair's verdict from its parseable orders (current texts only); of the
    pairs ``pair_ids`` only, when given (an export reads them a page at a time)."""
    sql = (
        "SELECT v.pair_id, v.ask_order, v.status, v.verdict, v.p_new_worse, v.p_same,"
        " v.p_new_better, v.rationale FROM judge_verdicts v JOIN pairs p ON p.id = v.pair_id"
        f" WHERE p.comparison_id = ? AND {CURRENT_VERDICT}"
    )
    args: list[Any] = [comparison_id, key.model, key.rubric_hash]
    if pair_ids is not None:
        sql += f" AND v.pair_id IN ({','.join('?' * len(pair_ids))})"
        args += list(pair_ids)
    rows = db.execute(sql + " ORDER BY v.pair_id, v.ask_order DESC", args).fetchall()
    grouped: dict[int, dict[Order, tuple[Verdict, dict[Verdict, float] | None]]] = {}
    rationale: dict[int, str] = {}
    for pid, order, _status, verdict, pw, ps, pb, why in rows:
        probs = None if pw is None else {"new_worse": pw, "same": ps, "new_better": pb}
        grouped.setdefault(pid, {})[order] = (verdict, probs)
        if why and pid not in rationale:
            rationale[pid] = why
    return {
        pid: PairVerdict(pid, combine(orders), rationale.get(pid, ""))
        for pid, orders in grouped.items()
    }


def status_counts(db: Database, comparison_id: int, key: JudgeKey) -> dict[str, int]:
    rows = db.execute(
        "SELECT v.status, count(*) FROM judge_verdicts v JOIN pairs p ON p.id = v.pair_id"
        " WHERE p.comparison_id = ? AND v.judge_model = ? AND v.rubric_hash = ?"
        " GROUP BY v.status",
        [comparison_id, key.model, key.rubric_hash],
    ).fetchall()
    return dict(Counter({r[0]: r[1] for r in rows}))


def unparseable(db: Database, comparison_id: int, key: JudgeKey) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.query(
            "SELECT v.pair_id, p.key, v.ask_order, v.raw_answer FROM judge_verdicts v"
            " JOIN pairs p ON p.id = v.pair_id WHERE p.comparison_id = ? AND"
            " v.judge_model = ? AND v.rubric_hash = ? AND v.status = 'unparseable'",
            [comparison_id, key.model, key.rubric_hash],
        )
    ]


__all__ = ["ORDERS"]


def judge_scores(db: Database, comparison_id: int) -> dict[int, tuple[float, float]]:
    """(P(new worse), P(new better)) per pair from the latest judge: the learned order's input."""
    key = latest_judge(db, comparison_id)
    if key is None:
        return {}
    out = {}
    for pid, pv in combined_verdicts(db, comparison_id, key).items():
        out[pid] = (pv.combined.p_regression, pv.combined.p_improvement)
    return out
