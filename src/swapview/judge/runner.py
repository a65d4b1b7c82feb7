"""The judge loop: both orders of each picked pair through replay's client and limits.

Workers take (pair, order) jobs from a bounded queue; each answer is committed as it
arrives, so a Ctrl-C or a kill loses at most the requests in flight and the same command
sends only what is missing. SQLite is written from the event loop's thread only.
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

from ..replay.client import AUTH_STATUS, Answer, ChatClient, Failure
from ..replay.config import ReplayConfig
from ..replay.limits import RateLimiter, backoff, estimate_tokens
from ..store import decode_prompt, resolve_comparison
from . import verdicts as store
from .config import JudgeSettings
from .pairs import refresh_judge_pairs
from .pick import candidate_ids
from .protocol import (
    ORDERS,
    Order,
    choice_probabilities,
    messages,
    parse_answer,
    rubric_hash,
    to_verdict,
    verdict_probabilities,
)
from .verdicts import JudgeKey, OrderResult

STOP_AFTER = 3  # refused keys or failed connections in a row before any answer


class Stop(Exception):
    """Ends the whole run with a message."""


@dataclass
class Summary:
    comparison: str
    model: str
    base_url: str
    rubric_hash: str
    pending: int = 0  # pairs picked for this run
    judged: int = 0  # pairs with both orders answered in this run
    identical: int = 0  # same outputs: "same" for free
    already: int = 0  # judged by this model and rubric before: not paid again
    requests: int = 0
    answered: int = 0
    unparseable: int = 0
    failed: int = 0
    retried: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None
    budget: str | None = None  # why the run stopped early by design
    interrupted: bool = False

    @property
    def finished(self) -> int:
        return self.judged + self.identical

    @property
    def all_failed(self) -> bool:
        return self.failed > 0 and self.answered == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Job:
    pair_id: int
    pair_hash: str
    prompt: str
    old: str
    new: str
    orders: list[Order]


class Judge:
    """Judges the picked pairs of one comparison with one model and rubric."""

    def __init__(
        self,
        db: Database,
        comparison: str | None,
        config: ReplayConfig,
        settings: JudgeSettings,
        *,
        on_progress: Callable[[Summary], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db, self.config, self.settings = db, config, settings
        row = resolve_comparison(db, comparison)
        self.cid = row["id"]
        self.key = JudgeKey(config.model, rubric_hash(settings.rubric))
        self.summary = Summary(row["name"], config.model, config.display_url, self.key.rubric_hash)
        self.on_progress = on_progress
        self.rng = rng or random.Random()
        self._errors: Counter[str] = Counter()
        self._streak = 0
        self._answered_any = False

    async def run(self) -> Summary:
        s = self.summary
        store.save_rubric(self.db, self.key, self.settings.rubric)
        jobs = self._jobs()
        s.pending = len(jobs)
        started = time.perf_counter()
        self._client = ChatClient(self.config)
        self._limiter = RateLimiter(self.config.requests_per_minute, self.config.tokens_per_minute)
        try:
            await self._run_workers(jobs)
        except Stop as stop:
            s.stopped = str(stop)
        except asyncio.CancelledError:
            s.interrupted = True
            raise
        finally:
            await self._client.aclose()
            # The queue's column, order and filters read the combined verdicts (also
            # after a stop or Ctrl-C: what was judged is shown).
            refresh_judge_pairs(self.db, self.cid)
            s.elapsed = round(time.perf_counter() - started, 3)
            s.errors = dict(self._errors)
        return s

    # -- picking -----------------------------------------------------------------------
    def _jobs(self) -> list[Job]:
        """Pairs to send, within --limit; identical pairs are stored on the way, free."""
        limit = self.settings.limit
        jobs: list[Job] = []
        for pid in candidate_ids(self.db, self.cid, self.settings.pick, limit):
            if limit is not None and len(jobs) >= limit:
                break
            job = self._job(pid)
            if job is not None:
                jobs.append(job)
        return jobs

    def _job(self, pair_id: int) -> Job | None:
        row = self.db.execute(
            "SELECT prompt, prompt_format, baseline_output, candidate_output, content_hash"
            " FROM pairs WHERE id = ?",
            [pair_id],
        ).fetchone()
        prompt, fmt, old, new, phash = row
        if old is None or new is None:
            return None
        done = store.done_orders(self.db, self.key, pair_id, phash)
        orders = [o for o in ORDERS if o not in done]
        if not orders:
            self.summary.already += 1
            return None
        if old.strip() == new.strip():
            for order in orders:
                result = OrderResult("identical", "same", "same", rationale="identical outputs")
                store.save(self.db, self.key, pair_id, phash, order, result)
            self.summary.identical += 1
            return None
        text = decode_prompt(prompt, fmt)
        if isinstance(text, list):
            text = "\n".join(f"{m.get('role')}: {m.get('content')}" for m in text)
        return Job(pair_id, phash, text or "", old, new, orders)

    # -- sending -----------------------------------------------------------------------
    async def _run_workers(self, jobs: list[Job]) -> None:
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        for _ in range(self.config.concurrency):
            queue.put_nowait(None)
        try:
            async with asyncio.TaskGroup() as group:
                for lane in range(self.config.concurrency):
                    group.create_task(self._work(queue, lane))
        except* Stop as eg:
            raise eg.exceptions[0] from None

    async def _work(self, queue: asyncio.Queue[Job | None], lane: int) -> None:
        while (job := await queue.get()) is not None:
            if self._over_budget():
                continue
            answered = 0
            for order in job.orders:
                answered += await self._ask(job, order, lane)
            if answered == len(job.orders):
                self.summary.judged += 1
            if self.on_progress:
                self.on_progress(self.summary)

    def _over_budget(self) -> bool:
        cap, s = self.settings.max_tokens_total, self.summary
        if cap is not None and s.prompt_tokens + s.completion_tokens >= cap:
            s.budget = f"token budget of {cap} reached"
            return True
        return False

    async def _ask(self, job: Job, order: Order, lane: int) -> int:
        """Send one order (with retries) and store the outcome; 1 when it was answered."""
        chat = messages(self.settings.rubric, job.prompt, job.old, job.new, order)
        result, attempts = await self._send(chat, lane)
        if isinstance(result, Failure):
            self.summary.failed += 1
            self._errors[result.label] += 1
            failed = OrderResult("failed", raw_answer=result.message, attempts=attempts)
            store.save(self.db, self.key, job.pair_id, job.pair_hash, order, failed)
            return 0
        outcome = self._read(result, order, attempts)
        store.save(self.db, self.key, job.pair_id, job.pair_hash, order, outcome)
        return 1

    def _read(self, answer: Answer, order: Order, attempts: int) -> OrderResult:
        s, usage = self.summary, answer.usage
        s.answered += 1
        s.prompt_tokens += usage.get("prompt_tokens", 0)
        s.completion_tokens += usage.get("completion_tokens", 0)
        parsed = parse_answer(answer.text)
        result = OrderResult(
            "unparseable",
            raw_answer=answer.text,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_ms=answer.latency_ms,
            attempts=attempts,
        )
        if parsed.choice is None:
            s.unparseable += 1
            return result
        result.status, result.choice = "ok", parsed.choice
        result.verdict = to_verdict(parsed.choice, order)
        result.rationale = parsed.rationale
        choice_p = choice_probabilities(answer.logprobs)
        if choice_p is not None:
            result.probs = verdict_probabilities(choice_p, order)
        return result

    async def _send(self, chat: list[dict[str, Any]], lane: int) -> tuple[Answer | Failure, int]:
        cfg, attempt = self.config, 0
        while True:
            attempt += 1
            estimate = estimate_tokens(chat, cfg.max_tokens, 64.0)
            await self._limiter.acquire(estimate)
            self.summary.requests += 1
            result = await self._client.complete(chat, lane)
            if isinstance(result, Answer):
                self._limiter.settle(estimate, result.usage.get("total_tokens", estimate))
                self._streak, self._answered_any = 0, True
                return result, attempt
            self._limiter.settle(estimate, 0)
            self._check_stop(result)
            delay = self._retry_delay(result, attempt)
            if delay is None:
                return result, attempt
            self.summary.retried += 1
            await asyncio.sleep(delay)

    def _check_stop(self, failure: Failure) -> None:
        refused = failure.status in AUTH_STATUS
        unreachable = failure.kind == "connect" and not self._answered_any
        if not (refused or unreachable):
            return
        self._streak += 1
        if self._streak >= STOP_AFTER:
            url = self.config.display_url
            if refused:
                raise Stop(
                    f"{url} refused the judge's requests ({failure.label}): {failure.message}"
                )
            raise Stop(f"cannot connect to {url}: {failure.message}; is the server running?")

    def _retry_delay(self, failure: Failure, attempt: int) -> float | None:
        """replay's policy: Retry-After when given (a quota beyond the cap stops), else backoff."""
        cfg = self.config
        if not failure.retryable or attempt > cfg.max_retries:
            return None
        if failure.retry_after is not None:
            if failure.retry_after > cfg.max_retry_after:
                raise Stop(
                    f"{cfg.display_url} asks to wait {failure.retry_after:.0f} s"
                    f" ({failure.label}); run the same command again later"
                )
            delay = failure.retry_after + self.rng.uniform(0, min(1.0, failure.retry_after / 10))
            self._limiter.pause_until(time.monotonic() + delay)
            return delay
        delay = backoff(attempt, cfg.backoff_base, cfg.backoff_max, self.rng)
        if failure.status == 429:  # a rate limit holds for every worker, as in replay
            self._limiter.pause_until(time.monotonic() + delay)
        return delay
