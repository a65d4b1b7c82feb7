"""`swapview shift`: what moved between the old and the new model, per measure and slice."""

from __future__ import annotations

from typing import Any

import click

from ..gates import evaluate, parse_gate
from ..shift import build_shift, shift_metrics, to_markdown
from ..shift.result import PromptGroups
from ..store import resolve_comparison
from .app import (
    State,
    comparison_option,
    config_option,
    echo_json,
    fill_stored_numbers,
    json_option,
    main,
    pass_state,
    say,
)
from .report_cmd import GATE_EXIT_CODE


@main.command("shift")
@comparison_option
@json_option
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="FIELD",
    help="Slice by this metadata field (repeatable; default: fields with few values).",
)
@click.option(
    "--prompt-clusters",
    "prompt_clusters",
    is_flag=True,
    help="Also slice by clusters of the prompts' meaning (embedded as `score` does, cached).",
)
@click.option("--top", default=20, show_default=True, help="Rows of the table to show.")
@click.option(
    "--fail-if",
    "fail_if",
    multiple=True,
    metavar="EXPR",
    help="Gate, e.g. 'shift.refusal_rate>+2pp' or 'shift.words<-20';"
    f" exit {GATE_EXIT_CODE} when any trips.",
)
@config_option
@pass_state
@click.pass_context
def shift_command(
    ctx: click.Context,
    state: State,
    comparison: str | None,
    as_json: bool,
    by: tuple[str, ...],
    top: int,
    fail_if: tuple[str, ...],
    config_file: str | None,
    prompt_clusters: bool,
) -> None:
    """Old against new per measure and slice, with intervals and corrected tests."""
    del config_file  # accepted like every reading command; shift reads no setting yet
    db = state.open_existing()
    comp = resolve_comparison(db, comparison)
    groups = _prompt_groups(db, comp["id"], quiet=as_json) if prompt_clusters else None
    fill_stored_numbers(db, comp["id"], quiet=as_json)
    result = build_shift(db, comp, by, groups)
    values = shift_metrics(result)
    results = evaluate([parse_gate(e, set(values)) for e in fail_if], values)
    if as_json:
        data = result.model_dump(mode="json") | {
            "metrics": values,
            "gates": [r.as_dict() for r in results],
        }
        echo_json(data, indent=2, ensure_ascii=False)
    else:
        text = to_markdown(result, top=top)
        if results:
            text += "\n## Gates\n\n" + "\n".join(f"- {r.describe()}" for r in results) + "\n"
        say(text, nl=False)
    tripped = [r for r in results if r.tripped]
    for r in tripped:
        say(f"gate {r.describe()}", err=True)
    if tripped:
        ctx.exit(GATE_EXIT_CODE)


def _prompt_groups(db: Any, comparison_id: int, *, quiet: bool) -> PromptGroups:
    from ..coverage.analysis import prompt_clusters
    from ..scoring.embeddings import make_embedder

    embedder = make_embedder(progress=None if quiet else lambda m: say(m, err=True))
    found = prompt_clusters(db, comparison_id, embedder)
    return found.pair_ids, found.cluster, found.labels
