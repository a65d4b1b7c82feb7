"""Computing the static model from MiniLM, once per machine, by our own code.

1. Every vocabulary token alone ([CLS] token [SEP]) through MiniLM: its output vector is
   the fallback for tokens the corpus never shows (model2vec's distillation step).
2. A general corpus through MiniLM: each token's output vectors in real contexts,
   averaged per token. MiniLM's sentence vector is the mean of its tokens' contextual
   vectors, so the mean of per-token averages is the closest purely additive stand-in;
   on held-out real pairs it ranks distances clearly closer to MiniLM than step 1 alone.
3. A token seen n times gets (sum of its contexts + K * fallback) / (n + K).
No PCA: all 384 dimensions are kept (the model is 23 MB as float16).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import numpy as np

from .corpus import training_paragraphs
from .minilm import (
    MAX_TOKENS,
    MODEL_NAME,
    length_batches,
    load_session,
    load_tokenizer,
    model_path,
    tokenizer_path,
)
from .modelcache import load_or_build
from .static import StaticEmbedder

RECIPE = "ctx1"  # bump whenever the recipe changes: the name keys stored distances
STATIC_NAME = f"swapview-static-{MODEL_NAME}-{RECIPE}"
TOKEN_BUDGET = 150_000  # corpus tokens through MiniLM: about 45 s on 2 cores
CHUNK_TOKENS = 128
SHRINK = 1.0
VOCAB_BATCH = 2048

Say = Callable[[str], None]


def load_static_embedder(progress: Say | None = None) -> StaticEmbedder:
    """The static model from the cache, computed first if this machine has none."""
    arrays = load_or_build(_cache_file(), lambda: build_static_model(progress))
    return StaticEmbedder(arrays["vectors"], STATIC_NAME)


def _cache_file() -> str:
    digest = hashlib.blake2b(digest_size=6)
    for path in (model_path(), tokenizer_path()):
        digest.update(path.read_bytes())
    return f"{STATIC_NAME}-{digest.hexdigest()}.npz"


def build_static_model(
    progress: Say | None = None, *, token_budget: int = TOKEN_BUDGET
) -> dict[str, np.ndarray]:
    say = progress or (lambda _msg: None)
    say("Building the static embedding model from MiniLM (first run only, 1 to 3 minutes)")
    session = load_session()
    tokenizer = load_tokenizer(MAX_TOKENS)
    fallback = isolated_vectors(session, tokenizer.get_vocab_size(), Steps(say, "vocabulary"))
    sums, counts = context_sums(session, tokenizer, token_budget, Steps(say, "corpus"))
    vectors = (sums + SHRINK * fallback) / (counts + SHRINK)[:, None]
    say(f"  done: {int((counts > 0).sum())} tokens seen in context")
    return {"vectors": vectors.astype(np.float16), "counts": counts}


class Steps:
    """Says how far one stage of the build has got, at every further tenth: the first
    build takes minutes, and a silent terminal looks hung."""

    def __init__(self, say: Say, stage: str) -> None:
        self.say, self.stage = say, stage
        self.start = time.monotonic()
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > self.shown:
            self.shown = tenth
            seconds = time.monotonic() - self.start
            self.say(f"  {self.stage}: {10 * tenth}% ({seconds:.0f} s)")


def _quiet(_done: int, _total: int) -> None:
    pass


def isolated_vectors(session, vocab_size: int, steps: Callable = _quiet) -> np.ndarray:
    """MiniLM's output at the token position for [CLS] token [SEP], for every token."""
    cls_id, sep_id = 101, 102
    out = np.zeros((vocab_size, 384), dtype=np.float32)
    for start in range(0, vocab_size, VOCAB_BATCH):
        ids = np.arange(start, min(vocab_size, start + VOCAB_BATCH), dtype=np.int64)
        seqs = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        out[ids] = _hidden(session, seqs, np.ones_like(seqs))[:, 1]
        steps(int(ids[-1]) + 1, vocab_size)
    return out


def context_sums(
    session, tokenizer, token_budget: int, steps: Callable = _quiet
) -> tuple[np.ndarray, np.ndarray]:
    """Per token: the sum of its contextual output vectors over the corpus, and a count."""
    vocab = tokenizer.get_vocab_size()
    sums = np.zeros((vocab, 384), dtype=np.float64)
    counts = np.zeros(vocab, dtype=np.int64)
    chunks = _corpus_chunks(tokenizer, token_budget)
    done = 0
    for batch in length_batches([len(c) for c in chunks], 8192):
        width = max(len(chunks[j]) for j in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, j in enumerate(batch):
            ids[row, : len(chunks[j])] = chunks[j]
            mask[row, : len(chunks[j])] = 1
        hidden = _hidden(session, ids, mask)
        keep = mask.astype(bool)
        np.add.at(sums, ids[keep], hidden[keep])
        np.add.at(counts, ids[keep], 1)
        done += len(batch)
        steps(done, len(chunks))
    return sums.astype(np.float32), counts


def _corpus_chunks(tokenizer, token_budget: int) -> list[np.ndarray]:
    chunks, total = [], 0
    tokenizer.enable_truncation(max_length=CHUNK_TOKENS)
    paragraphs = training_paragraphs()
    for start in range(0, len(paragraphs), 512):
        for enc in tokenizer.encode_batch(paragraphs[start : start + 512]):
            chunks.append(np.asarray(enc.ids, dtype=np.int64))
            total += len(enc.ids)
            if total >= token_budget:
                return chunks
    return chunks


def _hidden(session, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    (hidden,) = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )
    return hidden
