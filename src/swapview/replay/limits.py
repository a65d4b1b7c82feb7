"""Rate limits (requests and tokens per minute, token buckets) and retry backoff."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

Clock = Callable[[], float]


class Bucket:
    """A token bucket refilled at ``per_minute / 60`` a second.

    It holds one second's worth, so a limit of 600/min never bursts 600 requests at once
    (providers enforce limits over windows shorter than a minute). A cost larger than the
    whole bucket waits for a full bucket and leaves it in debt, so it cannot wait forever.
    """

    def __init__(self, per_minute: float, clock: Clock = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.clock = clock
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, cost: float) -> float:
        """Seconds until ``cost`` can be taken (0 when it can be taken now)."""
        self._refill()
        need = min(cost, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, cost: float) -> None:
        self.level -= cost

    def give_back(self, amount: float) -> None:
        """Correct an estimate once the real cost is known (negative = it cost more)."""
        self.level = min(self.capacity, self.level + amount)


class RateLimiter:
    """Waits before each request so the configured rates hold across all workers.

    A 429 with Retry-After pauses everyone, not just the worker that got it: the limit
    is shared, and the other workers would only collect 429s of their own.
    """

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.requests = Bucket(requests_per_minute, clock) if requests_per_minute else None
        self.tokens = Bucket(tokens_per_minute, clock) if tokens_per_minute else None
        self.clock = clock
        self.paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, when: float) -> None:
        self.paused_until = max(self.paused_until, when)

    async def acquire(self, tokens: float = 0.0) -> None:
        async with self._lock:  # one waiter at a time keeps the order first come, first served
            while True:
                wait = self.paused_until - self.clock()
                if self.requests:
                    wait = max(wait, self.requests.wait_time(1))
                if self.tokens:
                    wait = max(wait, self.tokens.wait_time(tokens))
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if self.requests:
                self.requests.take(1)
            if self.tokens:
                self.tokens.take(tokens)

    def settle(self, estimated: float, actual: float) -> None:
        if self.tokens:
            self.tokens.give_back(estimated - actual)


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, times U(0.5, 1)."""
    rng = rng or random
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (0.5 + rng.random() / 2)


def estimate_tokens(messages: list[dict], max_tokens: int | None, typical_reply: float) -> float:
    """A pre-request guess for the token bucket: about 4 characters a token."""
    chars = sum(len(str(m.get("content", ""))) for m in messages)
    return chars / 4 + (max_tokens if max_tokens is not None else typical_reply)
