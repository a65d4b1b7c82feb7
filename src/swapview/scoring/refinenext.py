"""The next batch to refine, and how far the head is settled, read from SQLite.

The next batch walks down the static distance: unrefined pairs keep their static
distance as their place, so these are the rows the reviewer meets next, and on real
migrations no cheaper order found the accurate head sooner (``bench/refine_sim.py``:
a predictor over every stored feature, ranking by its chance of misplacing a row,
needed more pairs on one AlpacaEval file and fewer on another). Pairs whose texts are
all in the embedding cache (an identical output, a text repeated elsewhere, a comparison
that shares one model's outputs with one refined before) cost the model nothing: those
among the next FREE_LOOKAHEAD go first, on top of the batch.

The stop rule reads a pool of candidates: the first unrefined pairs by static distance
(every unrefined pair shown in the heads judged, and the nearest below them) and by
lexical distance (pairs the static model may underrate). Both come from an index walk,
so a step costs about the same at 1,000 and 1,000,000 pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..store import text_hash
from .embeddings.base import is_blank
from .embeddings.cache import EmbeddingCache
from .refinefit import head_ladder, settled_enough
from .refinepick import Features, Predictor, expected_misplaced, fit_predictor

CURRENT = (
    "FROM scores s CROSS JOIN pairs p ON p.id = s.pair_id WHERE p.comparison_id = :cid"
    " AND s.content_hash = p.content_hash AND s.semantic_distance IS NOT NULL"
)
MEANING = "coalesce(s.refined_on_static, s.semantic_distance)"  # queue.orders.MEANING
# The unary plus keeps SQLite off the scores_refined index for this term: unrefined pairs
# are walked down scores_semantic (or scores_lexical), so a pool costs a seek, not a sort.
UNREFINED = f"{CURRENT} AND +s.refined_model IS NULL"
REFINED = f"{CURRENT} AND s.refined_model = :model"
STATIC_NEXT = (
    f"SELECT s.pair_id {UNREFINED} ORDER BY s.semantic_distance DESC, s.pair_id DESC LIMIT :n"
)
FEATURES = "s.semantic_distance, s.lexical_distance, s.length_change, s.signal_count"

MIN_POOL = 1024  # candidates by static distance; the heads considered are a quarter
MAX_POOL = 32768  # past this the pool stops growing: a step must stay cheap at 1M pairs
FREE_PER_STEP = 512  # free pairs still cost a distance and a write each
FREE_LOOKAHEAD = 1024  # how far down the static order a step looks for free pairs


@dataclass(frozen=True, slots=True)
class Refined:
    """What the refined pairs say: the predictor, their accurate distances, and their
    places on the static scale (sorted descending) for the shown ranks."""

    predictor: Predictor
    accurate: np.ndarray
    shown: np.ndarray

    @classmethod
    def read(cls, db: Database, args: dict[str, Any]) -> Refined:
        rows = db.execute(
            f"SELECT {FEATURES}, s.refined_distance, s.refined_on_static {REFINED}", args
        ).fetchall()
        accurate = np.array([r[4] for r in rows], dtype=float)
        predictor = fit_predictor(Features.from_rows([r[:4] for r in rows]), accurate)
        shown = np.sort(np.array([r[5] for r in rows], dtype=float))[::-1]
        return cls(predictor, accurate, shown)


@dataclass(frozen=True, slots=True)
class Pool:
    """Unrefined candidates with their predictions and the rows they are shown at."""

    ids: np.ndarray
    predicted: np.ndarray
    sigma: float
    shown_rank: np.ndarray  # MAX rank for pairs found by lexical distance only
    size: int  # how many were read by static distance

    def misplaced(self, refined: Refined, heads: list[int]) -> np.ndarray:
        return expected_misplaced(
            self.predicted, self.sigma, self.shown_rank, refined.accurate, heads
        )


def read_pool(db: Database, args: dict[str, Any], refined: Refined, size: int) -> Pool:
    """The first ``size`` unrefined pairs by static distance, and by lexical distance."""
    by_static = db.execute(
        f"SELECT s.pair_id, {FEATURES} {UNREFINED}"
        " ORDER BY s.semantic_distance DESC, s.pair_id DESC LIMIT :n",
        {**args, "n": size},
    ).fetchall()
    by_lexical = db.execute(
        f"SELECT s.pair_id, {FEATURES} {UNREFINED} AND s.lexical_distance IS NOT NULL"
        " ORDER BY s.lexical_distance DESC, s.pair_id DESC LIMIT :n",
        {**args, "n": size},
    ).fetchall()
    seen = {r[0] for r in by_static}
    rows = by_static + [r for r in by_lexical if r[0] not in seen]
    features = Features.from_rows([r[1:] for r in rows])
    predicted, sigma = refined.predictor.predict(features)
    # Shown rank: the pair's place among the unrefined (the walk's order) plus the refined
    # pairs placed above it; pairs beyond the walk are below every head considered.
    static = features.static[: len(by_static)]
    above = np.searchsorted(-refined.shown, -static, side="left")
    rank = np.full(len(rows), np.iinfo(np.int64).max // 2, dtype=np.int64)
    rank[: len(by_static)] = np.arange(len(by_static)) + above
    return Pool(np.array([r[0] for r in rows], dtype=np.int64), predicted, sigma, rank, size)


def open_heads(pool: Pool, refined: Refined, total: int) -> tuple[list[int], np.ndarray]:
    """The ladder's heads the pool can judge (a quarter of its size), and the expected
    count of misplaced rows in each."""
    limit = total if pool.size >= total else pool.size // 4
    heads = [k for k in head_ladder(total) if k <= limit and k < total]
    return heads, pool.misplaced(refined, heads)


def working_settled(db: Database, args: dict[str, Any], total: int) -> int:
    """The settled head, from a pool large enough to hold the first unsettled head (up to
    MAX_POOL pairs; the settled ladder stops where the pool can no longer judge)."""
    refined = Refined.read(db, args)
    size = MIN_POOL
    while True:
        pool = read_pool(db, args, refined, size)
        heads, wrong = open_heads(pool, refined, total)
        unsettled = [k for k, w in zip(heads, wrong, strict=True) if not settled_enough(w, k)]
        if unsettled or size >= min(total, MAX_POOL):
            return max([k for k in heads if not unsettled or k < unsettled[0]], default=0)
        size *= 4


def settled_head(db: Database, args: dict[str, Any], total: int) -> int:
    """The largest head on the ladder whose rows are expected to hold fewer than
    SETTLE_SHARE misplaced pairs per row (every head above it too); the total when
    every pair is refined."""
    if _one(db, f"SELECT count(*) FROM (SELECT 1 {UNREFINED} LIMIT 1)", args) == 0:
        return total
    return working_settled(db, args, total)


def next_ids(db: Database, args: dict[str, Any], cache: EmbeddingCache, batch: int) -> list[int]:
    """Pair ids for the next step: the free pairs among the next FREE_LOOKAHEAD by static
    distance, then ``batch`` more down the static distance."""
    order = [r[0] for r in db.execute(STATIC_NEXT, {**args, "n": FREE_LOOKAHEAD})]
    free = set(free_ids(db, cache, order))
    costless = [i for i in order if i in free][:FREE_PER_STEP]
    return [*costless, *[i for i in order if i not in free][:batch]]


def free_ids(db: Database, cache: EmbeddingCache, ids: list[int]) -> list[int]:
    """Of ``ids``, the pairs whose non-blank texts all have a cached vector."""
    texts: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.execute(
            "SELECT id, baseline_output, candidate_output FROM pairs WHERE id IN"
            f" ({','.join('?' * len(chunk))})",
            chunk,
        )
        for pid, a, b in rows:
            texts[pid] = [text_hash(t) for t in (a, b) if t is not None and not is_blank(t)]
    cached = cache.cached([h for hs in texts.values() for h in hs])
    return [i for i in ids if all(h in cached for h in texts.get(i, ()))]


def _one(db: Database, sql: str, args: Any) -> int:
    return int(db.execute(sql, args).fetchone()[0])
