"""Which field holds what: auto-detection of the usual names, and value coercion.

Names are matched case-insensitively and exactly (``baseline_score`` is not an output).
Every ``--*-field`` flag overrides the guess for its role.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import InputError

CANDIDATES: dict[str, tuple[str, ...]] = {
    "prompt": (
        "prompt",
        "input",
        "question",
        "instruction",
        "messages",
        "query",
        "user_input",
        "user_prompt",
    ),
    "baseline": (
        "baseline_output",
        "baseline",
        "baseline_response",
        "baseline_completion",
        "old_output",
        "old",
        "old_response",
        "output_a",
        "response_a",
        "answer_a",
        "completion_a",
        "model_a_output",
        "a",
        "before",
    ),
    "candidate": (
        "candidate_output",
        "candidate",
        "candidate_response",
        "candidate_completion",
        "new_output",
        "new",
        "new_response",
        "output_b",
        "response_b",
        "answer_b",
        "completion_b",
        "model_b_output",
        "b",
        "after",
    ),
    "output": (
        "output",
        "response",
        "completion",
        "answer",
        "choices",
        "generation",
        "prediction",
        "text",
    ),
    "key": (
        "key",
        "id",
        "question_id",
        "custom_id",
        "example_id",
        "sample_id",
        "prompt_id",
        "uid",
        "uuid",
        "idx",
    ),
    "model": ("generator", "model_id", "model", "model_name"),
    "baseline_model": ("baseline_model", "old_model", "model_a", "baseline_model_name"),
    "candidate_model": ("candidate_model", "new_model", "model_b", "candidate_model_name"),
}


@dataclass(frozen=True)
class FieldMap:
    """Field names per role; None where the data has no such field."""

    prompt: str | None = None
    baseline: str | None = None
    candidate: str | None = None
    output: str | None = None
    key: str | None = None
    model: str | None = None
    baseline_model: str | None = None
    candidate_model: str | None = None

    def overridden(self, other: FieldMap) -> FieldMap:
        """This map with every role that ``other`` names replaced."""
        given = {f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name)}
        return replace(self, **given)

    def used(self) -> frozenset[str]:
        return frozenset(v for f in fields(self) if (v := getattr(self, f.name)))


# When no usual name matches: a field whose name has a side word and an output word
# (old_answer, new_reply, previous_model_response) is that side's output, if it is the only one.
_SIDE_WORDS = {
    "baseline": frozenset(
        {"old", "baseline", "before", "previous", "prev", "base", "control", "reference"}
    ),
    "candidate": frozenset(
        {"new", "candidate", "after", "next", "cand", "treatment", "challenger"}
    ),
}
_OUTPUT_WORDS = frozenset(
    {
        "output",
        "outputs",
        "response",
        "responses",
        "answer",
        "answers",
        "completion",
        "completions",
        "text",
        "generation",
        "reply",
        "result",
        "content",
        "prediction",
    }
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])")


def _name_words(name: str) -> set[str]:
    # camelCase too: oldAnswer -> old, answer
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return {w for w in _WORD_SPLIT.split(spaced) if w}


def _by_words(columns: Iterable[str], role: str) -> str | None:
    if role not in _SIDE_WORDS:
        return None
    other = _SIDE_WORDS["candidate" if role == "baseline" else "baseline"]
    hits = [
        c
        for c in columns
        if (words := _name_words(c)) & _SIDE_WORDS[role]
        and words & _OUTPUT_WORDS
        and not words & other
    ]
    return hits[0] if len(hits) == 1 else None


def could_be_output(columns: Iterable[str], role: str) -> list[str]:
    """Fields that may hold ``role``'s answer under a name not guessed (a side word of that
    role, an output word, or a generic output name): a file with them is not one-sided."""
    generic = set(CANDIDATES["output"])
    return [
        c
        for c in columns
        if c.lower() in generic or _name_words(c) & (_SIDE_WORDS[role] | _OUTPUT_WORDS)
    ]


def detect(columns: Iterable[str], roles: Sequence[str], flags: FieldMap) -> FieldMap:
    """Guess each role's field from the column names; flags win over guesses."""
    columns = list(columns)
    by_lower = {c.lower(): c for c in columns}
    guessed = {}
    for role in roles:
        if getattr(flags, role):
            continue
        guessed[role] = next((by_lower[n] for n in CANDIDATES[role] if n in by_lower), None)
        if guessed[role] is None:
            guessed[role] = _by_words(columns, role)
    if "candidate" in roles and not (flags.baseline or flags.candidate):
        if guessed.get("baseline") is None and guessed.get("candidate") is None:
            named = model_output_columns(columns)
            if named:
                guessed["baseline"], guessed["candidate"] = named
    return FieldMap(**guessed).overridden(flags)


def model_output_columns(columns: Iterable[str]) -> tuple[str, str] | None:
    """Two columns named after a model and an answer word (`GPT-4o answer`, `GPT-4.1
    answer`), in file order: the old model's first, as spreadsheets put them. None unless
    exactly two such columns name two different models."""
    hits = [c for c in columns if _name_words(c) & _OUTPUT_WORDS and _model_word(c) is not None]
    if len(hits) != 2 or _model_word(hits[0]) == _model_word(hits[1]):
        return None
    return hits[0], hits[1]


def paste_flags(row: Mapping[str, Any], used: Iterable[str]) -> str:
    """Flags to paste when the outputs cannot be found: the columns left over, in order."""
    left = [c for c in row if c not in set(used) and isinstance(row[c], str)]
    if len(left) < 2:
        return ""
    return (
        f"; e.g. --baseline-field {shlex.quote(left[-2])} --candidate-field {shlex.quote(left[-1])}"
    )


def nested_hint(row: Mapping[str, Any]) -> str:
    """A hint naming a dotted path, when the rows nest objects (else empty)."""
    for name, value in row.items():
        if isinstance(value, Mapping) and value:
            inner = next(iter(value))
            return f"; nested fields take a dotted path, e.g. {name}.{inner}"
    return ""


def require(found: FieldMap, role: str, path: str, flag: str, row: Mapping[str, Any]) -> str:
    """The field for a role that must exist, or an error listing what was tried."""
    name = getattr(found, role)
    if name:
        return name
    tried = ", ".join(CANDIDATES[role][:8])
    raise InputError(
        path,
        f"cannot find the {role} field (tried {tried}, ...; the rows have"
        f" {', '.join(sorted(row)) or 'no fields'}); pass {flag}"
        f"{nested_hint(row) or paste_flags(row, found.used())}",
        line=None,
    )


def type_name(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def as_prompt(value: Any, *, from_csv: bool = False) -> str | list[dict[str, Any]] | None:
    """A prompt is text or a chat message list ({role, content}, or ShareGPT's {from,
    value}, stored as role and content); raises ValueError saying what was expected."""
    if value is None or type(value) is str:
        if from_csv and value and value.lstrip().startswith("[{"):
            return _chat_from_text(value)
        return value
    if isinstance(value, list):
        chat = as_chat(value)
        if chat is not None:
            return chat
        if not value:
            raise ValueError("expected a string or a list of chat messages, got an empty list")
        raise ValueError(
            "expected a string or a list of chat messages ({role, content}), got"
            f" an array {_why_not_chat(value)}"
        )
    raise ValueError(
        f"expected a string or a list of chat messages ({{role, content}}), got {type_name(value)}"
    )


def conversation_prompt(value: Any) -> list[dict[str, Any]] | None:
    """The messages before a conversation's answer (its last assistant message, as
    ``as_output`` takes it); None when the value is no conversation or nothing comes first."""
    chat = as_chat(value) if isinstance(value, list) else None
    if not chat:
        return None
    answers = [i for i, m in enumerate(chat) if m.get("role") in ("assistant", "model", "gpt")]
    return chat[: answers[-1] if answers else len(chat) - 1] or None


def nested_prompt(row: Mapping[str, Any], skip: frozenset[str]) -> str | None:
    """A dotted path to a prompt one level down (``request.messages`` in a request log),
    for rows with none at the top level; objects named in ``skip`` (the outputs) are not
    searched, and the value found must be a prompt."""
    containers = [
        (name, {k.lower(): k for k in value})
        for name, value in row.items()
        if isinstance(value, Mapping) and name not in skip
    ]
    for wanted in CANDIDATES["prompt"]:
        for name, inner in containers:
            if wanted in inner:
                try:
                    as_prompt(row[name][inner[wanted]])
                except ValueError:
                    continue
                return f"{name}.{inner[wanted]}"
    return None


def _why_not_chat(value: list[Any]) -> str:
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            return f"whose item {i} is a {type_name(item)}, not a message"
        if not (isinstance(item.get("role"), str) and "content" in item):
            has = ", ".join(map(str, item)) or "no fields"
            return f"whose message {i} lacks role or content (it has {has})"
    return "of messages"


def _chat_from_text(value: str) -> str | list[dict[str, Any]]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    chat = as_chat(parsed) if isinstance(parsed, list) else None
    return value if chat is None else chat


def _is_chat(value: list[Any]) -> bool:
    return bool(value) and all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and "content" in m for m in value
    )


# ShareGPT (the usual Hugging Face conversation shape) names its speakers its own way.
_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "system": "system",
}


def as_chat(value: list[Any]) -> list[dict[str, Any]] | None:
    """The list as chat messages: as it is when it holds {role, content} messages,
    converted when it is a ShareGPT conversation ({from, value}); else None."""
    if _is_chat(value):
        return value
    if value and all(
        isinstance(m, dict) and isinstance(m.get("from"), str) and "value" in m for m in value
    ):
        return [
            {"role": _SHAREGPT_ROLES.get(m["from"].lower(), m["from"]), "content": m["value"]}
            for m in value
        ]
    return None


def as_key(value: Any) -> str:
    if type(value) is str and value:
        return value
    if type(value) in (int, float):
        return str(value)
    if value is None or value == "":
        got = "null" if value is None else "an empty string"
        raise ValueError(f"expected a non-empty key, got {got}")
    raise ValueError(f"expected a string or number as the key, got {type_name(value)}")


def as_model(value: Any) -> str | None:
    return value if type(value) is str and value else None


_GENERIC_WORDS = (
    _OUTPUT_WORDS
    | _SIDE_WORDS["baseline"]
    | _SIDE_WORDS["candidate"]
    | {"model", "message", "messages", "value", "choices", "a", "b", "side", "version", "v"}
)
_MODEL_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*[\d.\-])[\w.\-]+")


def model_in_name(field: str | None) -> str | None:
    """The model a field is named after: `GPT-4o response` -> GPT-4o, a dotted path's last
    key (`responses.gpt-4.1` -> gpt-4.1). Only names that look like a model (letters with a
    digit, dash or dot), so `old_answer` or `choices.0.message.content` name none."""
    if not field:
        return None
    head = field.partition(".")[0]
    if "." in field and head.isalpha():  # a path: the key holding the output may be a model
        return _path_tail(field) or None
    return _model_word(field)


def _model_word(name: str) -> str | None:
    words = [w for w in re.split(r"[\s_]+", name) if w and w.lower() not in _GENERIC_WORDS]
    if (
        len(words) == 1
        and len(words[0]) >= 3
        and _MODEL_LIKE.fullmatch(words[0])
        and not words[0][0].isdigit()
    ):
        return words[0]
    return None


def _path_tail(path: str) -> str:
    """The last key of a dotted path, where the key may itself hold dots (`gpt-4.1`): the
    shortest tail that reads as a model name, none of its parts a generic word."""
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        tail = parts[i:]
        if any(p.lower() in _GENERIC_WORDS for p in tail):
            continue
        if _model_word(".".join(tail)):
            return ".".join(tail)
    return ""
