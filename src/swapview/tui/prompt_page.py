"""The prompt on a screen of its own: system prompt, every turn, a long prompt whole.

The prompt panel over the diff has a few rows; the question an answer depends on (a
ticket's text, the options of a multiple-choice question) can need the whole screen.
The page shows the same ``PromptView``, in its page mode, scrolled with the usual keys.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..detail import PairDetail, chat_turns
from ..textsafe import visible
from .panels import PAGE_MODE, PromptView


def page_title(d: PairDetail) -> str:
    """ "Prompt of refund-0042: 4 turns, 2,310 characters"."""
    turns = chat_turns(d.prompt)
    chars = sum(len(body) for _, body in turns)
    n = len(turns)
    return f"Prompt of {visible(d.key)}: {n} turn{'s' if n != 1 else ''}, {chars:,} characters"


class PromptPage(ModalScreen[None]):
    """The current pair's whole prompt, full height; escape (or z, q) closes it."""

    BINDINGS = [
        Binding("escape,z,q", "close", "Close the prompt", id="prompt_close"),
        Binding("j,down", "scroll('line', 1)", "Line down", id="prompt_down", show=False),
        Binding("k,up", "scroll('line', -1)", "Line up", id="prompt_up", show=False),
        Binding("space,pagedown", "scroll('page', 1)", "Page down", id="prompt_page_down"),
        Binding("b,pageup", "scroll('page', -1)", "Page up", id="prompt_page_up", show=False),
        Binding("g,home", "scroll('end', -1)", "Top", id="prompt_top", show=False),
        Binding("G,end", "scroll('end', 1)", "Bottom", id="prompt_bottom", show=False),
    ]

    def __init__(self, detail: PairDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield Static(Content(page_title(self.detail)), classes="dialog-title")
        yield PromptView(id="prompt-page")
        yield Static("j/k line · space/b page · g/G top/bottom · esc close", classes="dialog-help")

    def on_mount(self) -> None:
        self.view.show(self.detail, PAGE_MODE)

    @property
    def view(self) -> PromptView:
        return self.query_one(PromptView)

    def action_scroll(self, unit: str, direction: int) -> None:
        view = self.view
        if unit == "line":
            view.scroll_relative(y=direction, animate=False)
        elif unit == "page":
            view.scroll_relative(y=direction * max(view.size.height - 1, 1), animate=False)
        else:
            view.scroll_to(y=0 if direction < 0 else view.max_scroll_y, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
