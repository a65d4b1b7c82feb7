"""`swapview replay` end to end: CliRunner, and real processes killed mid-run."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.store import open_db
from tests.conftest import ROOT
from tests.support.openai_server import FakeOpenAI

CLI = [sys.executable, "-c", "from swapview.cli import main; main()"]
KEY = "sk-test-0123456789abcdefSECRET"


def write_prompts(path: Path, n: int) -> Path:
    lines = [
        json.dumps({"key": f"q{i}", "prompt": f"question {i}", "topic": i % 3}) for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(db_path: Path, *args: str, env: dict[str, str] | None = None):
    runner = CliRunner()
    return runner.invoke(
        main, ["--db", str(db_path), "replay", *args], env=env, catch_exceptions=False
    )


def test_prompts_file_creates_the_comparison_and_a_rerun_sends_nothing(tmp_path, db_path):
    prompts = write_prompts(tmp_path / "p.jsonl", 10)
    with FakeOpenAI() as srv:
        args = [
            "-c",
            "fresh",
            "--prompts",
            str(prompts),
            "-m",
            "new-model",
            "--base-url",
            srv.base_url,
            "--json",
        ]
        first = invoke(db_path, *args)
        second = invoke(db_path, *args)
        assert srv.stats.requests["chat"] == 10
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert (out["done"], out["failed"], out["imported"]["added"]) == (10, 0, 10)
    again = json.loads(second.stdout)
    assert (again["pending"], again["imported"]["existing"]) == (0, 10)
    db = open_db(db_path)
    row = db.execute(
        "SELECT baseline_output, candidate_output, metadata FROM pairs WHERE key = 'q4'"
    ).fetchone()
    assert row[0] is None and row[1] == "[new-model] answer to: question 4"
    assert json.loads(row[2])["topic"] == 1


def test_text_summary_and_progress(tmp_path, db_path):
    prompts = write_prompts(tmp_path / "p.jsonl", 5)
    with FakeOpenAI(latency=0.01) as srv:
        srv.fail_when(lambda b: b["messages"][-1]["content"] == "question 2", "400")
        result = invoke(
            db_path,
            "-c",
            "t",
            "--prompts",
            str(prompts),
            "-m",
            "new-model",
            "--base-url",
            srv.base_url,
            "--progress",
        )
    assert result.exit_code == 0
    assert "4 answered, 1 failed" in result.stdout
    assert "errors: http 400 x1" in result.stdout
    assert "req/s" in result.stderr and "ETA" in result.stderr and "5/5" in result.stderr


def test_unknown_comparison_without_prompts_is_one_clear_line(db_path):
    open_db(db_path).close()
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "replay",
            "-c",
            "nope",
            "-m",
            "m",
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no comparison named 'nope'; the database has none yet"


def test_conflicting_prompt_for_a_known_key_stores_nothing(tmp_path, db_path):
    first = tmp_path / "a.jsonl"
    first.write_text('{"key": "x", "prompt": "one"}\n')
    clash = tmp_path / "b.jsonl"
    clash.write_text('{"key": "new", "prompt": "fine"}\n{"key": "x", "prompt": "two"}\n')
    with FakeOpenAI() as srv:
        base = ["-m", "m", "--base-url", srv.base_url]
        assert invoke(db_path, "-c", "c", "--prompts", str(first), *base).exit_code == 0
        result = CliRunner().invoke(
            main, ["--db", str(db_path), "replay", "-c", "c", "--prompts", str(clash), *base]
        )
    assert result.exit_code == 1
    assert f"{clash}:2: field 'prompt': key 'x' is already in the comparison" in result.output
    keys = [k for (k,) in open_db(db_path).execute("SELECT key FROM pairs")]
    assert keys == ["x"]


def test_bad_extra_and_missing_model_are_one_line(db_path):
    bad = CliRunner().invoke(
        main, ["--db", str(db_path), "replay", "-c", "c", "-m", "m", "--extra", "[1]"]
    )
    assert bad.exit_code == 1 and "--extra must be a JSON object" in bad.output
    none = CliRunner().invoke(
        main, ["--db", str(db_path), "replay", "-c", "c"], env={"SWAPVIEW_MODEL": ""}
    )
    assert none.exit_code == 1 and "which model?" in none.output


def test_the_api_key_never_reaches_the_database_output_or_logs(tmp_path, db_path, caplog):
    caplog.set_level(logging.DEBUG)
    prompts = write_prompts(tmp_path / "p.jsonl", 12)
    env = {"SWAPVIEW_API_KEY": KEY}
    with FakeOpenAI(api_key=KEY) as srv:
        # Gateways that echo the key back, whole or masked, in their error messages.
        srv.fail_when(
            lambda b: b["messages"][-1]["content"] == "question 3",
            "400",
            message=f"Invalid request for key {KEY}",
        )
        srv.fail_when(
            lambda b: b["messages"][-1]["content"] == "question 5",
            "error_body",
            message=f"Incorrect API key provided: {KEY[:8]}****{KEY[-4:]}.",
        )
        ok = invoke(
            db_path,
            "-c",
            "k",
            "--prompts",
            str(prompts),
            "-m",
            "m",
            "--base-url",
            srv.base_url,
            "--progress",
            "--max-retries",
            "1",
            env=env,
        )
        wrong = KEY.replace("SECRET", "WRONG!")
        refused = invoke(
            db_path,
            "-c",
            "k",
            "-m",
            "m",
            "--base-url",
            srv.base_url,
            env={"SWAPVIEW_API_KEY": wrong},
        )
        assert srv.stats.auth_headers[0] == f"Bearer {KEY}"  # it was really sent
    assert ok.exit_code == 0 and "10 answered, 2 failed" in ok.stdout
    assert refused.exit_code == 1
    assert "the API key was refused by http://127.0.0.1:" in refused.output
    db = open_db(db_path)
    assert (
        "[redacted]" in db.execute("SELECT group_concat(message) FROM replay_errors").fetchone()[0]
    )
    db.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("swapview.db*"))
    texts = [ok.output, refused.output, caplog.text]
    for secret in (KEY, wrong, KEY[:8] + "****"):
        assert secret.encode() not in stored
        assert not any(secret in text for text in texts)


# -- killed runs -------------------------------------------------------------------


def _answered(db_path: Path) -> int:
    conn = sqlite3.connect(db_path, timeout=5)
    try:
        return conn.execute("SELECT count(candidate_output) FROM pairs").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        conn.close()


def _wait_for(predicate, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.slow  # real replay processes, interrupted and killed
def test_killed_runs_resume_without_sending_or_storing_twice(tmp_path, db_path):
    n = 120
    prompts = write_prompts(tmp_path / "p.jsonl", n)
    db = open_db(db_path)
    # Every write of an answer is logged by SQLite itself, whatever process makes it.
    db.executescript(
        """
        CREATE TABLE answer_log (pair_id INTEGER, old TEXT, new TEXT);
        CREATE TRIGGER log_answer AFTER UPDATE OF candidate_output ON pairs
        WHEN new.candidate_output IS NOT old.candidate_output
        BEGIN INSERT INTO answer_log VALUES (old.id, old.candidate_output,
                                             new.candidate_output); END;
        """
    )
    db.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with FakeOpenAI(latency=0.04) as srv:
        args = [
            *CLI,
            "--db",
            str(db_path),
            "replay",
            "-c",
            "killed",
            "--prompts",
            str(prompts),
            "-m",
            "new-model",
            "--base-url",
            srv.base_url,
            "-j",
            "4",
        ]
        run = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _wait_for(lambda: _answered(db_path) >= 20)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=20)
        assert run.returncode == 130, err
        assert "still missing; the same command sends only those" in err
        after_int = _answered(db_path)

        run = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: _answered(db_path) >= after_int + 20)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=20)
        after_kill = _answered(db_path)
        assert after_int < after_kill < n

        sent_before = srv.stats.requests["chat"]
        final = subprocess.run(
            [*args, "--json"], env=env, capture_output=True, text=True, timeout=60
        )
        sent = srv.stats.requests["chat"] - sent_before
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert sent == summary["done"] == summary["pending"] == n - after_kill
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM pairs").fetchone()[0] == n
    assert _answered(db_path) == n
    log = conn.execute("SELECT count(*), count(DISTINCT pair_id), count(old) FROM answer_log")
    assert log.fetchone() == (n, n, 0)  # each pair answered once, never over an answer
    for prompt, answer in conn.execute("SELECT prompt, candidate_output FROM pairs"):
        assert answer == f"[new-model] answer to: {prompt}"


def test_config_file_settings_reach_the_request(tmp_path, db_path):
    prompts = write_prompts(tmp_path / "p.jsonl", 2)
    with FakeOpenAI() as srv:
        config = tmp_path / "swapview.toml"
        config.write_text(
            f'[replay]\nbase_url = "{srv.base_url}"\nmodel = "from-file"\n'
            "temperature = 0.3\n[replay.extra]\ntop_p = 0.5\n"
        )
        result = invoke(
            db_path,
            "-c",
            "f",
            "--prompts",
            str(prompts),
            "--config",
            str(config),
            "--max-tokens",
            "7",
            "--json",
        )
        body = srv.stats.bodies[0]
    assert result.exit_code == 0, result.output
    assert (body["model"], body["temperature"], body["top_p"], body["max_tokens"]) == (
        "from-file",
        0.3,
        0.5,
        7,
    )
