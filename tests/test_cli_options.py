"""One comparison lookup and one declaration of -c, --json and --config for every command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.cli.app import COMMAND_MODULES
from swapview.errors import NotFoundError, SwapviewError
from swapview.store import ensure_comparison, resolve_comparison


def _commands() -> list[click.Command]:
    ctx = click.Context(main)
    out = []
    for name in COMMAND_MODULES:
        cmd = main.get_command(ctx, name)
        out += list(cmd.commands.values()) if isinstance(cmd, click.Group) else [cmd]
    return out


@pytest.mark.parametrize(
    "flag, dest", [("--json", "as_json"), ("--config", "config_file"), ("-c", "comparison")]
)
def test_every_command_spells_a_shared_option_the_same(flag, dest):
    found = [
        (cmd.name, p.name)
        for cmd in _commands()
        for p in cmd.params
        # score's -c is repeatable (several comparisons at once): a list, not one name
        if isinstance(p, click.Option) and flag in p.opts + p.secondary_opts and not p.multiple
    ]
    assert len(found) >= 3
    assert {name for _, name in found} == {dest}, found


def test_resolve_comparison(db):
    with pytest.raises(NotFoundError, match="no comparisons yet"):
        resolve_comparison(db, None)
    ensure_comparison(db, "old")
    assert resolve_comparison(db, None)["name"] == "old"  # the only one
    ensure_comparison(db, "new")
    with pytest.raises(SwapviewError, match="several comparisons.*old, new"):
        resolve_comparison(db, None)
    assert resolve_comparison(db, None, newest=True)["name"] == "new"
    assert resolve_comparison(db, "old")["name"] == "old"
    with pytest.raises(NotFoundError, match="no comparison named 'x'; known: old, new"):
        resolve_comparison(db, "x", newest=True)


def test_export_report_and_triage_ask_the_same_when_several(db, db_path):
    ensure_comparison(db, "a")
    ensure_comparison(db, "b")
    runner = CliRunner()
    for args in (["export"], ["report"], ["triage", "clusters"]):
        result = runner.invoke(main, ["--db", str(db_path), *args])
        assert result.exit_code == 1, (args, result.output)
        assert "several comparisons, pick one with --comparison: a, b" in result.output


def test_registries_are_passed_in_not_filled_by_imports(db):
    """What a report holds and what --from knows are lists passed in, whatever is imported."""
    import swapview.triage.report_section  # noqa: F401  (importing it must change nothing)
    from swapview import importers
    from swapview.cli.report_cmd import SECTIONS
    from swapview.ingest import LoadOptions, make_source
    from swapview.report import build_report, scoring_section
    from swapview.store import LoadReport

    ensure_comparison(db, "m1")
    assert build_report(db, "m1").sections == []
    from swapview.judge.report_section import judge_section
    from swapview.shift.report_section import shift_section
    from swapview.triage.agreement import agreement_section

    triage = swapview.triage.report_section
    assert SECTIONS == (
        scoring_section,
        triage.remaining_section,
        triage.rate_section,
        agreement_section,
        judge_section,
        shift_section,
    )
    with pytest.raises(SwapviewError, match="no importer for 'langsmith'; known: none yet"):
        make_source(["x"], LoadOptions(), LoadReport(), "langsmith")
    assert set(importers.load_sources()) == set(importers.IMPORTERS)
