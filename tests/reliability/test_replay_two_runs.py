"""Two `swapview replay` processes on one comparison never answer the same prompt (#13).

Both are real processes against one real SQLite file and a real local server
(tests/support/openai_server.py) that counts the requests per prompt. The server answers
slowly enough that the runs overlap for most of their work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from swapview.replay import claims
from swapview.store import open_db
from tests.support.openai_server import FakeOpenAI
from tests.support.replay_helpers import seed

ROOT = Path(__file__).resolve().parents[2]
N = 60


def _start(db_path: Path, base_url: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = ["-c", "cmp", "-m", "new-model", "--base-url", base_url, "-j", "2", "--json"]
    return subprocess.Popen(
        [sys.executable, "-m", "swapview", "--db", str(db_path), "replay", *args, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _asked(bodies: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        m["content"] for b in bodies for m in b.get("messages", []) if m["role"] == "user"
    )


def test_two_replays_split_the_prompts_and_pay_for_each_once(tmp_path: Path) -> None:
    db_path = tmp_path / "db.sqlite"
    db = open_db(db_path)
    seed(db, N)
    db.close()
    with FakeOpenAI(latency=0.05) as srv:
        runs = [_start(db_path, srv.base_url) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in runs]
        bodies = list(srv.stats.bodies)
    for proc, (_out, err) in zip(runs, outs, strict=True):
        assert proc.returncode == 0, err
    summaries = [json.loads(out) for out, _ in outs]
    asked = _asked(bodies)
    assert len(asked) == N and max(asked.values()) == 1  # each prompt paid for once
    assert sum(s["done"] for s in summaries) == N
    assert all(s["done"] > 0 for s in summaries)  # both worked: they shared the prompts
    db = open_db(db_path)
    unanswered = db.execute("SELECT count(*) FROM pairs WHERE candidate_output IS NULL")
    assert unanswered.fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM replay_claims").fetchone()[0] == 0  # given back
    db.close()


def test_a_killed_runs_claims_are_freed_for_the_next_run(tmp_path: Path) -> None:
    db_path = tmp_path / "db.sqlite"
    db = open_db(db_path)
    seed(db, N)
    db.close()
    with FakeOpenAI(latency=0.2) as srv:
        first = _start(db_path, srv.base_url)
        deadline = time.monotonic() + 30
        while srv.stats.requests["chat"] < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # no cleanup: its claims stay in the table
        first.wait(timeout=10)
        db = open_db(db_path)
        left = db.execute("SELECT count(*) FROM replay_claims").fetchone()[0]
        db.close()
        assert left > 0
        second = _start(db_path, srv.base_url)
        out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    summary = json.loads(out)
    assert summary["held_elsewhere"] == 0
    db = open_db(db_path)
    unanswered = db.execute("SELECT count(*) FROM pairs WHERE candidate_output IS NULL")
    assert unanswered.fetchone()[0] == 0
    db.close()


def test_claims_held_by_a_live_run_are_skipped_and_reported(tmp_path: Path) -> None:
    """A claim another live run holds (here: this test process) is left to it."""
    db_path = tmp_path / "db.sqlite"
    db = open_db(db_path)
    cid = seed(db, 10)
    other = claims.Claimant()  # this process: alive
    jobs, _ = claims.claim_page(db, cid, "candidate", True, 0, other, limit=4)
    assert len(jobs) == 4
    db.close()
    with FakeOpenAI() as srv:
        proc = _start(db_path, srv.base_url)
        out, err = proc.communicate(timeout=60)
        asked = _asked(list(srv.stats.bodies))
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert (summary["done"], summary["held_elsewhere"]) == (6, 4)
    assert not set(asked) & {f"prompt {i}" for i in range(4)}
