"""What every importer shares: one model's answers, pairing two sides, reading JSON safely.

Each importer turns its tool's files into two dicts of ``Answer`` (baseline and candidate,
keyed by what joins them: custom_id, sample id and epoch, example id...) and hands them to
``pair_answers``, which builds the ``PairRecord``s and lists what could not be paired.

Metadata vocabulary, the same for every tool, flat so that the review queue's
``field = value`` filter and a datasette user reach every value (``candidate.finish_reason
= length``)::

    {"source": "promptfoo",                     # the importer
     "baseline.model": "gpt-4o",                # SIDE KEYS, prefixed by the side
     "candidate.latency_ms": 812,
     "candidate.scores.correctness": 0.5,       # one key per score
     ...shared keys}                            # about the input: target, vars, epoch, ...

Side keys (each only when the source has it): ``model``, ``id`` (request, run or response
id), ``trace_id``, ``latency_ms``, ``input_tokens``, ``output_tokens``, ``total_tokens``,
``cost``, ``finish_reason``, ``score`` (one number), ``scores.NAME``, ``passed``,
``system`` (system prompt), ``created``. Shared keys: ``target`` (expected output), ``vars``,
``description``, ``sample_id``, ``epoch``, ``example_id``, ``custom_id``, ``task``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ingest.streams import open_text, read_document
from ..store import PairRecord

Prompt = str | list[dict[str, Any]] | None


@dataclass(slots=True)
class Answer:
    """One model's answer to one input; ``error`` set when the request failed."""

    key: str
    prompt: Prompt
    output: str | None
    model: str | None = None
    side: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    label: str | None = None  # the pair's stored key when the join key is not readable

    @property
    def name(self) -> str:
        return self.label or self.key


@dataclass
class ImportResult:
    """Pairs built from a tool's files, and what could not be paired."""

    tool: str
    source: str
    baseline_model: str | None = None
    candidate_model: str | None = None
    records: list[PairRecord] = field(default_factory=list)
    unmatched_baseline: list[str] = field(default_factory=list)
    unmatched_candidate: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # per side (baseline, candidate): answers read, and how many of them failed; a pair
    # where both failed is one entry of ``failed`` but two failures here
    answers: tuple[int, int] = (0, 0)
    failures: tuple[int, int] = (0, 0)
    first_error: str | None = None


class Sides:
    """Answers of one model by key; a repeated key keeps the first and is reported."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.duplicates: list[str] = []

    def add(self, answer: Answer) -> None:
        if answer.key in self.answers:
            self.duplicates.append(answer.name)
        else:
            self.answers[answer.key] = answer

    def __len__(self) -> int:
        return len(self.answers)


def pair_answers(result: ImportResult, baseline: Sides, candidate: Sides) -> ImportResult:
    """Fill ``result`` with one record per key both sides answered successfully.

    An answer that failed is reported as failed even when the other side has no answer
    for its key: the failure, not the missing partner, is why it is not loaded.
    """
    result.duplicates += [f"baseline {k}" for k in baseline.duplicates]
    result.duplicates += [f"candidate {k}" for k in candidate.duplicates]
    _count(result, baseline, candidate)
    cand = candidate.answers
    for key, old in baseline.answers.items():
        new = cand.get(key)
        if old.error is not None or (new is not None and new.error is not None):
            result.failed.append(_failure(old.name, old, new))
        elif new is None:
            result.unmatched_baseline.append(old.name)
        else:
            result.records.append(_record(result.tool, old.name, old, new))
    for key, new in cand.items():
        if key not in baseline.answers:
            if new.error is not None:
                result.failed.append(_failure(new.name, None, new))
            else:
                result.unmatched_candidate.append(new.name)
    return result


def _count(result: ImportResult, baseline: Sides, candidate: Sides) -> None:
    sides = (list(baseline.answers.values()), list(candidate.answers.values()))
    result.answers = (len(sides[0]), len(sides[1]))
    errors = [[a.error for a in side if a.error is not None] for side in sides]
    result.failures = (len(errors[0]), len(errors[1]))
    first = errors[0][:1] or errors[1][:1]
    result.first_error = shorten(first[0]) if first else None


def shorten(message: str, limit: int = 120) -> str:
    """An error's first line, cut to ``limit`` characters: enough to tell the cause."""
    line = message.strip().splitlines()[0] if message.strip() else message
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _failure(key: str, old: Answer | None, new: Answer | None) -> str:
    parts = [
        f"{name} failed: {a.error}"
        for name, a in (("baseline", old), ("candidate", new))
        if a is not None and a.error is not None
    ]
    alone = (
        " (no candidate answer)" if new is None else " (no baseline answer)" if old is None else ""
    )
    return f"{key}: " + "; ".join(parts) + alone


def _record(tool: str, key: str, old: Answer, new: Answer) -> PairRecord:
    meta: dict[str, Any] = {"source": tool}
    meta.update(old.shared)
    meta.update({k: v for k, v in new.shared.items() if k not in meta})
    for name, answer in (("baseline", old), ("candidate", new)):
        side = {"model": answer.model, **answer.side}
        for field_name, value in side.items():
            if field_name == "scores" and isinstance(value, dict):
                meta.update({f"{name}.scores.{k}": v for k, v in value.items()})
            elif value is not None:
                meta[f"{name}.{field_name}"] = value
    prompt = old.prompt if old.prompt is not None else new.prompt
    return PairRecord(key, prompt, old.output, new.output, meta)


def side_metadata(meta: dict[str, Any], side: str) -> dict[str, Any]:
    """One side's metadata back without its prefix (``scores`` gathered into a dict)."""
    prefix = side + "."
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key.startswith(prefix + "scores."):
            out.setdefault("scores", {})[key[len(prefix) + 7 :]] = value
        elif key.startswith(prefix):
            out[key[len(prefix) :]] = value
    return out


def require_two_models(path: str, models: Iterable[str | None], what: str = "models") -> None:
    """The clear error for a run that holds only one model: there is nothing to compare."""
    found = sorted({m for m in models if m})
    if len(found) < 2:
        only = f"only {found[0]!r}" if found else "none"
        raise InputError(path, f"a comparison needs two {what}; this input has {only}")


def pick_two(
    path: str, found: list[str], baseline: str | None, candidate: str | None, what: str = "models"
) -> tuple[str, str]:
    """Baseline and candidate among ``found`` (in order of appearance): named, or the only two."""
    for name, given in (("--baseline-model", baseline), ("--candidate-model", candidate)):
        if given is not None and given not in found:
            raise InputError(
                path,
                f"{name} {given!r} is not in this input; it has "
                + ", ".join(repr(m) for m in found),
            )
    if baseline and candidate:
        if baseline == candidate:
            raise InputError(path, f"baseline and candidate are both {baseline!r}")
        return baseline, candidate
    require_two_models(path, found, what)
    rest = [m for m in found if m not in (baseline, candidate)]
    if baseline is None and candidate is None and len(found) == 2:
        return found[0], found[1]
    if len(rest) == 1:
        return (baseline, rest[0]) if baseline else (rest[0], candidate)  # type: ignore[return-value]
    raise InputError(
        path,
        f"this input has {len(found)} {what} ("
        + ", ".join(repr(m) for m in found)
        + "); name them with --baseline-model and --candidate-model",
    )


def read_json(path: str | Path, expect: str) -> Any:
    """A whole JSON document; a truncated or invalid file names the line it broke on."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            str(path), f"not valid JSON ({exc.msg}); expected {expect}", line=exc.lineno
        ) from None


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` per non-blank line; a bad line is an error naming it."""
    with open_text(path) as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                cut = " (the file looks truncated)" if not line.endswith("\n") else ""
                raise InputError(
                    str(path), f"not valid JSON: {exc.msg}{cut}", line=number
                ) from None
            if not isinstance(row, dict):
                raise InputError(
                    str(path), f"expected a JSON object, got {type_name(row)}", line=number
                )
            yield number, row


def read_text(path: str | Path) -> str:
    """A whole file as text, within the one-document cap (JSONL streams instead)."""
    with open_text(path) as stream:
        return read_document(stream, path)


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        type(None): "null",
        bool: "a boolean",
    }.get(type(value), "a number")


def get_path(obj: Any, *keys: str | int) -> Any:
    """``obj[k1][k2]...`` or None when any step is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(obj, list) or len(obj) <= key:
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[key] if isinstance(key, int) else obj.get(key)
    return obj


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for optional nested objects)."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    """An output as text: strings as they are, anything else as compact JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def canonical(value: Any) -> str:
    """A stable text form of any JSON value, for joining on structure."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
