"""The review app as a browser tab runs it: the same app, first asking who is reviewing
when `swapview serve` was not given a name (the server's $USER is not the reviewer)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from .. import tui
from ..tui import SwapviewApp
from .names import reviewer_problem


class ReviewerPrompt(ModalScreen[str]):
    """Asks for the name every tag in this tab is attributed to; returns it."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="small"):
            yield Static("Who is reviewing?", classes="dialog-title")
            yield Input(placeholder="your name", id="reviewer-name", max_length=64)
            yield Static(
                "Every tag and note you make in this tab carries this name. enter to start",
                id="reviewer-help",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = reviewer_problem(name)
        if problem:
            self.query_one("#reviewer-help", Static).update(Content(problem))
            return
        self.dismiss(name)


class BrowserReviewApp(SwapviewApp):
    """SwapviewApp for a browser tab; `$EDITOR` falls back to the inline editor on its own
    (the web driver cannot suspend)."""

    # Textual resolves a relative CSS_PATH beside the subclass's module: point at the tui's.
    CSS_PATH = str(Path(tui.__file__).with_name("swapview.tcss"))

    def open_review(self) -> None:
        if self.context.reviewer:
            super().open_review()
            return

        def named(name: str | None) -> None:
            if name:
                self.context = dataclasses.replace(self.context, reviewer=name)
                self.sub_title = name
                super(BrowserReviewApp, self).open_review()

        self.push_screen(ReviewerPrompt(), named)
