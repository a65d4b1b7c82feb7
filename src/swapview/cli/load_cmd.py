"""`swapview load`."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from .. import importers
from ..importers import IMPORTERS
from ..ingest import FieldMap, LoadOptions, load, make_source
from ..ingest.readers import FORMATS
from ..store import LoadReport
from .app import State, echo_json, json_option, main, pass_state, say

PROGRESS_MIN_BYTES = 4 << 20
FILE_LABELS = ("only in the baseline file", "only in the candidate file")
SHOW_KEYS = 5


@main.command("load", epilog=importers.tools_epilog())
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="File of the old model's outputs (with --candidate; alone, the new side waits).",
)
@click.option(
    "--candidate",
    "candidate_file",
    type=click.Path(dir_okay=False),
    help="File of the new model's outputs (with --baseline; alone, it fills the new side).",
)
@click.option("--comparison", "-c", help="Comparison name [default: from the file or models].")
@click.option(
    "--from",
    "tool",
    metavar="TOOL",
    help="Read another tool's files: " + ", ".join(IMPORTERS) + " (see below).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Skip format detection [default: told by content].",
)
@click.option(
    "--key",
    help="Field identifying a row (joins two files); with --from"
    " openai-batch: custom_id, request or auto.",
)
@click.option("--prompt-field", help="Field holding the prompt (text or chat messages).")
@click.option("--baseline-field", help="Field holding the old output (one file).")
@click.option("--candidate-field", help="Field holding the new output (one file).")
@click.option("--output-field", help="Field holding the output (two files).")
@click.option("--baseline-model", help="Name of the old model [default: from the data].")
@click.option("--candidate-model", help="Name of the new model [default: from the data].")
@click.option("--skip-bad", is_flag=True, help="Load the good rows, report every bad one.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar [default: on a terminal, for files over 4 MB].",
)
@json_option
@pass_state
def load_command(
    state: State,
    files: tuple[str, ...],
    baseline_file: str | None,
    candidate_file: str | None,
    comparison: str | None,
    tool: str | None,
    fmt: str | None,
    key: str | None,
    prompt_field: str | None,
    baseline_field: str | None,
    candidate_field: str | None,
    output_field: str | None,
    baseline_model: str | None,
    candidate_model: str | None,
    skip_bad: bool,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Load paired outputs: one file with both sides, or a baseline and a candidate file."""
    paths = _paths(files, baseline_file, candidate_file, tool)
    only_side = _only_side(baseline_file, candidate_file)
    options = LoadOptions(
        fields=FieldMap(
            prompt=prompt_field,
            baseline=baseline_field,
            candidate=candidate_field,
            output=output_field,
            key=key,
        ),
        fmt=fmt,
        baseline_model=baseline_model,
        candidate_model=candidate_model,
        skip_bad=skip_bad,
        only_side=only_side,
    )
    report = LoadReport()
    db = state.open()
    with _progress_bar(paths, progress) as update:
        options.progress = update
        source = make_source(paths, options, report, tool, importers.load_sources())
        load(db, source, report, comparison, on_wait=lambda m: click.echo(m, err=True))
    if as_json:
        echo_json(report.as_dict(), indent=2, ensure_ascii=False)
    else:
        only_in = importers.unmatched_labels(tool) if tool else FILE_LABELS
        say(format_report(report, only_in))
        if report.pending:
            say(_pending_hint(report, state))


def _only_side(baseline: str | None, candidate: str | None) -> str | None:
    """The side a lone --baseline or --candidate file holds."""
    if bool(baseline) == bool(candidate):
        return None
    return "baseline" if baseline else "candidate"


def _pending_hint(r: LoadReport, state: State) -> str:
    """How to fill the sides this load left empty."""
    where = state.db_args()
    lines = []
    for side, n in sorted(r.pending.items()):
        lines.append(
            f"{n} pairs wait for the {side} side: swapview{where} load --{side} FILE"
            f" -c {shlex.quote(r.comparison)}, or swapview{where} replay"
            f" -c {shlex.quote(r.comparison)} --side {side} -m MODEL"
        )
    return "\n".join(lines)


def _paths(
    files: tuple[str, ...], baseline: str | None, candidate: str | None, tool: str | None
) -> list[str]:
    if (baseline or candidate) and files:
        raise click.UsageError("give files as arguments or with --baseline/--candidate, not both")
    if (baseline or candidate) and tool is not None:
        raise click.UsageError("--from reads its own files: give them as arguments")
    paths = [p for p in (baseline, candidate) if p] or list(files)
    if not paths:
        raise click.UsageError("give a file with both outputs, or a baseline and a candidate file")
    if tool is None and len(paths) > 2:
        raise click.UsageError("at most two files: the baseline's, then the candidate's")
    if paths.count("-") > 1:
        raise click.UsageError("standard input ('-') can be read once: give it for one side")
    if tool is not None and tool not in IMPORTERS:
        known = ", ".join(sorted(IMPORTERS)) or "none yet"
        raise click.UsageError(f"--from {tool}: no such importer (known: {known})")
    return paths


@contextmanager
def _progress_bar(paths: list[str], wanted: bool | None) -> Iterator:
    total = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
    show = wanted if wanted is not None else (sys.stderr.isatty() and total >= PROGRESS_MIN_BYTES)
    if not show:
        yield None
        return
    with click.progressbar(
        length=total, label="Loading", file=sys.stderr, show_pos=False, show_percent=True
    ) as bar:
        yield bar.update


def format_report(r: LoadReport, only_in: tuple[str, str] = FILE_LABELS) -> str:
    """The load report for people: counts first, then what needs a look.

    ``only_in`` names what only the baseline / only the candidate side has.
    """
    lines = [f"{r.comparison}: {r.loaded} new, {r.updated} updated, {r.unchanged} unchanged"]
    if r.stale_reviews:
        lines.append(f"  {r.stale_reviews} reviews marked stale (their pair changed)")
    if r.metadata_updated:
        lines.append(
            f"  {r.metadata_updated} unchanged pairs got new metadata (re-score them;"
            " their reviews stand)"
        )
    lines.append(f"  empty outputs {r.empty_outputs}, identical outputs {r.identical_outputs}")
    for label, keys in (
        ("duplicate keys (first kept)", r.duplicate_keys),
        (only_in[0], r.unmatched_baseline),
        (only_in[1], r.unmatched_candidate),
    ):
        if keys:
            lines.append(f"  {label}: {len(keys)} ({_some(keys)})")
    if r.skipped:
        lines.append(f"  skipped {len(r.skipped)} bad rows:")
        lines.extend(f"    {s}" for s in r.skipped)
    lines.extend(f"  warning: {w}" for w in r.warnings)
    return "\n".join(lines)


def _some(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOW_KEYS])
    return shown + (", ..." if len(keys) > SHOW_KEYS else "")
