"""Quirk signals: the changes downstream code trips over, as a pure function of one pair.

Names are the shared vocabulary of scoring, review, triage and export (see COMMON notes):
each fired signal is one row in the ``signals`` table with a human-readable detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import jsonshape
from .embeddings.base import is_blank
from .language import STOPWORDS, dominant_language, lacks_language, prose_values
from .refusal import FULL, PARTIAL, refusal_kind
from .structure import markdown_change
from .truncation import stops_short, unfinished_reason

SIGNAL_NAMES = (
    "json_broke",
    "json_fixed",
    "json_keys_changed",
    "json_types_changed",
    "refusal_appeared",
    "refusal_partial",
    "refusal_gone",
    "markdown_changed",
    "language_changed",
    "truncated",
    "empty_output",
    "much_shorter",
    "much_longer",
)
SHORTER_RATIO = 0.5  # candidate under half the baseline's length
LONGER_RATIO = 2.0  # candidate over twice the baseline's length
MIN_LENGTH_DELTA = 20  # characters: "OK" -> "Okay." is no length quirk
LATIN_LANGUAGES = frozenset(STOPWORDS) | {"latin"}


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    detail: str | None = None


def compute_signals(
    baseline: str | None, candidate: str | None, metadata: Mapping[str, Any] | None = None
) -> list[Signal]:
    """Every quirk that fired for this pair, in SIGNAL_NAMES order."""
    found: list[Signal] = []
    before, after = jsonshape.parse_json(baseline), jsonshape.parse_json(candidate)
    found += json_signals(before, after)
    found += refusal_signals(baseline, candidate)
    # Inside JSON, the string values are the text: a widget showing {"answer": ...}
    # renders the answer ("**" or "1." there is what users see; keys are no language).
    text_a, text_b = structure_text(baseline, before), structure_text(candidate, after)
    if (detail := markdown_change(text_a, text_b)) is not None:
        found.append(Signal("markdown_changed", detail))
    found += language_signals(language_text(baseline, before), language_text(candidate, after))
    found += truncation_signals(baseline, candidate, metadata or {})
    found += length_signals(baseline, candidate)
    return found


def structure_text(text: str | None, parsed: jsonshape.ParsedJSON | None) -> str | None:
    """The text markdown is looked for in: a JSON answer's string values, else the text."""
    if parsed is None or parsed.fenced:
        return text  # a fence is itself markdown structure
    return "\n\n".join(jsonshape.string_leaves(parsed.value))


def language_text(text: str | None, parsed: jsonshape.ParsedJSON | None) -> str | None:
    """The text a language is told from: a JSON answer's prose values, else the text."""
    if parsed is None or parsed.fenced:
        return text
    # Keys and short values (names, emails, phone numbers) are no language.
    return "\n\n".join(prose_values(jsonshape.string_leaves(parsed.value)))


def json_signals(
    before: jsonshape.ParsedJSON | None, after: jsonshape.ParsedJSON | None
) -> list[Signal]:
    if before is None and after is None:
        return []
    if after is None:
        return [Signal("json_broke", "the candidate no longer parses as JSON")]
    if before is None:
        return [Signal("json_fixed", "the candidate parses as JSON; the baseline did not")]
    out: list[Signal] = []
    # A parser fed the raw output breaks when JSON moves into a ```json fence.
    if after.fenced and not before.fenced:
        out.append(Signal("json_broke", "the candidate's JSON is now inside a code fence"))
    elif before.fenced and not after.fenced:
        out.append(Signal("json_fixed", "the candidate's JSON is no longer fenced"))
    shape_a, shape_b = jsonshape.shape(before.value), jsonshape.shape(after.value)
    added, removed = jsonshape.key_changes(shape_a, shape_b)
    if added or removed:
        parts = ([f"added {', '.join(added)}"] if added else []) + (
            [f"removed {', '.join(removed)}"] if removed else []
        )
        out.append(Signal("json_keys_changed", "; ".join(parts)))
    if types := jsonshape.type_changes(shape_a, shape_b):
        out.append(Signal("json_types_changed", "; ".join(types)))
    return out


def refusal_signals(baseline: str | None, candidate: str | None) -> list[Signal]:
    """A refusal that appeared or went, and a partial one (declines a part, answers the rest).

    Each side is judged against the other's answer: how much of an answer surrounds its
    refusal, next to what a whole answer to this prompt looked like. A side whose answer is
    unclear (a substitute such as general tips, or a little answer) fires nothing, and a
    refusal only counts as new or gone when the other side states no limit of its own.
    """
    before, after = refusal_kind(baseline, candidate), refusal_kind(candidate, baseline)
    if before is None and after is None:
        return []
    kind_b, kind_a = (before or ("", ""))[0], (after or ("", ""))[0]
    if after and kind_a == FULL and _answered(baseline, candidate):
        return [Signal("refusal_appeared", f"candidate says {after[1]!r}")]
    if after and kind_a == PARTIAL and refusal_kind(baseline, candidate, broad=True) is None:
        return [Signal("refusal_partial", f"candidate says {after[1]!r}, then answers the rest")]
    if before and kind_b == FULL and not is_blank(candidate) and _answered(candidate, baseline):
        return [Signal("refusal_gone", f"baseline said {before[1]!r}")]
    return []


def _answered(text: str | None, other: str | None) -> bool:
    """Whether text answers: it states no limit, or goes on to answer after the limit."""
    wide = refusal_kind(text, other, broad=True)
    return wide is None or wide[0] == PARTIAL


def language_signals(baseline: str | None, candidate: str | None) -> list[Signal]:
    """Each side's prose mostly in one language, a different one on each side."""
    before, after = dominant_language(baseline), dominant_language(candidate)
    if before is None or after is None or before == after:
        return []
    if before == "latin":  # a Latin-script language we have no stopwords for
        return _unlisted_language(baseline, after, f"another language -> {after}")
    if after == "latin":
        return _unlisted_language(candidate, before, f"{before} -> another language")
    return [Signal("language_changed", f"{before} -> {after}")]


def _unlisted_language(text: str | None, other: str, detail: str) -> list[Signal]:
    """Latin prose in no listed language against the other side's: a change only when that
    prose has not one of the other language's stopwords (or the other is another script)."""
    if other in LATIN_LANGUAGES and not lacks_language(text, other):
        return []
    return [Signal("language_changed", detail)]


def truncation_signals(
    baseline: str | None, candidate: str | None, metadata: Mapping[str, Any]
) -> list[Signal]:
    if (reason := token_limit_reason(metadata, "candidate")) is not None:
        if token_limit_reason(metadata, "baseline") is None:
            return [Signal("truncated", f"finish_reason is {reason}")]
        return []  # both hit the token limit: a setting, not a change
    why = unfinished_reason(candidate) or stops_short(candidate, baseline)
    # Only a change counts: a baseline that ends the same way means the style, not a cut.
    if why and not unfinished_reason(baseline):
        return [Signal("truncated", why)]
    return []


# How providers and tools spell "stopped at the token limit", lower-cased: OpenAI "length",
# Anthropic and inspect_ai "max_tokens", Gemini "MAX_TOKENS", inspect "model_length",
# OpenAI Responses "max_output_tokens".
TOKEN_LIMIT_REASONS = frozenset({"length", "max_tokens", "model_length", "max_output_tokens"})
REASON_KEYS = ("finish_reason", "stop_reason")


def token_limit_reason(metadata: Mapping[str, Any], side: str) -> str | None:
    """The stored finish reason of one side if it says the token limit cut it, else None."""
    for reason in finish_reasons(metadata, side):
        if reason.strip().lower() in TOKEN_LIMIT_REASONS:
            return reason
    return None


def finish_reasons(metadata: Mapping[str, Any], side: str) -> list[str]:
    """Every finish/stop reason stored for one side's output, wherever a loader put it.

    Importers store flat keys (``{side}.finish_reason``: a key with a dot in it, so a
    ``field = value`` filter reaches it); older loaders ``{side}_finish_reason`` or a nested
    ``{side}`` object; replay ``replay.{side}.finish_reason``; a bare ``finish_reason`` is
    the candidate's.
    """
    found: list[Any] = []
    for key in REASON_KEYS:
        found += [metadata.get(f"{side}.{key}"), metadata.get(f"{side}_{key}")]
        for holder in (metadata.get(side), _get(metadata.get("replay"), side)):
            found.append(_get(holder, key))
        if side == "candidate":
            found.append(metadata.get(key))
    return [reason for reason in found if isinstance(reason, str)]


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def length_signals(baseline: str | None, candidate: str | None) -> list[Signal]:
    if is_blank(candidate):
        return [] if is_blank(baseline) else [Signal("empty_output", "the candidate is empty")]
    before, after = len(baseline or ""), len(candidate or "")
    if abs(after - before) < MIN_LENGTH_DELTA:
        return []
    detail = f"{before} -> {after} characters"
    if after < SHORTER_RATIO * before:
        return [Signal("much_shorter", detail)]
    if after > LONGER_RATIO * before:
        return [Signal("much_longer", detail)]
    return []
