"""Shared by the LangSmith and Langfuse importers: rows of experiment exports (CSV, JSON or
JSONL), grouped by experiment and paired by dataset example id.

``RowFields`` are load's ``--prompt-field``, ``--output-field`` and ``--key``: dotted paths
into a row (``input.question``, ``outputs.answer``) that replace what the importer guessed.
"""

from __future__ import annotations

import ast
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import metapath
from ..errors import InputError
from ..ingest.streams import open_text
from .base import (
    Answer,
    ImportResult,
    Sides,
    as_text,
    get_path,
    pair_answers,
    pick_two,
    read_json,
    read_jsonl,
    type_name,
)
from .langchain_outputs import langchain_text

Row = dict[str, Any]
# (path, line, row) -> (experiment name or None, model name or None, answer or None to skip)
RowParser = Callable[[str, int, Row], tuple[str | None, str | None, Answer | None]]


def read_rows(path: str, list_keys: tuple[str, ...] = ("data",)) -> Iterator[tuple[int, Row]]:
    """``(line, row)`` from CSV, JSONL, or a JSON array (or ``{"data": [...]}``)."""
    # The compression suffix says nothing about the rows: runs.jsonl.gz is JSONL.
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        for line, row in read_jsonl(path):
            page = _page_rows(row, list_keys)
            yield from ((line, r) for r in page) if page is not None else [(line, row)]
    else:
        doc = read_json(path, "a JSON array of rows, JSONL or CSV")
        for key in list_keys:
            if isinstance(doc, dict) and isinstance(doc.get(key), list):
                doc = doc[key]
        if not isinstance(doc, list):
            raise InputError(path, f"expected a JSON array of rows, got {type_name(doc)}")
        for i, row in enumerate(doc):
            if not isinstance(row, dict):
                raise InputError(path, f"expected an object, got {type_name(row)}", field=f"[{i}]")
            yield 0, row


def _page_rows(row: Row, list_keys: tuple[str, ...]) -> list[Row] | None:
    """The rows of one API page saved as a line (``{"data": [...], "meta": {...}}``)."""
    if "meta" not in row:
        return None
    for key in list_keys:
        rows = row.get(key)
        if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
            return rows
    return None


def _csv_rows(path: str) -> Iterator[tuple[int, Row]]:
    with open_text(path) as stream:
        reader = csv.DictReader(stream)
        try:
            for row in reader:
                if None in row:
                    raise InputError(
                        path,
                        f"{len(row[None]) + len(row) - 1} cells, the header"
                        f" has {len(row) - 1} (truncated or misquoted?)",
                        line=reader.line_num,
                    )
                yield reader.line_num, unflatten({k: _cell(v) for k, v in row.items()})
        except csv.Error as exc:
            raise InputError(path, f"not valid CSV ({exc})", line=reader.line_num) from None


# A cell longer than this is left as text rather than parsed as a Python literal.
LITERAL_CELL_LIMIT = 1 << 20


def _cell(value: str | None) -> Any:
    """CSV exports store objects as JSON text, or (pandas' ``to_csv``, which LangSmith's
    ``get_test_results`` feeds) a list as its Python repr; read both back as objects."""
    if value is None or value == "":
        return None
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return _python_literal(value)
    return value


def _python_literal(value: str) -> Any:
    """``[{'role': 'user', ...}]`` as a list; anything that is no plain literal stays text."""
    if len(value) > LITERAL_CELL_LIMIT:
        return value
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        return value
    return parsed if isinstance(parsed, (list, dict)) else value


def unflatten(row: Row) -> Row:
    """``{"inputs.question": q}`` to ``{"inputs": {"question": q}}``, at every level
    (pandas' ``json_normalize`` writes ``outputs.output.content``); flat columns win."""
    out: Row = {}
    nested: dict[str, Row] = {}
    for key, value in row.items():
        head, dot, rest = key.partition(".")
        if not dot or key in out:
            out[key] = value
        else:
            nested.setdefault(head, {})[rest] = value
    for head, inner in nested.items():
        if head not in out:
            out[head] = unflatten(inner)
    return out


@dataclass(frozen=True)
class RowFields:
    """Load's field flags for a tool's rows: dotted paths, None where the importer guesses."""

    prompt: str | None = None
    output: str | None = None
    key: str | None = None

    def apply(self, path: str, line: int, row: Row, answer: Answer) -> None:
        """Replace what the flags name in ``answer``; a row without the field is an error."""
        if self.prompt is not None:
            answer.prompt = prompt_of(self._value(path, line, row, self.prompt, "--prompt-field"))
        if self.output is not None and answer.error is None:
            answer.output = output_of(self._value(path, line, row, self.output, "--output-field"))
        if self.key is not None:
            answer.key = str(self._value(path, line, row, self.key, "--key"))
            answer.label = None

    @staticmethod
    def _value(path: str, line: int, row: Row, name: str, flag: str) -> Any:
        value = metapath.resolve(row, name)
        if value is metapath.MISSING or value in (None, ""):
            raise InputError(
                path,
                f"{flag} {name!r}: this row has no such field"
                f" (fields: {', '.join(sorted(row)[:8])})",
                line=line or None,
                field=name,
            )
        return value


def pick(row: Row, *names: str) -> Any:
    """The first of ``names`` present and non-empty in ``row`` (dotted names walk objects)."""
    for name in names:
        value = get_path(row, *name.split("."))
        if value not in (None, ""):
            return value
    return None


def prompt_of(value: Any) -> str | list[dict[str, Any]] | None:
    """Inputs as a prompt: the only field's text, a chat message list, or all fields as JSON."""
    if _is_chat(value):
        return value
    if isinstance(value, dict):
        if _is_chat(value.get("messages")):
            return value["messages"]
        if len(value) == 1:
            return prompt_of(next(iter(value.values())))
    return as_text(value)


def output_of(value: Any) -> str | None:
    """Outputs as text: the only field's text, an assistant message (LangChain's too), or
    JSON."""
    text = langchain_text(value)
    if text is not None:
        return text
    if isinstance(value, dict):
        if len(value) == 1:
            return output_of(next(iter(value.values())))
        message = get_path(value, "choices", 0, "message") or value
        if isinstance(message.get("content"), str) and "role" in message:
            return message["content"]
    return as_text(value)


def _is_chat(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, dict) and "role" in m for m in value)
    )


def number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return None
    return int(as_float) if as_float.is_integer() else as_float


def pair_experiments(
    tool: str,
    paths: list[str],
    parse: RowParser,
    baseline: str | None,
    candidate: str | None,
    rows: Callable[[str], Iterator[tuple[int, Row]]] = read_rows,
    fields: RowFields | None = None,
) -> ImportResult:
    """Group every file's rows by experiment, choose two, pair them by example id (or by
    what ``fields.key`` names)."""
    groups: dict[str, Sides] = {}
    models: dict[str, str] = {}
    for path in paths:
        seen_any = False
        for line, row in rows(path):
            seen_any = True
            experiment, model, answer = parse(path, line, row)
            name = experiment or Path(path).stem
            if model:
                models.setdefault(name, model)
            if answer is not None:
                if fields is not None:
                    fields.apply(path, line, row, answer)
                groups.setdefault(name, Sides()).add(answer)
        if not seen_any:
            raise InputError(path, "no rows")
    names = list(groups)
    models = {n: m for n, m in models.items() if n in groups}
    by_model = {models.get(n, n): n for n in names}
    old, new = pick_two(
        paths[0],
        names,
        _experiment(baseline, by_model),
        _experiment(candidate, by_model),
        "experiments",
    )
    result = ImportResult(
        tool,
        f"{tool} experiments {old!r} and {new!r}: " + ", ".join(paths),
        models.get(old, old),
        models.get(new, new),
    )
    for answer in (*groups[old].answers.values(), *groups[new].answers.values()):
        if answer.label is None:  # a readable id, not a hash of what the row holds
            answer.shared.setdefault("example_id", answer.key)
    result.warnings += [
        f"experiment {n!r} ignored (not chosen)" for n in names if n not in (old, new)
    ]
    return pair_answers(result, groups[old], groups[new])


def _experiment(given: str | None, by_model: dict[str, str]) -> str | None:
    """An experiment named directly, or through the model it ran."""
    return by_model.get(given, given) if given is not None else None
