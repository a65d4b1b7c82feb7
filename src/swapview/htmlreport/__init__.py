"""`report --html FILE`: one self-contained page (no scripts, no fetches) for a pull request."""

from __future__ import annotations

from .page import write_html

__all__ = ["write_html"]
