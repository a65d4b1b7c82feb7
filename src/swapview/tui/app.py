"""The Textual application: themes, key remaps, command palette, the review screen."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from .context import ReviewContext
from .keys import binding_ids
from .review_screen import ReviewScreen

DEFAULT_THEME = "textual-dark"


class SwapviewApp(App[None]):
    """Review pairs with one key each; quit with q or ctrl+q."""

    CSS_PATH = "swapview.tcss"
    TITLE = "swapview"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, context: ReviewContext, *, theme: str | None = None) -> None:
        super().__init__()
        self.context = context
        self._theme_name = theme or context.config.theme or DEFAULT_THEME
        self._frame_log = _FrameLog.from_env()

    def on_mount(self) -> None:
        if self._theme_name not in self.available_themes:
            self.notify(
                f"unknown theme {self._theme_name!r}; using {DEFAULT_THEME}",
                severity="warning",
                markup=False,
            )
            self._theme_name = DEFAULT_THEME
        self.theme = self._theme_name
        if self.context.config.keys:
            self.set_keymap(self.context.config.keys)
            self._warn_unknown_key_ids()
        self.open_review()
        if self._frame_log is not None:
            self._frame_log.attach(self)

    def _warn_unknown_key_ids(self) -> None:
        """Textual ignores a remap whose id matches no binding: say so (a typo, usually)."""
        config = self.context.config
        unknown = sorted(set(config.keys) - binding_ids(config.all_tags()))
        if unknown:
            self.notify(
                f"config [keys]: no key has the id {', '.join(unknown)}; press ? to see the ids",
                severity="warning",
                markup=False,
                timeout=10,
            )

    def open_review(self) -> None:
        """Show the review screen (a front end may first ask who is reviewing)."""
        self.push_screen(ReviewScreen(self.context))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ReviewScreen):
            yield from screen.system_commands()


class _FrameLog:
    """Benchmark hook: with $SWAPVIEW_FRAME_LOG set, log when each frame is written and
    which pair it shows, so key-to-frame latency is measured at the terminal's edge
    (not through the test harness)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = path.open("a", buffering=1, encoding="utf-8")

    @classmethod
    def from_env(cls) -> _FrameLog | None:
        path = os.environ.get("SWAPVIEW_FRAME_LOG")
        return cls(Path(path)) if path else None

    def attach(self, app: App) -> None:
        driver = app._driver
        if driver is None:
            return
        write = driver.write

        def logged_write(data: str) -> None:
            write(data)
            screen = app.screen
            detail = getattr(screen, "detail", None)
            rows = (
                getattr(getattr(screen, "diff_view", None), "row_count", 0)
                if isinstance(screen, ReviewScreen)
                else 0
            )
            pid = detail.pair_id if detail is not None else -1
            self.fh.write(f"{time.time():.6f} {pid} {rows} {len(data)}\n")

        driver.write = logged_write  # type: ignore[method-assign]
