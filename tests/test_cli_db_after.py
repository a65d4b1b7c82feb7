"""`--db` is accepted after the subcommand too, as people type it (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview.cli import main

SAMPLE = Path(__file__).parent.parent / "sample_data" / "support_assistant.jsonl"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def loaded(tmp_path) -> Path:
    path = tmp_path / "run.db"
    assert run("load", str(SAMPLE), "--db", str(path)).exit_code == 0
    return path


def test_load_and_stats_take_db_after_the_subcommand(loaded, tmp_path):
    assert loaded.exists()
    res = run("stats", "--json", "--db", str(loaded))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["pairs"] > 0


def test_db_after_a_nested_subcommand(loaded):
    res = run("triage", "estimate", "--db", str(loaded))
    assert res.exit_code == 0, res.output
    assert "regressions" in res.output


def test_db_after_wins_over_db_before(loaded, tmp_path):
    other = tmp_path / "missing.db"
    res = run("--db", str(other), "stats", "--db", str(loaded))
    assert res.exit_code == 0, res.output
    assert not other.exists()


@pytest.mark.parametrize("command", [["review"], ["stats"], ["report"]])
def test_a_mistyped_database_is_refused_and_never_created(tmp_path, command):
    typo = tmp_path / "demo.bd"
    res = run(*command, "--db", str(typo))
    assert res.exit_code == 1
    assert "no such database" in res.output
    assert not typo.exists()
