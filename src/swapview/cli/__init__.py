"""The `swapview` command line. Each command lives in its own module."""

from . import stats_cmd  # noqa: F401  (registers the command)
from .app import main
from .export_cmd import export_command  # noqa: F401  (registers the command)
from .replay_cmd import replay  # noqa: F401  (registers the command)
from .report_cmd import report_command  # noqa: F401  (registers the command)
from .score_cmd import score  # noqa: F401  (registers the command)

__all__ = ["main"]
