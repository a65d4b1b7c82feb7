"""Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM, TEI, LM Studio).

Batches texts, keeps a bounded number of requests in flight, and retries what a gateway
retries: 429, 5xx, timeouts and dropped connections, with exponential backoff and jitter,
waiting as long as Retry-After says. 401, 404 and other 4xx stop the run at once with a
message naming the server. The API key goes in the Authorization header only: never into
the model name, the database, a log line or an error message.

Long texts are read window by window, as the local models read them (``windows.py``), in
windows of ``window_words`` words (default 200, about the 256 tokens the local models
read): the server's tokenizer is unknown here, and many served models quietly cut a text
at their context length, so the end of a long answer would otherwise never count.
``window_words = 0`` sends each text whole.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from ...errors import SwapviewError
from ...httpretry import retry_after
from .base import is_blank, normalise_rows
from .windows import WINDOWS, join, spans

log = logging.getLogger(__name__)
CONNECT_TRIES_BEFORE_ANSWER = 2
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}


class EmbeddingServiceError(SwapviewError):
    """The embeddings endpoint refused or kept failing; the message is safe to show."""


@dataclass(frozen=True)
class HTTPConfig:
    base_url: str
    model: str
    api_key: str | None = None
    batch_size: int = 64
    concurrency: int = 4
    timeout: float = 60.0
    max_retries: int = 6
    backoff_base: float = 0.5  # seconds before the first retry, doubled each time
    backoff_max: float = 30.0
    retry_after_max: float = 300.0  # a longer Retry-After is an outage: give up instead
    encoding_format: str = "float"
    window_words: int = 200  # 0: send each text whole

    def __repr__(self) -> str:  # the dataclass repr would print the key
        return f"HTTPConfig(base_url={self.base_url!r}, model={self.model!r}, api_key=***)"

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        *,
        file: dict[str, Any] | None = None,
        **options: Any,
    ) -> HTTPConfig:
        """Flags, then $SWAPVIEW_EMBED_BASE_URL / _MODEL / _API_KEY, then the config file's
        [embeddings] table, then $OPENAI_API_KEY for the key."""
        env, file = os.environ, file or {}
        base_url = base_url or env.get("SWAPVIEW_EMBED_BASE_URL") or file.get("base_url")
        model = model or env.get("SWAPVIEW_EMBED_MODEL") or file.get("model")
        api_key = (
            api_key
            or env.get("SWAPVIEW_EMBED_API_KEY")
            or file.get("api_key")
            or env.get("OPENAI_API_KEY")
        )
        if not base_url:
            raise SwapviewError(
                "the http embedder needs a base URL: --embed-base-url or"
                " $SWAPVIEW_EMBED_BASE_URL (e.g. http://127.0.0.1:8080/v1)"
            )
        if not model:
            raise SwapviewError(
                "the http embedder needs a model: --embed-model or $SWAPVIEW_EMBED_MODEL"
            )
        if not base_url.startswith(("http://", "https://")):
            raise SwapviewError(
                f"embeddings base URL must start with http:// or https://: {public_url(base_url)!r}"
            )
        tuned: dict[str, Any] = {
            k: file[k]
            for k in ("batch_size", "concurrency", "timeout", "encoding_format", "window_words")
            if k in file
        }
        tuned.update({k: v for k, v in options.items() if v is not None})
        return cls(base_url=base_url.rstrip("/"), model=model, api_key=api_key or None, **tuned)


def public_url(url: str) -> str:
    """The URL without user:password@ or query string, safe to store and print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


class HTTPEmbedder:
    """Embeds through a remote endpoint; ``name`` is ``model@server`` (no credentials), with
    the window settings when long texts are read window by window."""

    def __init__(self, config: HTTPConfig, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self.url = public_url(config.base_url)
        self.windows = WINDOWS if config.window_words > 0 else 1
        suffix = f"-w{self.windows}x{config.window_words}" if self.windows > 1 else ""
        self.name = f"{config.model}@{urlsplit(self.url).netloc}{suffix}"
        self.server_dim = 0  # known after the first response
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        limits = httpx.Limits(max_connections=config.concurrency)
        self.client = client or httpx.Client(timeout=config.timeout, headers=headers, limits=limits)
        self._lock = threading.Lock()
        self._abort = threading.Event()  # one batch failed for good: the others stop
        self._answered = False  # a connection refused before any answer is a wrong URL

    def close(self) -> None:
        self.client.close()

    @property
    def dim(self) -> int:
        return self.server_dim * self.windows

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors; every distinct window of the call is sent once."""
        per_text = [self._windows(t) for t in texts]
        unique = list(dict.fromkeys(w for windows in per_text for w in windows))
        vectors = self._embed_all(unique)
        row = {w: i for i, w in enumerate(unique)}
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, windows in enumerate(per_text):
            if windows:
                rows = vectors[[row[w] for w in windows]]
                out[i] = rows[0] if self.windows == 1 else join(rows)
        return out

    def _windows(self, text: str) -> list[str]:
        """The text's windows of whole words (each slot the text itself when it is short);
        [] for a blank text."""
        if is_blank(text):
            return []
        words = list(re.finditer(r"\S+", text))
        width = self.config.window_words
        if self.windows == 1 or len(words) <= width:
            return [text] * self.windows
        return [
            text[words[a].start() : words[b - 1].end()]
            for a, b in spans(len(words), width, self.windows)
        ]

    def _embed_all(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(range(len(texts)))
        size = self.config.batch_size
        batches = [todo[s : s + size] for s in range(0, len(todo), size)]
        self._abort.clear()
        pool = ThreadPoolExecutor(max_workers=self.config.concurrency)
        try:
            futures = [pool.submit(self._guarded, [texts[i] for i in b]) for b in batches]
            wait(futures)
        except BaseException:  # Ctrl-C: drop the queued batches, stop the others' retries
            self._abort.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        errors = [e for f in futures if (e := f.exception()) is not None]
        if errors:  # report the cause, not the batches stopped because of it
            raise next((e for e in errors if not isinstance(e, _Aborted)), errors[0])
        results = [f.result() for f in futures]
        out = np.zeros((len(texts), self.server_dim), dtype=np.float32)
        for batch, vectors in zip(batches, results, strict=True):
            out[batch] = vectors
        return out

    def _guarded(self, texts: list[str]) -> np.ndarray:
        try:
            return self._embed_batch(texts)
        except BaseException:
            self._abort.set()
            raise

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        body = {
            "model": self.config.model,
            "input": texts,
            "encoding_format": self.config.encoding_format,
        }
        for attempt in range(self.config.max_retries + 1):
            last = attempt == self.config.max_retries
            if self._abort.is_set():
                raise _Aborted("stopped: another request failed")
            try:
                response = self.client.post(f"{self.config.base_url}/embeddings", json=body)
            except httpx.ConnectError as exc:
                if not self._answered and attempt >= CONNECT_TRIES_BEFORE_ANSWER - 1:
                    raise self._fail(
                        f"cannot connect ({exc or type(exc).__name__}); is the"
                        " server running at that URL?"
                    ) from None
                if last:
                    raise self._fail(
                        f"no answer after {attempt + 1} tries ({type(exc).__name__})"
                    ) from None
                self._sleep(attempt, None, type(exc).__name__)
                continue
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if last:
                    raise self._fail(
                        f"no answer after {attempt + 1} tries ({type(exc).__name__})"
                    ) from None
                self._sleep(attempt, None, type(exc).__name__)
                continue
            if response.status_code in RETRY_STATUS and not last:
                self._sleep(attempt, retry_after(response.headers), f"HTTP {response.status_code}")
                continue
            if response.status_code != 200:
                raise self._fail(self._describe_status(response))
            try:
                vectors = self._parse(response, len(texts))
                self._answered = True
                return vectors
            except _Malformed as exc:
                if last:
                    raise self._fail(f"the response is not an embeddings list ({exc})") from None
                self._sleep(attempt, None, "malformed response")
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int, wait: float | None, why: str) -> None:
        delay = min(self.config.backoff_max, self.config.backoff_base * 2**attempt)
        delay *= 0.5 + random.random() / 2  # jitter: spread out clients retrying together
        if wait is not None:
            if wait > self.config.retry_after_max:
                raise self._fail(f"{why}, and the server asks to wait {wait:.0f} s")
            delay = max(delay, wait)
        log.info("embeddings %s: %s; retry %d in %.2f s", self.url, why, attempt + 1, delay)
        time.sleep(delay)

    def _fail(self, reason: str) -> EmbeddingServiceError:
        if self.config.api_key:  # in case a server echoes the key back in its error text
            reason = reason.replace(self.config.api_key, "***")
        return EmbeddingServiceError(
            f"embeddings endpoint {self.url} (model {self.config.model!r}): {reason}"
        )

    def _describe_status(self, response: httpx.Response) -> str:
        detail = _server_message(response)
        hint = {
            401: "the API key is missing or wrong (set $SWAPVIEW_EMBED_API_KEY)",
            403: "the API key may not use this model",
            404: "no such model or URL (does the base URL end in /v1?)",
        }.get(response.status_code, "")
        parts = [f"HTTP {response.status_code}", hint, detail]
        return ": ".join(p for p in parts if p)

    def _parse(self, response: httpx.Response, expected: int) -> np.ndarray:
        try:
            payload = response.json()
        except ValueError:
            raise _Malformed("body is not JSON") from None
        if isinstance(payload, dict) and "error" in payload and "data" not in payload:
            raise _Malformed(f"error in a 200 response: {_error_text(payload)}")
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or len(data) != expected:
            raise _Malformed(f"expected {expected} embeddings")
        rows = sorted(data, key=lambda d: d.get("index", 0) if isinstance(d, dict) else 0)
        matrix = np.stack([_vector(row) for row in rows])
        with self._lock:
            if self.server_dim and matrix.shape[1] != self.server_dim:
                raise _Malformed(f"dimension changed from {self.server_dim} to {matrix.shape[1]}")
            self.server_dim = int(matrix.shape[1])
        return normalise_rows(matrix)


class _Malformed(Exception):
    pass


class _Aborted(EmbeddingServiceError):
    """This batch stopped because another one failed for good."""


def _vector(row: Any) -> np.ndarray:
    emb = row.get("embedding") if isinstance(row, dict) else None
    if isinstance(emb, str):
        try:
            vec = np.frombuffer(base64.b64decode(emb, validate=True), dtype="<f4")
        except (ValueError, TypeError):
            raise _Malformed("bad base64 embedding") from None
    elif isinstance(emb, list) and emb:
        try:
            vec = np.asarray(emb, dtype=np.float32)
        except (ValueError, TypeError):
            raise _Malformed("embedding holds non-numbers") from None
    else:
        raise _Malformed("an item has no embedding")
    if vec.ndim != 1 or not vec.size or not np.all(np.isfinite(vec)):
        raise _Malformed("embedding is not a list of finite numbers")
    return vec


def _server_message(response: httpx.Response) -> str:
    try:
        return _error_text(response.json())[:300]
    except ValueError:
        return response.text[:200].strip()


def _error_text(payload: Any) -> str:
    err = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or err)
    return str(err or payload)
