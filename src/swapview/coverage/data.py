"""A comparison's prompts as vectors, and what changed on each pair, for coverage.

Prompts are embedded with the scoring embedder and cached in the same ``embeddings``
table (model name and text hash), so a second run embeds nothing. Many pairs share a
prompt: each distinct text is one point, weighted by how many pairs carry it. Texts are
read twice rather than held: hashes first, then only the texts the cache lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from ..scoring.embeddings import Embedder, is_blank
from ..scoring.embeddings.cache import EmbeddingCache, embed_with_cache
from ..store import decode_prompt, text_hash, write_transaction
from .texts import input_text

EMBED_CHUNK = 2000  # texts embedded and committed at once: an interrupted run keeps them
BLANK = ""  # the hash slot of an empty prompt: a zero vector, never embedded

Progress = Callable[[int, int], None]


@dataclass
class Prompts:
    """One row per pair (``pair_ids``, ``point``), one vector per distinct prompt text."""

    pair_ids: np.ndarray  # (n,) int64, ascending
    point: np.ndarray  # (n,) int32: the row of ``vectors`` holding the pair's prompt
    vectors: np.ndarray  # (m, d) float32
    weights: np.ndarray  # (m,) pairs per distinct text
    first_pair: np.ndarray  # (m,) int64: a pair holding each text (to read it back)


@dataclass
class Changes:
    """What changed on each pair, aligned with ``Prompts.pair_ids``."""

    distance: np.ndarray  # semantic distance where scored, else lexical, else NaN
    signalled: np.ndarray  # bool: any quirk signal fired (current score)
    contract_broken: np.ndarray  # bool: a contract:NAME signal fired


def _prompt_text(prompt: str | None, prompt_format: str) -> str:
    return input_text(decode_prompt(prompt, prompt_format))


def load_prompts(
    db: Database, comparison_id: int, embedder: Embedder, progress: Progress | None = None
) -> Prompts:
    """Every pair's prompt as a point; missing vectors embedded and cached."""
    ids, hashes = _hashes(db, comparison_id)
    distinct = list(dict.fromkeys(hashes))
    index = {h: i for i, h in enumerate(distinct)}
    point = np.fromiter((index[h] for h in hashes), dtype=np.int32, count=len(hashes))
    weights = np.bincount(point, minlength=len(distinct)).astype(np.float64)
    first = ids[np.unique(point, return_index=True)[1]]  # the first pair with each text
    cache = EmbeddingCache(db, embedder.name)
    dim = embedder.dim or _probe_dim(embedder)
    vectors, found = cache.matrix(distinct, dim)
    blank = np.array([h == BLANK for h in distinct], dtype=bool)
    missing = np.flatnonzero(~found & ~blank)
    if len(missing):
        fresh = _embed_missing(db, cache, embedder, first[missing].tolist(), progress)
        for row in missing:
            vectors[row] = fresh[distinct[row]]
    return Prompts(ids, point, vectors, weights, first)


def _probe_dim(embedder: Embedder) -> int:
    """An http embedder learns its dimension from its first answer."""
    return int(embedder.embed(["dimension probe"]).shape[1])


def _hashes(db: Database, comparison_id: int) -> tuple[np.ndarray, list[str]]:
    ids: list[int] = []
    hashes: list[str] = []
    cursor = db.execute(
        "SELECT id, prompt, prompt_format FROM pairs WHERE comparison_id = ? ORDER BY id",
        [comparison_id],
    )
    while batch := cursor.fetchmany(5000):
        for pid, prompt, fmt in batch:
            text = _prompt_text(prompt, fmt)
            ids.append(pid)
            hashes.append(BLANK if is_blank(text) else text_hash(text))
    return np.asarray(ids, dtype=np.int64), hashes


def _embed_missing(
    db: Database,
    cache: EmbeddingCache,
    embedder: Embedder,
    pair_ids: list[int],
    progress: Progress | None,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(pair_ids), EMBED_CHUNK):
        texts = prompt_texts(db, pair_ids[start : start + EMBED_CHUNK])
        out |= embed_texts(db, cache, embedder, texts)
        if progress:
            progress(min(start + EMBED_CHUNK, len(pair_ids)), len(pair_ids))
    return out


def embed_texts(
    db: Database, cache: EmbeddingCache, embedder: Embedder, texts: Sequence[str]
) -> dict[str, np.ndarray]:
    """Vectors by text hash, the new ones written to the cache in one transaction."""
    vectors, fresh = embed_with_cache(cache, embedder, list(texts))
    if fresh:
        with write_transaction(db):
            cache.put_many(fresh.items())
    return vectors


def prompt_texts(db: Database, pair_ids: Sequence[int]) -> list[str]:
    """The prompt text of each pair, in the order given."""
    found: dict[int, str] = {}
    for start in range(0, len(pair_ids), 500):
        chunk = list(pair_ids[start : start + 500])
        rows = db.execute(
            "SELECT id, prompt, prompt_format FROM pairs"
            f" WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        found |= {pid: _prompt_text(prompt, fmt) for pid, prompt, fmt in rows}
    return [found.get(int(p), "") for p in pair_ids]


def load_changes(db: Database, comparison_id: int, pair_ids: np.ndarray) -> Changes:
    """Distances and signals stored by `swapview score` (current content only)."""
    n = len(pair_ids)
    distance = np.full(n, np.nan)
    rows = db.execute(
        "SELECT p.id, coalesce(s.semantic_distance, s.lexical_distance) FROM pairs p"
        " JOIN scores s ON s.pair_id = p.id"
        " WHERE p.comparison_id = ? AND s.content_hash = p.content_hash",
        [comparison_id],
    ).fetchall()
    if rows:
        data = np.array(rows, dtype=np.float64)
        distance[np.searchsorted(pair_ids, data[:, 0].astype(np.int64))] = data[:, 1]
    signalled = _flags(db, comparison_id, pair_ids, "")
    broken = _flags(db, comparison_id, pair_ids, "contract:")
    return Changes(distance, signalled, broken)


def _flags(db: Database, comparison_id: int, pair_ids: np.ndarray, prefix: str) -> np.ndarray:
    flags = np.zeros(len(pair_ids), dtype=bool)
    rows = db.execute(
        "SELECT DISTINCT g.pair_id FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " JOIN scores s ON s.pair_id = p.id"
        " WHERE p.comparison_id = ? AND s.content_hash = p.content_hash AND g.name LIKE ?",
        [comparison_id, prefix + "%"],
    ).fetchall()
    if rows:
        flags[np.searchsorted(pair_ids, np.array([r[0] for r in rows], dtype=np.int64))] = True
    return flags
