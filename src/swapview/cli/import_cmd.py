"""`swapview import TOOL FILES...`: pairs from the files eval and logging tools write."""

from __future__ import annotations

import json

import click

from ..importers import IMPORTERS, run_import, tool_help
from ..store import LoadReport
from .app import State, main, pass_state

TOOLS_HELP = "\n\n".join(f"\b\n{name}: {tool_help(name)}" for name in IMPORTERS)


@main.command("import", epilog="Tools and what they read:\n\n" + TOOLS_HELP)
@click.argument("tool", type=click.Choice(list(IMPORTERS)))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--comparison", "-c", help="Comparison name (default: BASELINE-vs-CANDIDATE).")
@click.option("--baseline-model", help="The old model, provider, experiment or run.")
@click.option("--candidate-model", help="The new model, provider, experiment or run.")
@click.option("--pair-by", type=click.Choice(["auto", "custom_id", "request"]),
              help="openai-batch: join on custom_id or on the request (default auto).")
@click.option("--json", "as_json", is_flag=True, help="Print the load report as JSON.")
@pass_state
def import_(state: State, tool: str, files: tuple[str, ...], comparison: str | None,
            baseline_model: str | None, candidate_model: str | None, pair_by: str | None,
            as_json: bool) -> None:
    """Load pairs from an eval or logging tool's files (promptfoo, inspect, llm, ...)."""
    report = run_import(state.open(), tool, files, comparison, baseline_model=baseline_model,
                        candidate_model=candidate_model, pair_by=pair_by)
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else format_report(report))


def format_report(report: LoadReport, sample: int = 5) -> str:
    """The load report for people: counts first, then what was left out and why."""
    lines = [f"{report.comparison}: {report.loaded} new, {report.updated} updated,"
             f" {report.unchanged} unchanged"
             + (f" ({report.stale_reviews} reviews now stale)" if report.stale_reviews else "")]
    if report.identical_outputs or report.empty_outputs:
        lines.append(f"  {report.identical_outputs} identical, {report.empty_outputs} with an"
                     " empty output")
    for label, items in (("only the baseline answered", report.unmatched_baseline),
                         ("only the candidate answered", report.unmatched_candidate),
                         ("duplicate keys (first kept)", report.duplicate_keys),
                         ("skipped", report.skipped), ("warnings", report.warnings)):
        if items:
            shown = "; ".join(items[:sample]) + (" ..." if len(items) > sample else "")
            lines.append(f"  {label}: {len(items)}: {shown}")
    return "\n".join(lines)
