"""The next batch to refine: free pairs first, then down the static distance.

The next batch walks down the static distance: unrefined pairs keep their static
distance as their place, so these are the rows the reviewer meets next. On the real
migrations no other order tried found the accurate head sooner on every file
(``bench/refine_sim.py``: a predictor over every stored feature, ranking pairs by their
chance of being misplaced in the head, per pair or per token of model time, needed
fewer pairs on one AlpacaEval file and more on another). Pairs whose texts are all in
the embedding cache (an identical output, a text repeated elsewhere, a comparison that
shares one model's outputs with one refined before) cost the model nothing: those among
the next FREE_LOOKAHEAD go first, on top of the batch.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..store import text_hash
from .embeddings.base import is_blank
from .embeddings.cache import EmbeddingCache

CURRENT = (
    "FROM scores s CROSS JOIN pairs p ON p.id = s.pair_id WHERE p.comparison_id = :cid"
    " AND s.content_hash = p.content_hash AND s.semantic_distance IS NOT NULL"
)
MEANING = "coalesce(s.refined_on_static, s.semantic_distance)"  # queue.orders.MEANING
# The unary plus keeps SQLite off the scores_refined index for this term: unrefined pairs
# are walked down scores_semantic, so the next batch costs a seek, not a sort of them all.
UNREFINED = f"{CURRENT} AND +s.refined_model IS NULL"
REFINED = f"{CURRENT} AND s.refined_model = :model"
STATIC_NEXT = (
    f"SELECT s.pair_id {UNREFINED} ORDER BY s.semantic_distance DESC, s.pair_id DESC LIMIT :n"
)

FREE_PER_STEP = 512  # free pairs still cost a distance and a write each
FREE_LOOKAHEAD = 1024  # how far down the static order a step looks for free pairs


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
