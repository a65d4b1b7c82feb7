"""One chat completion over httpx, classified into an answer or a typed failure.

Nothing here retries: the runner decides. Every failure message passes through
``redact`` so that a gateway echoing the key back cannot put it in the store.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..chat import content_text
from ..httpretry import retry_after
from .config import ReplayConfig

RETRYABLE_STATUS = {408, 409, 425, 429}
# The largest response body read: past it the answer is a failure, not stored.
MAX_BODY_BYTES = 32 << 20
AUTH_STATUS = {401, 403}


@dataclass(slots=True)
class Answer:
    text: str
    finish_reason: str | None
    latency_ms: float
    usage: dict[str, int] = field(default_factory=dict)
    model: str | None = None
    response_id: str | None = None
    logprobs: Any = None  # choices[0].logprobs as sent (the judge reads its confidence)


@dataclass(slots=True)
class Failure:
    """Why a request did not give an answer; ``kind`` is a short stable word."""

    # connect (no connection made), timeout, connection (lost mid-request), http,
    # malformed, error_body
    kind: str
    message: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None
    latency_ms: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.kind} {self.status}" if self.status else self.kind


# httpcore's pool scans every connection (polling each idle socket) on every request and
# release, so its cost per request grows with the pool: at 64 connections in one pool the
# client spent most of its CPU there (encode/httpx#3215, encode/httpcore#1035). Several
# small pools, one per lane of workers, keep that scan short.
CONNECTIONS_PER_POOL = 8


class ChatClient:
    """An async client for ``POST {base_url}/chat/completions``.

    ``complete(messages, lane)``: each worker passes its own lane number, and a lane
    always uses the same small connection pool.
    """

    def __init__(self, config: ReplayConfig):
        self.config = config
        headers = {"Accept": "application/json"}
        key = config.secret()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        pools = math.ceil(config.concurrency / CONNECTIONS_PER_POOL)
        size = math.ceil(config.concurrency / pools)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._connect_timeout = min(config.timeout, 10.0)
        timeout = httpx.Timeout(config.timeout, connect=self._connect_timeout)
        # Loading the CA bundle costs about 0.1 s per client: once, and only for https.
        tls: ssl.SSLContext | bool = False
        if config.base_url.startswith("https://"):
            tls = httpx.create_ssl_context()
        self._pools = [
            httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout, verify=tls)
            for _ in range(pools)
        ]
        self._url = f"{config.base_url}/chat/completions"

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    def body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        c = self.config
        body: dict[str, Any] = {"model": c.model, "messages": messages}
        for name in ("temperature", "max_tokens", "seed"):
            value = getattr(c, name)
            if value is not None:
                body[name] = value
        body.update(c.extra)
        return body

    async def complete(self, messages: list[dict[str, Any]], lane: int = 0) -> Answer | Failure:
        start = time.perf_counter()
        http = self._pools[lane % len(self._pools)]
        try:
            # --timeout bounds the whole request, not each read: a server dripping a byte
            # at a time cannot hold a request past it.
            async with asyncio.timeout(self.config.timeout):
                resp, raw = await self._post(http, messages)
        except TooLarge:
            return Failure(
                "too_large",
                f"the response body is over {MAX_BODY_BYTES >> 20} MiB; not stored",
                False,
                latency_ms=_ms(start),
            )
        except TimeoutError:
            return Failure(
                "timeout",
                f"no whole answer within {self.config.timeout:g}s",
                True,
                latency_ms=_ms(start),
            )
        except httpx.ConnectTimeout:
            return Failure(
                "connect",
                f"no connection within {self._connect_timeout:g}s",
                True,
                latency_ms=_ms(start),
            )
        except httpx.TimeoutException:
            return Failure(
                "timeout", f"no answer within {self.config.timeout:g}s", True, latency_ms=_ms(start)
            )
        except httpx.ConnectError as exc:
            return Failure("connect", self.redact(connect_cause(exc)), True, latency_ms=_ms(start))
        except httpx.TransportError as exc:
            return Failure(
                "connection",
                f"connection failed: {type(exc).__name__}",
                True,
                latency_ms=_ms(start),
            )
        result = self._classify(resp, raw, _ms(start))
        return result

    async def _post(
        self, http: httpx.AsyncClient, messages: list[dict[str, Any]]
    ) -> tuple[httpx.Response, bytes]:
        """POST and read the body, stopping past ``MAX_BODY_BYTES``."""
        async with http.stream("POST", self._url, json=self.body(messages)) as resp:
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise TooLarge
                chunks.append(chunk)
        return resp, b"".join(chunks)

    def _classify(self, resp: httpx.Response, raw: bytes, latency: float) -> Answer | Failure:
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = None
        if resp.status_code != 200:
            return self._http_failure(resp, payload, latency)
        if not isinstance(payload, dict):
            return Failure(
                "malformed",
                "the response body is not a JSON object",
                True,
                status=200,
                latency_ms=latency,
            )
        if "error" in payload and not payload.get("choices"):
            return Failure(
                "error_body",
                self.redact(_error_message(payload)),
                True,
                status=200,
                latency_ms=latency,
            )
        return _answer(payload, latency) or Failure(
            "malformed",
            "the response has no choices[0].message",
            True,
            status=200,
            latency_ms=latency,
        )

    def _http_failure(self, resp: httpx.Response, payload: Any, latency: float) -> Failure:
        status = resp.status_code
        retryable = status in RETRYABLE_STATUS or status >= 500
        message = _error_message(payload) if isinstance(payload, dict) else resp.reason_phrase
        if status == 404 and "/v1" not in self.config.base_url:
            message += f" (is the base URL {self.config.display_url} missing /v1?)"
        return Failure(
            "http",
            self.redact(message or f"HTTP {status}"),
            retryable,
            status=status,
            retry_after=retry_after(resp.headers),
            latency_ms=latency,
        )

    def redact(self, text: str) -> str:
        """Remove the key, and tokens that start like it, from a server's message."""
        key = self.config.secret()
        if not key:
            return text
        text = text.replace(key, "[redacted]")
        if len(key) >= 12:
            # Gateways echo a masked key ("sk-proj-****abcd"): drop anything starting alike.
            text = re.sub(re.escape(key[:8]) + r"\S*", "[redacted]", text)
        return text


def connect_cause(exc: BaseException) -> str:
    """Why no connection was made, in words: the OS error under httpx's and anyio's wrappers.

    anyio reports a refused port as "All connection attempts failed"; the cause that a user
    can act on ("connection refused", an unknown host name) is further down the chain.
    """
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return f"host name not found ({seen.strerror or seen})"
        if isinstance(seen, ssl.SSLError):
            return f"TLS handshake failed ({seen.reason or seen})"
        if isinstance(seen, OSError) and seen.errno is not None and seen.strerror:
            return seen.strerror.lower()
        if isinstance(seen, BaseExceptionGroup) and seen.exceptions:
            seen = seen.exceptions[0]
            continue
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


class TooLarge(Exception):
    """A response body past ``MAX_BODY_BYTES``."""


def _answer(payload: dict[str, Any], latency: float) -> Answer | Failure | None:
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    if not isinstance(message, dict):
        return None
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    finish = choices[0].get("finish_reason")
    if message.get("content") is None and finish == "content_filter":
        # Not an empty answer: the provider withheld it. Recorded as such, never as text.
        return Failure(
            "content_filter",
            "the server's content filter withheld the answer (finish_reason content_filter)",
            False,
            status=200,
            latency_ms=latency,
        )
    return Answer(
        text=_content_text(message),
        finish_reason=choices[0].get("finish_reason"),
        latency_ms=latency,
        usage={k: v for k, v in usage.items() if isinstance(v, int)},
        model=payload.get("model"),
        response_id=payload.get("id"),
        logprobs=choices[0].get("logprobs"),
    )


def _content_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return content_text(content)
    # No content: a refusal or tool calls; store what there is so the pair is not blank.
    if isinstance(message.get("refusal"), str):
        return message["refusal"]
    if message.get("tool_calls"):
        return json.dumps(message["tool_calls"], ensure_ascii=False)
    return ""


def _error_message(payload: dict[str, Any]) -> str:
    err = payload.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or "error")
    if isinstance(err, str):
        return err
    return str(payload.get("message") or payload.get("detail") or "error")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
