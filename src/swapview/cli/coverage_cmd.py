"""`swapview coverage`: where the eval suite is blind, against the comparison's prompts."""

from __future__ import annotations

import click

from ..config import load_config
from ..coverage import (
    METRIC_NAMES,
    coverage_metrics,
    to_markdown,
)
from ..gates import evaluate, parse_gate
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
from .report_cmd import GATE_EXIT_CODE


@main.command("coverage")
@comparison_option
@evals_option
@embedding_options
@json_option
@click.option("--top", default=15, show_default=True, help="Clusters to show.")
@click.option(
    "--fail-if",
    "fail_if",
    multiple=True,
    metavar="EXPR",
    help="Gate, e.g. 'uncovered_regressions>0' or 'uncovered_traffic>20%';"
    f" exit {GATE_EXIT_CODE} when any trips.",
)
@config_option
@pass_state
@click.pass_context
def coverage_command(
    ctx: click.Context,
    state: State,
    comparison: str | None,
    evals: tuple[str, ...],
    embedder: str | None,
    clusters: int | None,
    as_json: bool,
    top: int,
    fail_if: tuple[str, ...],
    config_file: str | None,
) -> None:
    """Where the eval suite is blind: clusters of real prompts with no eval case near."""
    if not evals:
        raise click.UsageError("give the eval suite with --evals FILE (repeatable)")
    kinds = load_config(config_file).tag_kinds()
    db = state.open_existing()
    comp = resolve_comparison(db, comparison)
    # Gates parse before the work: a typo must not cost a minute of embedding.
    gates = [parse_gate(expr, set(METRIC_NAMES)) for expr in fail_if]
    cov = compute_coverage(db, comp, list(evals), embedder, clusters, kinds, quiet=as_json)
    values = coverage_metrics(cov.report)
    results = evaluate(gates, values)
    if as_json:
        data = cov.report.model_dump(mode="json") | {
            "metrics": values,
            "gates": [r.as_dict() for r in results],
        }
        echo_json(data, indent=2, ensure_ascii=False)
    else:
        text = to_markdown(cov.report, top=top)
        if results:
            text += "\n## Gates\n\n" + "\n".join(f"- {r.describe()}" for r in results) + "\n"
        say(text, nl=False)
    tripped = [r for r in results if r.tripped]
    for r in tripped:
        say(f"gate {r.describe()}", err=True)
    if tripped:
        ctx.exit(GATE_EXIT_CODE)
