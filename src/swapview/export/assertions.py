"""Draft promptfoo assertions from a decision and what was measured on the pair.

Assertion values are nunjucks templates in promptfoo, and a value starting with `file://`
is read as a file: model outputs are therefore never written into a value, only referenced
through vars (`{{baseline_output}}`), whose contents promptfoo does not render again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .models import ExportCase

DEFAULT_SIMILARITY = 0.8
MIN_SIMILARITY, MAX_SIMILARITY = 0.5, 0.99
LENGTH_SIGNALS = frozenset({"much_shorter", "much_longer", "truncated", "empty_output"})
REFUSAL_SIGNALS = frozenset({"refusal_appeared", "refusal_gone"})

# Phrases models open a refusal with; the first one found in the rejected answer (and in
# none of the accepted ones) becomes a `not-icontains`. Not the scorer's detection list
# (scoring/refusal.py): that one holds short stems like "sorry, but i can", which detect
# well but would fail a later helpful answer ("sorry, but I can help with...") as a check.
REFUSAL_PHRASES = (
    "i'm sorry, but i can't",
    "i'm sorry, but i cannot",
    "i can't help with",
    "i cannot help with",
    "i can't assist",
    "i cannot assist",
    "i can't provide",
    "i cannot provide",
    "i'm unable to",
    "i am unable to",
    "i'm not able to",
    "i am not able to",
    "i won't be able to",
    "i must decline",
    "as an ai language model",
    "as an ai,",
)
_QUOTED = re.compile(r"([\"'])(.+?)\1")
_SAFE_PHRASE = re.compile(r"^[\w\s'’,.!?-]{4,80}$")

SOURCE_VARS = {
    "baseline": "baseline_output",
    "candidate": "candidate_output",
    "corrected": "corrected_output",
}


def draft_assertions(case: ExportCase) -> list[dict[str, Any]]:
    """The assertions a future answer must pass to count as good as the accepted one."""
    out = [_similar(case)]
    if case.acceptable and all(_is_json_container(a) for a in case.acceptable):
        out.append({"type": "is-json"})
    phrase = refusal_phrase(case)
    if phrase:
        out.append({"type": "not-icontains", "value": phrase})
    bound = word_bound(case)
    if bound:
        out.append({"type": "word-count", "value": bound})
    return out + contract_assertions(case)


def contract_assertions(case: ExportCase) -> list[dict[str, Any]]:
    """The checked contracts' assertions, where every accepted answer kept the contract:
    the eval suite goes on guarding what downstream code depends on."""
    return [dict(a) for c in case.contracts if c.kept_by(case.ideal_source) for a in c.assertions]


def accepted_vars(case: ExportCase) -> list[str]:
    """Var names holding the accepted answers, one per distinct answer."""
    if case.ideal_source == "both":
        names = ["baseline_output"]
        if (case.candidate_output or "") != (case.baseline_output or ""):
            names.append("candidate_output")
        return names
    return [SOURCE_VARS[case.ideal_source]]


def _similar(case: ExportCase) -> dict[str, Any]:
    refs = [f"{{{{{name}}}}}" for name in accepted_vars(case)]
    threshold, _ = similarity_threshold(case)
    return {"type": "similar", "value": refs[0] if len(refs) == 1 else refs, "threshold": threshold}


def similarity_threshold(case: ExportCase) -> tuple[float, str]:
    """A cosine threshold from the measured distance between the two outputs, and why.

    Rejected output at distance d from the ideal: halfway, 1 - d/2, separates them.
    Both accepted: anything as close to either as they are to each other, 1 - d.
    The distance was measured by swapview's embedding model; point promptfoo at an
    embedding model with a similar scale, or expect to re-tune (cosines differ by model).
    """
    d = case.scores.semantic_distance if case.scores else None
    if d is None or case.ideal_source == "corrected":
        return DEFAULT_SIMILARITY, "default (no measured distance to the ideal)"
    raw = 1 - d / 2 if case.rejected else 1 - d
    value = round(min(MAX_SIMILARITY, max(MIN_SIMILARITY, raw)), 3)
    model = case.scores.embedding_model if case.scores else None
    return value, f"from semantic distance {d:.3f}" + (f" ({model})" if model else "")


def _is_json_container(text: str) -> bool:
    try:
        value = json.loads(text, parse_constant=_reject)
    except (ValueError, TypeError):
        return False
    return isinstance(value, dict | list)


def _reject(name: str) -> None:
    raise ValueError(f"{name} is not JSON that JavaScript parses")


def refusal_phrase(case: ExportCase) -> str | None:
    """A refusal phrase in the rejected answer that no accepted answer contains."""
    if not case.rejected:
        return None
    if case.scores is not None and not case.signal_names() & REFUSAL_SIGNALS:
        return None  # scored, and the scorer saw no refusal appear or go
    rejected = case.rejected[0]
    accepted = [_fold(a) for a in case.acceptable]
    for phrase in [*_detail_phrases(case), *REFUSAL_PHRASES]:
        found = _find(rejected, phrase)
        if found and _SAFE_PHRASE.match(found) and not any(_fold(found) in a for a in accepted):
            return found
    return None


def _detail_phrases(case: ExportCase) -> list[str]:
    """Phrases the scorer quoted in a refusal signal's detail (e.g. `candidate says "..."`)."""
    found = []
    for signal in case.signals:
        if signal.name in REFUSAL_SIGNALS and signal.detail:
            found += [m.group(2) for m in _QUOTED.finditer(signal.detail)] + [signal.detail]
    return found


def _fold(text: str) -> str:
    # Same length as the input, so positions found in the folded text slice the original.
    return text.lower().replace("’", "'")


def _find(text: str, phrase: str) -> str | None:
    at = _fold(text).find(_fold(phrase))
    return text[at : at + len(phrase)] if at >= 0 else None


def word_bound(case: ExportCase) -> dict[str, int] | None:
    """A word-count bound halfway between the accepted and the rejected answer's lengths.

    Drafted only where the length broke (a length signal fired): a min bound when the
    rejected answer was shorter, a max bound when it was longer.
    """
    if not case.rejected or not (case.signal_names() & LENGTH_SIGNALS):
        return None
    bad = count_words(case.rejected[0])
    good = min(count_words(a) for a in case.acceptable)
    if bad < good:
        return {"min": bad + max(1, (good - bad) // 2)}
    good = max(count_words(a) for a in case.acceptable)
    if bad > good:
        return {"max": bad - max(1, (bad - good) // 2)}
    return None


def count_words(text: str) -> int:
    """Words as promptfoo's word-count assertion counts them (split on whitespace)."""
    return len(text.split())
