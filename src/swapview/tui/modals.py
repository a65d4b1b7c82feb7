"""Modal screens: note editor, one-line prompt, picker, help. Each returns via dismiss()."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ..textsafe import visible


class NoteEditor(ModalScreen[str | None]):
    """Edit a pair's note in place; ctrl+s saves, escape cancels.

    ``conflict`` (given by the screen that does the I/O) says why saving would overwrite
    a note someone changed since the editor opened; the editor then stays open with the
    warning, and a second ctrl+s saves anyway."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", id="note_save"),
        Binding("escape", "cancel", "Cancel", id="note_cancel"),
    ]

    def __init__(
        self,
        title: str,
        note: str | None,
        conflict: Callable[[], str | None] | None = None,
        warning: str | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._note = note or ""
        self._conflict = conflict
        self._warning = warning  # already warned (the external editor's save collided)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(visible(self._title)), classes="dialog-title")
            yield TextArea(self._note, id="note-area", soft_wrap=True, show_line_numbers=False)
            yield Static(id="note-warning", classes="dialog-warning")
            yield Static("ctrl+s save · escape cancel", id="note-help", classes="dialog-help")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if self._warning:
            self._warn(self._warning)
        else:
            self.query_one("#note-warning").display = False

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if self._warning is None and self._conflict is not None:
            warning = self._conflict()
            if warning:
                self._warn(warning)
                return
        self.dismiss(text)

    def _warn(self, warning: str) -> None:
        self._warning = warning
        box = self.query_one("#note-warning", Static)
        box.update(Content(visible(warning)))
        box.display = True
        self.query_one("#note-help", Static).update(
            "ctrl+s again to save yours over it · escape to keep theirs"
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskLine(ModalScreen[str | None]):
    """One line of input (search, jump to key, metadata filter)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask_cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="small"):
            yield Static(Content(self._title), classes="dialog-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="ask-input")
            yield Static("enter to confirm · escape cancel", classes="dialog-help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


PICKER_ROWS = 20  # at most this many options at once
PICKER_CHROME = 10  # rows around the list: borders (4), title, hint, a margin to the screen


class Picker(ModalScreen[str | None]):
    """Choose one of a list (order, filter, comparison); returns the option id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick_cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None):
        super().__init__()
        self._title = title
        self._choices = choices
        self._current = current

    def compose(self) -> ComposeResult:
        options = [Option(Content(visible(label)), id=cid) for cid, label in self._choices]
        with Vertical(id="dialog", classes="picker"):
            yield Static(Content(self._title), classes="dialog-title")
            yield OptionList(*options, id="picker-list")
            yield Static("enter to choose · escape cancel", classes="dialog-help")

    def on_mount(self) -> None:
        olist = self.query_one(OptionList)
        ids = [cid for cid, _ in self._choices]
        if self._current in ids:
            olist.highlighted = ids.index(self._current)
        olist.focus()
        self._fit_list()

    def on_resize(self) -> None:
        self._fit_list()

    def _fit_list(self) -> None:
        # The list scrolls within what the screen leaves (border, title, hint, margin),
        # so the hint stays visible and the highlighted option is scrolled to.
        room = self.app.size.height - PICKER_CHROME
        self.query_one(OptionList).styles.max_height = max(min(room, PICKER_ROWS), 3)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def legend_table(legend: list[tuple[str, str]]) -> Table:
    """The marks and what they mean, in two columns (long meanings wrap in theirs); Text
    cells, so no mark or meaning is ever read as markup."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, max_width=LEGEND_MARK_CELLS)
    table.add_column(ratio=1)
    for mark, meaning in legend:
        table.add_row(Text(mark), Text(meaning))
    return table


LEGEND_MARK_CELLS = 22


class HelpScreen(ModalScreen[None]):
    """Every key of the review screen, as currently mapped."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close help", id="help_close"),
        Binding("j,down", "scroll('line', 1)", "Line down", id="help_down", show=False),
        Binding("k,up", "scroll('line', -1)", "Line up", id="help_up", show=False),
        Binding("space,pagedown", "scroll('page', 1)", "Page down", id="help_page_down"),
        Binding("b,pageup", "scroll('page', -1)", "Page up", id="help_page_up", show=False),
        Binding("g,home", "scroll('end', -1)", "Top", id="help_top", show=False),
        Binding("G,end", "scroll('end', 1)", "Bottom: what the marks mean", id="help_bottom"),
    ]

    def __init__(
        self, rows: list[tuple[str, str, str]], legend: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__()
        self._rows = rows  # (keys, description, binding id)
        self._legend = legend or []  # (mark, meaning)

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _, _ in self._rows), default=4) + 2
        parts: list[Content | tuple[str, str] | str] = []
        for key, desc, binding_id in self._rows:
            parts += [(f"{key:<{width}}", "bold"), desc, ("  " + binding_id, "dim"), "\n"]
        with Vertical(id="dialog", classes="help"):
            yield Static("swapview keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(Content.assemble(*parts))
                if self._legend:
                    yield Static(Content.styled("What the marks mean", "bold underline"))
                    yield Static(legend_table(self._legend), id="help-legend")
            # Content, not markup: "[keys]" is the config table's name, not a style.
            help_line = (
                "esc/?/q close · G marks · ^p all commands · dim: id for [keys] in the config"
            )
            yield Static(Content(help_line), classes="dialog-help")

    def action_scroll(self, unit: str, direction: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if unit == "line":
            body.scroll_relative(y=direction, animate=False)
        elif unit == "page":
            body.scroll_relative(y=direction * max(body.size.height - 1, 1), animate=False)
        else:
            body.scroll_to(y=0 if direction < 0 else body.max_scroll_y, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmOverwrite(ModalScreen[bool]):
    """Asked before a tag replaces another reviewer's decision: enter confirms, escape
    keeps theirs."""

    BINDINGS = [
        Binding("enter", "confirm", "Replace their decision", id="overwrite_confirm"),
        Binding("escape", "cancel", "Keep theirs", id="overwrite_cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(visible(self._question)), classes="dialog-title")
            yield Static("enter replace · escape keep theirs", classes="dialog-help")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def overwrite_question(key: str, theirs: str, who: str, mine: str | None) -> str:
    """'sup-0027 is tagged regression by ana. Tag it neutral instead?'"""
    change = f"Tag it {mine} instead?" if mine else "Clear their tag?"
    return f"{key} is tagged {theirs} by {who}. {change}"
