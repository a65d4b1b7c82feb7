"""Incremental scoring of one comparison: only pairs new, changed, or scored differently.

Work goes in chunks: embed the chunk's texts (cached by model and text hash), compute
distances and signals, then write embeddings, scores and signals in one transaction. An
interrupted run keeps every finished chunk, and the next run resumes after it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from .. import pairfacts
from ..store import fill_facts, get_comparison, now, text_hash, write_transaction
from .embeddings.base import Embedder, cosine_distance, is_blank
from .embeddings.cache import EmbeddingCache, embed_with_cache
from .lexical import length_change, lexical_distance
from .signals import compute_signals

# Bump when lexical distance, length change or a signal's rule changes meaning:
# every stored score with another version is recomputed on the next run.
# 2: finish reasons from importers' flat keys, lexical distance on lines for huge pairs,
#    code/JSON ignored by language detection, more refusal phrasings, whole-output JSON only.
# 3: refusal_partial (refuses a part, answers the rest), so refusal_appeared and
#    refusal_gone mean a whole refusal; truncated no longer fires on fields, attributions,
#    sign-offs, formulas or unpunctuated lists; language_changed ignores ASCII art,
#    acronyms, one-letter words, lists and fields (#14, measured in bench/signal_precision.py).
# 4: truncated fires from the text only on endings no finished answer has (an open block,
#    bracket or quote, a dangling function word, a cut word), a bare missing full stop
#    only beside a longer clean baseline; language_changed compares the dominant language
#    of each side's prose (#14 round 4, scoring/truncation.py, language.dominant_language);
#    a refusal is full, partial or unsure from what surrounds it (unsure fires nothing),
#    and appears or goes only when the other side states no limit of its own (refusal.py).
SCORER_VERSION = "4"
CHUNK_PAIRS = 256

Progress = Callable[[int, int], None]  # (pairs done, pairs to do)
Row = tuple[int, str | None, str | None, str | None, str]  # id, outputs, metadata, hash

TODO_SQL = """
SELECT p.id, p.baseline_output, p.candidate_output, p.metadata, p.content_hash
FROM pairs p LEFT JOIN scores s ON s.pair_id = p.id
WHERE p.comparison_id = :cid AND p.id > :after
AND p.baseline_output IS NOT NULL AND p.candidate_output IS NOT NULL AND (
    s.pair_id IS NULL OR s.content_hash != p.content_hash
    OR s.scorer_version != :version OR s.embedding_model IS NOT :model)
ORDER BY p.id LIMIT :limit
"""


@dataclass
class ScoreReport:
    """What a scoring run did; the CLI prints it or dumps it with --json."""

    comparison: str
    embedding_model: str
    scorer_version: str = SCORER_VERSION
    pairs: int = 0
    to_score: int = 0
    scored: int = 0
    unchanged: int = 0
    pending: int = 0  # a side not loaded or replayed yet: scored once it is there
    texts_embedded: int = 0  # distinct texts sent to the model
    texts_cached: int = 0  # every other non-blank output: from the cache, or a repeat
    signals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def score_comparison(
    db: Database,
    comparison: str,
    embedder: Embedder,
    *,
    chunk_pairs: int = CHUNK_PAIRS,
    progress: Progress | None = None,
) -> ScoreReport:
    """Score every pair of the comparison that needs it; returns what was done."""
    started = time.perf_counter()
    cid = get_comparison(db, comparison)["id"]
    report = ScoreReport(comparison=comparison, embedding_model=embedder.name)
    params = {"cid": cid, "version": SCORER_VERSION, "model": embedder.name}
    report.pairs = _count(db, "SELECT count(*) FROM pairs WHERE comparison_id = ?", cid)
    report.to_score = _count(
        db, f"SELECT count(*) FROM ({TODO_SQL})", {**params, "after": 0, "limit": -1}
    )
    report.pending = _count(
        db,
        "SELECT count(*) FROM pairs WHERE comparison_id = ?"
        " AND (baseline_output IS NULL OR candidate_output IS NULL)",
        cid,
    )
    report.unchanged = report.pairs - report.to_score - report.pending
    cache = EmbeddingCache(db, embedder.name)
    fired: Counter[str] = Counter()
    after = 0
    if progress:
        progress(0, report.to_score)
    while rows := list(db.execute(TODO_SQL, {**params, "after": after, "limit": chunk_pairs})):
        after = rows[-1][0]
        _score_chunk(db, cache, embedder, rows, report, fired)
        if progress:
            progress(report.scored, report.to_score)
    # Pairs scored before (or pending) whose stored numbers a change dropped: shift reads
    # them, and score is where every text is read anyway (load stays at raw speed).
    fill_facts(db, cid)
    report.signals = dict(sorted(fired.items()))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _score_chunk(
    db: Database,
    cache: EmbeddingCache,
    embedder: Embedder,
    rows: list[Row],
    report: ScoreReport,
    fired: Counter[str],
) -> None:
    texts = [t for row in rows for t in (row[1], row[2])]
    vectors, fresh = embed_with_cache(cache, embedder, texts)
    # Per text needed, not per distinct text: a text repeated in the chunk (both sides
    # identical, a shared answer) is embedded once and its repeats count as cached, so
    # embedded + cached is every non-blank output of the pairs scored.
    needed = sum(not is_blank(t) for t in texts)
    report.texts_embedded += len(fresh)
    report.texts_cached += needed - len(fresh)
    stamp = now()
    score_rows, signal_rows = [], []
    for pair_id, baseline, candidate, metadata, digest in rows:
        found = compute_signals(baseline, candidate, _metadata(metadata))
        fired.update(s.name for s in found)
        signal_rows += [(pair_id, s.name, s.detail) for s in found]
        score_rows.append(
            (
                pair_id,
                digest,
                SCORER_VERSION,
                embedder.name,
                pair_distance(vectors, baseline, candidate),
                lexical_distance(baseline, candidate),
                length_change(baseline, candidate),
                stamp,
            )
        )
    with write_transaction(db):
        cache.put_many(fresh.items())
        pairfacts.refresh(db, [r[0] for r in rows])  # shift's numbers, while rows are hot
        conn = db.conn
        # The scorer's own signals; `contract:NAME` rows belong to `contracts check` and
        # go only when they were checked on content the pair no longer has.
        conn.executemany(
            "DELETE FROM signals WHERE pair_id = ?1 AND (name NOT GLOB 'contract:*' OR NOT"
            " EXISTS (SELECT 1 FROM contract_results r WHERE r.pair_id = ?1"
            " AND 'contract:' || r.contract = signals.name AND r.content_hash = ?2))",
            [(r[0], r[4]) for r in rows],
        )
        conn.executemany(
            "INSERT INTO signals (pair_id, name, detail) VALUES (?, ?, ?)", signal_rows
        )
        # signal_count counts every signal row of the pair, the contracts' included, so
        # the quirk order puts a broken contract first too.
        conn.executemany(
            "INSERT OR REPLACE INTO scores (pair_id, content_hash, scorer_version,"
            " embedding_model, semantic_distance, lexical_distance, length_change,"
            " signal_count, scored) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
            " (SELECT count(*) FROM signals g WHERE g.pair_id = ?1), ?8)",
            score_rows,
        )
    report.scored += len(rows)


def pair_distance(
    vectors: dict[str, np.ndarray], baseline: str | None, candidate: str | None
) -> float:
    """The semantic distance of one pair from its texts' vectors (keyed by text hash)."""
    blank_a, blank_b = is_blank(baseline), is_blank(candidate)
    a = None if blank_a else vectors[text_hash(baseline)]
    b = None if blank_b else vectors[text_hash(candidate)]
    return cosine_distance(a, b, blank_a=blank_a, blank_b=blank_b)


def _metadata(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _count(db: Database, sql: str, params: Any) -> int:
    args = params if isinstance(params, dict) else [params]
    return int(db.execute(sql, args).fetchone()[0])
