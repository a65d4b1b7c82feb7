"""`swapview review` errors before any terminal UI starts: one line, exit 1."""

from __future__ import annotations

from click.testing import CliRunner

from swapview.cli import main
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env or {})


def test_empty_database_says_to_load_first(db, db_path):
    res = run("--db", str(db_path), "review")
    assert res.exit_code == 1 and "holds no pairs yet" in res.output


def test_unknown_comparison_lists_the_known_ones(db, db_path):
    with write_transaction(db):
        cid = ensure_comparison(db, "m1")
        PairWriter(db, cid, LoadReport()).write([PairRecord("k", "p", "a", "b")])
    res = run("--db", str(db_path), "review", "-c", "nope")
    assert res.exit_code == 1 and "no comparison named 'nope'; known: m1" in res.output


def test_bad_config_names_file_line_or_field(db, db_path, tmp_path):
    with write_transaction(db):
        cid = ensure_comparison(db, "m1")
        PairWriter(db, cid, LoadReport()).write([PairRecord("k", "p", "a", "b")])
    cfg = tmp_path / "c.toml"
    cfg.write_text('order = "sideways"\n')
    res = run("--db", str(db_path), "review", "--config", str(cfg))
    assert res.exit_code == 1 and "unknown order 'sideways'" in res.output
    cfg.write_text("[[tags]]\nname = 'x'\n")
    res = run("--db", str(db_path), "review", "--config", str(cfg))
    assert res.exit_code == 1 and "c.toml: field 'tags.0.key'" in res.output


def test_without_a_terminal_it_says_so_instead_of_hanging(db, db_path):
    with write_transaction(db):
        cid = ensure_comparison(db, "m1")
        PairWriter(db, cid, LoadReport()).write([PairRecord("k", "p", "a", "b")])
    res = run("--db", str(db_path), "review")  # CliRunner: stdin and stdout are not a tty
    assert res.exit_code == 1 and "review needs a terminal" in res.output
