"""`swapview contracts infer` and `swapview contracts check`."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import config_path, load_config
from ..contracts import load_contracts
from ..contracts.infer import DEFAULT_MIN_SLICE, DEFAULT_SUPPORT, infer_contracts
from ..contracts.run import CheckReport, check_comparison
from ..contracts.store import old_and_new
from ..contracts.tomlfile import to_toml
from ..errors import SwapviewError
from ..export.writer import write_atomic
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
    with_progress,
)

BROKEN_EXIT_CODE = 3  # as `report --fail-if`: CI tells "a contract broke" from an error


@main.group("contracts")
def contracts_group() -> None:
    """What downstream code depends on: infer contracts, check every pair against them."""


@contracts_group.command("infer")
@comparison_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the TOML here.")
@click.option(
    "--min-support",
    type=click.FloatRange(0.5, 1.0),
    default=DEFAULT_SUPPORT,
    show_default=True,
    help="Share of a slice's old outputs that must keep an invariant.",
)
@click.option(
    "--min-slice",
    type=click.IntRange(1),
    default=DEFAULT_MIN_SLICE,
    show_default=True,
    help="Fewest old outputs a slice needs before anything is inferred from it.",
)
@pass_state
def infer_command(
    state: State, comparison: str | None, output: str | None, min_support: float, min_slice: int
) -> None:
    """Propose contracts from the old model's outputs (a TOML file to read and edit)."""
    db = state.open_existing()
    row = resolve_comparison(db, comparison)
    name, cid = row["name"], int(row["id"])
    result = infer_contracts(old_and_new(db, cid), min_support=min_support, min_slice=min_slice)
    text = to_toml(result, name)
    if output is None:
        say(text, nl=False)
        return
    write_atomic(Path(output), [text.rstrip("\n")])
    say(
        f"wrote {len(result.proposals)} contracts for {len(result.slices)} slice(s) to {output}",
        err=True,
    )


@contracts_group.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@comparison_option
@json_option
@config_option
@pass_state
@click.pass_context
def check_command(
    ctx: click.Context,
    state: State,
    file: str | None,
    comparison: str | None,
    as_json: bool,
    config_file: str | None,
) -> None:
    """Check both sides of every pair; exit 3 when a contract broke (old kept it, new not)."""
    cfile = load_contracts(_contracts_path(file, config_file))
    db = state.open_existing()
    name = resolve_comparison(db, comparison)["name"]
    report = _run(db, name, cfile, quiet=as_json)
    if as_json:
        echo_json(report.as_dict(), indent=2, ensure_ascii=False)
    else:
        say(render(report), nl=False)
    if report.broken:
        ctx.exit(BROKEN_EXIT_CODE)


def _contracts_path(file: str | None, config_file: str | None) -> str:
    if file:
        return file
    configured = load_config(config_file).contracts
    if not configured:
        raise SwapviewError(
            "no contracts file: name one (swapview contracts check FILE) or set"
            ' contracts = "path" in the config file'
        )
    base = Path(config_file) if config_file else config_path()
    return str(base.parent / Path(configured).expanduser())


def _run(db, name: str, cfile, *, quiet: bool) -> CheckReport:
    return with_progress(
        f"Checking {name}",
        lambda progress: check_comparison(db, name, cfile, progress=progress),
        quiet=quiet,
    )


def render(report: CheckReport) -> str:
    """Per contract: old and new pass rates, pairs broken, a few examples."""
    lines = [
        f"{report.comparison}: {len(report.contracts)} contracts from {report.source},"
        f" {report.pairs} pairs ({report.checked} checks run, {report.reused} still current)"
    ]
    if report.removed:
        lines.append(f"  removed (no longer in the file): {', '.join(report.removed)}")
    for c in report.contracts:
        old, new = c.rate(c.baseline_kept), c.rate(c.candidate_kept)
        rates = (
            "applies to no pair" if old is None or new is None else f"old {old:.1%}, new {new:.1%}"
        )
        lines.append(f"  {c.name}: {rates}, broken on {c.broken} of {c.applies}")
        for ex in c.examples:
            lines.append(f"    {ex['key']}: {ex['why']}")
    verdict = f"{report.broken} broken" if report.broken else "no contract broke"
    lines.append(f"{verdict} ({report.seconds:.1f} s)")
    return "\n".join(lines) + "\n"
