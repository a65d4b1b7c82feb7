"""The pairwise protocol: one prompt per order, a JSON-schema answer, a tolerant parser.

The judge sees the two answers as "A" and "B", never as "old" and "new": asked once with
the old answer as A and once with the new answer as A, a judge that prefers whichever
comes first (or second) cancels out, and the two orders disagreeing is itself a signal.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

Order = Literal["old_first", "new_first"]
ORDERS: tuple[Order, ...] = ("old_first", "new_first")
Verdict = Literal["new_worse", "same", "new_better"]
VERDICTS: tuple[Verdict, ...] = ("new_worse", "same", "new_better")
CHOICES = ("A", "B", "same")

DEFAULT_RUBRIC = """\
You compare two answers to the same request, given by two versions of an AI feature.
Decide which answer is better for the user of this feature: correct, complete, follows
the request's instructions and format, safe, and no longer than it needs to be. Length
alone is not quality. If neither is clearly better, say "same"."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "better": {"type": "string", "enum": list(CHOICES)},
        "rationale": {"type": "string", "maxLength": 300},
    },
    "required": ["better", "rationale"],
    "additionalProperties": False,
}


def rubric_hash(rubric: str) -> str:
    """Verdicts are kept per rubric: a changed rubric makes new ones, keeps the old."""
    return hashlib.sha256(rubric.strip().encode()).hexdigest()[:16]


def response_format() -> dict[str, Any]:
    """``response_format`` that servers such as vLLM and llama.cpp enforce."""
    return {"type": "json_schema", "json_schema": {"name": "verdict", "schema": SCHEMA}}


def messages(rubric: str, prompt: str, old: str, new: str, order: Order) -> list[dict[str, str]]:
    """The chat messages for one order."""
    first, second = (old, new) if order == "old_first" else (new, old)
    user = (
        f"## Request\n{prompt}\n\n## Answer A\n{first}\n\n## Answer B\n{second}\n\n"
        'Reply with JSON only: {"better": "A" | "B" | "same", "rationale": "<one sentence>"}'
    )
    return [{"role": "system", "content": rubric.strip()}, {"role": "user", "content": user}]


def to_verdict(choice: str, order: Order) -> Verdict:
    """ "A"/"B"/"same" in one order, as what it says about the new answer."""
    if choice == "same":
        return "same"
    new_is = "B" if order == "old_first" else "A"
    return "new_better" if choice == new_is else "new_worse"


@dataclass(slots=True)
class Parsed:
    choice: str | None  # A, B, same; None = unparseable
    rationale: str


_CHOICE_WORDS = {
    "a": "A",
    "answer a": "A",
    "b": "B",
    "answer b": "B",
    "same": "same",
    "tie": "same",
    "equal": "same",
    "neither": "same",
    "about the same": "same",
}


def parse_answer(text: str) -> Parsed:
    """The judge's choice from its answer: JSON first, then a JSON object inside prose.

    Only an explicit choice counts; an answer naming none is unparseable (choice None),
    never guessed into a verdict.
    """
    for candidate in _json_candidates(text):
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            choice = _choice(value.get("better", value.get("verdict", value.get("winner"))))
            if choice is not None:
                return Parsed(choice, str(value.get("rationale") or value.get("reason") or ""))
    match = re.search(
        r'"?(?:better|verdict|winner)"?\s*[:=]\s*"?([A-Za-z ]{1,16}?)"?\s*[,}\n.]', text
    )
    if match and (choice := _choice(match.group(1))) is not None:
        return Parsed(choice, "")
    return Parsed(None, "")


def _json_candidates(text: str) -> list[str]:
    stripped = text.strip()
    fenced = re.findall(r"```(?:json)?\s*(.*?)```", stripped, flags=re.S)
    objects = re.findall(r"\{[^{}]*\}", stripped)
    return [stripped, *fenced, *objects]


def _choice(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _CHOICE_WORDS.get(value.strip().strip("\"'").lower())


def choice_probabilities(logprobs: Any) -> dict[str, float] | None:
    """P(A), P(B), P(same) at the token where the judge wrote its choice, from logprobs.

    None when the endpoint returned no logprobs or the choice token cannot be found.
    """
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list):
        return None
    seen = ""
    for item in content:
        if not isinstance(item, dict):
            return None
        token = str(item.get("token", ""))
        if re.search(r'"better"\s*:\s*"?\s*$', seen) and _token_choice(token):
            return _normalise(item)
        seen += token
    return None


def _token_choice(token: str) -> str | None:
    word = token.strip().strip('"').strip()
    if word in ("A", "B"):
        return word
    if word and "same".startswith(word.lower()):
        return "same"
    return None


def _normalise(item: dict[str, Any]) -> dict[str, float] | None:
    mass = {c: 0.0 for c in CHOICES}
    alternatives = item.get("top_logprobs") or [item]
    for alt in alternatives:
        if not isinstance(alt, dict) or not isinstance(alt.get("logprob"), int | float):
            continue
        choice = _token_choice(str(alt.get("token", "")))
        if choice is not None:
            mass[choice] = max(mass[choice], math.exp(alt["logprob"]))
    total = sum(mass.values())
    if total <= 0:
        return None
    return {c: p / total for c, p in mass.items()}


def verdict_probabilities(choice_p: dict[str, float], order: Order) -> dict[Verdict, float]:
    """P(A)/P(B)/P(same) in one order as probabilities of the three verdicts."""
    out: dict[Verdict, float] = {v: 0.0 for v in VERDICTS}
    for choice, p in choice_p.items():
        out[to_verdict(choice, order)] += p
    return out


@dataclass(slots=True)
class Combined:
    verdict: Verdict
    confidence: float
    p_regression: float
    p_improvement: float
    inconsistent: bool
    source: str  # logprobs, agreement, identical


def combine(per_order: dict[Order, tuple[Verdict, dict[Verdict, float] | None]]) -> Combined:
    """One verdict from both orders' answers (each a verdict and, maybe, probabilities).

    With probabilities from both orders they are averaged; otherwise each order is one
    vote, so agreeing orders give confidence 1 and a split gives at most 0.5.
    """
    verdicts = [v for v, _ in per_order.values()]
    probs = [p for _, p in per_order.values()]
    use_logprobs = all(p is not None for p in probs)
    avg: dict[Verdict, float] = {v: 0.0 for v in VERDICTS}
    for verdict, p in per_order.values():
        dist = p if use_logprobs and p is not None else {verdict: 1.0}
        for name, value in dist.items():
            avg[name] += value / len(per_order)
    best = max(VERDICTS, key=lambda v: (avg[v], v == "same"))
    if avg["new_worse"] == avg["new_better"] and avg[best] == avg["new_worse"]:
        best = "same"  # the orders contradict each other outright
    return Combined(
        verdict=best,
        confidence=round(avg[best], 4),
        p_regression=round(avg["new_worse"], 4),
        p_improvement=round(avg["new_better"], 4),
        inconsistent=len(set(verdicts)) > 1,
        source="logprobs" if use_logprobs else "agreement",
    )
