"""A real `swapview load` process on a real SQLite file while a reviewer tags through
ReviewSession: every tag pressed is stored, and a killed load leaves nothing visible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swapview.ingest import load_files
from swapview.session import ReviewSession
from swapview.store import open_db

pytestmark = pytest.mark.slow


def write_pairs(path: Path, rows: int, start: int = 0, width: int = 400) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, start + rows):
            f.write(
                json.dumps(
                    {
                        "id": f"k{i}",
                        "prompt": f"prompt {i} " + "p" * width,
                        "baseline_output": f"old {i} " + "o" * width,
                        "candidate_output": f"new {i} " + "n" * width,
                    }
                )
                + "\n"
            )


def start_load(db_path: Path, data: Path, comparison: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "swapview",
            "--db",
            str(db_path),
            "load",
            str(data),
            "-c",
            comparison,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def seed(db_path: Path, tmp_path: Path, rows: int = 50) -> list[int]:
    small = tmp_path / "seed.jsonl"
    write_pairs(small, rows, start=10_000_000)
    db = open_db(db_path)
    load_files(db, [small], comparison="seed")
    ids = [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]
    db.close()
    return ids


def test_every_tag_pressed_during_a_load_is_stored(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    ids = seed(db_path, tmp_path)
    big = tmp_path / "big.jsonl"
    write_pairs(big, 60_000)
    outcomes = []
    session = ReviewSession(db_path, "alice", outcomes.append)
    proc = start_load(db_path, big, "big")
    waits = []
    try:
        time.sleep(0.5)
        pressed = 0
        while proc.poll() is None and pressed < len(ids):
            t0 = time.monotonic()
            session.tag(ids[pressed], "regression")
            pressed += 1
            assert session.wait_idle(30)
            waits.append(time.monotonic() - t0)
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
    finally:
        session.close()
    assert proc.returncode == 0, err
    assert pressed >= 3, "the load ended before the reviewer could tag during it"
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes if o.error]
    db = open_db(db_path)
    stored = db.execute("SELECT count(*) FROM decisions WHERE tag = 'regression'").fetchone()[0]
    assert stored == pressed
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 60_000 + len(ids)
    assert max(waits) < 5, waits  # batches, not the whole load, hold the lock


def test_kill_9_mid_load_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    ids = seed(db_path, tmp_path)
    big = tmp_path / "big.jsonl"
    write_pairs(big, 100_000)
    proc = start_load(db_path, big, "big")
    db = open_db(db_path, migrate=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # kill it once rows are being written
        if db.execute("SELECT count(*) FROM pairs").fetchone()[0] > len(ids) + 2000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert db.execute("SELECT name FROM comparisons WHERE name = 'big'").fetchone() is None
    from swapview.store import list_comparisons

    assert [c["name"] for c in list_comparisons(db)] == ["seed"]
    db.close()
    # the next load sweeps the dead one's hidden rows and loads in full
    small = tmp_path / "small.jsonl"
    write_pairs(small, 10)
    db = open_db(db_path)
    load_files(db, [small], comparison="small")
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == len(ids) + 10
    assert db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 2


def test_second_load_waits_naming_the_first(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    seed(db_path, tmp_path, rows=5)
    big = tmp_path / "big.jsonl"
    write_pairs(big, 40_000)
    small = tmp_path / "small.jsonl"
    write_pairs(small, 10, start=500_000)
    first = start_load(db_path, big, "big")
    time.sleep(1.0)
    second = start_load(db_path, small, "small")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "Traceback" not in err2
    if first.returncode == 0 and "waiting" in err2:
        assert "a load of" in err2 and str(big) in err2
    db = open_db(db_path)
    counts = dict(
        db.execute(
            "SELECT c.name, count(*) FROM pairs p JOIN comparisons c"
            " ON c.id = p.comparison_id GROUP BY c.name"
        )
    )
    assert counts == {"seed": 5, "big": 40_000, "small": 10}


def test_undo_never_erases_another_reviewers_later_tag(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    ids = seed(db_path, tmp_path, rows=20)
    a_out, b_out = [], []
    a = ReviewSession(db_path, "alice", a_out.append)
    b = ReviewSession(db_path, "bob", b_out.append)
    try:
        for pid in ids:
            a.tag(pid, "regression")
        assert a.wait_idle(30)
        for pid in ids:  # bob tags while alice undoes, as fast as both can
            b.tag(pid, "improvement")
            a.undo()
        assert a.wait_idle(30) and b.wait_idle(30)
    finally:
        a.close()
        b.close()
    db = open_db(db_path)
    # Whatever the commit order, bob's tag is the last word on every pair: an undo
    # before it is overwritten by it, an undo after it is refused.
    tags = dict(db.execute("SELECT pair_id, tag FROM decisions"))
    assert [pid for pid in ids if tags[pid] != "improvement"] == []
    assert any(o.error and "bob changed this pair" in o.error for o in a_out) or all(
        o.error is None for o in a_out
    )
