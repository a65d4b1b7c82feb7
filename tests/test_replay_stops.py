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
    assert summary.stopped == (f"cannot connect to {url}: connection refused;"
                               " is the server running and the base URL right?")
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
        summary = await replay(db, srv.base_url, concurrency=1, max_retries=60,
                               backoff_base=0.02, backoff_max=0.05)
    assert summary.stopped is None and (summary.done, summary.failed) == (8, 0)
    assert summary.retried >= 2


def test_cli_names_the_url_and_exits_non_zero_on_a_closed_port(tmp_path: Path, db_path: Path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps(f"question {i}") for i in range(16)) + "\n")
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = CliRunner().invoke(main, ["--db", str(db_path), "replay", "-c", "down",
                                       "--prompts", str(prompts), "-m", "m", "--base-url", url,
                                       "--json"])
    assert result.exit_code == 1
    assert f"Error: cannot connect to {url}: connection refused" in result.output
    assert json.loads(result.stdout)["requests"] <= 8 + 2


def test_a_run_where_every_prompt_failed_exits_non_zero(tmp_path: Path, db_path: Path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps(f"question {i}") for i in range(5)) + "\n")
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: True, "400")
        result = CliRunner().invoke(main, ["--db", str(db_path), "replay", "-c", "bad",
                                           "--prompts", str(prompts), "-m", "m",
                                           "--base-url", srv.base_url])
    assert result.exit_code == 1
    assert "0 answered, 5 failed" in result.stdout
    assert "every prompt failed (5), none answered" in result.output
