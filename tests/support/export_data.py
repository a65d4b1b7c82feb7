"""Build reviewed, scored comparisons for the export and report tests.

Pairs go in through PairWriter and decisions through reviews.record, like the app does;
score and signal rows are inserted directly, as the scorer writes exactly those tables.
Distances come from the embedding function given, so a test can serve the same vectors
to an eval tool and have the thresholds mean what they say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from swapview import reviews
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    now,
    write_transaction,
)
from tests.support.openai_server import hashed_bow

EmbedFn = Callable[[list[str]], list[list[float]]]


@dataclass
class Case:
    key: str
    prompt: str | list[dict[str, Any]]
    baseline: str | None
    candidate: str | None
    tag: str | None = None
    note: str | None = None
    reviewer: str = "ana"
    corrected: str | None = None
    signals: dict[str, str | None] = field(default_factory=dict)
    scored: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)  # the file's extra columns


def cosine_distance(a: str, b: str, embed: EmbedFn = hashed_bow) -> float:
    va, vb = embed([a, b])
    dot = sum(x * y for x, y in zip(va, vb, strict=True))
    na = sum(x * x for x in va) ** 0.5 or 1.0
    nb = sum(x * x for x in vb) ** 0.5 or 1.0
    return 1 - dot / (na * nb)


def build(
    db: Database,
    cases: list[Case],
    *,
    comparison: str = "m1",
    embed: EmbedFn = hashed_bow,
    model_name: str = "hashed-bow-64",
) -> dict[str, int]:
    """Load, review and score the cases; returns pair ids by key."""
    with write_transaction(db):
        cid = ensure_comparison(
            db, comparison, baseline_model="old-model", candidate_model="new-model"
        )
        PairWriter(db, cid, LoadReport(comparison=comparison)).write(
            PairRecord(c.key, c.prompt, c.baseline, c.candidate, c.metadata) for c in cases
        )
    ids = {k: i for k, i in db.execute("SELECT key, id FROM pairs WHERE comparison_id = ?", [cid])}
    for c in cases:
        if c.tag is not None:
            reviews.record(
                db, ids[c.key], c.reviewer, tag=c.tag, note=c.note, corrected_output=c.corrected
            )
    with write_transaction(db):
        for c in cases:
            if c.scored:
                _score(db, ids[c.key], c, embed, model_name)
    return ids


def _score(db: Database, pair_id: int, c: Case, embed: EmbedFn, model_name: str) -> None:
    digest = db.execute("SELECT content_hash FROM pairs WHERE id = ?", [pair_id]).fetchone()[0]
    old, new = c.baseline or "", c.candidate or ""
    db.execute(
        "INSERT OR REPLACE INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
        " semantic_distance, lexical_distance, length_change, signal_count, scored)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            pair_id,
            digest,
            "test",
            model_name,
            cosine_distance(old, new, embed),
            None,
            (len(new) - len(old)) / max(len(old), 1),
            len(c.signals),
            now(),
        ],
    )
    db.execute("DELETE FROM signals WHERE pair_id = ?", [pair_id])
    for name, detail in c.signals.items():
        db.execute(
            "INSERT INTO signals (pair_id, name, detail) VALUES (?, ?, ?)", [pair_id, name, detail]
        )


LONG_ANSWER = (
    "To reset the router, unplug it from the wall, wait ten seconds, plug it back in, and"
    " give it two minutes until the status light turns steady green. If it stays orange,"
    " hold the reset button for ten seconds with a paper clip and set it up again from the"
    " label on the back."
)

# A handful of realistic cases, one per kind of break the assertions are drafted for.
STANDARD_CASES = [
    Case(
        "json",
        "Return the user as JSON with keys name and age.",
        '{"name": "Ada Lovelace", "age": 36}',
        "The user is Ada Lovelace, aged 36.",
        tag="regression",
        note="JSON became prose",
        signals={"json_broke": None},
        metadata={"Winner": "baseline", "Rating": 2, "human": {"preference": "model_a"}},
    ),
    Case(
        "refusal",
        "How do I reset my router?",
        LONG_ANSWER,
        "I'm sorry, but I can't help with resetting network equipment.",
        tag="regression",
        note="refuses a harmless question",
        signals={"refusal_appeared": 'candidate says "i\'m sorry, but i"', "much_shorter": None},
    ),
    Case(
        "short",
        "Explain how to reset the router.",
        LONG_ANSWER,
        "To reset the router, unplug it from the wall,",
        tag="regression",
        note="cut off",
        signals={"truncated": None, "much_shorter": None},
    ),
    Case(
        "better",
        "What is the capital of Australia?",
        "The capital of Australia is Sydney.",
        "The capital of Australia is Canberra, not Sydney, which is the largest city.",
        tag="improvement",
    ),
    Case(
        "same",
        [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "What is 2 + 2?"},
        ],
        "2 + 2 = 4.",
        "It is 4.",
        tag="neutral",
        reviewer="bo",
    ),
    Case(
        "fixed",
        "Summarise the plot of Hamlet in one sentence.",
        "Hamlet is a play.",
        "A meh summary.",
        tag="regression",
        reviewer="bo",
        corrected="Prince Hamlet avenges his father's murder by his uncle, and almost"
        " everyone dies.",
    ),
    Case(
        "skipped",
        "Tell me a joke.",
        "Why did the chicken cross the road?",
        "Knock knock.",
        tag="skip",
    ),
    Case("untagged", "Untouched prompt", "old words", "new words"),
]
