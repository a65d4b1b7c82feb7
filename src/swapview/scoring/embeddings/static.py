"""The default embedder: one vector per MiniLM token, averaged over a text's tokens.

The vectors are computed from MiniLM by our own code (see ``distill.py``) once per machine
and cached; embedding is then a tokenizer call and a sum, thousands of texts a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import is_blank, normalise_rows
from .minilm import MAX_TOKENS, load_tokenizer
from .windows import MAX_TEXT_TOKENS, WINDOWS, join, window_ids

ROWS_PER_CHUNK = 256  # texts summed at once: bounds the gathered (tokens x dim) block
# Tokenizing dominates the cost, and a tokenizer reads the whole text before truncating.
# 256 tokens never needed more than about 1,600 characters in real outputs (4.5 a token
# on average), so the first 2,048 characters give the same 256 tokens (99.95% identical).
CHARS_PER_TOKEN_BOUND = 8


class StaticEmbedder:
    """Mean of per-token vectors over the same tokens MiniLM would see, window by window
    (``windows.py``) so a long text is read to its end."""

    def __init__(
        self,
        vectors: np.ndarray,
        name: str,
        *,
        max_tokens: int = MAX_TOKENS,
        windows: int = WINDOWS,
    ) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.windows = windows
        self.name = name if windows == 1 else f"{name}-w{windows}"
        self.token_dim = int(self.vectors.shape[1])
        self.dim = self.token_dim * windows
        self.width = max_tokens - 2  # content tokens per window, beside [CLS] and [SEP]
        reach = max_tokens if windows == 1 else MAX_TEXT_TOKENS
        self.tokenizer = load_tokenizer(reach)
        self.max_chars = reach * CHARS_PER_TOKEN_BOUND
        # encode_batch_fast (tokenizers >= 0.20) skips character offsets we never use
        self._encode = getattr(self.tokenizer, "encode_batch_fast", self.tokenizer.encode_batch)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if not is_blank(t)]
        for start in range(0, len(todo), ROWS_PER_CHUNK):
            rows = todo[start : start + ROWS_PER_CHUNK]
            encs = self._encode([texts[i][: self.max_chars] for i in rows])
            if self.windows == 1:
                out[rows] = self.pool([e.ids for e in encs])
                continue
            for row, enc in zip(rows, encs, strict=True):
                out[row] = self._windowed(enc.ids)
        return out

    def _windowed(self, ids: list[int]) -> np.ndarray:
        if len(ids) <= self.width + 2:  # one window: every slot holds the same vector
            return join(np.repeat(self.pool([ids]), self.windows, axis=0))
        return join(self.pool(window_ids(ids, self.width, self.windows)))

    def pool(self, id_lists: list[list[int]]) -> np.ndarray:
        """Normalised sum of the token vectors of each id list (none may be empty)."""
        # One small gather per text stays in the CPU cache; gathering a whole batch at
        # once wrote ~100 MB per 256 texts and ran 10 to 20 times slower.
        out = np.empty((len(id_lists), self.token_dim), dtype=np.float32)
        for row, ids in enumerate(id_lists):
            self.vectors[ids].sum(axis=0, out=out[row])
        return normalise_rows(out)
