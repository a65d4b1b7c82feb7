"""The `swapview` command line. Each command lives in its own module."""

from . import (
    import_cmd,  # noqa: F401  (registers the command)
    stats_cmd,  # noqa: F401  (registers the command)
)
from .app import main

__all__ = ["main"]
