"""`swapview report`."""

from __future__ import annotations

import click

from ..config import load_config
from ..gates import evaluate, parse_gate
from ..judge.report_section import judge_section
from ..report import (
    SectionProvider,
    build_report,
    known_signals,
    known_tags,
    metrics,
    scoring_section,
    to_markdown,
)
from ..shift.report_section import shift_section
from ..store import resolve_comparison
from ..triage.agreement import agreement_section
from ..triage.report_section import rate_section, remaining_section
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

GATE_EXIT_CODE = 3
# Every section `swapview report` adds after the counts, in order: the one list.
SECTIONS: tuple[SectionProvider, ...] = (
    scoring_section,
    remaining_section,
    rate_section,
    agreement_section,
    judge_section,
    shift_section,
)


@main.command("report")
@comparison_option
@json_option
@click.option("--top", default=10, show_default=True, help="How many top regressions to show.")
@click.option(
    "--fail-if",
    "fail_if",
    multiple=True,
    metavar="EXPR",
    help=f"Gate, e.g. 'regression_rate>0.02' or 'signal.json_broke>=1'; exit {GATE_EXIT_CODE}"
    " when any trips.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML page (charts, diffs) to FILE.",
)
@config_option
@pass_state
@click.pass_context
def report_command(
    ctx: click.Context,
    state: State,
    comparison: str | None,
    as_json: bool,
    top: int,
    fail_if: tuple[str, ...],
    html_file: str | None,
    config_file: str | None,
) -> None:
    """Summary of a comparison (Markdown or JSON), with CI gates."""
    # Read first and always: custom tags' counts_as decide what a regression is.
    config = load_config(config_file)
    db = state.open_existing()
    comp = resolve_comparison(db, comparison)
    fill_stored_numbers(db, comp["id"], quiet=as_json)  # the shift section's, once
    report = build_report(
        db,
        comp["name"],
        top=top,
        kinds=config.tag_kinds(),
        sections=SECTIONS,
    )
    if html_file:
        from ..htmlreport import write_html  # matplotlib costs a second: only when asked

        write_html(db, comp, report, html_file)
    values = metrics(report)
    tags = known_tags(db, config) if any(e.strip().startswith("tag.") for e in fail_if) else set()
    signals = known_signals(db)
    gates = [parse_gate(expr, set(values), tags=tags, signals=signals) for expr in fail_if]
    results = evaluate(gates, values)
    if as_json:
        data = report.model_dump(mode="json") | {
            "metrics": values,
            "gates": [r.as_dict() for r in results],
        }
        echo_json(data, indent=2, ensure_ascii=False)
    else:
        text = to_markdown(report)
        if results:
            text += "\n## Gates\n\n" + "\n".join(f"- {r.describe()}" for r in results) + "\n"
        say(text, nl=False)
    tripped = [r for r in results if r.tripped]
    for r in tripped:
        say(f"gate {r.describe()}", err=True)
    if tripped:
        ctx.exit(GATE_EXIT_CODE)
