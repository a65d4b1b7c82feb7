"""Where computed models live: the user cache folder, written atomically, built once.

$SWAPVIEW_CACHE overrides the folder (tests point every worker at one shared folder);
otherwise platformdirs' user cache dir (which honours XDG_CACHE_HOME on Linux). A file
lock makes concurrent first runs (two terminals, xdist workers) build the model once.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import SwapviewError

LOCK_TIMEOUT_S = 900  # a first build takes a minute or two; a stuck lock is reported


def cache_dir() -> Path:
    override = os.environ.get("SWAPVIEW_CACHE")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("swapview", appauthor=False))


def load_or_build(
    filename: str, build: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Arrays cached in ``filename``, built (once, under a lock) when missing or unreadable."""
    from filelock import FileLock, Timeout

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SwapviewError(f"cannot create the cache folder {folder}: {exc}") from exc
    path = folder / filename
    if (arrays := _read(path)) is not None:
        return arrays
    try:
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S):
            if (arrays := _read(path)) is not None:  # another process built it meanwhile
                return arrays
            arrays = build()
            write_atomic(path, arrays)
            return arrays
    except Timeout as exc:
        raise SwapviewError(f"{path}.lock is held by another process for too long") from exc


def _read(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError):
        return None  # a damaged file is rebuilt, not trusted


def write_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write to a temporary file beside the target, then rename over it in one step."""
    buf = io.BytesIO()
    named: dict[str, Any] = dict(arrays)  # savez's stub types keyword arrays as its flags
    np.savez(buf, **named)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getbuffer())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
