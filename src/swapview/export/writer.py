"""Atomic JSONL writes: a temporary file in the same folder, renamed over the target.

An interrupted export leaves the old file as it was (the rename is the only step that
touches it), and no reader ever sees half a file. A kill (SIGTERM) during the write raises
like Ctrl-C does, so the temporary file is removed rather than left behind, hidden.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ..errors import InputError, SwapviewError


def existing_ids(path: Path, record_id: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """Ids of the records already in a JSONL file (for --append)."""
    ids = []
    with _open_for_read(path) as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"not JSON ({exc.msg})", line=number) from exc
            # Records without a swapview id (cases a team wrote by hand) are kept as they
            # are: they cannot collide with an exported case.
            rid = record_id(record) if isinstance(record, dict) else None
            if rid is not None:
                ids.append(rid)
    return ids


def first_record(path: Path) -> Any:
    """The first record of a JSONL file; None when it has none."""
    with _open_for_read(path) as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    return json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), f"not JSON ({exc.msg})", line=number) from exc
    return None


def _open_for_read(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise SwapviewError(f"{path}: cannot read ({exc.strerror})") from exc


def write_atomic(path: Path, lines: Iterable[str], *, keep_existing: bool = False) -> int:
    """Replace `path` with the given lines (after its current content if keep_existing).

    Returns how many lines were written from `lines`. On any error, including one raised
    while `lines` is being produced, the target is untouched and the temporary file removed.

    Only a regular file (or a new path) is replaced. A symlink is kept: the file it points
    to is replaced atomically. A FIFO or a device (``-o /dev/stdout``) is written through,
    never replaced; any other kind of file is refused.
    """
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    kind = _kind(path)
    if kind == "stream":
        return _write_through(path, lines, keep_existing)
    folder = check_writable(path)
    _sweep_stale_temps(folder, path.name)
    # A name part only this write uses: a signal can land inside mkstemp, after the file
    # exists but before its name is returned, and the cleanup must still find it.
    prefix = f".{path.name}.{secrets.token_hex(6)}."
    with _sigterm_raises():
        try:
            fd, tmp = _make_temp(path, folder, prefix)
            count = _fill(fd, path, lines, keep_existing)
            os.chmod(tmp, _mode_for(path))
            os.replace(tmp, path)
        except OSError as exc:
            _remove_made(folder, prefix)
            raise SwapviewError(f"{path}: write failed, file left as it was ({exc})") from exc
        except BaseException:
            _remove_made(folder, prefix)
            raise
    return count


STALE_TEMP_S = 15 * 60  # a live export writes its temp file all along: older means dead


def _kind(path: Path) -> str:
    """'new', 'file' (regular), or 'stream' (FIFO, character or block device)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "new"
    except OSError as exc:
        raise SwapviewError(f"{path}: cannot write ({exc.strerror})") from exc
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return "file"  # a folder is refused by check_writable with its own message
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "stream"
    raise SwapviewError(f"{path}: not a regular file, a FIFO or a device; refusing to replace it")


def _write_through(path: Path, lines: Iterable[str], keep_existing: bool) -> int:
    """Write to a FIFO or device as it is: there is nothing to replace atomically."""
    if keep_existing:
        raise SwapviewError(f"{path}: --append needs a regular file, not a FIFO or device")
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            count = 0
            for line in lines:
                out.write(line + "\n")
                count += 1
    except OSError as exc:
        raise SwapviewError(f"{path}: write failed ({exc.strerror})") from exc
    return count


def _sweep_stale_temps(folder: Path, name: str) -> None:
    """Remove temp files of our own naming for ``name`` left by a killed export."""
    ours = re.compile(rf"^\.{re.escape(name)}\.[0-9a-f]{{12}}\..*\.tmp$")
    cutoff = time.time() - STALE_TEMP_S
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        if not ours.match(entry):
            continue
        try:
            st = os.lstat(folder / entry)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
            _remove_quietly(folder / entry)


def _make_temp(path: Path, folder: Path, prefix: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    except OSError as exc:
        raise SwapviewError(f"{path}: cannot write ({exc.strerror})") from exc


def _remove_made(folder: Path, prefix: str) -> None:
    """Remove this write's temporary file, if it was made and not yet renamed."""
    for name in os.listdir(folder):
        if name.startswith(prefix) and name.endswith(".tmp"):
            _remove_quietly(folder / name)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises SystemExit(143) instead of ending the process on the spot.

    Only where a handler can be set (the main thread) and SIGTERM still has its default
    action: a handler the program set, or SIG_IGN, is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # the shell's convention for "killed by signal N"


def _fill(fd: int, path: Path, lines: Iterable[str], keep_existing: bool) -> int:
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        if keep_existing and path.exists():
            _copy_with_final_newline(path, out)
        count = 0
        for line in lines:
            out.write(line + "\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def check_writable(path: Path) -> Path:
    """The folder the file goes in, or a SwapviewError saying why it cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise SwapviewError(f"{path}: cannot write, folder {folder} does not exist")
    if path.is_dir():
        raise SwapviewError(f"{path}: is a folder, not a file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SwapviewError(f"{path}: cannot write, folder {folder} is not writable")
    return folder


def _copy_with_final_newline(path: Path, out: TextIO) -> None:
    """Copy the existing file in chunks (never whole into memory), ending it with a newline."""
    with path.open(encoding="utf-8", newline="") as src:
        shutil.copyfileobj(src, out, 1 << 20)
    with path.open("rb") as raw:
        raw.seek(0, os.SEEK_END)
        if raw.tell():
            raw.seek(-1, os.SEEK_END)
            if raw.read(1) != b"\n":
                out.write("\n")


def _mode_for(path: Path) -> int:
    # mkstemp creates 0600; keep an existing file's mode, else what open() would give.
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_quietly(tmp: Path) -> None:
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass  # removed in between: nothing to clean up
