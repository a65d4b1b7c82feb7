"""Human-readable reasons for a pair's likely-regression score ("shorter by 60%, JSON broke").

The reason names the features that push this pair's score up the most, relative to an
average pair of the same comparison, in the model's current weights. Vectorised: each
named part is reduced to an integer code (feature, rounded value), and only the distinct
code combinations (a few thousand at 100k pairs) are turned into text.
"""

from __future__ import annotations

import numpy as np

from .features import FEATURE_NAMES

# Below this contribution (in logit units) a feature is not worth naming.
MIN_CONTRIBUTION = 0.15
MAX_PARTS = 3
_BUCKETS = 10_000  # code = feature index * _BUCKETS + value bucket

_SIGNAL_TEXT = {
    "json_broke": "JSON broke",
    "json_fixed": "JSON fixed",
    "json_keys_changed": "JSON keys changed",
    "json_types_changed": "JSON types changed",
    "refusal_appeared": "refusal appeared",
    "refusal_gone": "refusal gone",
    "markdown_changed": "formatting changed",
    "language_changed": "language changed",
    "truncated": "truncated",
    "empty_output": "empty answer",
    "much_shorter": "much shorter",
    "much_longer": "much longer",
    "contract": "a contract broke",
}
# (text when the value is positive, text when negative or zero)
_TWO_WAY = {
    "refusal_delta": ("refusal words appeared", "refusal words gone"),
    "apology_delta": ("apology appeared", "apology gone"),
    "list_delta": ("more list items", "fewer list items"),
    "heading_delta": ("more headings", "fewer headings"),
    "code_block_delta": ("more code blocks", "code blocks dropped"),
    "hedge_delta": ("more hedging", "less hedging"),
    "paragraph_delta": ("more paragraphs", "fewer paragraphs"),
    "bold_delta": ("more bold", "less bold"),
    "repeated_lines": ("repeats itself", "repeats itself less"),
    # Relative to the comparison's average (the value is a z-score here).
    "log_prompt_length": ("long prompt", "short prompt"),
    "log_baseline_length": ("long old answer", "short old answer"),
    "log_candidate_length": ("long new answer", "short new answer"),
}
_RELATIVE = frozenset(["log_prompt_length", "log_baseline_length", "log_candidate_length"])
_ONE_WAY = {
    "shorter": "shorter",
    "identical": "identical outputs",
    "candidate_empty": "new answer empty",
    "word_distance": "wording changed",
    "final_number_changed": "final number differs",
    "ends_cleanly_lost": "ends mid-sentence",
    "asks_back": "asks for clarification",
    "code_prompt": "code prompt",
    "math_prompt": "maths prompt",
    "writing_prompt": "writing prompt",
    "semantic_distance": "meaning moved",
    "lexical_distance": "text changed",
    "judge_p_regression": "judge calls it worse",
    "judge_p_improvement": "judge calls it better",
}

# Features that say the same thing in other words: name only the strongest of a group.
_GROUP = {
    "log_length_ratio": "length",
    "shorter": "length",
    "log_candidate_length": "length",
    "signal:much_shorter": "length",
    "signal:much_longer": "length",
    "refusal_delta": "refusal",
    "apology_delta": "refusal",
    "signal:refusal_appeared": "refusal",
    "candidate_empty": "empty",
    "signal:empty_output": "empty",
    "ends_cleanly_lost": "truncated",
    "signal:truncated": "truncated",
    "word_distance": "distance",
    "judge_p_regression": "judge",
    "judge_p_improvement": "judge",
    "lexical_distance": "distance",
}
_GROUP_IDS = np.array(
    [
        sorted(set(_GROUP.values()) | set(FEATURE_NAMES)).index(_GROUP.get(n, n))
        for n in FEATURE_NAMES
    ]
)


def _bucket(name: str, raw: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The part of a value its phrase depends on, as a small non-negative int."""
    if name == "log_length_ratio":  # percent changed, 5000 + pct when longer
        pct = np.minimum(np.rint(np.abs(1 - np.exp(raw)) * 100), 4999)
        return np.where(raw < 0, pct, 5000 + pct).astype(np.int64)
    if name == "numbers_changed":
        return np.rint(np.clip(raw, 0, 1) * 100).astype(np.int64)
    if name == "signal_count":
        return np.clip(np.nan_to_num(raw), 0, 9999).astype(np.int64)
    value = z if name in _RELATIVE else raw
    return (value > 0).astype(np.int64)


def _phrase(name: str, bucket: int) -> str:
    """One feature's value in words, from its bucket."""
    if name.startswith("signal:"):
        return _SIGNAL_TEXT.get(name[7:], name[7:].replace("_", " "))
    if name == "log_length_ratio":
        return f"shorter by {bucket}%" if bucket < 5000 else f"longer by {bucket - 5000}%"
    if name == "numbers_changed":
        return f"{bucket}% of numbers changed"
    if name == "signal_count":
        return f"{bucket} quirks"
    if name in _TWO_WAY:
        return _TWO_WAY[name][0 if bucket else 1]
    return _ONE_WAY.get(name, name.replace("_", " "))


def explain(z_rows: np.ndarray, raw_rows: np.ndarray, weights: np.ndarray) -> list[str]:
    """One reason string per row (empty when nothing stands out)."""
    n, d = z_rows.shape
    if n == 0:
        return []
    contrib = z_rows * weights
    k = min(MAX_PARTS * 3, d)
    if k < d:
        top = np.argpartition(-contrib, k - 1, axis=1)[:, :k]
    else:
        top = np.tile(np.arange(d), (n, 1))
    strength = np.take_along_axis(contrib, top, 1)
    order = np.argsort(-strength, axis=1, kind="stable")
    top, strength = np.take_along_axis(top, order, 1), np.take_along_axis(strength, order, 1)
    groups = _GROUP_IDS[top]
    earlier = np.tril(np.ones((k, k), dtype=bool), -1)  # [i, j]: j comes before i
    repeated = ((groups[:, :, None] == groups[:, None, :]) & earlier).any(axis=2)
    keep = (strength >= MIN_CONTRIBUTION) & ~repeated
    keep &= np.cumsum(keep, axis=1) <= MAX_PARTS
    codes = np.zeros_like(top)
    at = np.nonzero(keep)
    cols = top[at]
    rows = at[0]
    codes[at] = _codes(cols, raw_rows[rows, cols], z_rows[rows, cols]) + 1  # 0 = no part
    left = np.argsort(~keep, axis=1, kind="stable")  # kept parts first, in strength order
    codes = np.take_along_axis(codes, left, 1)[:, :MAX_PARTS]
    combos, inverse = np.unique(codes, axis=0, return_inverse=True)
    texts = [", ".join(_decode(c - 1) for c in row if c) for row in combos]
    return [texts[i] for i in inverse.ravel()]


def _codes(cols: np.ndarray, raw: np.ndarray, z: np.ndarray) -> np.ndarray:
    codes = np.zeros_like(cols)
    for col in np.unique(cols):
        at = cols == col
        codes[at] = col * _BUCKETS + _bucket(FEATURE_NAMES[col], raw[at], z[at])
    return codes


def _decode(code: int) -> str:
    return _phrase(FEATURE_NAMES[code // _BUCKETS], int(code % _BUCKETS))
