"""Slices of a comparison: metadata fields with few distinct values, found automatically
or named with ``--by`` (``data.discover_fields``, ``data.load_pairs``). Side-specific keys
(latency, tokens) describe answers, not inputs, so they never slice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import PairData


@dataclass
class Slice:
    field: str
    value: str
    mask: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.field}={self.value}"


def find_slices(data: PairData) -> list[Slice]:
    """One Slice per value of each slicing field (the ones ``load_pairs`` was asked for,
    else the ones it found)."""
    out: list[Slice] = []
    for name, values in data.slice_values.items():
        for value in sorted({v for v in values if v is not None}):
            out.append(Slice(name, value, values == value))
    return out


PROMPT_FIELD = "prompt"


def prompt_slices(
    data: PairData, pair_ids: np.ndarray, cluster: np.ndarray, labels: list[str]
) -> list[Slice]:
    """One Slice per cluster of the prompts (``cluster`` per pair of ``pair_ids``)."""
    where = {int(pid): int(c) for pid, c in zip(pair_ids, cluster, strict=True)}
    of_pair = np.array([where.get(int(pid), 0) for pid in data.ids])
    return [
        Slice(PROMPT_FIELD, f"{c}·{label}", of_pair == c)
        for c, label in enumerate(labels, start=1)
        if (of_pair == c).any()
    ]
