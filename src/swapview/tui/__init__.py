"""The Textual front end. Only this package imports Textual; the core never does."""

from .app import SwapviewApp
from .context import ReviewContext
from .review_screen import ReviewScreen

__all__ = ["ReviewContext", "ReviewScreen", "SwapviewApp"]
