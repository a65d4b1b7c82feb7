"""Which field holds what: auto-detection of the usual names, and value coercion.

Names are matched case-insensitively and exactly (``baseline_score`` is not an output).
Every ``--*-field`` flag overrides the guess for its role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from ..chat import content_text, tool_call_text
from ..errors import InputError

CANDIDATES: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt", "input", "question", "instruction", "messages", "query",
               "user_input", "user_prompt"),
    "baseline": ("baseline_output", "baseline", "baseline_response", "baseline_completion",
                 "old_output", "old", "old_response", "output_a", "response_a", "answer_a",
                 "completion_a", "model_a_output", "a", "before"),
    "candidate": ("candidate_output", "candidate", "candidate_response",
                  "candidate_completion", "new_output", "new", "new_response", "output_b",
                  "response_b", "answer_b", "completion_b", "model_b_output", "b", "after"),
    "output": ("output", "response", "completion", "answer", "choices", "generation",
               "prediction", "text"),
    "key": ("key", "id", "question_id", "custom_id", "example_id", "sample_id", "prompt_id",
            "uid", "uuid", "idx"),
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
    "baseline": frozenset({"old", "baseline", "before", "previous", "prev", "base", "control",
                           "reference"}),
    "candidate": frozenset({"new", "candidate", "after", "next", "cand", "treatment",
                            "challenger"}),
}
_OUTPUT_WORDS = frozenset({"output", "outputs", "response", "responses", "answer", "answers",
                           "completion", "completions", "text", "generation", "reply",
                           "result", "content", "prediction"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])")


def _name_words(name: str) -> set[str]:
    # camelCase too: oldAnswer -> old, answer
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return {w for w in _WORD_SPLIT.split(spaced) if w}


def _by_words(columns: Iterable[str], role: str) -> str | None:
    if role not in _SIDE_WORDS:
        return None
    other = _SIDE_WORDS["candidate" if role == "baseline" else "baseline"]
    hits = [c for c in columns
            if (words := _name_words(c)) & _SIDE_WORDS[role] and words & _OUTPUT_WORDS
            and not words & other]
    return hits[0] if len(hits) == 1 else None


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
    return FieldMap(**guessed).overridden(flags)


MISSING = object()


def resolve_path(row: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``responses.gpt-4.1``, ``choices.0.message.content``).

    Keys may hold dots themselves (model names do), so at each level the longest key that
    matches a prefix of the path wins; a number indexes a list. MISSING when nothing matches.
    """
    if path in row:
        return row[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
        value = _step(row, head)
        if isinstance(value, Mapping):
            found = resolve_path(value, rest)
        elif isinstance(value, list):
            found = _in_list(value, rest)
        else:
            continue
        if found is not MISSING:
            return found
    return MISSING


def _step(container: Mapping[str, Any], key: str) -> Any:
    return container.get(key, MISSING)


def _in_list(items: list[Any], path: str) -> Any:
    index, _, rest = path.partition(".")
    if not index.isdigit() or int(index) >= len(items):
        return MISSING
    item = items[int(index)]
    if not rest:
        return item
    return resolve_path(item, rest) if isinstance(item, Mapping) else MISSING


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
        f" {', '.join(sorted(row)) or 'no fields'}); pass {flag}{nested_hint(row)}",
        line=None,
    )


def type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


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
        raise ValueError("expected a string or a list of chat messages ({role, content}), got"
                         f" an array {_why_not_chat(value)}")
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
    containers = [(name, {k.lower(): k for k in value}) for name, value in row.items()
                  if isinstance(value, Mapping) and name not in skip]
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
_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                   "model": "assistant", "chatgpt": "assistant", "bard": "assistant",
                   "bing": "assistant", "system": "system"}


def as_chat(value: list[Any]) -> list[dict[str, Any]] | None:
    """The list as chat messages: as it is when it holds {role, content} messages,
    converted when it is a ShareGPT conversation ({from, value}); else None."""
    if _is_chat(value):
        return value
    if value and all(isinstance(m, dict) and isinstance(m.get("from"), str) and "value" in m
                     for m in value):
        return [{"role": _SHAREGPT_ROLES.get(m["from"].lower(), m["from"]),
                 "content": m["value"]} for m in value]
    return None


def as_output(value: Any) -> str | None:
    """A model output: a string, null, or the text inside a provider's response object.

    Read: FastChat / OpenAI ``choices``, a chat message (its refusal and tool calls too),
    content parts (OpenAI, Anthropic), an OpenAI chat completion or Responses API object,
    an Anthropic message, a Gemini ``candidates`` response, an Ollama ``message`` or
    ``response``; also any of these saved as a JSON string (a CSV cell, say). Any other
    object, array, number or boolean is a parsed JSON-mode answer: stored as its JSON text.
    An object holding only an error is refused: the call failed, there is no answer.
    """
    if value is None:
        return value
    if type(value) is str:
        envelope = parse_envelope(value)
        return value if envelope is None else as_output(envelope)
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        if _is_content_parts(value):
            return content_text(value)
        chat = as_chat(value)
        if chat is not None:  # a whole conversation (Chatbot Arena, ShareGPT): its answer
            answers = [m for m in chat if m.get("role") in ("assistant", "model", "gpt")]
            return _message_text(answers[-1] if answers else chat[-1]) or ""
        if _is_choice(value[0]):
            return _first_choice(value[0])
    if isinstance(value, Mapping):
        text = _response_text(value)
        if text is not None:
            return text
        if _is_error_response(value):
            raise ValueError(f"the output is an error response: {_error_detail(value)};"
                             " expected the model's answer (--skip-bad loads the other rows)")
        if "role" in value and "content" in value:
            raise ValueError("expected a model response with text, got a chat message with no"
                             " content, refusal or tool calls")
    return json.dumps(value, ensure_ascii=False)


_PART_TYPES = frozenset({"text", "input_text", "output_text", "refusal", "tool_use",
                         "tool_result", "thinking", "redacted_thinking", "reasoning", "image",
                         "image_url", "input_image", "document"})


def _is_content_parts(value: list[Mapping[str, Any]]) -> bool:
    """OpenAI or Anthropic content parts, not a JSON answer whose objects have a "type"."""
    return all("type" in v for v in value) and any(v["type"] in _PART_TYPES for v in value)


def _is_choice(value: Mapping[str, Any]) -> bool:
    """A FastChat or OpenAI choice, not a JSON answer's object."""
    return "turns" in value or "message" in value or (
        "text" in value and ("index" in value or "finish_reason" in value))


# The fields an API's error body has beside its "error": {"error": {...}, "status": 429}.
_ERROR_FIELDS = frozenset({"error", "status", "status_code", "code", "type", "message",
                           "detail", "details", "request_id", "error_code", "error_type",
                           "error_message"})


def _is_error_response(value: Mapping[str, Any]) -> bool:
    return bool(value.get("error")) and all(
        isinstance(k, str) and k.lower() in _ERROR_FIELDS for k in value)


def _error_detail(value: Mapping[str, Any]) -> str:
    error = value["error"]
    if isinstance(error, Mapping) and type(error.get("message")) is str:
        error = error["message"]
    detail = error if type(error) is str else json.dumps(error, ensure_ascii=False)
    return detail if len(detail) <= 200 else detail[:200] + "..."


def parse_envelope(text: str) -> dict[str, Any] | None:
    """A provider response saved as JSON text, else None. Strict, so that an answer that
    is itself JSON (a JSON-mode output) is never taken for an envelope."""
    if not text.startswith("{") or not _ENVELOPE_HINT.search(text[:4000]):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) and _is_envelope(value) else None


_ENVELOPE_HINT = re.compile(r'"(?:object|type|candidates)"\s*:')


def _is_envelope(value: dict[str, Any]) -> bool:
    kind = value.get("object") or value.get("type")
    if kind in ("chat.completion", "text_completion") and isinstance(value.get("choices"), list):
        return True  # OpenAI
    if kind == "response" and isinstance(value.get("output"), list):
        return True  # OpenAI Responses API
    if kind == "message" and value.get("role") == "assistant" and isinstance(
            value.get("content"), list):
        return True  # Anthropic
    candidates = value.get("candidates")
    return (isinstance(candidates, list) and bool(candidates)
            and isinstance(candidates[0], dict) and "content" in candidates[0])  # Gemini


def finish_reason(value: Any) -> str | None:
    """Why the provider stopped, when the output was saved as its response object:
    OpenAI ``finish_reason``, Anthropic ``stop_reason``, Gemini ``finishReason``, Ollama
    ``done_reason``, the Responses API's ``incomplete_details.reason``."""
    if type(value) is str:
        value = parse_envelope(value)
    if not isinstance(value, Mapping):
        return None
    choices = value.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        value = {**value, **choices[0]}
    candidates = value.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], Mapping):
        value = {**value, **candidates[0]}
    details = value.get("incomplete_details")
    if isinstance(details, Mapping) and isinstance(details.get("reason"), str):
        return details["reason"]
    for name in ("finish_reason", "stop_reason", "finishReason", "done_reason"):
        if isinstance(value.get(name), str):
            return value[name]
    return None


def _response_text(value: Mapping[str, Any]) -> str | None:
    if "content" in value and (value["content"] is None or type(value["content"]) is str
                               or isinstance(value["content"], list)):
        return _message_text(value)  # a chat message, an Anthropic message
    for name in ("output_text", "text", "response"):
        if type(value.get(name)) is str:
            return value[name]
    choices = value.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return _first_choice(choices[0])  # OpenAI chat completion object
    output = value.get("output")
    if isinstance(output, list):  # OpenAI Responses API: message items hold output_text
        return "".join(content_text(item.get("content")) for item in output
                       if isinstance(item, Mapping) and item.get("type") == "message")
    candidates = value.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], Mapping):
        parts = (candidates[0].get("content") or {}).get("parts") or []  # Gemini
        return "".join(p.get("text", "") for p in parts if isinstance(p, Mapping))
    message = value.get("message")
    return _response_text(message) if isinstance(message, Mapping) else None


def _message_text(message: Mapping[str, Any]) -> str | None:
    """A message's text, its refusal when it has no content, and its tool calls as lines;
    None for a message with none of these."""
    content = message.get("content")
    parts = [content_text(content)] if content is not None else []
    if content is None and type(message.get("refusal")) is str:
        parts.append(message["refusal"])  # OpenAI: a refusal instead of content
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            if isinstance(call, Mapping):
                fn = call.get("function") if isinstance(call.get("function"), Mapping) else call
                parts.append(tool_call_text(fn.get("name"), fn.get("arguments")))
    if not parts:
        return None
    return "\n".join(p for p in parts if p)


def _first_choice(choice: Mapping[str, Any]) -> str:
    turns = choice.get("turns")
    if isinstance(turns, list) and turns:
        return as_output(turns[0]) or ""
    message = choice.get("message")
    if isinstance(message, Mapping):
        text = _response_text(message)
        if text is not None:
            return text
    if type(choice.get("text")) is str:
        return choice["text"]
    raise ValueError(
        "expected a string, or choices holding turns (FastChat), message.content or text"
        " (OpenAI)"
    )


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
