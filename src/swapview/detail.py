"""Everything the review screen shows about one pair, read in one go."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .chat import content_text, transcript_turns
from .errors import NotFoundError
from .judge.pairs import PairJudgement
from .reviews import DECISION_ROWS
from .store import VISIBLE, decode_prompt


@dataclass(frozen=True, slots=True)
class PairDetail:
    pair_id: int
    key: str
    comparison: str
    baseline_model: str | None
    candidate_model: str | None
    prompt: str | list[dict[str, Any]] | None
    baseline: str | None
    candidate: str | None
    metadata: dict[str, Any]
    content_hash: str
    semantic: float | None
    lexical: float | None
    length_change: float | None
    embedding_model: str | None
    signals: tuple[tuple[str, str | None], ...]
    tag: str | None
    note: str | None
    reviewer: str | None
    stale: bool
    # From triage (absent until the likely-regression order was used): log-odds of
    # "regression", why, and the cluster of alike changes the pair sits in.
    likely: float | None = None
    likely_reason: str | None = None
    cluster_size: int | None = None
    cluster_label: str | None = None
    # The judge's verdict on these texts, once `swapview judge` (or a judge field) ran.
    judgement: PairJudgement | None = None
    # The reviewer's corrected answer (exports take it as the ideal), and who wrote it.
    corrected: str | None = None
    corrected_by: str | None = None

    @property
    def size(self) -> int:
        """Characters held, to bound a cache of details."""
        texts = (self.baseline, self.candidate, self.corrected)
        return sum(len(t or "") for t in texts) + len(str(self.prompt or ""))


def pair_detail(conn: sqlite3.Connection, pair_id: int) -> PairDetail:
    row = conn.execute(
        "SELECT p.id, p.key, c.name, c.baseline_model, c.candidate_model, p.prompt,"
        " p.prompt_format, p.baseline_output, p.candidate_output, p.metadata, p.content_hash,"
        # The meaning distance the queue sorts by: the accurate model's where refinement
        # reached the pair (on the static scale), so the pair line and its row agree.
        " coalesce(s.refined_on_static, s.semantic_distance), s.lexical_distance,"
        " s.length_change, coalesce(s.refined_model, s.embedding_model),"
        " d.tag, d.note, d.reviewer, coalesce(d.stale, 0), t.score, t.reason, k.size, k.label,"
        " j.judge_model, j.verdict, j.confidence, j.inconsistent, j.rationale,"
        " d.corrected_output"
        " FROM pairs p JOIN comparisons c ON c.id = p.comparison_id"
        " LEFT JOIN scores s ON s.pair_id = p.id LEFT JOIN decisions d ON d.pair_id = p.id"
        " LEFT JOIN triage_scores t ON t.pair_id = p.id"
        " LEFT JOIN triage_cluster_members m ON m.pair_id = p.id"
        " LEFT JOIN triage_clusters k ON k.id = m.cluster_id"
        " LEFT JOIN judge_pairs j ON j.pair_id = p.id AND j.pair_hash = p.content_hash"
        " WHERE p.id = ?",
        [pair_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no pair with id {pair_id}")
    signals = tuple(
        conn.execute("SELECT name, detail FROM signals WHERE pair_id = ? ORDER BY name", [pair_id])
    )
    return PairDetail(
        pair_id=row[0],
        key=row[1],
        comparison=row[2],
        baseline_model=row[3],
        candidate_model=row[4],
        prompt=_prompt(row[5], row[6]),
        baseline=row[7],
        candidate=row[8],
        metadata=_metadata(row[9]),
        content_hash=row[10],
        semantic=row[11],
        lexical=row[12],
        length_change=row[13],
        embedding_model=row[14],
        signals=signals,
        tag=row[15],
        note=row[16],
        reviewer=row[17],
        stale=bool(row[18]),
        likely=row[19],
        likely_reason=row[20],
        cluster_size=row[21],
        cluster_label=row[22],
        judgement=PairJudgement(row[23], row[24], row[25], bool(row[26]), row[27])
        if row[23] is not None
        else None,
        corrected=row[28],
        corrected_by=_corrected_by(conn, pair_id, row[28]),
    )


def _corrected_by(conn: sqlite3.Connection, pair_id: int, corrected: str | None) -> str | None:
    """Who wrote the corrected answer the pair has now: the first reviewer of the trailing
    run of history rows that hold it (a later tag by someone else keeps the author)."""
    if corrected is None:
        return None
    row = conn.execute(
        f"SELECT reviewer FROM reviews WHERE pair_id = ?1 AND {DECISION_ROWS} AND id >"
        " coalesce((SELECT max(id) FROM reviews WHERE pair_id = ?1 AND corrected_output IS"
        f" NOT ?2 AND {DECISION_ROWS}), 0) ORDER BY id LIMIT 1",
        [pair_id, corrected],
    ).fetchone()
    return row[0] if row else None


def _prompt(text: str | None, fmt: str) -> str | list[dict[str, Any]] | None:
    try:
        return decode_prompt(text, fmt)
    except ValueError:
        return text  # a chat prompt that is not valid JSON is shown as text


def _metadata(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"metadata": text}
    return value if isinstance(value, dict) else {"metadata": value}


def chat_turns(prompt: str | list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """The prompt as (role, text) turns: one 'user' turn for a text prompt."""
    if prompt is None:
        return []
    if isinstance(prompt, str):
        return transcript_turns(prompt) or [("user", prompt)]
    turns = []
    for msg in prompt:
        if not isinstance(msg, dict):
            turns.append(("?", json.dumps(msg, ensure_ascii=False)))
            continue
        turns.append((str(msg.get("role", "?")), content_text(msg.get("content"))))
    return turns


def comparisons(conn: sqlite3.Connection) -> list[tuple[int, str, str | None, str | None]]:
    """(id, name, baseline_model, candidate_model) of every comparison, oldest first."""
    sql = (
        "SELECT id, name, baseline_model, candidate_model FROM comparisons"
        f" WHERE {VISIBLE} ORDER BY id"
    )
    return list(conn.execute(sql))
