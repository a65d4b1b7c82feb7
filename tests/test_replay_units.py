"""Replay's pure parts: settings precedence, prompt files, buckets, backoff, parsing."""

from __future__ import annotations

import gzip
import random

import httpx
import pytest

from swapview.errors import InputError, SwapviewError
from swapview.httpretry import retry_after
from swapview.replay import ReplayConfig, build_config, parse_extra, read_prompts
from swapview.replay.client import ChatClient
from swapview.replay.limits import Bucket, backoff
from swapview.replay.prompts import to_messages

# -- settings --------------------------------------------------------------------------


def test_flags_beat_swapview_env_beat_config_file_beat_openai_env(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[replay]\nbase_url = "http://file/v1"\nmodel = "file-model"\nconcurrency = 3\n')
    env = {"OPENAI_BASE_URL": "http://openai/v1", "OPENAI_API_KEY": "sk-openai"}
    assert build_config({}, config_path=cfg, environ=env).base_url == "http://file/v1"
    env["SWAPVIEW_BASE_URL"] = "http://swapview/v1"
    got = build_config({}, config_path=cfg, environ=env)
    assert (got.base_url, got.model, got.concurrency) == ("http://swapview/v1", "file-model", 3)
    assert got.secret() == "sk-openai"
    got = build_config(
        {"base_url": "http://flag/v1", "model": "m", "concurrency": None},
        config_path=cfg,
        environ=env,
    )
    assert (got.base_url, got.model, got.concurrency) == ("http://flag/v1", "m", 3)


def test_no_config_file_is_fine_unless_named(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert build_config({"model": "m"}, environ={}).base_url == "https://api.openai.com/v1"
    with pytest.raises(InputError, match="config file not found"):
        build_config({"model": "m"}, config_path=tmp_path / "none.toml", environ={})


@pytest.mark.parametrize(
    "given,expected",
    [
        ("http://h:8000/v1/", "http://h:8000/v1"),
        ("http://h:8000/v1/chat/completions", "http://h:8000/v1"),
        (" https://gw.example/openai/v1 ", "https://gw.example/openai/v1"),
    ],
)
def test_base_url_is_normalised(given, expected):
    assert ReplayConfig(model="m", base_url=given).base_url == expected


def test_bad_settings_name_the_setting_but_never_echo_values():
    with pytest.raises(SwapviewError) as err:
        build_config(
            {"model": "m", "base_url": "ftp://sk-secret-in-url", "concurrency": 0}, environ={}
        )
    text = str(err.value)
    assert "base_url" in text and "concurrency" in text and "sk-secret" not in text


def test_key_is_hidden_in_repr_and_userinfo_dropped_from_display_url():
    cfg = ReplayConfig(model="m", api_key="sk-abc", base_url="https://u:pw@h/v1")
    assert "sk-abc" not in repr(cfg) and cfg.display_url == "https://h/v1"


@pytest.mark.parametrize(
    "text,message",
    [
        ("{bad", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"messages": []}', "may not set messages"),
    ],
)
def test_bad_extra(text, message):
    with pytest.raises(SwapviewError, match=message):
        build_config({"model": "m", "extra": parse_extra(text)}, environ={})


# -- prompts files ---------------------------------------------------------------------


def test_prompt_file_shapes(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        '"plain text"\n'
        '[{"role": "user", "content": "as chat"}]\n'
        "\n"
        '{"key": "a", "prompt": "keyed"}\n'
        '{"id": 7, "messages": [{"role": "user", "content": "by id"}], "tag": "x"}\n'
    )
    got = list(read_prompts(path))
    assert [line for line, _ in got] == [1, 2, 4, 5]
    recs = [rec for _, rec in got]
    assert recs[0].prompt == "plain text" and recs[0].key.startswith("p-")
    assert recs[1].prompt_format == "chat"
    assert (recs[2].key, recs[3].key, recs[3].metadata) == ("a", "7", {"tag": "x"})
    # Keys without a key field come from the prompt, so they survive edits elsewhere.
    path.write_text('"new first line"\n"plain text"\n')
    assert list(read_prompts(path))[1][1].key == recs[0].key


def test_gzip_prompt_file(tmp_path):
    path = tmp_path / "p.jsonl.gz"
    path.write_bytes(gzip.compress(b'"zipped"\n'))
    assert list(read_prompts(path))[0][1].prompt == "zipped"


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "{path}: no prompts in the file"),
        (b'"ok"\n{nope\n', "{path}:2: not JSON"),
        (b'{"key": "a"}\n', "{path}:1: no prompt: expected one of prompt, messages, input"),
        (b"42\n", "{path}:1: a prompt is a string or a non-empty list"),
        (b"[]\n", "{path}:1: a prompt is a string or a non-empty list"),
        (b'[{"content": "x"}]\n', "{path}:1: field 'messages[0]': each chat message needs"),
        (
            b'[{"role": "user"}]\n',
            "{path}:1: field 'messages[0]': each chat message needs a 'content'",
        ),
        (b'{"key": "", "prompt": "x"}\n', "{path}:1: field 'key': must be a non-empty"),
        (b'"caf\xe9"\n', "{path} (byte 4): not UTF-8 text"),
    ],
)
def test_bad_prompt_files(tmp_path, content, expected):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        list(read_prompts(path))
    assert str(err.value).startswith(expected.format(path=path)), str(err.value)


def test_missing_prompt_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        list(read_prompts(tmp_path / "none.jsonl"))


@pytest.mark.parametrize(
    "prompt,system,expected_roles",
    [
        ("hi", None, ["user"]),
        ("hi", "sys", ["system", "user"]),
        ([{"role": "user", "content": "hi"}], "sys", ["system", "user"]),
        (
            [{"role": "system", "content": "own"}, {"role": "user", "content": "hi"}],
            "sys",
            ["system", "user"],
        ),
    ],
)
def test_to_messages(prompt, system, expected_roles):
    messages = to_messages(prompt, system)
    assert [m["role"] for m in messages] == expected_roles
    if isinstance(prompt, list) and prompt[0]["role"] == "system":
        assert messages[0]["content"] == "own"


# -- limits ----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_bucket_bursts_one_second_then_refills_at_rate():
    clock = FakeClock()
    bucket = Bucket(600, clock)  # 10/s, holds 10
    for _ in range(10):
        assert bucket.wait_time(1) == 0
        bucket.take(1)
    assert bucket.wait_time(1) == pytest.approx(0.1)
    clock.t += 0.5
    assert bucket.wait_time(5) == 0


def test_bucket_lets_an_oversized_cost_through_when_full_and_goes_into_debt():
    clock = FakeClock()
    bucket = Bucket(60, clock)  # 1/s, holds 1
    assert bucket.wait_time(50) == 0
    bucket.take(50)
    assert bucket.wait_time(1) == pytest.approx(50)


def test_backoff_doubles_within_jitter_and_caps():
    rng = random.Random(1)
    for attempt, full in [(1, 1), (2, 2), (3, 4), (10, 30)]:
        for _ in range(20):
            assert full / 2 <= backoff(attempt, 1, 30, rng) <= full


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "Retry-After": "1"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"Retry-After": "soon"}, None),
    ],
)
def test_retry_after_parsing(headers, expected):
    assert retry_after(httpx.Headers(headers)) == expected


def test_redact_removes_whole_and_masked_keys():
    client = ChatClient(ReplayConfig(model="m", api_key="sk-proj-abcdef123456"))
    assert client.redact("bad key sk-proj-abcdef123456!") == "bad key [redacted]!"
    assert client.redact("provided: sk-proj-****3456.") == "provided: [redacted]"


def test_the_writer_lives_on_when_a_waiting_caller_gave_up(tmp_path) -> None:
    """A cancelled future (the producer's task cancelled when a run stops) must not kill
    the writer thread: what is queued behind it is still committed."""
    import threading

    from swapview.replay.writer import StoreWriter
    from swapview.store import open_db

    db = open_db(tmp_path / "w.db")
    db.execute("CREATE TABLE t (x INTEGER)")
    writer = StoreWriter(db)
    gate = threading.Event()
    blocked = writer.submit(gate.wait)  # holds the thread while the next one is cancelled
    given_up = writer.submit(db.execute, "INSERT INTO t VALUES (1)")
    assert given_up.cancel()
    gate.set()
    after = writer.submit(db.execute, "INSERT INTO t VALUES (2)")
    writer.close()
    assert blocked.result() is True and after.done() and writer.error is None
    assert sorted(x for (x,) in db.execute("SELECT x FROM t")) == [1, 2]
