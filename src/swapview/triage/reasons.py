"""Human-readable reasons for a pair's likely-regression score ("shorter by 60%, JSON broke").

The reason names the features that push this pair's score up the most, relative to an
average pair of the same comparison, in the model's current weights.
"""

from __future__ import annotations

import math

import numpy as np

from .features import FEATURE_NAMES

# Below this contribution (in logit units) a feature is not worth naming.
MIN_CONTRIBUTION = 0.15
MAX_PARTS = 3

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
}


def _more_less(value: float, more: str, less: str) -> str:
    return more if value > 0 else less


def _phrase(name: str, raw: float) -> str:
    """One feature's value in words."""
    if name.startswith("signal:"):
        return _SIGNAL_TEXT.get(name[7:], name[7:].replace("_", " "))
    if name == "log_length_ratio":
        ratio = math.exp(raw)
        pct = round(abs(1 - ratio) * 100)
        return f"shorter by {pct}%" if ratio < 1 else f"longer by {pct}%"
    texts = {
        "shorter": "shorter",
        "identical": "identical outputs",
        "candidate_empty": "new answer empty",
        "word_distance": "wording changed",
        "refusal_delta": _more_less(raw, "refusal words appeared", "refusal words gone"),
        "apology_delta": _more_less(raw, "apology appeared", "apology gone"),
        "list_delta": _more_less(raw, "more list items", "fewer list items"),
        "heading_delta": _more_less(raw, "more headings", "fewer headings"),
        "code_block_delta": _more_less(raw, "more code blocks", "code blocks dropped"),
        "numbers_changed": f"{round(raw * 100)}% of numbers changed",
        "final_number_changed": "final number differs",
        "ends_cleanly_lost": "ends mid-sentence",
        "log_prompt_length": "long prompt",
        "log_baseline_length": "long old answer",
        "hedge_delta": _more_less(raw, "more hedging", "less hedging"),
        "log_candidate_length": "long new answer",
        "paragraph_delta": _more_less(raw, "more paragraphs", "fewer paragraphs"),
        "bold_delta": _more_less(raw, "more bold", "less bold"),
        "asks_back": "asks for clarification",
        "repeated_lines": "repeats itself",
        "code_prompt": "code prompt",
        "math_prompt": "maths prompt",
        "writing_prompt": "writing prompt",
        "semantic_distance": "meaning moved",
        "lexical_distance": "text changed",
        "signal_count": f"{int(raw)} quirks" if not math.isnan(raw) else "quirks",
    }
    if name in ("log_prompt_length", "log_baseline_length", "log_candidate_length") and raw < 0:
        return texts[name].replace("long", "short")
    return texts.get(name, name.replace("_", " "))


# Features that say the same thing in other words: name only the strongest of a group.
_GROUP = {
    "log_length_ratio": "length",
    "shorter": "length",
    "log_candidate_length": "length",
    "signal:much_shorter": "length",
    "signal:much_longer": "length",
    "refusal_delta": "refusal",
    "signal:refusal_appeared": "refusal",
    "candidate_empty": "empty",
    "signal:empty_output": "empty",
    "ends_cleanly_lost": "truncated",
    "signal:truncated": "truncated",
    "word_distance": "distance",
    "lexical_distance": "distance",
}


def explain(z_rows: np.ndarray, raw_rows: np.ndarray, weights: np.ndarray) -> list[str]:
    """One reason string per row (empty when nothing stands out)."""
    if len(z_rows) == 0:
        return []
    contrib = z_rows * weights
    top = np.argsort(-contrib, axis=1)[:, : MAX_PARTS * 3]
    out = []
    for r, cols in enumerate(top):
        parts: list[str] = []
        groups: set[str] = set()
        for c in cols:
            name = FEATURE_NAMES[c]
            group = _GROUP.get(name, name)
            if contrib[r, c] < MIN_CONTRIBUTION or len(parts) == MAX_PARTS:
                break
            if group not in groups:
                groups.add(group)
                parts.append(_phrase_for(name, raw_rows[r, c], z_rows[r, c]))
        out.append(", ".join(parts))
    return out


def _phrase_for(name: str, raw: float, z: float) -> str:
    # Length features speak in the pair's own terms; "short/long" ones in relative terms.
    if name in ("log_prompt_length", "log_baseline_length", "log_candidate_length"):
        return _phrase(name, z)
    return _phrase(name, raw)

