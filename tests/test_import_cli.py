"""`swapview load --from TOOL` and run_import: one transaction per import, the load report,
errors as one line. Uses the real llm 0.31.1 logs database from tests/data.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.errors import InputError, SwapviewError
from swapview.importers import IMPORTERS, run_import
from swapview.store import open_db

LOGS = Path(__file__).parent / "data" / "llm-0.31-logs.sqlite"


def invoke(db_path: Path, tool: str, *args: str):
    return CliRunner().invoke(main, ["--db", str(db_path), "load", "--from", tool, *args])


def test_import_writes_pairs_and_prints_the_report(db_path: Path) -> None:
    result = invoke(db_path, "llm", str(LOGS), "--comparison", "llm-migration")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "llm-migration: 5 new, 0 updated, 0 unchanged"
    # one logs.db holds both sides: no "baseline file" to speak of
    assert "only on the old side: 1" in result.output and " file" not in result.output
    db = open_db(db_path)
    comp = db.execute(
        "SELECT baseline_model, candidate_model, source FROM comparisons"
        " WHERE name = 'llm-migration'"
    ).fetchone()
    assert comp[:2] == ("old-model", "new-model") and comp[2].startswith("llm logs ")
    meta = json.loads(db.execute("SELECT metadata FROM pairs LIMIT 1").fetchone()[0])
    # flat keys: the review queue filters on top-level fields (candidate.latency_ms = ...)
    assert meta["baseline.model"] == "old-model" and meta["source"] == "llm"
    assert meta["candidate.latency_ms"] > 0 and "candidate" not in meta


def test_unmatched_answers_are_worded_by_side(db_path: Path, tmp_path: Path) -> None:
    rows = [
        {"datasetRunName": run, "datasetItemId": item, "input": item, "output": run + item}
        for run, items in (("v1", "ab"), ("v2", "abc"))
        for item in items
    ]
    runs = tmp_path / "runs.json"  # one Langfuse export, both runs in it
    runs.write_text(json.dumps(rows))
    result = invoke(db_path, "langfuse", str(runs))
    assert result.exit_code == 0, result.output
    assert "only in the new run: 1 (c)" in result.output and " file" not in result.output
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"  # swapview's own two files
    old.write_text('{"id": "a", "prompt": "p", "output": "x"}\n')
    new.write_text(
        '{"id": "a", "prompt": "p", "output": "y"}\n{"id": "b", "prompt": "q", "output": "z"}\n'
    )
    two = CliRunner().invoke(
        main, ["--db", str(db_path), "load", str(old), str(new), "--key", "id"]
    )
    assert "only in the candidate file: 1 (b)" in two.output, two.output


def test_json_report_and_default_name(db_path: Path) -> None:
    result = invoke(db_path, "llm", str(LOGS), "--json")
    report = json.loads(result.output)
    assert report["comparison"] == "old-model-vs-new-model"
    assert report["loaded"] == 5 and len(report["unmatched_baseline"]) == 1
    again = json.loads(invoke(db_path, "llm", str(LOGS), "--json").output)
    assert (again["loaded"], again["unchanged"]) == (0, 5)


def test_changed_answers_update_pairs_and_stale_reviews(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    run_import(db, "llm", [LOGS], "m")
    pair_id = db.execute(
        "SELECT id FROM pairs WHERE key = (SELECT min(key) FROM pairs)"
    ).fetchone()[0]
    reviews.record(db, pair_id, "tester", tag="regression")
    changed = tmp_path / "logs.db"
    shutil.copy(LOGS, changed)
    with sqlite3.connect(changed) as conn:
        conn.execute("UPDATE responses SET response = 'rewritten' WHERE model = 'new-model'")
    report = run_import(db, "llm", [changed], "m")
    assert (report.updated, report.stale_reviews) == (5, 1)


def test_errors_are_one_line_and_store_nothing(db_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    result = invoke(db_path, "promptfoo", str(bad))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {bad}:1: not valid JSON (Expecting value); expected a promptfoo results file"
        ' ({"results": {"version": 3, "results": [...]}})'
    ]
    assert open_db(db_path).execute("SELECT count(*) FROM comparisons").fetchone()[0] == 0
    for flags, message in (
        (["--key", "request"], "--key does not apply to --from llm"),
        (["--prompt-field", "q"], "--prompt-field does not apply"),
        (["--format", "csv"], "--format does not apply"),
        (["--skip-bad"], "--skip-bad does not apply"),
    ):
        result = invoke(db_path, "llm", str(LOGS), *flags)
        assert result.exit_code == 1 and message in result.output, result.output
    result = invoke(db_path, "nosuchtool", str(LOGS))
    assert result.exit_code == 2 and "--from nosuchtool: no such importer" in result.output


def test_a_failure_while_writing_rolls_back(db_path: Path) -> None:
    """Nothing half-written: a write that fails midway leaves no comparison and no pairs."""
    db = open_db(db_path)
    db.execute(
        "CREATE TRIGGER no_third BEFORE INSERT ON pairs WHEN"
        " (SELECT count(*) FROM pairs) >= 2 BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        run_import(db, "llm", [LOGS], "m")
    assert db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0


def test_unknown_tool_and_no_files(db) -> None:
    with pytest.raises(SwapviewError, match="unknown tool 'nope'; one of: openai-batch"):
        run_import(db, "nope", [LOGS])
    with pytest.raises(SwapviewError, match="--from llm needs input files"):
        run_import(db, "llm", [])
    with pytest.raises(InputError, match="no such file"):
        run_import(db, "promptfoo", ["/nonexistent/results.json"])


def test_every_tool_is_listed_in_help(db_path: Path) -> None:
    result = CliRunner().invoke(main, ["load", "--help"])
    for tool in IMPORTERS:
        assert f"{tool}:" in result.output


def test_importers_never_import_textual_or_inspect_ai() -> None:
    """inspect_ai (which itself imports Textual) loads only when its importer runs."""
    code = (
        "import sys, swapview.importers;"
        " print('textual' in sys.modules, 'inspect_ai' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
