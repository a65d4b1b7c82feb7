"""Loading one side now and the other later (#14): through the CLI, into a real SQLite file.

"Have only the old model's outputs?": a file with one side loads with the other pending,
and a later load of the other side, or replay, fills it in. Nothing stored is ever written
over with NULL.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from swapview.cli import main
from swapview.replay.prompts import read_prompts
from swapview.replay.records import count_pending, import_prompts
from swapview.store import open_db


def _run(db_path, *args):
    return CliRunner().invoke(main, ["--db", str(db_path), "load", *map(str, args)])


def _pairs(db_path, comparison):
    db = open_db(db_path)
    try:
        return {
            key: (prompt, base, cand)
            for key, prompt, base, cand in db.execute(
                "SELECT p.key, p.prompt, p.baseline_output, p.candidate_output FROM pairs p"
                " JOIN comparisons c ON c.id = p.comparison_id WHERE c.name = ?",
                [comparison],
            )
        }
    finally:
        db.close()


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_pair_file_with_one_side_loads_and_a_later_file_fills_the_other(tmp_path, db_path):
    old = _jsonl(
        tmp_path / "old.jsonl",
        [
            {"id": f"q{i}", "prompt": f"question {i}", "baseline_output": f"old {i}"}
            for i in range(3)
        ],
    )
    new = _jsonl(
        tmp_path / "new.jsonl",
        [{"id": f"q{i}", "candidate_output": f"new {i}"} for i in range(3)],
    )
    first = _run(db_path, old, "-c", "bot")
    assert first.exit_code == 0, first.output
    assert "bot: 3 new" in first.output
    assert "no candidate field found, so every pair waits for the candidate side" in first.output
    assert (
        f"3 pairs wait for the candidate side: swapview --db {db_path} load --candidate FILE"
        " -c bot" in first.output
    )
    assert _pairs(db_path, "bot")["q1"] == ("question 1", "old 1", None)

    second = _run(db_path, new, "-c", "bot")
    assert second.exit_code == 0, second.output
    assert "0 new, 3 updated" in second.output
    assert "wait for" not in second.output
    # The prompt and the old answers stay: the new file had neither.
    assert _pairs(db_path, "bot") == {
        f"q{i}": (f"question {i}", f"old {i}", f"new {i}") for i in range(3)
    }

    # Loading the one-sided file again changes nothing: its NULL side is no value.
    again = _run(db_path, old, "-c", "bot")
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert _pairs(db_path, "bot")["q2"] == ("question 2", "old 2", "new 2")


def test_each_model_file_alone_then_the_other_matches_the_two_file_join(realdata, db_path):
    raw = realdata / "raw" / "alpaca_eval"
    old, new = raw / "claude-2" / "model_outputs.json", raw / "claude-2.1" / "model_outputs.json"
    first = _run(db_path, "--baseline", old, "-c", "later", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["pending"] == {"candidate": 805}
    halves = _pairs(db_path, "later")
    assert len(halves) == 805 and all(c is None for _, _, c in halves.values())

    second = _run(db_path, "--candidate", new, "-c", "later")
    assert second.exit_code == 0, second.output
    assert "0 new, 805 updated" in second.output
    joined = _run(db_path, "--baseline", old, "--candidate", new, "-c", "together")
    assert joined.exit_code == 0, joined.output
    assert _pairs(db_path, "later") == _pairs(db_path, "together")

    db = open_db(db_path)
    try:
        models = db.execute(
            "SELECT baseline_model, candidate_model FROM comparisons WHERE name = 'later'"
        ).fetchone()
    finally:
        db.close()
    assert tuple(models) == ("claude-2", "claude-2.1")


def test_a_lone_candidate_file_first_then_the_baseline(tmp_path, db_path):
    new = _jsonl(tmp_path / "new.jsonl", [{"prompt": "hi", "output": "hello"}])
    old = _jsonl(tmp_path / "old.jsonl", [{"prompt": "hi", "output": "hey"}])
    first = _run(db_path, "--candidate", new, "-c", "c")
    assert first.exit_code == 0, first.output
    assert "1 pairs wait for the baseline side" in first.output
    assert "replay -c c --side baseline" in first.output
    assert _run(db_path, "--baseline", old, "-c", "c").exit_code == 0
    assert list(_pairs(db_path, "c").values()) == [("hi", "hey", "hello")]


def test_a_file_with_no_output_field_at_all_is_still_refused(tmp_path, db_path):
    path = _jsonl(tmp_path / "x.jsonl", [{"id": "1", "prompt": "p", "notes": "n"}])
    result = _run(db_path, path)
    assert result.exit_code == 1
    assert "cannot find the baseline field" in result.output
    assert _pairs(db_path, "x") == {}


def test_replay_prompts_with_the_old_answer_store_it_as_the_baseline(tmp_path, db_path):
    path = _jsonl(
        tmp_path / "prompts.jsonl",
        [
            {"key": "a", "prompt": "2+2?", "baseline_output": "4", "team": "maths"},
            {"key": "b", "prompt": "capital of France?"},
        ],
    )
    db = open_db(db_path)
    try:
        report = import_prompts(db, "rp", path, read_prompts(path))
        assert report.added == 2
        rows = dict(
            db.execute(
                "SELECT key, json_array(baseline_output, candidate_output, metadata) FROM pairs"
            ).fetchall()
        )
        cid = db.execute("SELECT id FROM comparisons WHERE name = 'rp'").fetchone()[0]
        pending_candidate = count_pending(db, cid, "candidate", False)
        pending_baseline = count_pending(db, cid, "baseline", False)
    finally:
        db.close()
    assert json.loads(rows["a"]) == ["4", None, '{"team": "maths"}']
    assert json.loads(rows["b"]) == [None, None, None]
    assert (pending_candidate, pending_baseline) == (2, 1)


def test_replay_prompts_refuse_an_answer_that_is_not_text(tmp_path, db_path):
    path = _jsonl(tmp_path / "p.jsonl", [{"prompt": "x", "baseline_output": {"a": 1}}])
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "replay",
            "-c",
            "r",
            "--prompts",
            str(path),
            "-m",
            "m",
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
    )
    assert result.exit_code == 1
    assert f"{path}:1: field 'baseline_output': an answer is a string" in result.output


def test_pending_pairs_are_not_scored_until_their_side_arrives(tmp_path, db_path, static_embedder):
    from swapview.scoring.runner import score_comparison

    old = _jsonl(tmp_path / "old.jsonl", [{"id": "q", "prompt": "p", "baseline_output": "a b"}])
    new = _jsonl(tmp_path / "new.jsonl", [{"id": "q", "candidate_output": "a b c"}])
    assert _run(db_path, old, "-c", "s").exit_code == 0
    db = open_db(db_path)
    try:
        waiting = score_comparison(db, "s", static_embedder)
        assert (waiting.pending, waiting.scored) == (1, 0)
        assert db.execute("SELECT count(*) FROM signals").fetchone()[0] == 0  # no empty_output
    finally:
        db.close()
    assert _run(db_path, new, "-c", "s").exit_code == 0
    db = open_db(db_path)
    try:
        done = score_comparison(db, "s", static_embedder)
    finally:
        db.close()
    assert (done.pending, done.scored) == (0, 1)
