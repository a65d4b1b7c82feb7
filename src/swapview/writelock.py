"""Who holds a database for a long write: one load at a time per file, and its name.

Loads commit in short transactions, so a reviewer's tag never waits long for SQLite's
lock; two loads on one file would still interleave their rows. Each load therefore takes
an advisory ``flock`` on ``<db>.load-lock`` for its whole run (the kernel drops it when the
process dies, even by kill -9) and writes who it is into that file, so a second load can
say what it waits for, and a writer that gives up on SQLite's lock can name the holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError

POLL_S = 0.2


def lock_path(db_path: str) -> Path:
    return Path(f"{db_path}.load-lock")


def holder(db_path: str) -> str | None:
    """'a load of FILE (pid N, since T)' when a live load holds ``db_path``, else None."""
    path = lock_path(db_path)
    try:
        with open(path, "rb") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _describe(path)
            fcntl.flock(f, fcntl.LOCK_UN)
    except OSError:
        return None
    return None


def _describe(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    what = info.get("what", "a load")
    return f"{what} (pid {info.get('pid', '?')}, since {info.get('since', '?')})"


@contextmanager
def held(
    db_path: str | None,
    what: str,
    *,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the load lock of ``db_path`` (none for an in-memory database); waits for it,
    telling ``on_wait`` once who holds it, and stops after ``timeout`` seconds if given."""
    if not db_path:
        yield
        return
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the load lock ({exc.strerror})") from exc
    try:
        _acquire(fd, path, on_wait, timeout)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"what": what, "pid": os.getpid(), "since": stamp}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(
    fd: int, path: Path, on_wait: Callable[[str], None] | None, timeout: float | None
) -> None:
    start = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        who = _describe(path)
        if timeout is not None and time.monotonic() - start >= timeout:
            raise StoreError(f"{path.name[: -len('.load-lock')]}: busy with {who}; try again later")
        if not told and on_wait is not None:
            on_wait(f"waiting: the database is busy with {who}")
            told = True
        time.sleep(POLL_S)
