"""The `swapview` command line. Each command lives in its own module."""

from . import stats_cmd  # noqa: F401  (registers the command)
from .app import main
from .score_cmd import score  # noqa: F401  (registers the command)

__all__ = ["main"]
