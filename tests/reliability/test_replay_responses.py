"""Replay against real local servers that drip, filter or flood."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from swapview.replay import client as client_mod
from swapview.replay.client import Answer, ChatClient, Failure
from swapview.replay.config import ReplayConfig


def serve(handler) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def loop() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    stop.set()
    t.join(2)
    sock.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += conn.recv(65536)


def _respond(conn: socket.socket, payload: bytes, drip: float = 0.0) -> None:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    conn.sendall(head.encode())
    try:
        if drip:
            for i in range(len(payload)):
                conn.sendall(payload[i : i + 1])
                time.sleep(drip)
        else:
            conn.sendall(payload)
    except OSError:
        pass
    conn.close()


def complete(base_url: str, timeout: float) -> Answer | Failure:
    async def go() -> Answer | Failure:
        c = ChatClient(ReplayConfig(model="m", base_url=base_url, timeout=timeout))
        try:
            return await c.complete([{"role": "user", "content": "hi"}])
        finally:
            await c.aclose()

    return asyncio.run(go())


def chat(content, finish="stop") -> bytes:
    msg = {"role": "assistant", "content": content}
    return json.dumps({"choices": [{"index": 0, "message": msg, "finish_reason": finish}]}).encode()


@pytest.mark.slow
def test_timeout_is_a_deadline_for_the_whole_request() -> None:
    def drip(conn):
        _read_request(conn)
        _respond(conn, chat("x" * 200), drip=0.1)  # 20 s at a byte per 100 ms

    for url in serve(drip):
        t0 = time.monotonic()
        got = complete(url, timeout=1.5)
        took = time.monotonic() - t0
    assert isinstance(got, Failure) and got.kind == "timeout", got
    assert took < 4, took


def test_content_filter_is_recorded_as_what_it_is() -> None:
    def filtered(conn):
        _read_request(conn)
        _respond(conn, chat(None, "content_filter"))

    for url in serve(filtered):
        got = complete(url, timeout=5)
    assert isinstance(got, Failure) and got.kind == "content_filter"


def test_a_body_past_the_cap_is_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_mod, "MAX_BODY_BYTES", 10_000)

    def flood(conn):
        _read_request(conn)
        _respond(conn, chat("y" * 50_000))

    for url in serve(flood):
        got = complete(url, timeout=5)
    assert isinstance(got, Failure) and got.kind == "too_large"
