"""`swapview export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlite_utils import Database

from ..config import load_config
from ..coverage import FillPlan, plan_fill
from ..errors import SwapviewError
from ..export import FORMATS, Selection, check_policy, export, parse_where, select_cases
from ..store import resolve_comparison
from .app import (
    State,
    comparison_option,
    config_option,
    echo_json,
    json_option,
    main,
    pass_state,
    say,
)
from .coverage_options import compute_coverage, embedding_options, evals_option

INTERRUPTED = 130  # as `replay` exits on Ctrl-C: the shell's 128 + SIGINT


@main.command("export")
@comparison_option
@click.option(
    "-f",
    "--format",
    "format_name",
    type=click.Choice(list(FORMATS)),
    default="swapview",
    show_default=True,
    help="Named after the tool that runs the cases.",
)
@click.option("-o", "--output", default="-", show_default=True, help="JSONL file, or - for stdout.")
@click.option(
    "-t",
    "--tag",
    "tags",
    multiple=True,
    help="Only these tags (default: all but skip and tags counted as skip).",
)
@click.option("--reviewer", "reviewers", multiple=True, help="Only decisions by this reviewer.")
@click.option("--signal", "signals", multiple=True, help="Only pairs where this signal fired.")
@click.option(
    "--where",
    "where",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Only pairs whose metadata (the loaded file's extra columns) has FIELD equal to"
    " VALUE; FIELD may be a dotted path (human.winner), any case. Repeat: all must hold.",
)
@click.option("--include-stale", is_flag=True, help="Also decisions made on older outputs.")
@click.option(
    "--ideal",
    "ideal",
    multiple=True,
    metavar="TAG=SOURCE",
    help="Expected answer for a (custom) tag: baseline, candidate or both (default: what the"
    " tag counts as in the config: regression baseline, improvement candidate, else both).",
)
@click.option("--append", is_flag=True, help="Add only cases whose id is not in the file yet.")
@click.option(
    "--promptfoo-config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Also write a promptfoo config that replays the stored outputs.",
)
@click.option(
    "--judged",
    type=click.Choice(["worse", "better", "same"]),
    help="Also export unreviewed pairs the judge called this, marked judge-labelled.",
)
@click.option(
    "--fill-gaps",
    "fill_gaps",
    type=click.IntRange(1),
    metavar="N",
    help="Only the N cases that add the most eval coverage (against --evals): one per"
    " uncovered cluster of prompts first, then regressions; never near-duplicates.",
)
@evals_option
@embedding_options
@json_option
@config_option
@pass_state
def export_command(
    state: State,
    comparison: str | None,
    format_name: str,
    output: str,
    tags: tuple[str, ...],
    reviewers: tuple[str, ...],
    signals: tuple[str, ...],
    where: tuple[str, ...],
    include_stale: bool,
    ideal: tuple[str, ...],
    append: bool,
    config_path: str | None,
    judged: str | None,
    fill_gaps: int | None,
    evals: tuple[str, ...],
    embedder: str | None,
    clusters: int | None,
    as_json: bool,
    config_file: str | None,
) -> None:
    """Export tagged pairs as eval cases (promptfoo, inspect, OpenAI evals, LangSmith)."""
    kinds = load_config(config_file).tag_kinds()
    db = state.open_existing()
    selection = Selection(
        comparison=resolve_comparison(db, comparison)["name"],
        tags=tags,
        reviewers=reviewers,
        signals=signals,
        where=parse_where(list(where)),
        include_stale=include_stale,
        policy=check_policy(list(ideal)),
        kinds=kinds,
        judged={"worse": "new_worse", "better": "new_better", "same": "same"}.get(judged or ""),
    )
    plan = None
    if fill_gaps:
        suite = list(evals) + ([output] if append and Path(output).is_file() else [])
        selection, plan = _fill_gaps(db, selection, suite, fill_gaps, embedder, clusters, as_json)
    elif evals:
        raise click.UsageError("--evals goes with --fill-gaps (or use `swapview coverage`)")
    try:
        result = export(db, selection, format_name, output, append=append, config_path=config_path)
    except KeyboardInterrupt:
        kept = "" if output == "-" else f": {output} left as it was"
        say(f"Interrupted{kept}", err=True)
        sys.exit(INTERRUPTED)
    if as_json:
        # With the cases on stdout, the summary goes to stderr so the JSONL stays clean.
        data = result.as_dict() | ({"fill_gaps": plan.as_dict()} if plan else {})
        echo_json(data, indent=2, err=output == "-")
    elif output != "-":
        parts = [f"{t} {n}" for t, n in sorted(result.tags.items())]
        if append:
            parts.append(f"{result.already_present} already in the file")
        if result.judge_labelled:
            parts.append(f"{result.judge_labelled} labelled by the judge, not reviewed")
        detail = f" ({', '.join(parts)})" if parts else ""
        say(f"Wrote {result.written} {result.format} cases to {output}{detail}", err=True)
        if result.config:
            say(f"Wrote promptfoo config to {result.config}", err=True)
    if plan and not as_json:
        say(f"Coverage: {plan.describe()}", err=True)


def _fill_gaps(
    db: Database,
    selection: Selection,
    suite: list[str],
    n: int,
    embedder: str | None,
    clusters: int | None,
    quiet: bool,
) -> tuple[Selection, FillPlan]:
    """The selection narrowed to the cases that add most coverage to ``suite``."""
    comparison = resolve_comparison(db, selection.comparison)
    cov = compute_coverage(db, comparison, suite, embedder, clusters, selection.kinds, quiet=quiet)
    plan = plan_fill(db, cov, select_cases(db, selection), n, selection.kinds)
    if not plan.keys:
        raise SwapviewError(
            f"--fill-gaps: none of the {plan.candidates} selected tagged cases adds coverage"
            f" ({plan.duplicates_skipped} near-duplicates of the suite)"
        )
    return selection.model_copy(update={"keys": tuple(plan.keys)}), plan
