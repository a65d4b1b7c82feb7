"""The embedding cache in SQLite: one row per (model name, text hash), never computed twice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from sqlite_utils import Database

from ...store import text_hash
from .base import Embedder, is_blank

LOOKUP_CHUNK = 500  # SQLite's variable limit is 999 on older builds


class EmbeddingCache:
    """Vectors of one model, read from and written to the ``embeddings`` table."""

    def __init__(self, db: Database, model: str) -> None:
        self.db = db
        self.model = model

    def _rows(
        self, columns: str, hashes: Sequence[str], extra: str = "", args: Sequence[Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """``columns`` of this model's rows for ``hashes``, LOOKUP_CHUNK at a time."""
        for start in range(0, len(hashes), LOOKUP_CHUNK):
            chunk = list(hashes[start : start + LOOKUP_CHUNK])
            yield from self.db.conn.execute(
                f"SELECT {columns} FROM embeddings WHERE model = ?"
                f" AND content_hash IN ({','.join('?' * len(chunk))}){extra}",
                [self.model, *chunk, *args],
            )

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for digest, dim, blob in self._rows("content_hash, dim, vector", _unique(hashes)):
            vec = np.frombuffer(blob, dtype="<f4")
            if vec.shape[0] == dim:  # a damaged row is recomputed, not trusted
                found[digest] = vec
        return found

    def cached(self, hashes: Sequence[str]) -> set[str]:
        """Which of ``hashes`` have a vector stored (no vector is read)."""
        return {row[0] for row in self._rows("content_hash", _unique(hashes))}

    def matrix(self, hashes: Sequence[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, found): row i holds the vector of ``hashes[i]`` (distinct hashes), or
        zeros where ``found[i]`` is False. For many texts at once: no dict of arrays, one
        copy of the blobs (a million cached prompts read about twice as fast)."""
        index = {h: i for i, h in enumerate(hashes)}
        rows: list[int] = []
        blobs: list[bytes] = []
        # A damaged row (another length) is recomputed, not trusted.
        intact = " AND dim = ? AND length(vector) = ?"
        for digest, blob in self._rows("content_hash, vector", hashes, intact, (dim, 4 * dim)):
            rows.append(index[digest])
            blobs.append(blob)
        out = np.zeros((len(hashes), dim), dtype=np.float32)
        found = np.zeros(len(hashes), dtype=bool)
        if blobs:
            out[rows] = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dim)
            found[rows] = True
        return out, found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors; the caller holds the write transaction."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (model, content_hash, dim, vector)"
            " VALUES (?, ?, ?, ?)",
            [
                (self.model, h, int(v.shape[0]), np.asarray(v, dtype="<f4").tobytes())
                for h, v in items
            ],
        )


def _unique(hashes: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(hashes))


def embed_with_cache(
    cache: EmbeddingCache, embedder: Embedder, texts: Sequence[str | None]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Vectors for every non-blank text by hash: (all of them, the newly computed ones)."""
    by_hash = {text_hash(t): t for t in texts if t is not None and not is_blank(t)}
    vectors = cache.get_many(list(by_hash))
    missing = [h for h in by_hash if h not in vectors]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        matrix = embedder.embed([by_hash[h] for h in missing])
        fresh = {h: matrix[i] for i, h in enumerate(missing)}
        vectors.update(fresh)
    return vectors, fresh
