"""The default embedder: one vector per MiniLM token, averaged over a text's tokens.

The vectors are computed from MiniLM by our own code (see ``distill.py``) once per machine
and cached; embedding is then a tokenizer call and a sum, thousands of texts a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import is_blank, normalise_rows
from .minilm import MAX_TOKENS, load_tokenizer

ROWS_PER_CHUNK = 256  # texts summed at once: bounds the gathered (tokens x dim) block


class StaticEmbedder:
    """Mean of per-token vectors over the same tokens MiniLM would see."""

    def __init__(self, vectors: np.ndarray, name: str, *, max_tokens: int = MAX_TOKENS) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.name = name
        self.dim = int(self.vectors.shape[1])
        self.tokenizer = load_tokenizer(max_tokens)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if not is_blank(t)]
        for start in range(0, len(todo), ROWS_PER_CHUNK):
            rows = todo[start : start + ROWS_PER_CHUNK]
            encs = self.tokenizer.encode_batch([texts[i] for i in rows])
            out[rows] = self.pool([e.ids for e in encs])
        return out

    def pool(self, id_lists: list[list[int]]) -> np.ndarray:
        """Normalised sum of the token vectors of each id list (none may be empty)."""
        lengths = np.fromiter((len(x) for x in id_lists), dtype=np.int64, count=len(id_lists))
        flat = np.fromiter((i for ids in id_lists for i in ids), dtype=np.int64,
                           count=int(lengths.sum()))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        return normalise_rows(np.add.reduceat(self.vectors[flat], starts, axis=0))
