"""Spreadsheets whose answer columns are named after the models (issue 14)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.ingest.fields import model_output_columns


@pytest.mark.parametrize(
    "columns, expected",
    [
        (["Question", "GPT-4o answer", "GPT-4.1 answer"], ("GPT-4o answer", "GPT-4.1 answer")),
        (
            ["prompt", "claude-2 response", "claude-2.1 response"],
            ("claude-2 response", "claude-2.1 response"),
        ),
        (["q", "gpt-4o_output", "llama3-70b_output"], ("gpt-4o_output", "llama3-70b_output")),
        (["Question", "GPT-4o answer", "notes"], None),  # one model column: not a pair
        (["Question", "GPT-4o answer", "GPT-4o answer (2)"], None),  # same model twice
        (["Question", "answer", "reply"], None),  # no model named
        (["a", "GPT-4o answer", "GPT-4.1 answer", "gpt-5 answer"], None),  # three: ambiguous
    ],
)
def test_model_output_columns(columns, expected):
    assert model_output_columns(columns) == expected


def test_a_spreadsheet_with_model_named_answer_columns_loads(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Question,GPT-4o answer,GPT-4.1 answer\n"
        "What is 2+2?,4,Four\n"
        "Capital of France?,Paris,Paris is the capital.\n",
        encoding="utf-8",
    )
    db = tmp_path / "s.db"
    res = CliRunner().invoke(main, ["--db", str(db), "load", str(sheet)])
    assert res.exit_code == 0, res.output
    assert "column order" in res.output  # says which column it took as the old model
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT prompt, baseline_output, candidate_output FROM pairs ORDER BY key"
    ).fetchall()
    models = conn.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone()
    assert sorted(rows) == [
        ("Capital of France?", "Paris", "Paris is the capital."),
        ("What is 2+2?", "4", "Four"),
    ]
    assert models == ("GPT-4o", "GPT-4.1")


def test_missing_outputs_error_prints_flags_to_paste(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Question,left,right\nhi,hello,hey\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["--db", str(tmp_path / "s.db"), "load", str(sheet)])
    assert res.exit_code == 1
    assert "--baseline-field left --candidate-field right" in res.output
