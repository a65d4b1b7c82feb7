"""Judge fields named in the config ([[judges]]) reach the learned order by themselves."""

from __future__ import annotations

import json

from click.testing import CliRunner

from swapview.cli.app import main
from swapview.store import open_db
from tests.support.judge_helpers import seed_pairs


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _db_with_grades(tmp_path):
    path = tmp_path / "g.db"
    db = open_db(path)
    seed_pairs(db, 6)
    for i in range(6):
        grade = "baseline" if i % 2 == 0 else "tie"
        db.execute(
            "UPDATE pairs SET metadata = ? WHERE key = ?", [json.dumps({"grade": grade}), f"k{i}"]
        )
    db.conn.commit()
    db.close()
    return path


def _field_verdicts(path) -> int:
    db = open_db(path, migrate=False)
    (n,) = db.execute(
        "SELECT count(*) FROM judge_verdicts WHERE judge_model = 'field:grade'"
    ).fetchone()
    db.close()
    return n


def test_triage_refit_stores_configured_judge_fields_once(tmp_path):
    path = _db_with_grades(tmp_path)
    cfg = tmp_path / "swapview.toml"
    cfg.write_text('[[judges]]\nfield = "grade"\n', encoding="utf-8")
    first = _run("--db", str(path), "triage", "refit", "--config", str(cfg))
    assert first.exit_code == 0, first.output
    assert "judge field grade: stored as verdicts" in first.output
    assert _field_verdicts(path) == 12  # both orders of six pairs
    again = _run("--db", str(path), "triage", "refit", "--config", str(cfg))
    assert "stored as verdicts" not in again.output  # already there: not imported twice
    db = open_db(path, migrate=False)
    assert db.execute("SELECT count(*) FROM judge_pairs").fetchone()[0] == 6
    db.close()


def test_a_judges_table_without_a_field_is_one_clear_error(tmp_path):
    path = _db_with_grades(tmp_path)
    cfg = tmp_path / "swapview.toml"
    cfg.write_text('[[judges]]\nname = "grader"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(path), "triage", "refit", "--config", str(cfg)])
    assert result.exit_code == 1
    assert "config [[judges]] #1: field must be a non-empty string" in result.output
    assert _field_verdicts(path) == 0
