"""A team's own parser (`python = "module:function"`), run in a worker process.

The parser is code swapview does not control: it may hang, eat memory or crash the
interpreter. It runs in a spawned child with an address-space cap (resource.setrlimit) and
a timeout per output; a child that hangs is killed and a new one started for the next
output, so one bad output costs one timeout and never stops the check.
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys
import traceback
from collections.abc import Iterable
from multiprocessing.connection import Connection
from typing import Any

MESSAGE_CHARS = 300
START_TIMEOUT = 60.0  # seconds to import the parser's module in a fresh child


class ParserUnavailable(Exception):
    """The parser's module or function cannot be loaded: every output would fail alike."""


def _serve(conn: Connection, target: str, folder: str, memory_mb: int) -> None:
    """The child: cap memory, import the parser, then answer one output at a time."""
    try:
        import resource

        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass  # no rlimit here (not POSIX): the timeout still holds
    sys.path.insert(0, folder)
    module_name, func_name = target.split(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except BaseException as exc:  # noqa: BLE001  (any import failure is the parser's)
        conn.send(("fatal", f"cannot load {target}: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            text = conn.recv()
        except EOFError:
            return
        conn.send(_call(func, text, folder))


def _call(func: Any, text: str, folder: str) -> tuple[str, str | None]:
    try:
        result = func(text)
    except MemoryError:
        return "broken", "MemoryError: the parser went over its memory cap"
    except BaseException as exc:  # noqa: BLE001  (whatever the parser raises means broken)
        # The line in the team's own code, not deep in the library it called.
        frames = traceback.extract_tb(exc.__traceback__)
        own = [f for f in frames if f.filename.startswith(folder)] or frames[-1:]
        at = f" ({own[-1].filename.rsplit('/', 1)[-1]}:{own[-1].lineno})" if own else ""
        return "broken", f"{type(exc).__name__}: {exc}{at}"[:MESSAGE_CHARS]
    if result is False:
        return "broken", "the parser returned False"
    return "kept", None


class PythonCheck:
    """One parser in one child process, restarted after a hang or a crash."""

    def __init__(self, target: str, folder: str, timeout: float, memory_mb: int) -> None:
        self.target, self.folder = target, folder
        self.timeout, self.memory_mb = timeout, memory_mb
        self._proc: Any = None
        self._conn: Connection | None = None
        self.restarts = 0

    def check_many(self, texts: Iterable[str]) -> list[str | None]:
        """Per output: None when the parser accepted it, else why it did not."""
        return [self.check(t) for t in texts]

    def check(self, text: str) -> str | None:
        conn = self._ensure()
        try:
            conn.send(text)
        except (BrokenPipeError, OSError):
            return self._crashed()
        if not conn.poll(self.timeout):
            self._kill()
            return f"the parser took over {self.timeout:g} s (stopped)"
        try:
            verdict, message = conn.recv()
        except (EOFError, OSError):
            return self._crashed()
        return None if verdict == "kept" else message

    def start(self) -> Connection:
        """The running worker, started (and the parser imported) when there is none."""
        return self._ensure()

    def _ensure(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._kill()
        ctx = multiprocessing.get_context("spawn")  # no inherited SQLite handles or threads
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_serve, args=(child, self.target, self.folder, self.memory_mb), daemon=True
        )
        proc.start()
        child.close()
        if not parent.poll(START_TIMEOUT):
            proc.kill()
            raise ParserUnavailable(f"{self.target}: the module took over {START_TIMEOUT:g} s")
        try:
            state, message = parent.recv()
        except EOFError as exc:
            raise ParserUnavailable(f"{self.target}: the worker died while loading") from exc
        if state == "fatal":
            proc.join(5)
            raise ParserUnavailable(message)
        self._proc, self._conn = proc, parent
        return parent

    def _crashed(self) -> str:
        code = None
        if self._proc is not None:
            self._proc.join(1)
            code = self._proc.exitcode
        self._kill()
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"the parser crashed its worker ({how})"

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
                self.restarts += 1
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def close(self) -> None:
        self._kill()

    def __enter__(self) -> PythonCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
