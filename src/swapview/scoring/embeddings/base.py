"""The one interface every embedding backend implements, and the distance built on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (a zero vector for a blank text).

    ``name`` identifies the model and its settings; it is stored beside every distance
    and keys the embedding cache, because distances from different models differ in scale.
    """

    name: str

    @property
    def dim(self) -> int:
        """Vector length (0 until a remote model's first answer says it)."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def is_blank(text: str | None) -> bool:
    return text is None or not text.strip()


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero (blank texts)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def cosine_distance(a: np.ndarray, b: np.ndarray, *, blank_a: bool, blank_b: bool) -> float:
    """1 - cosine of two unit vectors, with blank outputs defined explicitly.

    A zero vector has no direction, so: both blank -> 0.0 (nothing changed), exactly one
    blank -> 1.0 (as far as unrelated texts get; the empty_output signal says why).
    Clipped to [0, 2] against float rounding.
    """
    if blank_a or blank_b:
        return 0.0 if blank_a and blank_b else 1.0
    return float(min(2.0, max(0.0, 1.0 - float(np.dot(a, b)))))
