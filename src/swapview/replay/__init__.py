"""Replay: generate one side of a comparison through an OpenAI-compatible endpoint.

The headless core of `swapview replay` (no Textual): config, prompts, the HTTP client,
rate limits, the store writes and the run loop.
"""

from .config import ReplayConfig, build_config, parse_extra
from .prompts import read_prompts
from .records import ImportReport, import_prompts
from .runner import Replayer, Summary

__all__ = [
    "ImportReport",
    "ReplayConfig",
    "Replayer",
    "Summary",
    "build_config",
    "import_prompts",
    "parse_extra",
    "read_prompts",
]
