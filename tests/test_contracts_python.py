"""A team's `python` parser runs in a worker process: hangs, crashes and memory are contained."""

from __future__ import annotations

import json
import textwrap
import time

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.contracts.worker import ParserUnavailable, PythonCheck
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)

PARSER = textwrap.dedent(
    """
    import json, os, time

    def parse(text):
        if text == "hang":
            time.sleep(60)
        if text == "crash":
            os._exit(7)
        if text == "segfault":
            import ctypes
            ctypes.string_at(0)
        if text == "hog":
            blob = bytearray(2 * 1024 ** 3)  # over the cap: MemoryError in the worker
            return len(blob) > 0
        if text == "false":
            return False
        data = json.loads(text)
        return "total" in data
    """
)


@pytest.fixture
def parser_dir(tmp_path):
    (tmp_path / "team_parser.py").write_text(PARSER)
    return tmp_path


@pytest.mark.slow
def test_hangs_crashes_and_memory_are_contained(parser_dir):
    with PythonCheck("team_parser:parse", str(parser_dir), timeout=1.0, memory_mb=256) as check:
        started = time.monotonic()
        verdicts = check.check_many(
            ['{"total": 3}', "hang", '{"total": 1}', "crash", "segfault", "hog", "false", "{}"]
        )
        elapsed = time.monotonic() - started
    ok, hang, ok2, crash, segv, hog, false, missing = verdicts
    assert ok is None and ok2 is None  # the worker came back after the hang
    assert "took over 1 s" in hang
    assert "crashed" in crash and "exit code 7" in crash
    assert "crashed" in segv and "signal 11" in segv
    assert "MemoryError" in hog
    assert false == "the parser returned False"
    assert missing == "the parser returned False"
    assert elapsed < 20  # one timeout, not the 60 s sleep


@pytest.mark.slow
def test_a_parser_that_cannot_load_is_refused(parser_dir):
    (parser_dir / "broken_parser.py").write_text("raise RuntimeError('boom at import')\n")
    with pytest.raises(ParserUnavailable, match="boom at import"):
        PythonCheck("broken_parser:parse", str(parser_dir), 1.0, 256).check("x")
    with pytest.raises(ParserUnavailable, match="has no attribute"):
        PythonCheck("team_parser:nope", str(parser_dir), 1.0, 256).check("x")


@pytest.mark.slow
def test_check_keeps_each_pairs_parser_error(parser_dir, tmp_path):
    db_path = tmp_path / "p.db"
    db = open_db(db_path)
    with write_transaction(db):
        cid = ensure_comparison(db, "m")
        PairWriter(db, cid, LoadReport()).write(
            [
                PairRecord("fine", "p", '{"total": 1}', '{"total": 2}'),
                PairRecord("hangs", "p", '{"total": 1}', "hang"),
                PairRecord("raises", "p", '{"total": 1}', '{"total": '),
            ]
        )
    db.close()
    (parser_dir / "c.toml").write_text(
        '[[contracts]]\nname = "parses"\npython = "team_parser:parse"\npython_timeout = 1\n'
    )
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "contracts", "check", str(parser_dir / "c.toml"), "--json"]
    )
    assert result.exit_code == 3, result.output
    (contract,) = json.loads(result.stdout)["contracts"]
    assert contract["broken_keys"] == ["hangs", "raises"]
    db = open_db(db_path)
    errors = dict(
        db.execute(
            "SELECT p.key, r.candidate_error FROM contract_results r JOIN pairs p"
            " ON p.id = r.pair_id"
        )
    )
    assert errors["fine"] is None
    assert "took over 1 s" in errors["hangs"]
    assert errors["raises"].startswith("JSONDecodeError") and "team_parser.py" in errors["raises"]


def test_a_missing_module_is_one_line(tmp_path, db_path):
    open_db(db_path).close()
    (tmp_path / "c.toml").write_text('[[contracts]]\nname = "x"\npython = "nowhere_mod:f"\n')
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "contracts", "check", str(tmp_path / "c.toml")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {tmp_path / 'c.toml'}:2: field 'python': contract 'x': no module"
        f" 'nowhere_mod' (looked in {tmp_path} and sys.path)"
    )
