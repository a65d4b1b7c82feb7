"""The Textual front end. Only this package imports Textual; the core never does."""

from .app import SwapviewApp
from .review_screen import ReviewContext, ReviewScreen

__all__ = ["ReviewContext", "ReviewScreen", "SwapviewApp"]
