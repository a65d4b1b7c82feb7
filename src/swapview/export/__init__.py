"""Export tagged pairs as eval cases for the tools teams already run.

The core of `swapview export`: select decided pairs, work out the expected answer from
each decision, render them in a tool's format, and write the file atomically.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlite_utils import Database

from ..errors import SwapviewError
from .formats import FORMATS, Format, detect_format, promptfoo_config, record_line
from .models import ExportCase, Selection
from .select import check_policy, expected_answer, iter_cases, select_cases
from .where import describe_where, has_field, parse_where
from .writer import check_writable, existing_ids, first_record, write_atomic

__all__ = [
    "FORMATS",
    "ExportCase",
    "ExportResult",
    "Selection",
    "check_policy",
    "expected_answer",
    "export",
    "iter_cases",
    "parse_where",
    "select_cases",
]

STDOUT = "-"


@dataclass
class ExportResult:
    """What an export did; the CLI prints it, --json returns it."""

    format: str
    output: str
    selected: int = 0
    written: int = 0
    already_present: int = 0
    config: str | None = None
    tags: dict[str, int] = field(default_factory=dict)
    judge_labelled: int = 0  # cases labelled by the judge, not a reviewer (--judged)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def export(
    db: Database,
    selection: Selection,
    format_name: str,
    output: str,
    *,
    append: bool = False,
    config_path: str | None = None,
    stdout: TextIO | None = None,
) -> ExportResult:
    """Select, render and write; raises SwapviewError before touching any file.

    Cases stream from the database to the file a page at a time, so memory stays flat
    however many are exported.
    """
    fmt = _format(format_name)
    _check_options(fmt, output, append, config_path)
    cases = iter_cases(db, selection)
    first = next(cases, None)
    if first is None:
        raise SwapviewError(
            f"no tagged cases match in {selection.comparison!r}{_why(selection)}"
            + _unknown_fields(db, selection)
        )
    result = ExportResult(format=fmt.name, output=output)
    tally = _Tally(result)
    selected = tally.selected(itertools.chain([first], cases))
    if output == STDOUT:
        _write_stream(stdout or sys.stdout, fmt, tally.written(selected))
        return tally.done()
    path = Path(output)
    check_writable(path)
    if config_path:
        check_writable(Path(config_path))
    appending = append and path.exists()
    if appending:
        _check_same_format(path, fmt)
    skip = set(existing_ids(path, fmt.record_id)) if appending else set()
    fresh = tally.written(c for c in selected if c.id not in skip)
    write_atomic(path, (record_line(fmt, c) for c in fresh), keep_existing=append)
    if config_path:
        text = promptfoo_config(config_path, output, selection.comparison)
        write_atomic(Path(config_path), [text.rstrip("\n")])
        result.config = config_path
    return tally.done()


class _Tally:
    """Counts cases as they stream past: every selected one, and what was written (the
    tag counts are of what was written, not what was selected)."""

    def __init__(self, result: ExportResult) -> None:
        self.result = result

    def selected(self, cases: Iterable[ExportCase]) -> Iterator[ExportCase]:
        for case in cases:
            self.result.selected += 1
            self.result.judge_labelled += case.reviewer.startswith("judge:")
            yield case

    def written(self, cases: Iterable[ExportCase]) -> Iterator[ExportCase]:
        tags = self.result.tags
        for case in cases:
            self.result.written += 1
            tags[case.tag] = tags.get(case.tag, 0) + 1
            yield case

    def done(self) -> ExportResult:
        self.result.already_present = self.result.selected - self.result.written
        return self.result


def _format(name: str) -> Format:
    if name not in FORMATS:
        raise SwapviewError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def _check_options(fmt: Format, output: str, append: bool, config_path: str | None) -> None:
    if output == STDOUT and append:
        raise SwapviewError("--append needs a file to append to, not stdout")
    if config_path and fmt.name != "promptfoo":
        raise SwapviewError("--promptfoo-config only goes with --format promptfoo")
    if config_path and output == STDOUT:
        raise SwapviewError("--promptfoo-config needs the tests written to a file, not stdout")


def _check_same_format(path: Path, fmt: Format) -> None:
    """Refuse to append one tool's records to a file of another's (its first record says)."""
    found = detect_format(first_record(path))
    if found is not None and found != fmt.name:
        raise SwapviewError(
            f"{path}: holds {found} records, cannot append {fmt.name} ones"
            f" (use --format {found}, or another file)"
        )


def _why(sel: Selection) -> str:
    parts = []
    if sel.tags:
        parts.append("tag " + "/".join(sel.tags))
    if sel.reviewers:
        parts.append("reviewer " + "/".join(sel.reviewers))
    if sel.signals:
        parts.append("signal " + "/".join(sel.signals))
    if sel.where:
        parts.append("where " + ", ".join(describe_where(sel.where)))
    if not sel.include_stale:
        parts.append("not stale")
    return f" ({', '.join(parts)})" if parts else ""


def _unknown_fields(db: Database, sel: Selection) -> str:
    """A hint when a --where field is in no selected pair's metadata: a typo, most often."""
    if not sel.where:
        return ""
    missing = {".".join(parts): parts for parts, _ in sel.where}
    for case in iter_cases(db, sel.model_copy(update={"where": ()})):
        found = [name for name, parts in missing.items() if has_field(case.pair_metadata, parts)]
        for name in found:
            del missing[name]
        if not missing:
            return ""
    names = ", ".join(repr(m) for m in missing)
    return f"; no exported pair has a metadata field {names}"


def _write_stream(stream: TextIO, fmt: Format, cases: Iterable[ExportCase]) -> None:
    for case in cases:
        stream.write(record_line(fmt, case) + "\n")
    stream.flush()
