"""OpenAI Batch API: the input JSONL and the output (and error) JSONL of two batches.

A batch is an input file followed by its output file and, if any, its error file (both
hold ``{"custom_id", "response": {"status_code", "body"}, "error"}`` lines; an empty error
file means no request failed). Pass the old
model's batch first: ``old_in.jsonl old_out.jsonl new_in.jsonl new_out.jsonl``. Output
files alone also work; the prompts are then unknown.

Pairing (``pair_by``; ``swapview load --from openai-batch --key``): ``custom_id`` joins
requests with the same custom_id; ``request`` joins requests with the same conversation
(chat ``messages``, Responses ``input`` and ``instructions``, or completions ``prompt``;
the model and sampling settings may differ);
``auto`` (the default) uses custom_id when the two batches share any, else the request.
Teams usually resubmit the same file with only ``model`` changed, so custom_ids match;
when a pipeline generates fresh ids per batch, the conversation is what stays the same.

A failed request (``error`` set, or a status code other than 200, or no output line at
all) is reported, never loaded as an empty answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from ..errors import InputError, SwapviewError
from ..ingest.outputs import finish_reason
from .base import (
    Answer,
    ImportResult,
    Prompt,
    Sides,
    as_text,
    canonical,
    get_path,
    pair_answers,
    read_jsonl,
    require_two_models,
)

PAIR_BY = ("auto", "custom_id", "request")


@dataclass(slots=True)
class Outcome:
    """What one output line says, kept instead of the line (a batch can be 200 MB)."""

    error: str | None
    output: str | None = None
    side: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """One batch: its request bodies and its outcomes, by custom_id."""

    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, Outcome] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " + ".join(self.inputs + self.outputs)

    def model(self) -> str | None:
        asked = Counter(b.get("model") for b in self.requests.values() if b.get("model"))
        if asked:
            return asked.most_common(1)[0][0]
        got = Counter(o.side.get("resolved_model") for o in self.results.values())
        got.pop(None, None)
        return got.most_common(1)[0][0] if got else None


def import_batches(
    paths: list[str],
    baseline_model: str | None = None,
    candidate_model: str | None = None,
    pair_by: str = "auto",
) -> ImportResult:
    """OpenAI Batch API: old batch's input + output JSONL, then the new batch's."""
    if pair_by not in PAIR_BY:
        raise SwapviewError(
            f"--key for --from openai-batch is one of {', '.join(PAIR_BY)}"
            f" (what joins the two batches), not {pair_by!r}"
        )
    batches = _read_batches(paths)
    old, new = batches
    names = (baseline_model or old.model(), candidate_model or new.model())
    require_two_models(old.name + " and " + new.name, names)
    if pair_by == "auto":
        pair_by = (
            "custom_id"
            if (set(old.requests) | set(old.results)) & (set(new.requests) | set(new.results))
            else "request"
        )
    result = ImportResult(
        "openai-batch", "OpenAI Batch API: " + ", ".join(paths), names[0], names[1]
    )
    if pair_by == "request" and not (old.requests and new.requests):
        raise InputError(paths[0], "pairing by request needs both batches' input files")
    sides = [_answers(b, m, pair_by, result) for b, m in zip(batches, names, strict=True)]
    return pair_answers(result, *sides)


def _read_batches(paths: list[str]) -> list[Batch]:
    batches: list[Batch] = []
    for path in paths:
        kind, rows = _classify(path)
        if kind == "empty":
            # OpenAI's error file when no request failed (or one the user made): it
            # belongs to the batch before it and adds no outcome
            if not batches:
                raise InputError(
                    path,
                    "empty file; a batch begins with its input or output"
                    " JSONL (an empty error file goes after its batch's output)",
                )
            batches[-1].outputs.append(path)
            continue
        if (
            kind == "input"
            or not batches
            or (kind == "output" and not batches[-1].inputs and batches[-1].outputs)
        ):
            batches.append(Batch())
        batch = batches[-1]
        if kind == "input":
            batch.inputs.append(path)
            _add_requests(batch, path, rows)
        else:
            batch.outputs.append(path)
            _add_results(batch, path, rows)
    if len(batches) != 2:
        raise InputError(
            paths[0],
            f"expected two batches (old model, then new model), each an"
            f" input JSONL followed by its output JSONL; got {len(batches)}",
        )
    for batch in batches:
        if not batch.outputs:
            raise InputError(batch.inputs[0], "this batch has no output file after its input")
        if batch.inputs and batch.results and not set(batch.results) & set(batch.requests):
            raise InputError(
                batch.outputs[0],
                f"no custom_id here is in {batch.inputs[0]}: give"
                " each batch's input then its output (old batch first)",
            )
    return batches


def _classify(path: str) -> tuple[str, Iterator[tuple[int, dict[str, Any]]]]:
    """Input, output or empty file, told by its first line; then all its lines, streamed."""
    lines = read_jsonl(path)
    head = next(lines, None)
    if head is None:
        return "empty", iter(())
    line, first = head
    rows = chain([head], lines)
    if "custom_id" in first and ("response" in first or "error" in first):
        return "output", rows
    if "custom_id" in first and "body" in first:
        return "input", rows
    raise InputError(
        path,
        "not an OpenAI Batch API file: expected lines with custom_id and"
        " body (input) or custom_id and response (output); this line has "
        + ", ".join(sorted(first)[:8]),
        line=line,
    )


def _custom_id(path: str, line: int, row: dict[str, Any]) -> str:
    cid = row.get("custom_id")
    if not isinstance(cid, str) or not cid:
        raise InputError(path, "missing or not a string", line=line, field="custom_id")
    return cid


def _add_requests(batch: Batch, path: str, rows: Iterator[tuple[int, dict[str, Any]]]) -> None:
    for line, row in rows:
        body = row.get("body")
        if not isinstance(body, dict):
            raise InputError(
                path,
                "expected the request body object (is this an output file in an input's place?)",
                line=line,
                field="body",
            )
        batch.requests[_custom_id(path, line, row)] = body


def _add_results(batch: Batch, path: str, rows: Iterator[tuple[int, dict[str, Any]]]) -> None:
    for line, row in rows:
        if "response" not in row and "error" not in row:
            raise InputError(
                path,
                "expected a batch output line (response or error)",
                line=line,
                field="response",
            )
        outcome = Outcome(_error(row))
        if outcome.error is None:
            body = get_path(row, "response", "body")
            outcome.output = _output(path, line, body)
            outcome.side = _side(row, body)
        batch.results[_custom_id(path, line, row)] = outcome


def _answers(batch: Batch, model: str | None, pair_by: str, result: ImportResult) -> Sides:
    sides = Sides()
    ids = list(batch.requests) + [c for c in batch.results if c not in batch.requests]
    for cid in ids:
        body = batch.requests.get(cid)
        answer = _answer(cid, body, batch.results.get(cid), model)
        if pair_by == "request":
            if body is None:
                result.warnings.append(f"{cid}: output without a request in {batch.name}")
                continue
            answer.key, answer.label = canonical(_conversation(body)), cid
        sides.add(answer)
    return sides


def _answer(
    cid: str, body: dict[str, Any] | None, found: Outcome | None, model: str | None
) -> Answer:
    answer = Answer(cid, _prompt(body) if body else None, None, model, shared={"custom_id": cid})
    if found is None:
        answer.error = "no output line for this request (batch expired or cancelled?)"
        return answer
    answer.error, answer.output = found.error, found.output
    answer.side = dict(found.side)
    if answer.side.get("resolved_model") == model:
        del answer.side["resolved_model"]
    return answer


def _error(row: dict[str, Any]) -> str | None:
    err = row.get("error")
    if err:
        if isinstance(err, dict):
            return f"{err.get('code') or 'error'}: {err.get('message') or ''}".strip()
        return str(err)
    status = get_path(row, "response", "status_code")
    if status != 200:
        message = get_path(row, "response", "body", "error", "message") or ""
        return f"HTTP {status}: {message}".strip()
    return None


def _output(path: str, line: int, body: Any) -> str:
    if not isinstance(body, dict):
        raise InputError(
            path, "expected the response body object", line=line, field="response.body"
        )
    message = get_path(body, "choices", 0, "message")
    if isinstance(message, dict):
        text = message.get("content") or message.get("refusal")
        return text if text is not None else as_text(message.get("tool_calls")) or ""
    text = get_path(body, "choices", 0, "text")
    if isinstance(text, str):
        return text
    if isinstance(body.get("output"), list):
        return "".join(
            c.get("text") or ""
            for item in body["output"]
            if isinstance(item, dict)
            for c in item.get("content") or []
            if isinstance(c, dict) and c.get("type") == "output_text"
        )
    raise InputError(
        path,
        "no answer text (expected choices[0].message.content, choices[0]"
        ".text or Responses API output)",
        line=line,
        field="response.body",
    )


def _side(row: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    usage = body.get("usage") or {}
    return {
        "id": body.get("id"),
        "request_id": get_path(row, "response", "request_id"),
        "resolved_model": body.get("model"),
        "finish_reason": _finish_reason(body),
        "input_tokens": usage.get("prompt_tokens", usage.get("input_tokens")),
        "output_tokens": usage.get("completion_tokens", usage.get("output_tokens")),
        "total_tokens": usage.get("total_tokens"),
    }


def _finish_reason(body: dict[str, Any]) -> str | None:
    """Chat's finish_reason; for the Responses API why an answer is incomplete (e.g.
    max_output_tokens), else its status."""
    return finish_reason(body) or body.get("status")


def _conversation(body: dict[str, Any]) -> Any:
    """What the model was asked, without the model name or sampling settings."""
    return {k: body[k] for k in ("messages", "input", "instructions", "prompt") if k in body}


def _prompt(body: dict[str, Any]) -> Prompt:
    messages = body.get("messages")
    if messages is None and isinstance(body.get("input"), list):
        messages = body["input"]
        if body.get("instructions"):
            messages = [{"role": "system", "content": body["instructions"]}, *messages]
    if isinstance(messages, list):
        if (
            len(messages) == 1
            and isinstance(get_path(messages, 0, "content"), str)
            and get_path(messages, 0, "role") == "user"
        ):
            return messages[0]["content"]
        return messages
    for name in ("input", "prompt"):
        if isinstance(body.get(name), str):
            if name == "input" and body.get("instructions"):
                return [
                    {"role": "system", "content": body["instructions"]},
                    {"role": "user", "content": body["input"]},
                ]
            return body[name]
    return as_text(_conversation(body)) or None
