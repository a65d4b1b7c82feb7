"""LangChain-shaped outputs as answer text: what LangSmith (and Langfuse's LangChain
callback) store when the traced code returned a message or an ``LLMResult``.

Shapes read, all from LangChain's own serialisation:

* a serialised message, ``{"lc": 1, "type": "constructor", "id": [..., "AIMessage"],
  "kwargs": {"content": ..., "tool_calls": [...]}}`` (``dumpd``), its ``model_dump`` form
  (``{"type": "ai", "content": ...}``) and ``messages_to_dict``'s ``{"type": "ai", "data":
  {...}}``;
* an ``LLMResult``, ``{"generations": [[{"text": ..., "message": ...}]], "llm_output": ...}``:
  the first generation of the first prompt, its message when it has one;
* a list of messages (an agent's state): the last AI message.

Content may be a string or a list of content parts; text parts are joined, and tool calls
become ``[tool call: name({"arg": ...})]`` lines so that a change in them stays visible.
"""

from __future__ import annotations

from typing import Any

from ..chat import tool_call_text

# message classes whose content is the model's answer (the chunk classes are streamed)
AI_CLASSES = {"AIMessage", "AIMessageChunk", "ChatMessage", "ChatMessageChunk"}
AI_TYPES = {"ai", "AIMessageChunk", "assistant"}


def langchain_text(value: Any) -> str | None:
    """The answer text of a LangChain-shaped output, or None when ``value`` is not one."""
    if isinstance(value, list):
        messages = [m for m in (_message_fields(v) for v in value) if m is not None]
        if messages and len(messages) == len(value):
            answers = [m for m in messages if m[0]]
            return _text(answers[-1][1]) if answers else None
        return None
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("generations"), list):
        return _generation_text(value["generations"])
    message = _message_fields(value)
    if message is not None and message[0]:
        return _text(message[1])
    return None


def langchain_finish_reason(value: Any) -> str | None:
    """The provider's stop reason kept in a LangChain output, if it has one."""
    if isinstance(value, dict) and len(value) == 1:  # {"output": message}
        value = next(iter(value.values()))
    if not isinstance(value, dict):
        return None
    generation = _first_generation(value.get("generations"))
    fields: dict[str, Any] | None = None
    if generation is not None:
        info = generation.get("generation_info")
        if isinstance(info, dict) and isinstance(info.get("finish_reason"), str):
            return info["finish_reason"]
        message = _message_fields(generation.get("message"))
        fields = message[1] if message else None
    else:
        message = _message_fields(value)
        fields = message[1] if message and message[0] else None
    meta = fields.get("response_metadata") if fields else None
    if isinstance(meta, dict):
        for name in ("finish_reason", "stop_reason", "done_reason"):
            if isinstance(meta.get(name), str):
                return meta[name]
    return None


def _first_generation(generations: Any) -> dict[str, Any] | None:
    first = generations[0] if isinstance(generations, list) and generations else None
    if isinstance(first, list):  # one list of candidates per prompt
        first = first[0] if first else None
    return first if isinstance(first, dict) else None


def _generation_text(generations: list[Any]) -> str | None:
    generation = _first_generation(generations)
    if generation is None:
        return None
    message = _message_fields(generation.get("message"))
    if message is not None:
        return _text(message[1])
    text = generation.get("text")
    return text if isinstance(text, str) else None


def _message_fields(value: Any) -> tuple[bool, dict[str, Any]] | None:
    """``(is an AI message, its fields)`` for any serialised message form, else None."""
    if not isinstance(value, dict):
        return None
    if value.get("lc") == 1 and value.get("type") == "constructor":
        ids = value.get("id")
        kwargs = value.get("kwargs")
        if (
            isinstance(ids, list)
            and ids
            and isinstance(kwargs, dict)
            and str(ids[-1]).endswith(("Message", "MessageChunk"))
        ):
            return _is_ai(ids[-1], kwargs), kwargs
        return None
    kind = value.get("type")
    if isinstance(value.get("data"), dict) and "content" in value["data"]:
        return kind in AI_TYPES, value["data"]
    if isinstance(kind, str) and "content" in value and "role" not in value:
        return kind in AI_TYPES, value
    return None


def _is_ai(class_name: str, kwargs: dict[str, Any]) -> bool:
    if class_name.startswith("ChatMessage"):  # a generic message: its role says whose
        return kwargs.get("role") in ("assistant", "ai")
    return class_name in AI_CLASSES


def _text(fields: dict[str, Any]) -> str:
    content = fields.get("content")
    parts = content if isinstance(content, list) else [content]
    text = "".join(
        p if isinstance(p, str) else p.get("text") or ""
        for p in parts
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text")
    )
    calls = _tool_calls(fields, parts)
    return "\n".join(([text] if text else []) + calls)


def _tool_calls(fields: dict[str, Any], parts: list[Any]) -> list[str]:
    """One line per tool call, from wherever this message keeps them (first found)."""
    calls = [
        (c.get("name"), c.get("args"))
        for c in fields.get("tool_calls") or []
        if isinstance(c, dict)
    ]
    if not calls:
        openai = (fields.get("additional_kwargs") or {}).get("tool_calls") or []
        calls = [
            (c["function"].get("name"), c["function"].get("arguments"))
            for c in openai
            if isinstance(c, dict) and isinstance(c.get("function"), dict)
        ]
    if not calls:  # Anthropic content blocks
        calls = [
            (p.get("name"), p.get("input"))
            for p in parts
            if isinstance(p, dict) and p.get("type") == "tool_use"
        ]
    return [tool_call_text(name, args) for name, args in calls]
