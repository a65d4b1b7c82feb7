"""`swapview export`."""

from __future__ import annotations

import sys

import click

from ..config import load_config
from ..export import FORMATS, Selection, check_policy, export, parse_where
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
    try:
        result = export(db, selection, format_name, output, append=append, config_path=config_path)
    except KeyboardInterrupt:
        kept = "" if output == "-" else f": {output} left as it was"
        say(f"Interrupted{kept}", err=True)
        sys.exit(INTERRUPTED)
    if as_json:
        # With the cases on stdout, the summary goes to stderr so the JSONL stays clean.
        echo_json(result.as_dict(), indent=2, err=output == "-")
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
