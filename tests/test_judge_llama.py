"""The whole judge path against a real llama.cpp server running Gemma 3 270M on 127.0.0.1.

The model is a tiny base model, so its verdicts are noise; what is real is everything
around them: requests in both orders, the server enforcing the JSON schema, logprob
confidence, storage, and never paying twice. Build the server once per machine with
scripts/install-llama-server (the test skips when it is not there).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from swapview.cli.app import main
from swapview.judge.protocol import DEFAULT_RUBRIC, rubric_hash
from swapview.judge.verdicts import JudgeKey, combined_verdicts
from swapview.store import open_db
from tests.support.judge_helpers import seed_pairs

CACHE = Path(os.environ.get("SWAPVIEW_TOOLS_CACHE", Path.home() / ".cache" / "swapview-tools"))
# Where scripts/install-llama-server puts its portable build.
SERVER = CACHE / "llama-server-11434.0.0-avx2" / "bin" / "llama-server"
MODEL = CACHE / "gemma-3-270m-q4_k_m.gguf"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (SERVER.exists() and MODEL.exists()),
        reason="run scripts/install-llama-server to build llama-server and the model",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "LD_LIBRARY_PATH": str(SERVER.parent)}
    args = [str(SERVER), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port),
            "-t", "2", "-c", "4096", "--no-webui"]  # fmt: skip
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(10)


def test_real_server_judges_both_orders_with_logprobs(
    tmp_path: Path, llama: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWAPVIEW_CONFIG", "/nonexistent/swapview.toml")
    db_path = tmp_path / "s.db"
    cid = seed_pairs(open_db(db_path), 3, identical=1)
    args = ["--db", str(db_path), "judge", "--base-url", llama, "-m", "gemma-3-270m",
            "--max-tokens", "60", "-j", "1", "--no-progress", "--json"]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["requests"] == 4 and out["identical"] == 1 and out["failed"] == 0
    assert out["prompt_tokens"] > 0 and out["completion_tokens"] > 0
    db = open_db(db_path)
    rows = list(db.query("SELECT * FROM judge_verdicts WHERE status != 'identical'"))
    assert {r["ask_order"] for r in rows} == {"old_first", "new_first"}
    # The schema is enforced by the server: every answer parses into a verdict.
    assert all(r["status"] == "ok" and r["verdict"] for r in rows), rows
    assert all(json.loads(r["raw_answer"])["better"] in ("A", "B", "same") for r in rows)
    # llama.cpp returns top_logprobs: the confidence comes from them.
    assert all(r["p_new_worse"] is not None for r in rows)
    assert all(abs(r["p_new_worse"] + r["p_same"] + r["p_new_better"] - 1) < 1e-6 for r in rows)
    assert all(r["latency_ms"] > 0 and r["prompt_tokens"] > 0 for r in rows)
    verdicts = combined_verdicts(db, cid, JudgeKey("gemma-3-270m", rubric_hash(DEFAULT_RUBRIC)))
    assert len(verdicts) == 3
    assert {v.combined.source for p, v in verdicts.items() if p != 3} == {"logprobs"}
    again = json.loads(CliRunner().invoke(main, args).output)
    assert again["requests"] == 0 and again["already"] == 3
