"""Hints the CLI gives instead of silent surprises (#14), through the CLI on a real SQLite file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from swapview.cli import main


def _cli(db_path, *args):
    return CliRunner().invoke(main, ["--db", str(db_path), *map(str, args)])


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _rows(n, version="", model_b="m2"):
    return [
        {
            "id": f"k{i}",
            "prompt": f"question {i}",
            "baseline_output": f"old answer {i}",
            "candidate_output": f"new answer {i}{version}",
            "baseline_model": "m1",
            "candidate_model": model_b,
        }
        for i in range(n)
    ]


def test_a_newer_file_under_another_name_names_the_comparison_it_matches(tmp_path, db_path):
    assert _cli(db_path, "load", _jsonl(tmp_path / "results.jsonl", _rows(10))).exit_code == 0
    v2 = _jsonl(tmp_path / "results-v2.jsonl", _rows(10, " (v2)")[:8] + _rows(12)[10:])
    result = _cli(db_path, "load", v2)
    assert result.exit_code == 0, result.output
    assert (
        "warning: this made a new comparison 'results-v2', but 8 of its 10 keys and its models"
        " match 'results': if this file is a newer version of that one, load it with -c results"
        " to update it instead"
    ) in result.output
    # Taking the advice updates the first comparison.
    again = _cli(db_path, "load", v2, "-c", "results")
    assert "results: 2 new, 8 updated" in again.output


def test_no_hint_for_other_models_few_shared_keys_or_a_named_comparison(tmp_path, db_path):
    assert _cli(db_path, "load", _jsonl(tmp_path / "a.jsonl", _rows(10))).exit_code == 0
    other_model = _cli(db_path, "load", _jsonl(tmp_path / "b.jsonl", _rows(10, model_b="m3")))
    assert other_model.exit_code == 0 and "newer version" not in other_model.output
    few = [dict(r, id=f"x{i}") for i, r in enumerate(_rows(10))][:6] + _rows(4)
    few_keys = _cli(db_path, "load", _jsonl(tmp_path / "c.jsonl", few))
    assert few_keys.exit_code == 0 and "newer version" not in few_keys.output
    named = _cli(db_path, "load", _jsonl(tmp_path / "d.jsonl", _rows(10)), "-c", "fresh")
    assert named.exit_code == 0 and "newer version" not in named.output


def test_report_on_an_unscored_comparison_says_how_to_score_it(tmp_path, db_path):
    assert _cli(db_path, "load", _jsonl(tmp_path / "demo.jsonl", _rows(3))).exit_code == 0
    result = _cli(db_path, "report")
    assert result.exit_code == 0, result.output
    assert "## Not scored" in result.output
    assert "Demo is not scored yet" in result.output
    assert f"Run `swapview --db {db_path} score -c demo`." in result.output
    data = json.loads(_cli(db_path, "report", "--json").output)
    assert data["metrics"]["pairs_unscored"] == 3.0
    assert _cli(db_path, "report", "--fail-if", "pairs_unscored>0").exit_code == 3


def test_review_on_an_unscored_comparison_says_how_to_score_it(tmp_path, db_path):
    assert _cli(db_path, "load", _jsonl(tmp_path / "demo.jsonl", _rows(3))).exit_code == 0
    result = CliRunner().invoke(main, ["--db", str(db_path), "review"])
    assert (
        f"note: demo is not scored yet: its distances and signals show as -; run"
        f" `swapview --db {db_path} score -c demo`"
    ) in result.stderr
    assert result.exit_code == 1  # no terminal here: it says so after the note


def test_once_scored_no_hint(tmp_path, db_path, static_embedder):
    from swapview.scoring.runner import score_comparison
    from swapview.scoring.status import score_hint, score_status
    from swapview.store import get_comparison, open_db

    assert _cli(db_path, "load", _jsonl(tmp_path / "demo.jsonl", _rows(3))).exit_code == 0
    db = open_db(db_path)
    try:
        comp = get_comparison(db, "demo")
        assert score_status(db, comp["id"]).unscored == 3
        score_comparison(db, "demo", static_embedder)
        assert score_hint(db, comp) is None
        db.execute("UPDATE scores SET scorer_version = 'old'")
        db.conn.commit()
        assert "3 of 3 pairs of demo were scored before their text or the scorer changed" in (
            score_hint(db, comp) or ""
        )
    finally:
        db.close()
    assert "## Not scored" in _cli(db_path, "report").output
