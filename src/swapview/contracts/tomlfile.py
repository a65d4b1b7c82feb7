"""Writing inferred contracts as a TOML file people read and edit.

Each contract gets a comment with its evidence; a JSON Schema is written as nested
tables (``[contracts.json_schema.properties.answer]``) rather than one long inline table.
Only the value types the contracts use are written: strings, numbers, booleans, lists
and tables.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .infer import InferResult, Proposal

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
TOP_FIELDS = ("name", "where")


def to_toml(result: InferResult, comparison: str) -> str:
    lines = _header(result, comparison)
    for p in result.proposals:
        lines += ["", *_comment(p), "[[contracts]]"]
        data = p.contract.definition()
        tables = {k: v for k, v in data.items() if isinstance(v, dict) and k != "where"}
        for key, value in data.items():
            if key not in tables:
                lines.append(f"{_key(key)} = {_value(value)}")
        for key, value in tables.items():
            lines += _table(["contracts", key], value)
    return "\n".join(lines) + "\n"


def _header(result: InferResult, comparison: str) -> list[str]:
    lines = [
        "# Contracts inferred by `swapview contracts infer` from the old outputs of"
        f" {comparison!r}",
        f"# ({result.pairs} pairs). An invariant is proposed when at least"
        f" {result.min_support:.1%} of a slice's old outputs keep it,",
        f"# in slices of at least {result.min_slice} outputs. Edit freely, then run"
        " `swapview contracts check FILE`.",
    ]
    if result.field:
        sizes = ", ".join(f"{k} ({n})" for k, n in result.slices.items())
        lines.append(f"# Slices by metadata field {result.field!r}: {sizes or 'none big enough'}.")
    for label, n in result.too_small.items():
        lines.append(f"# Not inferred: {label} ({n} outputs, too few to trust).")
    if not result.proposals:
        lines.append("# No invariant held often enough: nothing proposed.")
        lines.append("contracts = []")
    return lines


def _comment(p: Proposal) -> list[str]:
    return [
        f"# {p.slice}: {p.kind}. Kept by {p.support:.1%} of the old outputs ({p.kept}/{p.total});"
        f" {p.new_broken} of {p.new_total} new outputs break it.",
    ]


def _table(path: list[str], data: dict[str, Any]) -> list[str]:
    subtables = {k: v for k, v in data.items() if isinstance(v, dict) and v}
    lines = []
    if len(subtables) < len(data):  # a table holding only tables needs no header of its own
        lines = ["", "[" + ".".join(_key(k) for k in path) + "]"]
    for key, value in data.items():
        if key not in subtables:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in subtables.items():
        lines += _table([*path, key], value)
    return lines


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if value is None:
        raise ValueError("TOML has no null")
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _string(text: str) -> str:
    # JSON's string escapes are TOML's basic-string escapes, except that TOML wants DEL
    # escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
