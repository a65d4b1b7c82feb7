"""The replay loop: workers send prompts, retry what is transient, store as answers arrive.

Concurrency is a fixed pool of worker tasks fed from a bounded queue (never one task per
prompt, so a million pending pairs cost a page of memory). All SQLite work runs on one
writer thread, so a slow disk or a reader holding a lock never stalls the requests.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlite_utils import Database

from ..store import now
from . import claims, records
from .client import AUTH_STATUS, Answer, ChatClient, Failure
from .config import ReplayConfig
from .limits import RateLimiter, backoff, estimate_tokens
from .prompts import to_messages
from .records import Job
from .writer import StoreWriter

# Keys are per account, so a few refusals in a row with no success in between mean the
# key is wrong, not the prompts: stop before spending a request on every pair.
AUTH_FAILURES_TO_STOP = 3
NOT_FOUND_TO_STOP = 3
# Before the server has answered anything, a few failed connections mean it is down or the
# URL is wrong: retrying every prompt with backoff would take minutes to say nothing. Once
# it has answered, a refused connection is a restart or a blip and is retried.
CONNECT_FAILURES_TO_STOP = 3


class Stop(Exception):
    """Raised inside a worker to end the whole run with a message."""


@dataclass
class Summary:
    """What a run did; the CLI prints it and ``--json`` dumps it."""

    comparison: str
    side: str
    model: str
    base_url: str
    pending: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0
    requests: int = 0
    skipped: int = 0  # answered meanwhile by another run
    held_elsewhere: int = 0  # left unanswered at the end: another live run holds them
    left_failed: int = 0  # not sent: failed in an earlier run (--skip-failed)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None
    interrupted: bool = False

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def all_failed(self) -> bool:
        """Every prompt the run finished failed: nothing was answered."""
        return self.failed > 0 and self.done == 0 and self.skipped == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressFn = Callable[[Summary], None]


class Replayer:
    """Answers every pending pair of one comparison side through a chat endpoint."""

    def __init__(
        self,
        db: Database,
        comparison: str,
        config: ReplayConfig,
        *,
        keys: set[str] | None = None,
        limit: int | None = None,
        on_progress: ProgressFn | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.cid = records.comparison_id(db, comparison)
        self.keys = keys
        self.limit = limit
        self.on_progress = on_progress
        self.rng = rng or random.Random()
        self.summary = Summary(comparison, config.side, config.model, config.display_url)
        self._errors: Counter[str] = Counter()
        self._auth_streak = 0
        self._not_found_streak = 0
        self._answered_any = False
        self._reached = False  # any HTTP response at all from the server in this run
        self._connect_failures = 0
        # Failures that may be the run's fault rather than the prompt's (a refused key, a
        # 404 before any answer): recorded only once the run shows otherwise, dropped when
        # it stops, so the next run sends those prompts again.
        self._held: list[tuple[Job, Failure, int]] = []
        self._typical_reply = 256.0
        self._claimant = claims.Claimant()

    # -- the run ---------------------------------------------------------------------
    async def run(self) -> Summary:
        """Send what is missing; returns the summary (``stopped`` set when it gave up)."""
        cfg, s = self.config, self.summary
        warning = records.claim_model(self.db, self.cid, cfg.side, cfg.model)
        if warning:
            s.warnings.append(warning)
        s.pending = records.count_pending(self.db, self.cid, cfg.side, cfg.retry_failed, self.keys)
        if not cfg.retry_failed:
            s.left_failed = (
                records.count_pending(self.db, self.cid, cfg.side, True, self.keys) - s.pending
            )
        if self.limit is not None:
            s.pending = min(s.pending, self.limit)
        no_prompt = records.count_without_prompt(self.db, self.cid, cfg.side)
        if no_prompt and self.keys is None:
            s.warnings.append(f"{no_prompt} pairs have no prompt and cannot be replayed")
        if self.on_progress:
            self.on_progress(s)
        started = time.perf_counter()
        claims.free_dead_claims(self.db, self._claimant)
        self._writer = StoreWriter(self.db)
        self._client = ChatClient(cfg)
        self._limiter = RateLimiter(cfg.requests_per_minute, cfg.tokens_per_minute)
        renewing = asyncio.create_task(self._renew_claims())
        try:
            await self._run_workers()
            await self._record_held()
        except Stop as stop:
            s.stopped = str(stop)
        except asyncio.CancelledError:
            s.interrupted = True
            raise
        finally:
            renewing.cancel()
            await self._client.aclose()
            self._writer.submit(self._finish_claims)
            # Commit every answer already received, interrupted or not.
            self._writer.close()
            if self._writer.error is not None and s.stopped is None:
                s.stopped = self._write_failed()
            s.elapsed = round(time.perf_counter() - started, 3)
            s.errors = dict(self._errors)
        return s

    async def _run_workers(self) -> None:
        queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=self.config.concurrency * 2)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._produce(queue))
                for lane in range(self.config.concurrency):
                    group.create_task(self._work(queue, lane))
        except* Stop as eg:
            raise eg.exceptions[0] from None

    async def _produce(self, queue: asyncio.Queue[Job | None]) -> None:
        cfg, after = self.config, 0
        remaining = self.limit if self.limit is not None else -1
        while after >= 0 and remaining != 0:
            try:
                jobs, after = await self._writer.call(
                    claims.claim_page,
                    self.db,
                    self.cid,
                    cfg.side,
                    cfg.retry_failed,
                    after,
                    self._claimant,
                    self.keys,
                    # a small page: two runs at once share the prompts, not one page each
                    max(8, 2 * cfg.concurrency),
                )
            except Exception as exc:
                raise Stop(f"cannot read the pending pairs ({exc})") from None
            for job in jobs:
                if remaining == 0:
                    break
                await queue.put(job)
                remaining -= 1
        for _ in range(cfg.concurrency):
            await queue.put(None)

    async def _renew_claims(self) -> None:
        """Keep this run's claims alive while it runs (another run skips them)."""
        while True:
            await asyncio.sleep(claims.RENEW_EVERY_S)
            if self._writer.error is None:
                self._writer.submit(claims.renew, self.db, self._claimant)

    def _finish_claims(self) -> None:
        """On the writer thread, last: what other runs still hold, then give ours back."""
        s = self.summary
        s.held_elsewhere = claims.held_elsewhere(self.db, self.cid, s.side, self._claimant)
        claims.release(self.db, self._claimant)

    async def _work(self, queue: asyncio.Queue[Job | None], lane: int) -> None:
        while (job := await queue.get()) is not None:
            await self._handle(job, lane)
            if self.on_progress:
                self.on_progress(self.summary)

    def _write_failed(self) -> str:
        return (
            f"cannot write to the database ({self._writer.error}); answers received"
            " before it are stored, the same command sends the rest"
        )

    async def _hand_over(
        self, fn: Callable[..., Any], *args: Any, after: Callable[[Any], None]
    ) -> None:
        """Queue a write and move on; wait only when the writer falls far behind."""
        if self._writer.error is not None:
            raise Stop(self._write_failed())
        future = self._writer.submit(fn, *args, after=after)
        if self._writer.backlog > 4 * self.config.concurrency:
            try:
                await asyncio.wrap_future(future)
            except Exception:  # the writer keeps the error; say it the one clear way
                raise Stop(self._write_failed()) from None

    # -- one prompt ------------------------------------------------------------------
    async def _handle(self, job: Job, lane: int) -> None:
        cfg = self.config
        messages = to_messages(job.prompt, cfg.system_prompt)
        attempt = 0
        while True:
            attempt += 1
            estimate = estimate_tokens(messages, cfg.max_tokens, self._typical_reply)
            await self._limiter.acquire(estimate)
            self.summary.requests += 1
            result = await self._client.complete(messages, lane)
            if isinstance(result, Answer):
                self._limiter.settle(estimate, result.usage.get("total_tokens", estimate))
                await self._store_answer(job, result, attempt)
                return
            self._limiter.settle(estimate, 0)
            self._reached = self._reached or result.status is not None
            self._check_streaks(result)
            delay = self._retry_delay(result, attempt)
            if delay is None:
                await self._give_up(job, result, attempt)
                return
            self.summary.retried += 1
            await asyncio.sleep(delay)

    def _retry_delay(self, failure: Failure, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up on this prompt."""
        cfg = self.config
        if not failure.retryable or attempt > cfg.max_retries:
            return None
        if failure.retry_after is not None:
            if failure.retry_after > cfg.max_retry_after:
                # A quota, not a burst: every other prompt would get the same answer.
                raise Stop(
                    f"{cfg.display_url} asks to wait {failure.retry_after:.0f} s"
                    f" ({failure.label}: {failure.message}); run the same command"
                    " again later"
                )
            # A little jitter so the paused workers do not return in one burst.
            delay = failure.retry_after + self.rng.uniform(0, min(1.0, failure.retry_after / 10))
            self._limiter.pause_until(time.monotonic() + delay)
            return delay
        delay = backoff(attempt, cfg.backoff_base, cfg.backoff_max, self.rng)
        if failure.status == 429:
            self._limiter.pause_until(time.monotonic() + delay)
        return delay

    def _check_streaks(self, failure: Failure) -> None:
        if failure.kind == "connect" and not self._reached:
            self._connect_failures += 1
            if self._connect_failures >= CONNECT_FAILURES_TO_STOP:
                raise Stop(
                    f"cannot connect to {self.config.display_url}: {failure.message};"
                    " is the server running and the base URL right?"
                )
        elif failure.status in AUTH_STATUS:
            self._auth_streak += 1
            if self._auth_streak >= min(AUTH_FAILURES_TO_STOP, max(1, self.summary.pending)):
                raise Stop(self._auth_message(failure))
        elif failure.status == 404 and not self._answered_any:
            self._not_found_streak += 1
            if self._not_found_streak >= min(NOT_FOUND_TO_STOP, max(1, self.summary.pending)):
                raise Stop(
                    f"{self.config.display_url} answered 404 to every request"
                    f" ({failure.message}); check --model and the base URL"
                )

    def _auth_message(self, failure: Failure) -> str:
        url, status = self.config.display_url, failure.status
        if self.config.api_key is None:
            return (
                f"{url} refused the request ({status}) and no API key was given:"
                " set SWAPVIEW_API_KEY or OPENAI_API_KEY"
            )
        return f"the API key was refused by {url} ({status}): {failure.message}"

    async def _give_up(self, job: Job, failure: Failure, attempts: int) -> None:
        if failure.status in AUTH_STATUS or (failure.status == 404 and not self._answered_any):
            self._held.append((job, failure, attempts))
        else:
            await self._store_failure(job, failure, attempts)

    async def _record_held(self) -> None:
        """The run went on (or ended) without stopping: held failures were the prompts'."""
        held, self._held = self._held, []
        for job, failure, attempts in held:
            await self._store_failure(job, failure, attempts)

    async def _store_answer(self, job: Job, answer: Answer, attempts: int) -> None:
        self._auth_streak = self._not_found_streak = 0
        self._answered_any = self._reached = True
        await self._record_held()
        usage = answer.usage
        completion = usage.get("completion_tokens")
        if completion is not None:
            self._typical_reply = 0.9 * self._typical_reply + 0.1 * completion
        info = {
            "model": self.config.model,
            "response_model": answer.model,
            "latency_ms": answer.latency_ms,
            "finish_reason": answer.finish_reason,
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": completion,
            "total_tokens": usage.get("total_tokens"),
            "attempts": attempts,
            "response_id": answer.response_id,
            "at": now(),
        }
        await self._hand_over(
            records.save_answer,
            self.db,
            job.pair_id,
            self.config.side,
            answer.text,
            info,
            after=lambda stored: self._count(stored, usage),
        )

    def _count(self, stored: bool, usage: dict[str, int]) -> None:
        # Runs on the writer thread once the answer is committed, so the summary counts
        # what is in the store, also after a Ctrl-C.
        s = self.summary
        s.prompt_tokens += usage.get("prompt_tokens", 0)
        s.completion_tokens += usage.get("completion_tokens", 0)
        if stored:
            s.done += 1
        else:
            s.skipped += 1

    async def _store_failure(self, job: Job, failure: Failure, attempts: int) -> None:
        error = {
            "model": self.config.model,
            "kind": failure.kind,
            "status": failure.status,
            "message": failure.message,
            "attempts": attempts,
            "retryable": failure.retryable,
        }
        await self._hand_over(
            records.save_error,
            self.db,
            job.pair_id,
            self.config.side,
            error,
            after=lambda stored: self._count_failure(stored, failure.label),
        )

    def _count_failure(self, stored: bool, label: str) -> None:
        if stored:
            self.summary.failed += 1
            self._errors[label] += 1
        else:
            self.summary.skipped += 1
