"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It speaks ``POST /v1/chat/completions``, ``POST /v1/embeddings`` and ``GET /health`` over
real sockets (stdlib ``ThreadingHTTPServer``, one thread per connection) and injects faults
on demand, so clients are tested against the failures real gateways produce: 429 with and
without Retry-After, 5xx, responses slower than the client's timeout, connections dropped
mid-body, malformed JSON, and a 200 whose body is an error.

Faults are scheduled either for the next N requests (``fail_next``) or for requests whose
JSON body matches a predicate (``fail_when``, e.g. one prompt always 400s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ChatFn = Callable[[dict[str, Any]], str]
EmbedFn = Callable[[list[str]], list[list[float]]]

FAULT_KINDS = {
    "429",
    "500",
    "502",
    "503",
    "400",
    "401",
    "404",
    "slow",
    "drop",
    "malformed",
    "error_body",
}


@dataclass
class Fault:
    kind: str
    retry_after: float | None = None  # seconds, for 429/503
    delay: float = 5.0  # seconds, for "slow"
    endpoint: str | None = None  # "chat", "embeddings" or None for both
    message: str | None = None  # error message to send instead of the stock one

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {sorted(FAULT_KINDS)}")


@dataclass
class Rule:
    predicate: Callable[[dict[str, Any]], bool]
    fault: Fault
    times: int | None = None  # None = always


@dataclass
class ServerStats:
    requests: Counter = field(default_factory=Counter)  # by endpoint
    faults: Counter = field(default_factory=Counter)  # by kind
    in_flight: int = 0
    max_in_flight: int = 0
    auth_headers: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def default_chat(body: dict[str, Any]) -> str:
    """Deterministic answer: names the model and echoes the last user message."""
    messages = body.get("messages") or []
    last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    if isinstance(last, list):  # content parts
        last = " ".join(p.get("text", "") for p in last if isinstance(p, dict))
    return f"[{body.get('model', 'model')}] answer to: {last}"


def hashed_bow(texts: list[str], dim: int = 64) -> list[list[float]]:
    """Deterministic bag-of-words vectors (unit length): texts sharing words are close."""
    out = []
    for text in texts:
        vec = [0.0] * dim
        for word in text.lower().split():
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
            vec[h % dim] += 1.0 if h & 1 << 31 else -1.0
        norm = sum(v * v for v in vec) ** 0.5 or 1.0
        out.append([v / norm for v in vec])
    return out


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as srv:``; ``srv.base_url`` ends in ``/v1``."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        chat_fn: ChatFn = default_chat,
        embed_fn: EmbedFn = hashed_bow,
        api_key: str | None = None,
    ) -> None:
        self.latency = latency
        self.chat_fn = chat_fn
        self.embed_fn = embed_fn
        self.api_key = api_key
        self.stats = ServerStats()
        self._queue: deque[Fault] = deque()
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.down = False  # see go_down()

    # -- control ---------------------------------------------------------------------
    def fail_next(self, n: int, kind: str, **kw: Any) -> None:
        with self._lock:
            self._queue.extend(Fault(kind, **kw) for _ in range(n))

    def fail_when(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        kind: str,
        times: int | None = None,
        **kw: Any,
    ) -> None:
        with self._lock:
            self._rules.append(Rule(predicate, Fault(kind, **kw), times))

    def clear_faults(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rules.clear()

    def _pick_fault(self, endpoint: str, body: dict[str, Any]) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.fault.endpoint in (None, endpoint) and rule.times != 0:
                    if rule.predicate(body):
                        if rule.times is not None:
                            rule.times -= 1
                        return rule.fault
            for i, fault in enumerate(self._queue):
                if fault.endpoint in (None, endpoint):
                    del self._queue[i]
                    return fault
        return None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = _QuietServer(("127.0.0.1", port), handler)
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, 0.5 s by default.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def go_down(self) -> None:
        """An outage: new connections are refused, kept-alive ones hang up on the next request.

        Safe to call from ``chat_fn``: the request being answered still gets its answer.
        """
        self.down = True
        self.stop()

    def come_back(self) -> None:
        """End the outage: listen again on the same port."""
        self.down = False
        self.start(self.port)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _enter(self) -> None:
        with self._lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.stats.in_flight -= 1


class _QuietServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops the SYNs of a burst of new connections,
    # and each dropped client retries a second later: 64 clients connecting at once
    # saw 1.2 s first requests.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is what the "slow" fault is for: no traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_ref: FakeOpenAI
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK of the headers, adding about 40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/health", "/v1/models"):
            self._json(200, {"status": "ok", "data": []})
        else:
            self._json(404, _error("not found", "invalid_request_error"))

    def do_POST(self) -> None:
        srv = self.server_ref
        if srv.down:  # a connection kept alive from before the outage: hang up unanswered
            self.close_connection = True
            return
        endpoint = {"/v1/chat/completions": "chat", "/v1/embeddings": "embeddings"}.get(
            self.path.split("?")[0]
        )
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if endpoint is None:
            self._json(404, _error(f"unknown path {self.path}", "invalid_request_error"))
            return
        srv._enter()
        try:
            self._serve(srv, endpoint, raw)
        finally:
            srv._leave()

    def _serve(self, srv: FakeOpenAI, endpoint: str, raw: bytes) -> None:
        with srv._lock:
            srv.stats.requests[endpoint] += 1
            srv.stats.auth_headers.append(self.headers.get("Authorization", ""))
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._json(400, _error("request body is not JSON", "invalid_request_error"))
            return
        with srv._lock:
            srv.stats.bodies.append(body)
        if srv.api_key and self.headers.get("Authorization") != f"Bearer {srv.api_key}":
            self._json(401, _error("Incorrect API key provided", "invalid_api_key"))
            return
        if srv.latency:
            time.sleep(srv.latency)
        fault = srv._pick_fault(endpoint, body)
        if fault is not None:
            with srv._lock:
                srv.stats.faults[fault.kind] += 1
            if self._inject(fault):
                return
        payload = _chat_payload(srv, body) if endpoint == "chat" else _embed_payload(srv, body)
        self._json(200, payload)

    def _inject(self, fault: Fault) -> bool:
        """Send the fault; True when the request is finished (False: answer normally)."""
        kind = fault.kind
        if kind == "slow":
            time.sleep(fault.delay)
            return False
        if kind == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"id": "chatcmpl-dropped", "choi')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if kind == "malformed":
            self._raw(200, b'{"id": "x", "choices": [ this is not json')
            return True
        if kind == "error_body":
            self._json(
                200,
                _error(
                    fault.message or "The server had an error processing your request.",
                    "server_error",
                ),
            )
            return True
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        messages = {
            "429": "Rate limit reached",
            "401": "Incorrect API key provided",
            "404": "The model does not exist",
            "400": "Invalid request",
        }
        message = fault.message or messages.get(kind, "Internal server error")
        self._json(int(kind), _error(message, kind), headers)
        return True

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), headers)

    def _raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _chat_payload(srv: FakeOpenAI, body: dict[str, Any]) -> dict[str, Any]:
    text = srv.chat_fn(body)
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    words = text.split(" ")
    finish = "stop"
    if max_tokens is not None and len(words) > max_tokens:
        text, finish = " ".join(words[:max_tokens]), "length"
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion_tokens = len(text.split())
    return {
        "id": "chatcmpl-" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "model"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _embed_payload(srv: FakeOpenAI, body: dict[str, Any]) -> dict[str, Any]:
    inputs = body.get("input")
    texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
    vectors = srv.embed_fn(texts)
    as_b64 = body.get("encoding_format") == "base64"
    data = []
    for i, vec in enumerate(vectors):
        emb: Any = vec
        if as_b64:
            emb = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        data.append({"object": "embedding", "index": i, "embedding": emb})
    tokens = sum(len(t.split()) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": body.get("model", "model"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
