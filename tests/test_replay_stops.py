"""When a replay gives up on the whole run, and when it keeps retrying: real sockets."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

from click.testing import CliRunner

from swapview.cli import main
from tests.support.openai_server import FakeOpenAI, default_chat
from tests.support.replay_helpers import outcomes, replay, seed


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def down_after(srv: FakeOpenAI, answers: int, back_after: float | None = None):
    """A chat_fn that takes the server down once it has given ``answers`` answers."""
    given = 0

    def chat(body: dict) -> str:
        nonlocal given
        given += 1
        if given == answers:
            srv.go_down()
            if back_after is not None:
                threading.Timer(back_after, srv.come_back).start()
        return default_chat(body)

    return chat


async def test_an_endpoint_that_refuses_connections_stops_the_run_at_once(db):
    seed(db, 200)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    summary = await replay(db, url, concurrency=4, max_retries=5)
    assert summary.stopped == (
        f"cannot connect to {url}: connection refused;"
        " is the server running and the base URL right?"
    )
    # The first wave of four, not 200 prompts x 6 attempts.
    assert summary.requests <= 4 + 2
    assert (summary.done, summary.failed) == (0, 0)
    assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 0


async def test_one_prompt_against_a_closed_port_retries_a_little_then_stops(db):
    seed(db, 1)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    summary = await replay(db, url, concurrency=1, max_retries=50)
    assert summary.stopped.startswith(f"cannot connect to {url}: connection refused")
    assert summary.requests == 3 and summary.retried == 2


async def test_a_server_lost_after_answering_is_retried_not_stopped(db):
    seed(db, 6)
    srv = FakeOpenAI()
    srv.chat_fn = down_after(srv, 3)
    with srv:
        summary = await replay(db, srv.base_url, concurrency=1, max_retries=3)
    assert summary.stopped is None
    assert (summary.done, summary.failed) == (3, 3)
    # Every prompt after the outage spent all its attempts: 3 answers + 3 x 4 attempts.
    assert summary.requests == 3 + 3 * 4
    failed = {k: e for k, (_, e) in outcomes(db).items() if e}
    assert set(failed) == {"k3", "k4", "k5"}
    assert failed["k5"]["kind"] == "connect" and failed["k5"]["message"] == "connection refused"
    assert failed["k5"]["attempts"] == 4


async def test_a_short_outage_after_answering_is_ridden_out(db):
    seed(db, 8)
    srv = FakeOpenAI()
    srv.chat_fn = down_after(srv, 2, back_after=0.2)
    with srv:
        summary = await replay(
            db, srv.base_url, concurrency=1, max_retries=60, backoff_base=0.02, backoff_max=0.05
        )
    assert summary.stopped is None and (summary.done, summary.failed) == (8, 0)
    assert summary.retried >= 2


def test_cli_names_the_url_and_exits_non_zero_on_a_closed_port(tmp_path: Path, db_path: Path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps(f"question {i}") for i in range(16)) + "\n")
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "replay",
            "-c",
            "down",
            "--prompts",
            str(prompts),
            "-m",
            "m",
            "--base-url",
            url,
            "--json",
        ],
    )
    assert result.exit_code == 1
    assert f"Error: cannot connect to {url}: connection refused" in result.output
    assert json.loads(result.stdout)["requests"] <= 8 + 2


def test_a_run_where_every_prompt_failed_exits_non_zero(tmp_path: Path, db_path: Path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps(f"question {i}") for i in range(5)) + "\n")
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: True, "400")
        result = CliRunner().invoke(
            main,
            [
                "--db",
                str(db_path),
                "replay",
                "-c",
                "bad",
                "--prompts",
                str(prompts),
                "-m",
                "m",
                "--base-url",
                srv.base_url,
            ],
        )
    assert result.exit_code == 1
    assert "0 answered, 5 failed" in result.stdout
    assert "every prompt failed (5), none answered" in result.output


# -- what a stopped run leaves behind ------------------------------------------------


def _nulls(db) -> int:
    return db.execute("SELECT count(*) FROM pairs WHERE candidate_output IS NULL").fetchone()[0]


async def test_a_refused_key_marks_no_prompt_failed_so_skip_failed_still_sends_all(db):
    seed(db, 200)
    with FakeOpenAI(api_key="sk-right-key-000000000") as srv:
        refused = await replay(db, srv.base_url, api_key="sk-wrong-key-111111111", concurrency=4)
        assert refused.stopped.startswith("the API key was refused")
        assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 0
        assert "replay" not in json.loads(
            db.execute("SELECT metadata FROM pairs WHERE key = 'k0'").fetchone()[0]
        )
        fixed = await replay(db, srv.base_url, api_key="sk-right-key-000000000", retry_failed=False)
    assert (fixed.pending, fixed.done, fixed.failed, fixed.left_failed) == (200, 200, 0, 0)
    assert _nulls(db) == 0


async def test_an_unknown_model_stop_marks_no_prompt_failed(db):
    seed(db, 30)
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: True, "404")
        summary = await replay(db, srv.base_url, concurrency=2)
    assert "404" in summary.stopped and summary.failed == 0
    assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 0


async def test_a_404_or_401_for_one_prompt_is_its_own_failure_once_others_answer(db):
    seed(db, 5)
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: body["messages"][-1]["content"] == "prompt 0", "404")
        srv.fail_when(lambda body: body["messages"][-1]["content"] == "prompt 4", "401")
        summary = await replay(db, srv.base_url, concurrency=1)
    assert summary.stopped is None
    assert (summary.done, summary.failed, summary.errors) == (3, 2, {"http 404": 1, "http 401": 1})
    failed = {k: e["status"] for k, (_, e) in outcomes(db).items() if e}
    assert failed == {"k0": 404, "k4": 401}


async def test_skip_failed_counts_what_it_leaves_out_and_resends_refused_key_records(db):
    from swapview.replay import records

    seed(db, 6)
    ids = dict(db.execute("SELECT key, id FROM pairs").fetchall())
    for key, status in (("k1", 401), ("k2", 400), ("k3", 403)):
        # As an older version recorded them: a refused key stored as the prompt's failure.
        records.save_error(
            db,
            ids[key],
            "candidate",
            {
                "model": "new-model",
                "kind": "http",
                "status": status,
                "message": "no",
                "attempts": 1,
                "retryable": False,
            },
        )
    with FakeOpenAI() as srv:
        summary = await replay(db, srv.base_url, retry_failed=False)
        sent = {b["messages"][-1]["content"] for b in srv.stats.bodies}
    assert "prompt 1" in sent and "prompt 3" in sent and "prompt 2" not in sent
    assert (summary.pending, summary.done, summary.left_failed) == (5, 5, 1)
    assert summary.done + summary.failed + summary.left_failed == 6
    assert _nulls(db) == 1
    assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 1


def test_cli_summary_names_the_prompts_skip_failed_left_out(tmp_path: Path, db_path: Path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps(f"question {i}") for i in range(5)) + "\n")
    with FakeOpenAI() as srv:
        srv.fail_when(lambda b: b["messages"][-1]["content"] == "question 2", "400", times=1)
        args = ["--db", str(db_path), "replay", "-c", "s", "-m", "m", "--base-url", srv.base_url]
        first = CliRunner().invoke(main, [*args, "--prompts", str(prompts)])
        skipped = CliRunner().invoke(main, [*args, "--skip-failed"])
        as_json = CliRunner().invoke(main, [*args, "--skip-failed", "--json"])
    assert first.exit_code == 0 and "4 answered, 1 failed" in first.stdout
    assert skipped.exit_code == 0, skipped.output
    assert "0 answered, 0 failed, 1 skipped (failed before)" in skipped.stdout
    assert "1 prompts that failed in an earlier run were not sent" in skipped.stdout
    out = json.loads(as_json.stdout)
    assert (out["pending"], out["left_failed"]) == (0, 1)
