"""`swapview load` through click's CliRunner, reopening the database to check what was written."""

from __future__ import annotations

import json

from click.testing import CliRunner

from swapview.cli import main
from swapview.store import open_db

GOOD = '{"id": "k1", "prompt": "p1", "baseline": "a", "candidate": "b"}\n'


def _run(db_path, *args):
    return CliRunner().invoke(main, ["--db", str(db_path), "load", *map(str, args)])


def _count(db_path, sql="SELECT count(*) FROM pairs"):
    db = open_db(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_load_one_file_prints_report_and_writes_db(realdata, db_path):
    path = realdata / "pairs" / "alpaca_eval__claude-2__claude-2.1.jsonl.gz"
    result = _run(db_path, path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "alpaca_eval__claude-2__claude-2.1: 805 new, 0 updated, 0 unchanged",
        "  empty outputs 0, identical outputs 3",
    ]
    assert _count(db_path) == 805
    again = _run(db_path, path)
    assert "0 new, 0 updated, 805 unchanged" in again.output
    assert _count(db_path) == 805


def test_load_two_files_with_flags_and_json_report(realdata, db_path):
    raw = realdata / "raw" / "arena_bench_v1"
    result = _run(
        db_path,
        "--baseline",
        raw / "gpt-4-0314.jsonl",
        "--candidate",
        raw / "gpt-4-1106-preview.jsonl",
        "--key",
        "question_id",
        "--comparison",
        "gpt4-upgrade",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["comparison"], report["loaded"]) == ("gpt4-upgrade", 300)
    assert report["unmatched_baseline"] == report["unmatched_candidate"] == []
    assert _count(db_path, "SELECT count(*) FROM comparisons WHERE name = 'gpt4-upgrade'") == 1


def test_bad_file_is_one_line_exit_1_nothing_stored(tmp_path, db_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        GOOD + '{"id": "k2", "prompt": "p", "baseline": "a", "candidate": {"error": "timeout"}}\n'
    )
    result = _run(db_path, path)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path}:2: field 'candidate': the output is an error response: timeout;"
        " expected the model's answer (--skip-bad loads the other rows)\n"
    )
    assert _count(db_path) == 0


def test_skip_bad_lists_every_skipped_line(tmp_path, db_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(GOOD + "oops\n" + '{"id": "k3", "prompt": "p", "baseline": "a"}\n')
    result = _run(db_path, path, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "  skipped 2 bad rows:" in result.output
    assert f"    {path}:2: not valid JSON" in result.output
    assert f"    {path}:3: field 'candidate': missing" in result.output
    assert _count(db_path) == 1


def test_usage_errors(tmp_path, db_path):
    assert "no such file" in _run(db_path, "--baseline", "x").output  # one side alone loads
    assert _run(db_path).exit_code == 2
    result = _run(db_path, "a", "b", "c")
    assert "at most two files" in result.output
    result = _run(db_path, "--from", "nosuchtool", "a")
    assert "--from nosuchtool: no such importer" in result.output


def test_missing_file_is_a_clear_error(tmp_path, db_path):
    result = _run(db_path, tmp_path / "nope.jsonl")
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nope.jsonl'}: no such file\n"


def test_progress_bar_goes_to_stderr_not_the_json(tmp_path, db_path):
    path = tmp_path / "p.jsonl"
    path.write_text(GOOD)
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "load", str(path), "--progress", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["loaded"] == 1
    assert "Loading" in result.stderr


def test_another_migration_into_a_named_comparison_is_refused(tmp_path, db_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text(
        json.dumps(
            {
                "id": "1",
                "prompt": "p",
                "baseline": "a",
                "candidate": "b",
                "baseline_model": "m-old",
                "candidate_model": "m-new",
            }
        )
        + "\n"
    )
    two.write_text(
        json.dumps(
            {
                "id": "1",
                "prompt": "p",
                "baseline": "c",
                "candidate": "d",
                "baseline_model": "x-old",
                "candidate_model": "x-new",
            }
        )
        + "\n"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db_path), "load", str(one), "-c", "mix"]).exit_code == 0
    result = runner.invoke(main, ["--db", str(db_path), "load", str(two), "-c", "mix"])
    assert result.exit_code == 1
    assert "comparison 'mix' holds m-old -> m-new, but the old model here is x-old" in result.output
    db = open_db(db_path)
    assert db.execute("SELECT baseline_output FROM pairs").fetchall() == [("a",)]  # untouched
    # Under its own name it loads; and the first file reloads into its own comparison.
    assert runner.invoke(main, ["--db", str(db_path), "load", str(two), "-c", "x"]).exit_code == 0
    assert runner.invoke(main, ["--db", str(db_path), "load", str(one), "-c", "mix"]).exit_code == 0


def test_standard_input_as_one_file_or_one_side(tmp_path, db_path):
    rows = "".join(
        json.dumps({"id": str(i), "prompt": f"p{i}", "baseline": "a", "candidate": "b"}) + "\n"
        for i in range(3)
    )
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(db_path), "load", "-"], input=rows)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("stdin: 3 new")
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps({"id": "1", "prompt": "q", "text": "old"}) + "\n")
    new = json.dumps({"id": "1", "prompt": "q", "text": "new"}) + "\n"
    result = runner.invoke(
        main,
        ["--db", str(db_path), "load", "--baseline", str(old), "--candidate", "-", "-c", "piped"],
        input=new,
    )
    assert result.exit_code == 0, result.output
    db = open_db(db_path)
    assert db.execute(
        "SELECT candidate_output FROM pairs p JOIN comparisons c"
        " ON c.id = p.comparison_id WHERE c.name = 'piped'"
    ).fetchall() == [("new",)]
    twice = runner.invoke(main, ["--db", str(db_path), "load", "-", "-"], input=rows)
    assert twice.exit_code == 2 and "can be read once" in twice.output
