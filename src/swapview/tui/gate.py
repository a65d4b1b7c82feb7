"""One worker at a time, requests meanwhile folded into one more run (no Textual).

The review screen refits the likely-regression order and recomputes the estimate of
what is left after writes. Both are slow, and only the latest state matters, so both
go through this gate: a request either starts the worker or is covered by the run the
worker does next.
"""

from __future__ import annotations

import threading


class CoalescingGate:
    """When a coalescing worker runs: one at a time, and never idle with a request unserved.

    Every request bumps a generation. The worker notes the generation before a refit
    and, after it, stops only if none came since, checked and marked idle under one
    lock: a tag that commits just as a refit ends either sees the worker still running
    (and the worker sees the new generation and refits again) or starts a new worker.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._running = False

    def request(self) -> bool:
        """Count a request; True when the caller must start the worker."""
        with self._lock:
            self._generation += 1
            if self._running:
                return False
            self._running = True
            return True

    def begin(self) -> int:
        """The generation the refit about to run covers (read after the tags committed)."""
        with self._lock:
            return self._generation

    def finish(self, generation: int) -> bool:
        """After a refit covering ``generation``: True (and idle) when nothing came since."""
        with self._lock:
            if self._generation != generation:
                return False
            self._running = False
            return True

    def abort(self) -> None:
        """The worker failed: the next request starts a new one."""
        with self._lock:
            self._running = False
