"""Prompts to replay: read from a JSONL file, and turned into chat messages."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..store import PairRecord, text_hash

Messages = list[dict[str, Any]]
PROMPT_FIELDS = ("prompt", "messages", "input")
KEY_FIELDS = ("key", "id")
OUTPUT_FIELDS = ("baseline_output", "candidate_output")


def read_prompts(path: str | Path) -> Iterator[tuple[int, PairRecord]]:
    """Each line: a string, a chat message list, or {key|id, prompt|messages|input, ...}.

    Lines without a key get one from the prompt's hash, so the key survives reordering
    or editing other lines of the file (a line number would not). ``baseline_output`` /
    ``candidate_output`` are that side's answer; other object fields are kept as the pair's
    metadata. Yields (line number, record).
    """
    path = Path(path)
    seen = 0
    for number, line in _lines(path):
        if not line.strip():
            continue
        seen += 1
        yield number, _record(path, number, line)
    if seen == 0:
        raise InputError(str(path), "no prompts in the file (expected JSONL, one a line)")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rt", encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except FileNotFoundError as exc:
        raise InputError(str(path), "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "not UTF-8 text", offset=exc.start) from exc
    except (OSError, EOFError) as exc:
        raise InputError(str(path), f"cannot read ({exc})") from exc


def _record(path: Path, number: int, line: str) -> PairRecord:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON ({exc.msg})", line=number) from exc
    meta: dict[str, Any] = {}
    key: str | None = None
    outputs: dict[str, str | None] = {}
    if isinstance(value, dict):
        outputs = _outputs(path, number, value)
        value, key, meta = _from_object(path, number, value)
    prompt = _check_prompt(path, number, value)
    if key is None:
        text = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True)
        key = "p-" + text_hash(text)[:16]
    return PairRecord(
        key=key,
        prompt=prompt,
        baseline_output=outputs.get("baseline_output"),
        candidate_output=outputs.get("candidate_output"),
        metadata=meta,
    )


def _outputs(path: Path, number: int, obj: dict[str, Any]) -> dict[str, str | None]:
    """A side's answer given with the prompt (``baseline_output``, ``candidate_output``):
    stored as that side, so replay asks only for the other one."""
    found: dict[str, str | None] = {}
    for name in OUTPUT_FIELDS:
        value = obj.pop(name, None)
        if value is not None and not isinstance(value, str):
            raise InputError(str(path), "an answer is a string", line=number, field=name)
        found[name] = value
    return found


def _from_object(
    path: Path, number: int, obj: dict[str, Any]
) -> tuple[Any, str | None, dict[str, Any]]:
    field = next((f for f in PROMPT_FIELDS if f in obj), None)
    if field is None:
        raise InputError(
            str(path), f"no prompt: expected one of {', '.join(PROMPT_FIELDS)}", line=number
        )
    key_field = next((f for f in KEY_FIELDS if f in obj), None)
    key = None
    if key_field is not None:
        raw = obj[key_field]
        if not isinstance(raw, (str, int)) or isinstance(raw, bool) or str(raw) == "":
            raise InputError(
                str(path), "must be a non-empty string or integer", line=number, field=key_field
            )
        key = str(raw)
    meta = {k: v for k, v in obj.items() if k not in (field, key_field)}
    return obj[field], key, meta


def _check_prompt(path: Path, number: int, value: Any) -> str | Messages:
    if isinstance(value, str):
        return value
    if not isinstance(value, list) or not value:
        raise InputError(
            str(path), "a prompt is a string or a non-empty list of chat messages", line=number
        )
    for i, msg in enumerate(value):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise InputError(
                str(path), "each chat message needs a 'role'", line=number, field=f"messages[{i}]"
            )
        if "content" not in msg:
            raise InputError(
                str(path),
                "each chat message needs a 'content'",
                line=number,
                field=f"messages[{i}]",
            )
    return value


def to_messages(prompt: str | Messages, system_prompt: str | None) -> Messages:
    """Chat messages for one prompt; the system prompt goes first unless one is there."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    if system_prompt and not (messages and messages[0].get("role") == "system"):
        messages = [{"role": "system", "content": system_prompt}, *messages]
    return messages
