"""Slices of a comparison: metadata fields with few distinct values, found automatically
or named with ``--by``. Side-specific keys (latency, tokens) describe answers, not inputs,
so they never slice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import SwapviewError
from ..metapath import MISSING, as_text, resolve
from .data import PairData

MAX_VALUES = 12  # a field with more distinct values is an id or free text, not a slice
MIN_COVERAGE = 0.5  # the field must be present on at least this share of pairs


@dataclass
class Slice:
    field: str
    value: str
    mask: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.field}={self.value}"


def find_slices(data: PairData, by: tuple[str, ...] = ()) -> list[Slice]:
    """One Slice per value of each slicing field (``by``, else the ones found)."""
    fields = list(by) or discover_fields(data)
    out: list[Slice] = []
    for name in fields:
        values = _values(data, name)
        if by and all(v is None for v in values):
            raise SwapviewError(f"--by {name}: no pair's metadata has field {name!r}")
        for value in sorted({v for v in values if v is not None}):
            mask = np.array([v == value for v in values], dtype=bool)
            out.append(Slice(name, value, mask))
    return out


def discover_fields(data: PairData) -> list[str]:
    """Input-level metadata fields with 2 to MAX_VALUES distinct values on most pairs."""
    seen: dict[str, Counter[str]] = {}
    for inputs in data.inputs:
        for key, value in inputs.items():
            counter = seen.setdefault(key, Counter())
            if len(counter) <= MAX_VALUES:
                counter[as_text(value)] += 1
    n = len(data) or 1
    return sorted(
        key
        for key, counter in seen.items()
        if 2 <= len(counter) <= MAX_VALUES and sum(counter.values()) >= MIN_COVERAGE * n
    )


def _values(data: PairData, name: str) -> list[str | None]:
    out: list[str | None] = []
    for meta, inputs in zip(data.metadata, data.inputs, strict=True):
        value = inputs[name] if name in inputs else resolve(meta, name)
        out.append(None if value is MISSING or value is None else as_text(value))
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
