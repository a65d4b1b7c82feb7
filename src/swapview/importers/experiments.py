"""Shared by the LangSmith and Langfuse importers: rows of experiment exports (CSV, JSON or
JSONL), grouped by experiment and paired by dataset example id.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
        yield from read_jsonl(path)
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


def _cell(value: str | None) -> Any:
    """CSV exports store objects as JSON text; read them back as objects."""
    if value is None or value == "":
        return None
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def unflatten(row: Row) -> Row:
    """``{"inputs.question": q}`` to ``{"inputs": {"question": q}}`` (flat columns win)."""
    out: Row = {}
    for key, value in row.items():
        if "." not in key or key in out:
            out[key] = value
            continue
        head, rest = key.split(".", 1)
        if isinstance(out.setdefault(head, {}), dict):
            out[head][rest] = value
    return out


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
) -> ImportResult:
    """Group every file's rows by experiment, choose two, pair them by example id."""
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
        answer.shared.setdefault("example_id", answer.key)
    result.warnings += [
        f"experiment {n!r} ignored (not chosen)" for n in names if n not in (old, new)
    ]
    return pair_answers(result, groups[old], groups[new])


def _experiment(given: str | None, by_model: dict[str, str]) -> str | None:
    """An experiment named directly, or through the model it ran."""
    return by_model.get(given, given) if given is not None else None
