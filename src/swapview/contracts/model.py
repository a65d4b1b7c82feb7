"""The contracts file (TOML): pydantic models, and loading with errors that name the field.

[[contracts]]
name = "support-json"
where = { feature = "support_answer" }   # metadata filter, as `--where` matches
json_schema = "schemas/support.json"     # or an inline table
fenced = "never"                         # or "allowed": one ```json block is fine
max_words = 120
language = "en"
markdown = "none"
python = "myparsers:parse_reply"         # False or an exception means broken
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InputError
from ..export.where import Where, parse_where

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
SIGNAL_PREFIX = "contract:"
CHECK_FIELDS = (
    "json_schema",
    "regex",
    "not_regex",
    "starts_with",
    "ends_with",
    "min_words",
    "max_words",
    "max_chars",
    "language",
    "markdown",
    "python",
)


class Contract(BaseModel):
    """One contract: which outputs (``where``) and what they must keep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)
    json_schema: dict[str, Any] | str | None = None
    fenced: Literal["never", "allowed"] = "never"
    regex: str | None = None
    not_regex: str | None = None
    starts_with: str | None = None
    ends_with: str | None = None
    min_words: int | None = Field(default=None, ge=0)
    max_words: int | None = Field(default=None, ge=0)
    max_chars: int | None = Field(default=None, ge=0)
    language: str | None = Field(default=None, min_length=2, max_length=10)
    markdown: Literal["none"] | None = None
    python: str | None = None
    python_timeout: float = Field(default=5.0, gt=0, le=600)  # seconds per output
    python_memory_mb: int = Field(default=512, ge=32)

    @field_validator("name")
    @classmethod
    def _name_is_a_word(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use letters, digits, '_', '-' or '.' (at most 64)")
        return value

    @field_validator("python")
    @classmethod
    def _python_target(cls, value: str | None) -> str | None:
        if value is not None and not _TARGET.match(value):
            raise ValueError("expected 'module:function', e.g. 'myparsers:parse_reply'")
        return value

    @property
    def signal(self) -> str:
        return SIGNAL_PREFIX + self.name

    def checks(self) -> list[str]:
        """The checks this contract sets, in CHECK_FIELDS order."""
        return [f for f in CHECK_FIELDS if getattr(self, f) is not None]

    def where_clauses(self) -> tuple[Where, ...]:
        return parse_where([f"{k}={_as_text(v)}" for k, v in self.where.items()])

    def definition(self) -> dict[str, Any]:
        """What the contract is, as stored with its results (defaults left out)."""
        return self.model_dump(exclude_defaults=True)

    def fingerprint(self, extra: str = "") -> str:
        """Changes whenever what the contract checks changes: results keyed by it go stale."""
        text = json.dumps(self.definition(), sort_keys=True, ensure_ascii=False) + extra
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


class ContractsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contracts: list[Contract] = Field(default_factory=list)
    path: str = "<contracts>"
    folder: str = "."  # where relative schema paths and python modules are looked up


def load_contracts(path: str | Path) -> ContractsFile:
    """Read, validate and resolve a contracts file; InputError naming contract and field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(str(p), "contracts file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(p), f"not UTF-8 text ({exc.reason})", offset=exc.start) from exc
    return parse_contracts(text, str(p), folder=p.parent)


def parse_contracts(text: str, path: str, folder: Path | str = ".") -> ContractsFile:
    """Contracts from TOML text; schemas given as paths are read relative to ``folder``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(path, f"not valid TOML ({exc})", line=line) from exc
    raw = data.get("contracts", [])
    if set(data) - {"contracts"}:
        extra = ", ".join(sorted(set(data) - {"contracts"}))
        raise InputError(path, f"unknown top-level key(s) {extra}; expected [[contracts]]")
    if not isinstance(raw, list):
        raise InputError(path, "expected [[contracts]] tables", field="contracts")
    contracts = [_contract(item, i, text, path, Path(folder)) for i, item in enumerate(raw)]
    _no_duplicates(contracts, text, path)
    return ContractsFile(contracts=contracts, path=path, folder=str(folder))


def _contract(item: Any, index: int, text: str, path: str, folder: Path) -> Contract:
    name = item.get("name") if isinstance(item, dict) else None
    label = f"contract {name!r}" if isinstance(name, str) else f"contract #{index + 1}"
    line = _line_of(text, name, index)
    try:
        contract = Contract.model_validate(item)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "contracts"
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = f"unknown check or field; known: {', '.join(CHECK_FIELDS)}"
        raise InputError(path, f"{label}: {reason}", line=line, field=where) from exc
    if not contract.checks():
        raise InputError(path, f"{label}: sets no check", line=line, field="name")
    contract = _resolve_schema(contract, label, path, line, folder)
    _check_compiles(contract, label, path, line, folder)
    return contract


def _resolve_schema(
    contract: Contract, label: str, path: str, line: int | None, folder: Path
) -> Contract:
    if not isinstance(contract.json_schema, str):
        return contract
    schema_path = folder / contract.json_schema
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as exc:
        reason = f"cannot read schema file {schema_path} ({exc.strerror or exc})"
        raise InputError(path, f"{label}: {reason}", line=line, field="json_schema") from exc
    except ValueError as exc:
        reason = f"schema file {schema_path} is not JSON ({exc})"
        raise InputError(path, f"{label}: {reason}", line=line, field="json_schema") from exc
    if not isinstance(schema, dict | bool):
        reason = f"schema file {schema_path} must hold a JSON object"
        raise InputError(path, f"{label}: {reason}", line=line, field="json_schema")
    return contract.model_copy(update={"json_schema": schema})


def _check_compiles(
    contract: Contract, label: str, path: str, line: int | None, folder: Path
) -> None:
    def fail(field: str, reason: str) -> InputError:
        return InputError(path, f"{label}: {reason}", line=line, field=field)

    if contract.json_schema is not None:
        try:
            jsonschema.Draft202012Validator.check_schema(contract.json_schema)
        except jsonschema.SchemaError as exc:
            at = "/".join(str(x) for x in exc.path) or "the top"
            raise fail("json_schema", f"invalid JSON Schema at {at}: {exc.message}") from exc
    for field in ("regex", "not_regex"):
        pattern = getattr(contract, field)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(field, f"invalid regex ({exc})") from exc
    if contract.python is not None and find_module(contract.python, folder) is None:
        module = contract.python.split(":")[0]
        raise fail("python", f"no module {module!r} (looked in {folder} and sys.path)")


def find_module(target: str, folder: Path | str) -> Path | None:
    """The source of a ``module:function`` target's module, or None when it is not found.

    Found without importing anything (a package's ``__init__`` would run inside swapview,
    where a hang or crash is not contained): the parser is imported in its worker only.
    """
    parts = target.split(":")[0].split(".")
    if parts[0] in sys.builtin_module_names:
        return Path(parts[0])
    search: list[str] | None = [str(Path(folder).resolve()), *sys.path]
    spec = None
    for i in range(len(parts)):
        if search is None:
            return None  # a module, not a package, cannot hold submodules
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), search)
        if spec is None:
            return None
        search = list(spec.submodule_search_locations or []) or None
    origin = spec.origin if spec is not None else None
    return Path(origin) if origin else Path(parts[-1])


def _no_duplicates(contracts: list[Contract], text: str, path: str) -> None:
    seen: set[str] = set()
    for i, c in enumerate(contracts):
        if c.name in seen:
            line = _line_of(text, c.name, i, last=True)
            raise InputError(
                path, f"contract {c.name!r}: the name is used twice", line=line, field="name"
            )
        seen.add(c.name)


def _line_of(text: str, name: Any, index: int, *, last: bool = False) -> int | None:
    """The line of the contract's ``name = ...``, else of its ``[[contracts]]`` header."""
    lines = text.splitlines()
    if isinstance(name, str):
        wanted = re.compile(r"^\s*name\s*=\s*[\"']" + re.escape(name) + r"[\"']")
        hits = [i + 1 for i, line in enumerate(lines) if wanted.match(line)]
        if hits:
            return hits[-1] if last else hits[0]
    headers = [i + 1 for i, line in enumerate(lines) if line.strip() == "[[contracts]]"]
    return headers[index] if index < len(headers) else None
