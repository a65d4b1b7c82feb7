"""export -o over special files: only regular files are replaced."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from swapview.export.writer import STALE_TEMP_S, write_atomic


def test_symlink_is_kept_and_its_target_replaced(tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert write_atomic(link, ["a", "b"]) == 2
    assert link.is_symlink()
    assert target.read_text() == "a\nb\n"


def test_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert write_atomic(fifo, ["x", "y"]) == 2
    reader.join(10)
    assert got == [b"x\ny\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_device_is_written_through() -> None:
    dev = Path("/dev/null")
    before = dev.stat()
    assert write_atomic(dev, ["z"]) == 1
    after = dev.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_stale_temp_files_of_our_naming_are_swept(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    stale = tmp_path / ".cases.jsonl.0123456789ab.k3j2.tmp"
    fresh = tmp_path / ".cases.jsonl.ba9876543210.zz.tmp"
    other = tmp_path / ".notes.0123456789ab.k3j2.tmp"
    for p in (stale, fresh, other):
        p.write_text("junk")
    old = time.time() - STALE_TEMP_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_atomic(out, ["a"])
    assert not stale.exists()
    assert fresh.exists() and other.exists()  # a live export's, and not ours


def test_append_streams_and_ends_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    out.write_text("one")
    write_atomic(out, ["two"], keep_existing=True)
    assert out.read_text() == "one\ntwo\n"
