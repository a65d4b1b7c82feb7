"""A team's existing eval cases, read from the files their tools already use.

promptfoo tests (``tests.jsonl``/``.csv``/``.yaml``, or the ``tests`` of a promptfooconfig,
``file://`` references followed), inspect_ai datasets (JSONL, JSON or CSV with ``input``),
OpenAI evals samples (``input`` messages), LangSmith dataset exports (``inputs``) and
swapview's own exports (all five formats). Only each case's input matters here: coverage
asks which production prompts the suite has a case near. A bad file stops the read with
one error naming the file, the line and the field.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ingest.badrows import RowError
from ..ingest.readers import JSON_DOCUMENT, detect_format, read_rows
from ..ingest.streams import open_input, open_text
from .texts import INPUT_KEYS, input_text, is_chat

YAML_SUFFIXES = (".yaml", ".yml")
CONFIG_KEYS = ("tests", "prompts", "providers")  # a promptfooconfig has some of these
EXPECTED = (
    "expected vars (promptfoo), input (inspect_ai, OpenAI evals), inputs (LangSmith)"
    f" or one of {', '.join(INPUT_KEYS)}"
)


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One eval case's input as text, and where it was read."""

    path: str
    line: int | None
    text: str

    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def read_eval_cases(paths: list[str]) -> list[EvalCase]:
    """Every case of every file, in file order; InputError on the first bad one."""
    return [case for path in paths for case in _read_file(path, None)]


def _read_file(path: str, defaults: dict[str, Any] | None) -> Iterator[EvalCase]:
    """``defaults``: the defaultTest vars when a promptfoo config points here, else None."""
    if Path(path).suffix.lower() in YAML_SUFFIXES:
        yield from _read_yaml(path, defaults)
        return
    with open_input(path) as stream:
        fmt = detect_format(stream, path)
        if fmt == JSON_DOCUMENT:  # one object: a promptfoo config, or rows in a wrapper
            data = stream.read()
            doc = _json_document(data)
            if _is_config(doc):
                yield from _config_cases(path, doc, _no_lines, defaults)
                return
            stream = io.BufferedReader(io.BytesIO(data))
        for line, row in read_rows(stream, path, fmt):
            yield _case(path, line, row, defaults, csv=fmt in ("csv", "tsv"))


def _json_document(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None  # read_rows reports it, with its line


def _is_config(doc: Any) -> bool:
    return isinstance(doc, dict) and any(k in doc for k in CONFIG_KEYS) and "vars" not in doc


def _case(
    path: str, line: int | None, row: Any, defaults: dict[str, Any] | None, *, csv: bool = False
) -> EvalCase:
    if isinstance(row, RowError):
        raise row.error
    if not isinstance(row, dict):
        raise InputError(path, f"expected an eval case (an object); {EXPECTED}", line=line)
    text = _row_text(path, line, row, defaults, csv)
    if not text.strip():
        raise InputError(path, "the eval case's input is empty", line=line, field=_field(row))
    return EvalCase(path, line, text)


def _row_text(
    path: str, line: int | None, row: dict[str, Any], defaults: dict[str, Any] | None, csv: bool
) -> str:
    if "vars" in row:  # promptfoo
        variables = row["vars"]
        if not isinstance(variables, dict):
            raise InputError(path, "promptfoo vars must be an object", line=line, field="vars")
        return _vars_text(variables, defaults)
    if "inputs" in row:  # LangSmith
        return input_text(_maybe_json(row["inputs"]))
    if any(k.startswith("inputs.") for k in row):  # LangSmith's CSV download
        return input_text(
            {k[len("inputs.") :]: v for k, v in row.items() if k.startswith("inputs.")}
        )
    if csv and defaults is not None:
        # a promptfoo tests CSV: every column is a var, except __expected and the like
        return _vars_text({k: v for k, v in row.items() if not k.startswith("__")}, defaults)
    for key in INPUT_KEYS:  # inspect_ai, OpenAI evals, swapview, a plain prompt file
        if key in row:
            value = _maybe_json(row[key]) if csv else row[key]
            if not isinstance(value, (str, list, dict)) or (
                isinstance(value, list) and not is_chat(value)
            ):
                raise InputError(path, "expected text or chat messages", line=line, field=key)
            return input_text(value)
    raise InputError(path, f"no eval input in this record; {EXPECTED}", line=line)


def _vars_text(own: dict[str, Any], defaults: dict[str, Any] | None) -> str:
    """A test's input: its input-like var (its own or a default), else its own vars. The
    defaultTest vars are the same for every case, so they say nothing about this one."""
    merged = (defaults or {}) | own
    if any(str(k).lower() in INPUT_KEYS for k in merged):
        return input_text(merged)
    return input_text(own)


def _field(row: dict[str, Any]) -> str | None:
    return next((k for k in ("vars", "inputs", *INPUT_KEYS) if k in row), None)


def _maybe_json(value: Any) -> Any:
    """A CSV cell holding JSON (messages, a LangSmith inputs object) as that JSON."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


# promptfoo configs: tests inline, or file:// references (relative to the config, globs).


def _no_lines(_index: int) -> int | None:
    return None


def _config_cases(
    path: str, doc: dict[str, Any], line_of: Any, outer: dict[str, Any] | None
) -> Iterator[EvalCase]:
    defaults = (outer or {}) | _default_vars(path, doc)
    tests = doc.get("tests")
    if tests is None:
        raise InputError(path, "this promptfoo config has no tests", field="tests")
    items = tests if isinstance(tests, list) else [tests]
    for index, item in enumerate(items):
        if isinstance(item, str):
            for ref in _references(path, item, index):
                yield from _read_file(ref, defaults)
        elif isinstance(item, dict):
            yield _case_in_config(path, line_of(index), index, item, defaults)
        else:
            raise InputError(
                path, "a test must be an object or a file:// path", field=f"tests[{index}]"
            )


def _case_in_config(
    path: str, line: int | None, index: int, item: dict[str, Any], defaults: dict[str, Any]
) -> EvalCase:
    try:
        return _case(path, line, item, defaults)
    except InputError as exc:
        if exc.line is not None or exc.field is None or exc.field.startswith("tests["):
            raise
        raise InputError(path, exc.reason, field=f"tests[{index}].{exc.field}") from None


def _default_vars(path: str, doc: dict[str, Any]) -> dict[str, Any]:
    default = doc.get("defaultTest") or {}
    variables = default.get("vars", {}) if isinstance(default, dict) else None
    if not isinstance(variables, dict):
        raise InputError(path, "defaultTest vars must be an object", field="defaultTest.vars")
    return variables


def _references(config: str, ref: str, index: int) -> list[str]:
    if not ref.startswith("file://"):
        raise InputError(
            config, f"expected a file:// path to tests, got {ref[:40]!r}", field=f"tests[{index}]"
        )
    target = Path(ref[len("file://") :])
    if not target.is_absolute():
        target = Path(config).parent / target
    if any(ch in str(target) for ch in "*?["):
        found = sorted(str(p) for p in target.parent.glob(target.name))
    else:
        found = [str(target)] if target.exists() else []
    if not found:
        raise InputError(config, f"{ref}: no such file", field=f"tests[{index}]")
    return found


def _read_yaml(path: str, defaults: dict[str, Any] | None) -> Iterator[EvalCase]:
    import yaml  # type: ignore[import-untyped]  # only for YAML files; ships no types

    with open_text(path) as stream:
        text = stream.read()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or exc
        raise InputError(path, f"not valid YAML ({problem})", line=line) from None
    if isinstance(doc, list):  # a tests file: a list of tests
        doc = {"tests": doc}
        tests_node = node
    elif isinstance(doc, dict) and _is_config(doc):
        tests_node = _mapping_value(node, "tests")
    else:
        raise InputError(path, "expected a promptfoo config (with tests) or a list of tests")
    yield from _config_cases(path, doc, _yaml_lines(tests_node), defaults)


def _mapping_value(node: Any, key: str) -> Any:
    for key_node, value_node in getattr(node, "value", []):
        if getattr(key_node, "value", None) == key:
            return value_node
    return None


def _yaml_lines(seq_node: Any) -> Any:
    items = getattr(seq_node, "value", None)
    lines = [n.start_mark.line + 1 for n in items] if isinstance(items, list) else []

    def line_of(index: int) -> int | None:
        return lines[index] if index < len(lines) else None

    return line_of
