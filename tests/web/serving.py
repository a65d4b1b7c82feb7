"""Starting `swapview serve` as a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

URL = re.compile(r"(http://\S+/)")


@dataclass
class Served:
    url: str
    printed: list[str]
    pid: int

    def tab_processes(self) -> list[int]:
        """Live processes under the server (each open tab runs one or two)."""
        return [p for p in _children(self.pid) if not _is_zombie(p)]

    def wait_for_no_tabs(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while procs := self.tab_processes():
            assert time.monotonic() < deadline, f"tab processes still running: {procs}"
            time.sleep(0.05)


@contextmanager
def serving(db_path: Path, *args: str, timeout: float = 15.0) -> Iterator[Served]:
    """Run `swapview --db DB serve --port 0 ARGS`; yield its URL, output and pid.
    Stops it with SIGTERM (as Ctrl+C would) and checks no tab process outlives it."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    cmd = [
        sys.executable,
        "-c",
        "from swapview.cli import main; main()",
        "--db",
        str(db_path),
        "serve",
        "--port",
        "0",
        *args,
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        yield Served(_wait_for_url(proc, lines, timeout), lines, proc.pid)
    finally:
        children = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            rest, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
            raise AssertionError("swapview serve did not stop on SIGTERM") from None
        lines += rest.splitlines()
        leftover = [
            pid for pid in children if Path(f"/proc/{pid}").exists() and not _is_zombie(pid)
        ]
        assert not leftover, f"tab processes outlived the server: {leftover}"


def _wait_for_url(proc: subprocess.Popen, lines: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("swapview serve exited early:\n" + "".join(lines))
        lines.append(line.rstrip("\n"))
        if m := URL.search(line):
            return m.group(1)
    raise AssertionError("swapview serve printed no URL:\n" + "\n".join(lines))


def _children(pid: int) -> list[int]:
    """Every descendant of pid (the shell textual-serve starts and the app under it)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            kids = (task / "children").read_text().split() if (task / "children").exists() else []
            found += [int(k) for k in kids]
            todo += [int(k) for k in kids]
    return found


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
