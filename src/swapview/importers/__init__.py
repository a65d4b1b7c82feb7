"""Importers: pairs from the files eval and logging tools already write.

Each tool has one small module with one function from input paths (and options such as
model names) to an ``ImportResult``; ``run_import`` stores that result in one transaction.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import InputError, SwapviewError
from ..ingest import SourceFactory, load
from ..store import LoadReport, PairRecord
from . import inspect_logs, langfuse, langsmith, llm_logs, openai_batch, promptfoo
from .base import ImportResult

Importer = Callable[..., ImportResult]

IMPORTERS: dict[str, Importer] = {
    "openai-batch": openai_batch.import_batches,
    "promptfoo": promptfoo.import_results,
    "inspect": inspect_logs.import_logs,
    "llm": llm_logs.import_logs_db,
    "langsmith": langsmith.import_runs,
    "langfuse": langfuse.import_run_items,
}

# How the load report names answers that only one side has. Only swapview's own two-file
# load has a baseline file and a candidate file; a tool's input is one database or export
# holding both sides, or several files per side, so its sides are named as the tool knows them.
UNMATCHED_LABELS: dict[str, tuple[str, str]] = {
    "openai-batch": ("only in the old batch", "only in the new batch"),
    "promptfoo": ("only for the old provider", "only for the new provider"),
    "inspect": ("only in the old log", "only in the new log"),
    "llm": ("only on the old side", "only on the new side"),
    "langsmith": ("only in the old experiment", "only in the new experiment"),
    "langfuse": ("only in the old run", "only in the new run"),
}

__all__ = [
    "IMPORTERS",
    "UNMATCHED_LABELS",
    "ImportResult",
    "ImportSource",
    "import_files",
    "load_sources",
    "run_import",
    "tool_help",
    "unmatched_labels",
]


def unmatched_labels(tool: str) -> tuple[str, str]:
    """The load report's words for what only the old / only the new side has."""
    return UNMATCHED_LABELS.get(tool, ("only on the old side", "only on the new side"))


def tool_help(tool: str) -> str:
    """The first line of an importer's docstring: what files it reads."""
    doc = inspect.getdoc(IMPORTERS[tool]) or ""
    return doc.splitlines()[0] if doc else tool


def tools_epilog() -> str:
    """Help text listing each tool and the files it reads (click keeps ``\b`` blocks)."""

    def what(tool: str) -> str:  # "promptfoo: one results.json ..." without the tool's name
        return tool_help(tool).split(": ", 1)[-1]

    return "Tools for --from, and what they read:\n\n" + "\n\n".join(
        f"\b\n{name}: {what(name)}" for name in IMPORTERS
    )


def import_files(tool: str, paths: Sequence[str | Path], **opts: Any) -> ImportResult:
    """Run one importer; unknown tools and options that do not apply are clear errors."""
    try:
        importer = IMPORTERS[tool]
    except KeyError:
        raise SwapviewError(f"unknown tool {tool!r}; one of: {', '.join(IMPORTERS)}") from None
    given = {k: v for k, v in opts.items() if v is not None}
    accepted = inspect.signature(importer).parameters
    for name in given:
        if name not in accepted:
            flag = _FLAGS.get(name, "--" + name.replace("_", "-"))
            raise SwapviewError(f"{flag} does not apply to --from {tool}")
    if not paths:
        raise SwapviewError(f"--from {tool} needs input files: {tool_help(tool)}")
    return importer([str(p) for p in paths], **given)


# Importer options whose load flag is not the option's own name.
_FLAGS = {"key_field": "--key", "pair_by": "--key"}


def default_name(result: ImportResult) -> str:
    return f"{result.baseline_model or 'baseline'}-vs-{result.candidate_model or 'candidate'}"


class ImportSource:
    """A tool's files as a pair source (``source``, ``records()``, ``models()``,
    ``default_name()``), the shape the load pipeline writes from.

    The files are read and paired up front, so a bad file fails before any write; what did
    not pair goes into ``report`` as the records are taken.
    """

    def __init__(
        self, tool: str, paths: Sequence[str | Path], report: LoadReport, **opts: Any
    ) -> None:
        self.result = import_files(tool, paths, **opts)
        if not self.result.records:
            raise InputError(str(paths[0]), _nothing_paired(self.result))
        self.source = self.result.source
        self.report = report

    def records(self) -> Iterator[PairRecord]:
        _fill_report(self.report, self.result)
        yield from self.result.records

    def models(self) -> tuple[str | None, str | None]:
        return self.result.baseline_model, self.result.candidate_model

    def default_name(self) -> str:
        return default_name(self.result)


def load_factory(tool: str) -> Callable[[list[str], Any, LoadReport], ImportSource]:
    """The ``swapview load --from TOOL`` hook: the load options, mapped onto the importer's.

    Model names carry over; ``--key`` picks what joins an OpenAI batch (``custom_id`` or
    ``request``) or names the field that joins LangSmith and Langfuse rows, which also take
    ``--prompt-field`` and ``--output-field``; the format options are for swapview's own files.
    """

    def factory(paths: list[str], options: Any, report: LoadReport) -> ImportSource:
        opts: dict[str, Any] = {
            "baseline_model": options.baseline_model,
            "candidate_model": options.candidate_model,
            **_field_options(tool, getattr(options, "fields", None)),
        }
        if getattr(options, "fmt", None) is not None:
            raise SwapviewError(f"--format does not apply to --from {tool}")
        if getattr(options, "skip_bad", False):
            raise SwapviewError(
                f"--skip-bad does not apply to --from {tool}: a bad file is"
                " an error, and what did not pair is reported anyway"
            )
        return ImportSource(tool, paths, report, **opts)

    return factory


def _field_options(tool: str, fields: Any) -> dict[str, Any]:
    """Load's field flags as the importer's options; one that does not apply is an error."""
    accepted = inspect.signature(IMPORTERS[tool]).parameters
    for name in ("baseline", "candidate"):
        if getattr(fields, name, None) is not None:
            raise SwapviewError(
                f"--{name}-field does not apply to --from {tool}: each run is one side"
                + ("; --output-field names its output" if "output_field" in accepted else "")
            )
    opts = {
        "prompt_field": getattr(fields, "prompt", None),
        "output_field": getattr(fields, "output", None),
    }
    key = getattr(fields, "key", None)
    if key is not None:
        if "pair_by" not in accepted and "key_field" not in accepted:
            raise SwapviewError(
                f"--key does not apply to --from {tool}: it pairs by"
                " what the tool knows (see swapview load --help)"
            )
        opts["pair_by" if "pair_by" in accepted else "key_field"] = key
    return opts


def run_import(
    db: Database, tool: str, paths: Sequence[str | Path], comparison: str | None = None, **opts: Any
) -> LoadReport:
    """Import ``paths`` with ``tool`` into one comparison; on any error nothing is stored.

    The same path as ``swapview load --from TOOL``: the load pipeline's one transaction.
    """
    report = LoadReport()
    return load(db, ImportSource(tool, paths, report, **opts), report, comparison)


def _nothing_paired(result: ImportResult) -> str:
    """Why nothing paired: failed requests first (with the first error), then keys."""
    names = (result.baseline_model or "baseline", result.candidate_model or "candidate")
    unmatched = (len(result.unmatched_baseline), len(result.unmatched_candidate))
    if not any(result.failures):
        return (
            f"no pairs: {unmatched[0]} {names[0]} answers and {unmatched[1]} {names[1]}"
            " answers share no key"
        )
    message = f"no pairs: {_failures(result, names)}"
    if any(unmatched):
        message += (
            f"; the other {unmatched[0]} {names[0]} and {unmatched[1]} {names[1]}"
            " answers share no key"
        )
    return message


def _failures(result: ImportResult, names: tuple[str, str]) -> str:
    """``all 6 old answers and 1 of 3 new answers failed; first error: ...``."""
    counts = " and ".join(
        f"all {n} {name} answers" if failures == n > 0 else f"{failures} of {n} {name} answers"
        for name, n, failures in zip(names, result.answers, result.failures, strict=True)
    )
    return f"{counts} failed; first error: {result.first_error}"


def _fill_report(report: LoadReport, result: ImportResult) -> None:
    report.unmatched_baseline = result.unmatched_baseline
    report.unmatched_candidate = result.unmatched_candidate
    report.duplicate_keys += result.duplicates
    report.skipped += [f"failed request, not loaded: {f}" for f in result.failed]
    report.warnings += result.warnings
    if any(result.failures):  # per side: a pair where both failed is one skipped line
        names = (result.baseline_model or "baseline", result.candidate_model or "candidate")
        report.warnings.append(_failures(result, names))


def load_sources() -> dict[str, SourceFactory]:
    """What ``swapview load --from TOOL`` reads with, per tool, for ``ingest.make_source``."""
    return {tool: load_factory(tool) for tool in IMPORTERS}
