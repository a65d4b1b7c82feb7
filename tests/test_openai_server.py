"""The test server itself: it must really fail the way it is told to."""

from __future__ import annotations

import httpx
import pytest

from tests.support.openai_server import FakeOpenAI


def _chat(client: httpx.Client, base: str, text: str = "hi") -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    return client.post(f"{base}/chat/completions", json=body)


def test_answers_chat_and_embeddings():
    with FakeOpenAI() as srv, httpx.Client(timeout=5) as c:
        r = _chat(c, srv.base_url, "hello there")
        assert r.json()["choices"][0]["message"]["content"].endswith("hello there")
        e = c.post(f"{srv.base_url}/embeddings", json={"model": "e", "input": ["a b", "a c"]})
        assert len(e.json()["data"]) == 2
        assert srv.stats.requests == {"chat": 1, "embeddings": 1}


@pytest.mark.parametrize("kind,status", [("429", 429), ("503", 503), ("401", 401)])
def test_scheduled_status_faults_then_recovers(kind, status):
    with FakeOpenAI() as srv, httpx.Client(timeout=5) as c:
        srv.fail_next(1, kind, retry_after=2)
        first = _chat(c, srv.base_url)
        assert first.status_code == status and first.headers["Retry-After"] == "2"
        assert _chat(c, srv.base_url).status_code == 200


def test_drop_malformed_slow_and_predicate():
    with FakeOpenAI() as srv, httpx.Client(timeout=0.5) as c:
        srv.fail_next(1, "drop")
        with pytest.raises(httpx.HTTPError):
            _chat(c, srv.base_url).json()
        srv.fail_next(1, "malformed")
        with pytest.raises(ValueError):
            _chat(c, srv.base_url).json()
        srv.fail_next(1, "slow", delay=1.0)
        with pytest.raises(httpx.TimeoutException):
            _chat(c, srv.base_url)
        srv.fail_when(lambda b: b["messages"][0]["content"] == "bad", "400")
        assert _chat(c, srv.base_url, "bad").status_code == 400
        assert _chat(c, srv.base_url, "good").status_code == 200
