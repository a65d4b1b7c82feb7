"""The first minutes of scoring: progress while the static model is built, and Ctrl-C
keeps what was committed and exits 130 (issue 14)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swapview.scoring.embeddings.distill import Steps
from tests.support.openai_server import FakeOpenAI

SAMPLE = Path(__file__).parent.parent / "sample_data" / "support_assistant.jsonl"


def test_steps_say_each_further_tenth_once():
    said: list[str] = []
    steps = Steps(said.append, "vocabulary")
    for done in range(0, 1001, 7):
        steps(done, 1000)
    steps(1000, 1000)
    assert [s.split(":")[1].split("%")[0].strip() for s in said] == [
        str(p) for p in range(10, 101, 10)
    ]
    assert all(s.startswith("  vocabulary: ") for s in said)


@pytest.mark.slow
def test_ctrl_c_during_score_exits_130_and_says_so(tmp_path):
    db = tmp_path / "s.db"
    swapview = [sys.executable, "-m", "swapview", "--db", str(db)]
    subprocess.run([*swapview, "load", str(SAMPLE)], check=True, capture_output=True)
    with FakeOpenAI() as server:
        # Every embedding request hangs: the run is mid-score when Ctrl-C arrives.
        server.fail_when(lambda _b: True, "slow", delay=30, endpoint="embeddings")
        env = {**os.environ, "SWAPVIEW_EMBED_API_KEY": "k"}
        proc = subprocess.Popen(
            [
                *swapview,
                "score",
                "--embedder",
                "http",
                "--embed-base-url",
                server.base_url,
                "--embed-model",
                "m",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while not server.stats.in_flight:  # a request is hanging: scoring is under way
            assert time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "Interrupted" in err and "Traceback" not in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM pairs").fetchone()[0] > 0  # nothing lost
