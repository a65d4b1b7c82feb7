"""What `swapview shift` measures: each a per-pair value for the old and the new side.

Three kinds:
- ``mean``: a number per side (words, characters, tokens, latency, cost), compared as the
  mean of the paired differences.
- ``rate``: a 0/1 outcome per side (refused, JSON failed to parse, finish reason X),
  compared as the change in the share of pairs. Refusals and JSON failures come from the
  stored signals, which record only pairs where the sides differ (refusal_gone: only the
  old side refused; refusal_appeared: only the new one). Pairs where both refused are not
  stored, so the two levels shown are lower bounds while their difference is exact.
- ``changed``: a signal that fires on the pair as a whole (markdown changed, much
  shorter): no old side, so it is compared between a slice and the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..pairfacts import SIDES
from ..scoring.signals import REASON_KEYS, SIGNAL_NAMES
from .data import PairData

Kind = str  # "mean" | "rate" | "changed"
# Rates built from a signal pair: (measure, signal where only old has it, only new has it).
PAIRED_SIGNALS = (
    ("refusal_rate", "refusal_gone", "refusal_appeared"),
    ("json_failure_rate", "json_fixed", "json_broke"),
)
MAX_REASON_VALUES = 8


@dataclass
class Measure:
    name: str
    kind: Kind
    old: np.ndarray | None  # float (mean) or bool (rate)
    new: np.ndarray | None
    valid: np.ndarray  # bool: pairs where this measure is defined
    flags: np.ndarray | None = None  # bool, for "changed"
    note: str = ""


def build_measures(data: PairData) -> list[Measure]:
    """Every measure the stored data supports, in a fixed order."""
    everyone = np.ones(len(data), dtype=bool)
    out = [
        Measure("words", "mean", *data.words, valid=everyone),
        Measure("chars", "mean", *data.chars, valid=everyone),
    ]
    out += _metadata_measures(data)
    note = "levels count pairs where only that side does it; the change is exact"
    for name, old_only, new_only in PAIRED_SIGNALS:
        old, new = _flag(data, old_only), _flag(data, new_only)
        out.append(Measure(name, "rate", old, new, valid=data.scored, note=note))
    paired = {s for _, a, b in PAIRED_SIGNALS for s in (a, b)}
    for name in SIGNAL_NAMES:
        if name not in paired:
            flags = _flag(data, name)
            out.append(Measure(f"{name}_rate", "changed", None, None, data.scored, flags))
    # `contracts check` stores a broken contract as signal contract:NAME (pair-level).
    for name in sorted(n for n in data.signals if n.startswith("contract:")):
        out.append(Measure(f"{name}_rate", "changed", None, None, data.scored, data.signals[name]))
    return out


def _flag(data: PairData, name: str) -> np.ndarray:
    return data.signals.get(name, np.zeros(len(data), dtype=bool))


def _metadata_measures(data: PairData) -> list[Measure]:
    fields = sorted({name for _, name in data.numbers} | {name for _, name in data.reasons})
    out: list[Measure] = []
    for name in fields:
        if name.split(".")[-1] in REASON_KEYS:
            out += _reason_measures(
                name, data.reasons[SIDES[0], name], data.reasons[SIDES[1], name]
            )
            continue
        measure = _mean_measure(name, data.numbers[SIDES[0], name], data.numbers[SIDES[1], name])
        both = np.r_[measure.old, measure.new]
        if len(np.unique(both[~np.isnan(both)])) > 1:
            out.append(measure)  # a constant (extra_turns always 0) measures nothing
    return out


def _mean_measure(name: str, old: np.ndarray, new: np.ndarray) -> Measure:
    return Measure(name, "mean", old, new, valid=~np.isnan(old) & ~np.isnan(new))


def _reason_measures(name: str, olds: np.ndarray, news: np.ndarray) -> list[Measure]:
    """One rate per common reason (its text stripped and lower-cased): the
    MAX_REASON_VALUES most frequent over both sides, ties in order of first appearance
    (old side's pairs first)."""
    old_keys, new_keys = _reason_keys(olds), _reason_keys(news)
    valid = np.not_equal(olds, None) & np.not_equal(news, None)
    counts: Counter[str] = Counter()
    for keys in (old_keys, new_keys):  # Counter keeps first appearance among ties
        counts.update(k for k in keys if k is not None)
    out = []
    for value, _ in counts.most_common(MAX_REASON_VALUES):
        old, new = old_keys == value, new_keys == value
        out.append(Measure(f"{name}={value}", "rate", old, new, valid=valid))
    return out


def _reason_keys(texts: np.ndarray) -> np.ndarray:
    seen: dict[str, str] = {}
    out = np.full(len(texts), None, dtype=object)
    for i, text in enumerate(texts):
        if text is not None:
            out[i] = seen.get(text) or seen.setdefault(text, text.strip().lower())
    return out
