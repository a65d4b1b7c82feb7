"""Model outputs: the text inside a provider's saved response, a conversation's answer,
or a parsed JSON-mode answer as its JSON text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..chat import content_text, tool_call_text
from .fields import as_chat


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
            raise ValueError(
                f"the output is an error response: {_error_detail(value)};"
                " expected the model's answer (--skip-bad loads the other rows)"
            )
        if "role" in value and "content" in value:
            raise ValueError(
                "expected a model response with text, got a chat message with no"
                " content, refusal or tool calls"
            )
    return json.dumps(value, ensure_ascii=False)


_PART_TYPES = frozenset(
    {
        "text",
        "input_text",
        "output_text",
        "refusal",
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "reasoning",
        "image",
        "image_url",
        "input_image",
        "document",
    }
)


def _is_content_parts(value: list[Mapping[str, Any]]) -> bool:
    """OpenAI or Anthropic content parts, not a JSON answer whose objects have a "type"."""
    return all("type" in v for v in value) and any(v["type"] in _PART_TYPES for v in value)


def _is_choice(value: Mapping[str, Any]) -> bool:
    """A FastChat or OpenAI choice, not a JSON answer's object."""
    return (
        "turns" in value
        or "message" in value
        or ("text" in value and ("index" in value or "finish_reason" in value))
    )


# The fields an API's error body has beside its "error": {"error": {...}, "status": 429}.
_ERROR_FIELDS = frozenset(
    {
        "error",
        "status",
        "status_code",
        "code",
        "type",
        "message",
        "detail",
        "details",
        "request_id",
        "error_code",
        "error_type",
        "error_message",
    }
)


def _is_error_response(value: Mapping[str, Any]) -> bool:
    return bool(value.get("error")) and all(
        isinstance(k, str) and k.lower() in _ERROR_FIELDS for k in value
    )


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
    if (
        kind == "message"
        and value.get("role") == "assistant"
        and isinstance(value.get("content"), list)
    ):
        return True  # Anthropic
    candidates = value.get("candidates")
    return (
        isinstance(candidates, list)
        and bool(candidates)
        and isinstance(candidates[0], dict)
        and "content" in candidates[0]
    )  # Gemini


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
    if "content" in value and (
        value["content"] is None
        or type(value["content"]) is str
        or isinstance(value["content"], list)
    ):
        return _message_text(value)  # a chat message, an Anthropic message
    for name in ("output_text", "text", "response"):
        if type(value.get(name)) is str:
            return value[name]
    choices = value.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return _first_choice(choices[0])  # OpenAI chat completion object
    output = value.get("output")
    if isinstance(output, list):  # OpenAI Responses API: message items hold output_text
        return "".join(
            content_text(item.get("content"))
            for item in output
            if isinstance(item, Mapping) and item.get("type") == "message"
        )
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
                function = call.get("function")
                fn = function if isinstance(function, Mapping) else call
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
        "expected a string, or choices holding turns (FastChat), message.content or text (OpenAI)"
    )
