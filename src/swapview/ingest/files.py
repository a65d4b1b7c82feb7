"""From one file's rows to PairRecords (one file, both sides) or Sides (one model per file)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import metapath
from ..errors import InputError
from ..store import LoadReport, PairRecord, text_hash
from . import fields as F
from .badrows import RowError
from .fields import FieldMap
from .outputs import as_output, finish_reason
from .readers import detect_format, read_rows
from .streams import Progress, open_input

KEY_FLAG = "--key"
MAX_MODEL_NAMES = 1000  # distinct names remembered per side; past that, "1000 models"
_MISSING = object()


class BadRows:
    """Where a bad row goes: raised (the default) or, with --skip-bad, listed in the report."""

    def __init__(self, skip: bool, report: LoadReport) -> None:
        self.skip = skip
        self.report = report

    def handle(self, error: InputError) -> None:
        if not self.skip:
            raise error
        self.report.skipped.append(str(error))


class KeyMaker:
    """Keys for rows without one: a hash of the prompt, ``~N`` for its Nth repeat.

    Stable across reloads of the same file, and two files joined by prompt text pair the
    Nth repeat of a prompt on one side with the Nth on the other.
    """

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def key(self, prompt: str | list[dict[str, Any]]) -> str:
        text = prompt if isinstance(prompt, str) else json.dumps(prompt, ensure_ascii=False)
        base = "p-" + text_hash((text or "").strip())[:16]
        n = self._counts.get(base, 0) + 1
        self._counts[base] = n
        return base if n == 1 else f"{base}~{n}"


def good_rows(
    path: str,
    fmt: str | None,
    bad: BadRows,
    progress: Progress | None,
    detected: list[str] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, row)`` for every well-formed object row; bad ones go to ``bad``.

    The format found is appended to ``detected`` before the first row comes out.
    """
    with open_input(path, progress) as stream:
        found = detect_format(stream, path, fmt)
        if detected is not None:
            detected.append(found)
        seen_any = False
        for line, row in read_rows(stream, path, found):
            seen_any = True
            if isinstance(row, RowError):
                bad.handle(row.error)
            elif not isinstance(row, dict):
                bad.handle(
                    InputError(path, f"expected a JSON object, got {F.type_name(row)}", line=line)
                )
            else:
                yield line, row
        if not seen_any:
            raise InputError(path, f"no rows; expected at least one ({found.upper()})")


@dataclass(slots=True)
class Side:
    """One model's answer to one input, from a file holding a single model's outputs."""

    key: str | None  # from the row's key field, if it has one
    prompt_key: str | None  # made from the prompt, if it has one
    prompt: str | list[dict[str, Any]] | None
    output: str | None
    metadata: dict[str, Any]


def no_such_field(path: str, row: dict[str, Any], name: str) -> InputError:
    return InputError(
        path, f"no such field (the rows have {', '.join(row)}){F.nested_hint(row)}", field=name
    )


def lift_paths(row: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The row with each dotted path's value as a field of its own, taken out of its
    container (so metadata does not hold the outputs twice). A path this row lacks stays
    absent: the usual "missing" error names it with the line."""
    row = dict(row)
    for path in paths:
        keys = metapath.resolve_keys(row, path)
        if keys is not None:
            value = metapath.follow(row, keys)
            row = _pruned(row, keys)
            row[path] = value
    return row


def _pruned(container: dict[str, Any], keys: tuple[metapath.Key, ...]) -> dict[str, Any]:
    """A copy of ``container`` without the leaf at ``keys``, emptied objects dropped; a
    path through a list leaves the list whole."""
    key, rest = str(keys[0]), keys[1:]  # JSON object keys are strings
    out = dict(container)
    if not rest:
        del out[key]
    elif isinstance(out[key], dict):
        inner = _pruned(out[key], rest)
        if inner:
            out[key] = inner
        else:
            del out[key]
    return out


class _FileReader:
    """Shared by both modes: detection on the first good row, then per-row conversion."""

    roles: tuple[str, ...] = ()

    def __init__(
        self,
        path: str | Path,
        flags: FieldMap,
        bad: BadRows,
        *,
        fmt: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.path = str(path)
        self.flags = flags
        self.bad = bad
        self.fmt = fmt
        self.progress = progress
        self.fields = FieldMap()
        self.from_csv = False
        self._keys = KeyMaker()
        self._paths: list[str] = []  # dotted flags lifted to top-level fields, row by row
        self._nested_prompt: str | None = None  # a prompt found one level down
        self._prompt_from: str | None = None  # an output field holding whole conversations
        self.no_prompt = 0  # rows without the prompt field the first row had

    @property
    def has_prompt(self) -> bool:
        return bool(self.fields.prompt or self._prompt_from)

    def _find_nested_prompt(self, row: dict[str, Any]) -> str | None:
        """A dotted path to the prompt, when the row has none at the top level."""
        if self.flags.prompt or F.detect(row.keys(), ("prompt",), FieldMap()).prompt:
            return None
        outputs = F.detect(row.keys(), self.roles, self.flags).used()
        return F.nested_prompt(row, outputs)

    def _detect(self, row: dict[str, Any]) -> None:
        self.fields = F.detect(row.keys(), self.roles, self.flags)
        for role in self.roles:  # a field named by a flag must exist in the first row
            named = getattr(self.flags, role)
            if named and named not in row:
                raise no_such_field(self.path, row, named)
        if not self.fields.prompt and self._nested_prompt:
            self.fields = replace(self.fields, prompt=self._nested_prompt)
        if not self.fields.prompt:
            # Whole conversations as outputs (Chatbot Arena): what comes before the answer.
            self._prompt_from = next(
                (
                    name
                    for role in ("baseline", "output")
                    if (name := getattr(self.fields, role))
                    and F.conversation_prompt(row.get(name)) is not None
                ),
                None,
            )
        if not self.fields.key and not self.has_prompt:
            raise InputError(
                self.path,
                "cannot identify rows: no key field (tried "
                f"{', '.join(F.CANDIDATES['key'][:6])}, ...) and no prompt field;"
                f" pass {KEY_FLAG} or --prompt-field",
            )

    def _rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        first = True
        found: list[str] = []
        for line, row in good_rows(self.path, self.fmt, self.bad, self.progress, found):
            if first:
                # CSV cells are all text: a chat message list arrives as JSON in a string.
                self.from_csv = found[0] in ("csv", "tsv")
                self._paths = [
                    name
                    for name in self.flags.used()
                    if name not in row and metapath.resolve_keys(row, name) is not None
                ]
                self._nested_prompt = self._find_nested_prompt(row)
                if self._nested_prompt:
                    self._paths.append(self._nested_prompt)
            if self._paths:
                row = lift_paths(row, self._paths)
            if first:
                self._detect(row)
                first = False
            yield line, row

    def _get(self, row: dict[str, Any], name: str, line: int) -> Any:
        try:
            return row[name]
        except KeyError:
            has = ", ".join(row) or "no fields"
            raise InputError(
                self.path,
                f"missing; expected it in every row (this row has {has})",
                line=line,
                field=name,
            ) from None

    def _prompt(self, row: dict[str, Any], line: int) -> Any:
        name = self.fields.prompt
        if not name:
            if self._prompt_from:
                return F.conversation_prompt(row.get(self._prompt_from))
            return None
        if name not in row:
            self.no_prompt += 1
            return None
        return self._coerce(F.as_prompt, row[name], line, name, from_csv=self.from_csv)

    def prompt_warnings(self) -> list[str]:
        """No prompt field at all, or rows that lacked it (rows mixing fields): their prompt
        is empty."""
        if not self.has_prompt and self.fields.key:
            tried = ", ".join(F.CANDIDATES["prompt"])
            return [
                f"{self.path}: no prompt field found (tried {tried}, and one level down), so"
                " the pairs have no prompt; pass --prompt-field"
            ]
        if not self.no_prompt:
            return []
        return [
            f"{self.path}: {self.no_prompt} rows have no {self.fields.prompt!r} field, so"
            " their prompt is empty (pass --prompt-field if the rows use another)"
        ]

    def _explicit_key(self, row: dict[str, Any], line: int) -> str | None:
        name = self.fields.key
        return self._coerce(F.as_key, self._get(row, name, line), line, name) if name else None

    def _key(self, row: dict[str, Any], prompt: Any, line: int) -> str:
        """The row's key field, else a key made from its prompt."""
        key = self._explicit_key(row, line)
        if key is not None:
            return key
        if prompt is None:
            raise InputError(
                self.path,
                "missing, and the rows have no key field to use instead",
                line=line,
                field=self.fields.prompt,
            )
        return self._keys.key(prompt)

    def _coerce(self, fn: Any, value: Any, line: int, name: str, **kw: Any) -> Any:
        try:
            return fn(value, **kw)
        except ValueError as exc:
            raise InputError(self.path, str(exc), line=line, field=name) from None


class PairFile(_FileReader):
    """A file holding both sides per row."""

    roles = ("prompt", "baseline", "candidate", "key", "baseline_model", "candidate_model")

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # Distinct model names seen per side (a handful; a model name per row is rare).
        self._by_order = False  # outputs told apart by column order (`GPT-4o answer`)
        self._names: dict[str, set[str | None]] = {
            "baseline_model": set(),
            "candidate_model": set(),
        }
        self.pending: str | None = None  # the side this file lacks, if it has one side only
        self._pending_flag = ""
        self._pending_fields: list[str] = []

    def _detect(self, row: dict[str, Any]) -> None:
        super()._detect(row)
        sides = (("baseline", "--baseline-field"), ("candidate", "--candidate-field"))
        found = [role for role, _ in sides if getattr(self.fields, role)]
        missing = next((role for role, _ in sides if role not in found), "")
        left = set(row) - self.fields.used()
        if len(found) == 1 and not F.could_be_output(left, missing):
            # One side only ("Have only the old model's outputs?"): the other stays NULL
            # until a later load or `swapview replay` fills it.
            self.pending = missing
            self._pending_flag = dict(sides)[missing]
            self._pending_fields = sorted(left)
        for role, flag in sides:
            if role != self.pending:
                F.require(self.fields, role, self.path, flag, row)
        pair = (self.fields.baseline, self.fields.candidate)
        self._by_order = pair == F.model_output_columns(row) and not self.flags.used() & set(pair)
        # Model-name fields stay in each pair's metadata: they may differ between rows.
        self._used = self.fields.used() - {self.fields.baseline_model, self.fields.candidate_model}
        self._model_fields = [
            (role, getattr(self.fields, role))
            for role in ("baseline_model", "candidate_model")
            if getattr(self.fields, role)
        ]

    def records(self) -> Iterator[PairRecord]:
        for line, row in self._rows():
            try:
                yield self._record(row, line)
            except InputError as exc:
                self.bad.handle(exc)

    def _record(self, row: dict[str, Any], line: int) -> PairRecord:
        # The hot loop of every load: plain strings skip the coercion calls.
        f = self.fields
        prompt = row.get(f.prompt) if f.prompt else None
        if type(prompt) is not str or self.from_csv:
            prompt = self._prompt(row, line)
        base = self._output(row, f.baseline, line) if f.baseline else None
        cand = self._output(row, f.candidate, line) if f.candidate else None
        key = row.get(f.key) if f.key else None
        if type(key) is not str or not key:
            key = self._key(row, prompt, line)  # last: see SideFile._side
        if self._model_fields:
            self._models(row)
        meta = {k: v for k, v in row.items() if k not in self._used}
        for side, name in (("baseline", f.baseline), ("candidate", f.candidate)):
            value = row.get(name)  # type: ignore[arg-type]
            if type(value) is not str or value[:1] == "{":  # a saved response object
                reason = finish_reason(value)
                if reason:
                    meta[f"{side}.finish_reason"] = reason
        return PairRecord(key, prompt, base, cand, meta)

    def _output(self, row: dict[str, Any], name: str, line: int) -> str | None:
        value = row.get(name, _MISSING)
        if type(value) is str and value[:1] != "{":
            return value
        if value is _MISSING:
            self._get(row, name, line)
        return self._coerce(as_output, value, line, name)

    def _models(self, row: dict[str, Any]) -> None:
        for role, name in self._model_fields:
            value = F.as_model(row.get(name))
            names = self._names[role]
            if value not in names and len(names) < MAX_MODEL_NAMES:
                names.add(value)

    def models(self) -> tuple[str | None, str | None]:
        """Each side's model name: the one the rows give, or "N models" when they vary;
        failing that, the one the output field is named after ("GPT-4o response")."""
        return (
            _one_name(self._names["baseline_model"]) or F.model_in_name(self.fields.baseline),
            _one_name(self._names["candidate_model"]) or F.model_in_name(self.fields.candidate),
        )

    def warnings(self) -> list[str]:
        return (
            [
                f"{self.path}: {len(names)} different {role} values; each row keeps its own in"
                " metadata"
                for role, names in self._names.items()
                if len(names) > 1
            ]
            + self._order_warning()
            + self._pending_warning()
            + self.prompt_warnings()
        )

    def _pending_warning(self) -> list[str]:
        if not self.pending:
            return []
        other = ", ".join(self._pending_fields) or "none"
        return [
            f"{self.path}: no {self.pending} field found, so every pair waits for the"
            f" {self.pending} side (load its file later into the same comparison, or"
            f" `swapview replay --side {self.pending}`); if one of the other fields ({other})"
            f" is that answer, pass {self._pending_flag} NAME"
        ]

    def _order_warning(self) -> list[str]:
        if not self._by_order:
            return []
        return [
            f"{self.path}: took {self.fields.baseline!r} as the old model's answers and"
            f" {self.fields.candidate!r} as the new one's (column order); to swap them pass"
            f" --baseline-field {shlex.quote(self.fields.candidate or '')}"
            f" --candidate-field {shlex.quote(self.fields.baseline or '')}"
        ]


def _one_name(names: set[str | None]) -> str | None:
    named = names - {None}
    if len(named) > 1:
        return f"{len(named)} models"
    return next(iter(named), None)


class SideFile(_FileReader):
    """A file holding one model's outputs (AlpacaEval model_outputs.json, FastChat answers)."""

    roles = ("prompt", "output", "key", "model")

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._names: set[str | None] = set()

    @property
    def model(self) -> str | None:
        return _one_name(self._names)

    def _detect(self, row: dict[str, Any]) -> None:
        super()._detect(row)
        F.require(self.fields, "output", self.path, "--output-field", row)
        self._used = self.fields.used() - {self.fields.model}

    def sides(self) -> Iterator[Side]:
        for line, row in self._rows():
            try:
                yield self._side(row, line)
            except InputError as exc:
                self.bad.handle(exc)

    def _side(self, row: dict[str, Any], line: int) -> Side:
        f = self.fields
        prompt = self._prompt(row, line)
        key = self._explicit_key(row, line)
        assert f.output is not None  # required when the reader was made
        output = self._coerce(as_output, self._get(row, f.output, line), line, f.output)
        if key is None and prompt is None:
            raise InputError(
                self.path,
                "missing, and the rows have no key field to use instead",
                line=line,
                field=f.prompt,
            )
        # Last, so a row skipped as bad does not shift the numbering of repeated prompts.
        prompt_key = self._keys.key(prompt) if prompt is not None else None
        meta = {k: v for k, v in row.items() if k not in self._used}
        reason = finish_reason(row.get(f.output))
        if reason:
            meta["finish_reason"] = reason
        if f.model and len(self._names) < MAX_MODEL_NAMES:
            self._names.add(F.as_model(row.get(f.model)))
        return Side(key, prompt_key, prompt, output, meta)
