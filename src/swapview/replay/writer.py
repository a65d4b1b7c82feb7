"""One thread that owns the database during a run and commits answers in small groups.

Workers hand an answer over and move straight on to their next prompt; the thread takes
whatever has queued up (often one answer, up to ``MAX_GROUP`` under load) and commits it
in one transaction, each answer inside its own savepoint so one bad write cannot take the
others down. A crash loses only answers not yet committed, which the next run sends
again; nothing is ever stored twice because every write checks the side is still NULL.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..store import write_transaction

MAX_GROUP = 256


@dataclass(slots=True)
class _Item:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future
    after: Callable[[Any], None] | None


class StoreWriter:
    """Runs store functions on one thread: ``call`` to await a result, ``submit`` to queue."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.error: BaseException | None = None
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._backlog = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="swapview-replay-db", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        return self._backlog

    def submit(
        self, fn: Callable[..., Any], *args: Any, after: Callable[[Any], None] | None = None
    ) -> Future:
        """Queue a write; ``after(result)`` runs on the thread once it is committed."""
        item = _Item(fn, args, Future(), after)
        with self._lock:
            self._backlog += 1
        self._queue.put(item)
        return item.future

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        """Commit everything queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = self._drain(group)
            self._commit(group)
            if stop:
                return

    def _drain(self, group: list[_Item]) -> bool:
        while len(group) < MAX_GROUP:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is None:
                return True
            group.append(item)
        return False

    def _commit(self, group: list[_Item]) -> None:
        results: list[tuple[_Item, Any]] = []
        try:
            with write_transaction(self.db):
                for item in group:
                    try:
                        with self.db.atomic():  # a savepoint: one failure stays alone
                            results.append((item, item.fn(*item.args)))
                    except Exception as exc:  # reported through the future and .error
                        self._fail(item, exc)
        except Exception as exc:  # the commit itself failed: nothing in the group stored
            for item, _ in results:
                self._fail(item, exc)
            results = []
        for item, result in results:
            if item.after is not None:
                item.after(result)
            # A caller that stopped waiting (its task cancelled when the run stops) has
            # cancelled the future; the write is committed all the same, and the thread
            # must live on to commit what is queued behind it.
            if not item.future.cancelled():
                item.future.set_result(result)
        with self._lock:
            self._backlog -= len(group)

    def _fail(self, item: _Item, exc: BaseException) -> None:
        self.error = self.error or exc
        if not item.future.cancelled():
            item.future.set_exception(exc)
