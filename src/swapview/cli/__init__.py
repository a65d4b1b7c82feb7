"""The `swapview` command line. Each command lives in its own module."""

from . import stats_cmd  # noqa: F401  (registers the command)
from .app import main
from .load_cmd import load_cmd  # noqa: F401  (registers the command)

__all__ = ["main"]
