"""Replay against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import time

import pytest

from swapview import reviews
from swapview.replay import records
from tests.support.openai_server import FakeOpenAI, default_chat
from tests.support.replay_helpers import outcomes, replay, replay_meta, seed


def expected_answer(i: int, model: str = "new-model") -> str:
    return f"[{model}] answer to: prompt {i}"


def _prompt_is(text: str):
    return lambda body: body["messages"][-1]["content"] == text


async def test_answers_every_missing_pair_with_metadata(db):
    seed(db, 12)
    with FakeOpenAI(latency=0.01) as srv:
        summary = await replay(
            db,
            srv.base_url,
            temperature=0.2,
            max_tokens=50,
            seed=3,
            system_prompt="Be brief.",
            extra={"top_p": 0.9},
            # No faults here, so no retries: a generous timeout keeps a loaded CI machine
            # from turning one slow answer into a second request.
            timeout=30,
        )
        bodies = list(srv.stats.bodies)
    assert (summary.done, summary.failed, summary.requests) == (12, 0, 12)
    got = outcomes(db)
    assert all(got[f"k{i}"] == (expected_answer(i), None) for i in range(12))
    body = bodies[0]
    assert body["model"] == "new-model" and body["top_p"] == 0.9 and body["seed"] == 3
    assert body["temperature"] == 0.2 and body["max_tokens"] == 50
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    meta = replay_meta(db, "k3")
    assert meta["finish_reason"] == "stop" and meta["completion_tokens"] == 5
    assert meta["latency_ms"] > 5 and meta["attempts"] == 1
    # The loader's own metadata survives beside the replay record.
    assert '"row": 3' in db.execute("SELECT metadata FROM pairs WHERE key='k3'").fetchone()[0]
    (name,) = db.execute("SELECT candidate_model FROM comparisons").fetchone()
    assert name == "new-model"


async def test_stored_answer_updates_content_hash_and_stales_reviews(db):
    seed(db, 2)
    pid, old_hash = db.execute("SELECT id, content_hash FROM pairs WHERE key='k0'").fetchone()
    reviews.record(db, pid, "tester", tag="regression")
    with FakeOpenAI() as srv:
        await replay(db, srv.base_url)
    (new_hash,) = db.execute("SELECT content_hash FROM pairs WHERE id=?", [pid]).fetchone()
    assert new_hash != old_hash
    assert db.execute("SELECT stale FROM decisions WHERE pair_id=?", [pid]).fetchone()[0] == 1


async def test_every_prompt_ends_with_one_answer_or_one_error_under_faults(db):
    n = 60
    seed(db, n)
    with FakeOpenAI(latency=0.005) as srv:
        srv.fail_when(_prompt_is("prompt 7"), "400")
        srv.fail_when(_prompt_is("prompt 13"), "500")  # never recovers: retries run out
        srv.fail_when(_prompt_is("prompt 21"), "404")
        srv.fail_when(_prompt_is("prompt 30"), "error_body")
        for kind in ("429", "500", "502", "503", "drop", "malformed", "error_body"):
            srv.fail_next(3, kind)
        srv.fail_next(2, "slow", delay=0.8)
        summary = await replay(db, srv.base_url, max_retries=6, timeout=0.3, concurrency=6)
        faults = dict(srv.stats.faults)
    got = outcomes(db)
    assert len(got) == n
    for key, (output, err) in got.items():
        assert (output is None) != (err is None), key  # exactly one of the two
    failed = {k: e for k, (_, e) in got.items() if e}
    assert set(failed) == {"k7", "k13", "k21", "k30"}
    assert (failed["k7"]["status"], failed["k7"]["attempts"], failed["k7"]["retryable"]) == (
        400,
        1,
        0,
    )
    assert failed["k21"]["status"] == 404 and failed["k21"]["attempts"] == 1
    assert (failed["k13"]["status"], failed["k13"]["attempts"], failed["k13"]["retryable"]) == (
        500,
        7,
        1,
    )
    assert failed["k30"]["kind"] == "error_body"
    for i in set(range(n)) - {7, 13, 21, 30}:
        assert got[f"k{i}"][0] == expected_answer(i)  # each answer belongs to its prompt
    assert (summary.done, summary.failed) == (n - 4, 4)
    assert faults["slow"] == 2 and faults["drop"] == 3 and faults["malformed"] == 3
    assert summary.retried >= 3 * 7 + 2
    assert replay_meta(db, "k7")["error"]["status"] == 400


@pytest.mark.parametrize("concurrency", [1, 4, 9])
async def test_configured_concurrency_is_reached_and_never_exceeded(db, concurrency):
    n = max(8, 4 * concurrency)
    seed(db, n)
    with FakeOpenAI(latency=0.1) as srv:
        srv.fail_next(4, "503")
        summary = await replay(db, srv.base_url, concurrency=concurrency)
        assert srv.stats.max_in_flight == concurrency
    assert summary.done == n


async def test_retry_after_is_honoured(db):
    seed(db, 1)
    arrivals: list[float] = []
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: arrivals.append(time.monotonic()) and False, "400")
        srv.fail_next(1, "429", retry_after=1)
        summary = await replay(db, srv.base_url, concurrency=1)
    assert summary.done == 1 and summary.retried == 1
    gap = arrivals[1] - arrivals[0]
    assert 1.0 <= gap < 1.5, gap


async def test_retry_after_pauses_the_other_workers_too(db):
    seed(db, 6)
    arrivals: list[float] = []

    def slow_answer(body):  # answers come well after the 429 has been seen
        time.sleep(0.15)
        return default_chat(body)

    with FakeOpenAI(chat_fn=slow_answer) as srv:
        srv.fail_when(lambda body: arrivals.append(time.monotonic()) and False, "400")
        srv.fail_when(_prompt_is("prompt 0"), "429", times=1, retry_after=0.6)
        summary = await replay(db, srv.base_url, concurrency=3)
    # The first wave of three: one 429 at once, two answers 0.15 s later. The two free
    # workers have prompts left but must sit out the pause the 429 asked for.
    assert summary.done == 6 and len(arrivals) == 7
    assert arrivals[3] - arrivals[0] >= 0.6, arrivals


async def test_backoff_without_retry_after_grows(db):
    seed(db, 1)
    arrivals: list[float] = []
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: arrivals.append(time.monotonic()) and False, "400")
        srv.fail_next(3, "503")
        await replay(db, srv.base_url, concurrency=1, backoff_base=0.1, backoff_max=10)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    # Jittered in [0.5, 1] x 0.1, 0.2, 0.4.
    assert 0.05 <= gaps[0] and 0.1 <= gaps[1] and 0.2 <= gaps[2] < 0.5, gaps


async def test_refused_key_stops_at_once_without_showing_it(db):
    seed(db, 200)
    with FakeOpenAI(api_key="sk-right-key-000000000") as srv:
        summary = await replay(db, srv.base_url, api_key="sk-wrong-key-111111111", concurrency=4)
        sent = srv.stats.requests["chat"]
    assert (
        summary.stopped == f"the API key was refused by {srv.base_url} (401):"
        " Incorrect API key provided"
    )
    assert sent <= 4 + 3  # the first in-flight wave, not 200
    assert summary.done == 0


async def test_missing_key_stop_says_how_to_give_one(db):
    seed(db, 20)
    with FakeOpenAI(api_key="sk-right-key-000000000") as srv:
        summary = await replay(db, srv.base_url)
    assert "no API key was given" in summary.stopped and "SWAPVIEW_API_KEY" in summary.stopped


async def test_unknown_model_stops_instead_of_failing_every_pair(db):
    seed(db, 50)
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: True, "404")
        summary = await replay(db, srv.base_url, concurrency=2)
        assert srv.stats.requests["chat"] <= 4
    assert "404" in summary.stopped and "--model" in summary.stopped


async def test_rate_limit_holds(db):
    seed(db, 30)
    arrivals: list[float] = []
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: arrivals.append(time.monotonic()) and False, "400")
        await replay(db, srv.base_url, concurrency=8, requests_per_minute=1200)
    # 20/s with a one-second bucket: 20 at once, then the next 10 over half a second.
    # Measured at the server, so allow for the first wave arriving a little late on a
    # busy machine (it opens the connections); no limit at all would take ~0.05 s.
    span = arrivals[-1] - arrivals[0]
    assert 0.3 <= span < 1.5, span
    for i, t in enumerate(arrivals):
        assert i + 1 <= 20 + 20 * (t - arrivals[0]) + 3


async def test_token_rate_limit_holds(db):
    seed(db, 30)
    arrivals: list[float] = []
    fifty_words = " ".join(["word"] * 50)
    with FakeOpenAI(chat_fn=lambda body: fifty_words) as srv:
        srv.fail_when(lambda body: arrivals.append(time.monotonic()) and False, "400")
        # 30 x 52 tokens against 60,000/min (1,000/s, a bucket of 1,000): >= 0.56 s.
        summary = await replay(db, srv.base_url, concurrency=8, tokens_per_minute=60_000)
    assert summary.prompt_tokens + summary.completion_tokens == 30 * 52
    assert 0.5 <= arrivals[-1] - arrivals[0] < 3.0


async def test_failed_prompts_are_retried_by_default_and_skippable(db):
    seed(db, 5)
    with FakeOpenAI() as srv:
        srv.fail_when(_prompt_is("prompt 2"), "400", times=2)
        first = await replay(db, srv.base_url)
        skipped = await replay(db, srv.base_url, retry_failed=False)
        again = await replay(db, srv.base_url)
        final = await replay(db, srv.base_url)  # the server stops refusing it
        assert srv.stats.requests["chat"] == 5 + 0 + 1 + 1
    assert (first.done, first.failed) == (4, 1)
    assert skipped.pending == 0
    assert (again.pending, again.done, again.failed) == (1, 0, 1)
    assert (final.pending, final.done) == (1, 1)
    assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 0
    assert "error" not in replay_meta(db, "k2")


async def test_baseline_side_can_be_generated(db):
    seed(db, 3)
    db.execute("UPDATE pairs SET baseline_output = NULL WHERE key = 'k1'")
    db.conn.commit()
    with FakeOpenAI() as srv:
        summary = await replay(db, srv.base_url, side="baseline", model="old-model")
    assert summary.done == 1
    assert outcomes(db, "baseline")["k1"] == (expected_answer(1, "old-model"), None)
    assert outcomes(db, "baseline")["k0"][0] == "old answer 0"


async def test_answer_never_overwrites_one_stored_meanwhile(db):
    seed(db, 1)
    (pid,) = db.execute("SELECT id FROM pairs").fetchone()
    assert records.save_answer(db, pid, "candidate", "first", {})
    assert not records.save_answer(db, pid, "candidate", "second", {})
    assert not records.save_error(
        db,
        pid,
        "candidate",
        {
            "model": "m",
            "kind": "http",
            "status": 500,
            "message": "x",
            "attempts": 1,
            "retryable": True,
        },
    )
    assert outcomes(db)["k0"] == ("first", None)


async def test_chat_prompts_are_sent_as_messages(db, tmp_path):
    chat = [{"role": "system", "content": "Own system."}, {"role": "user", "content": "hi"}]
    path = tmp_path / "p.jsonl"
    path.write_text(f'{{"key": "c1", "messages": {__import__("json").dumps(chat)}}}\n')
    from swapview.replay import import_prompts, read_prompts

    import_prompts(db, "chat", path, read_prompts(path))
    with FakeOpenAI() as srv:
        await replay(db, srv.base_url, name="chat", system_prompt="Ignored here.")
        assert srv.stats.bodies[0]["messages"] == chat
    assert outcomes(db)["c1"][0] == default_chat({"model": "new-model", "messages": chat})


async def test_a_failing_write_stops_the_run_and_keeps_the_other_answers(db):
    seed(db, 40)
    db.executescript(
        """
        CREATE TRIGGER no_k5 BEFORE UPDATE OF candidate_output ON pairs
        WHEN new.key = 'k5' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;
        """
    )
    with FakeOpenAI(latency=0.01) as srv:
        summary = await replay(db, srv.base_url, concurrency=2)
        assert "cannot write to the database (disk says no)" in summary.stopped
        got = outcomes(db)
        assert got["k5"] == (None, None)
        answered = [k for k, (out, _) in got.items() if out is not None]
        assert summary.done == len(answered) >= 3
        for key in answered:  # answer and its metadata went in together
            assert replay_meta(db, key)["finish_reason"] == "stop"
        db.execute("DROP TRIGGER no_k5")
        again = await replay(db, srv.base_url, concurrency=2)
    assert again.done == 40 - len(answered) and again.stopped is None


async def test_limit_and_pairs_without_a_prompt(db):
    seed(db, 10)
    db.execute("UPDATE pairs SET prompt = NULL WHERE key = 'k0'")
    db.conn.commit()
    with FakeOpenAI() as srv:
        from swapview.replay import Replayer
        from tests.support.replay_helpers import fast_config

        first = await Replayer(db, "cmp", fast_config(srv.base_url), limit=4).run()
        rest = await replay(db, srv.base_url)
    assert (first.pending, first.done) == (4, 4) and (rest.pending, rest.done) == (5, 5)
    assert rest.warnings == ["1 pairs have no prompt and cannot be replayed"]
    assert outcomes(db)["k0"] == (None, None)


async def test_a_quota_sized_retry_after_stops_the_run(db):
    seed(db, 30)
    with FakeOpenAI() as srv:
        srv.fail_when(lambda body: True, "429", retry_after=3600)
        summary = await replay(db, srv.base_url, concurrency=2)
        assert srv.stats.requests["chat"] <= 2
    assert summary.stopped.startswith(f"{srv.base_url} asks to wait 3600 s (http 429: Rate")
    assert db.execute("SELECT count(*) FROM replay_errors").fetchone()[0] == 0
