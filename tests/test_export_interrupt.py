"""An export killed or interrupted mid-write leaves the target as it was and no temp file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from swapview.export.writer import write_atomic
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    now,
    open_db,
    write_transaction,
)
from tests.conftest import ROOT

PAIRS = 3000
# ~6 KB per output: the inspect export is ~40 MB, written in about half a second here, a
# wide window for the signal to land while the temporary file exists.
OUTPUT_WORDS = 1000


def _big_comparison(db_path: Path) -> None:
    """PAIRS tagged pairs; decisions inserted in bulk (reviews.record is one per pair)."""
    db = open_db(db_path)
    body = " ".join(f"w{i % 97}" for i in range(OUTPUT_WORDS))
    with write_transaction(db):
        cid = ensure_comparison(db, "big", baseline_model="a", candidate_model="b")
        PairWriter(db, cid, LoadReport(comparison="big")).write(
            PairRecord(f"k{i:05d}", f"question {i}", f"{body} old {i}", f"{body} new {i}")
            for i in range(PAIRS)
        )
    stamp = now()
    with write_transaction(db):
        for pid, phash in db.execute("SELECT id, content_hash FROM pairs").fetchall():
            rid = db.execute(
                "INSERT INTO reviews (pair_id, reviewer, action, tag, pair_hash, created)"
                " VALUES (?, 'ana', 'tag', 'regression', ?, ?)",
                [pid, phash, stamp],
            ).lastrowid
            db.execute(
                "INSERT INTO decisions (pair_id, tag, reviewer, review_id, pair_hash, stale,"
                " updated) VALUES (?, 'regression', 'ana', ?, ?, 0, ?)",
                [pid, rid, phash, stamp],
            )
    db.close()


def _temp_files(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("big") / "big.db"
    _big_comparison(db_path)
    return db_path


@pytest.mark.parametrize(
    ("signum", "exit_code", "message"),
    [(signal.SIGTERM, 128 + signal.SIGTERM, ""), (signal.SIGINT, 130, "Interrupted: ")],
)
@pytest.mark.slow  # a real export process, signalled mid-write
def test_signal_mid_export_removes_the_temp_file_and_keeps_the_target(
    big_db, tmp_path, signum, exit_code, message
):
    db_path = big_db
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "cases.jsonl"
    target.write_text('{"id": "old"}\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "swapview",
            "--db",
            str(db_path),
            "export",
            "-f",
            "inspect",
            "-o",
            str(target),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not _temp_files(out_dir):
            assert proc.poll() is None, "the export ended before it began writing"
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.005)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == exit_code, stderr.decode()
    assert message in stderr.decode() and "Aborted" not in stderr.decode()
    assert _temp_files(out_dir) == []
    assert target.read_text() == '{"id": "old"}\n'


def test_signal_right_after_the_temp_file_is_made_still_removes_it(tmp_path, monkeypatch):
    """The race the subprocess test can hit: the signal lands inside mkstemp's return."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_signal(*args, **kwargs):
        made = real_mkstemp(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # before write_atomic learns the name
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_signal)
    target = tmp_path / "cases.jsonl"
    with pytest.raises(SystemExit) as exited:
        write_atomic(target, ["a"])
    assert exited.value.code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
