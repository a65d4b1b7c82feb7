"""Old and new outputs side by side (or unified) with word-level highlights, Line API.

Only visible rows are drawn, so a 2,000-line pair costs what a 20-line one does once
laid out. The layout (wrapping into rows) is redone only when the diff, the width or
the mode changes. Text arrives already made safe (textsafe.visible) and is put on
screen as plain segments: nothing in an output is ever read as markup.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

from rich.cells import cell_len
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..diff import MARKER, Diff, Segment
from ..layout import Cells, Row, block_rows, row_cells

GUTTER = 1
DIVIDER = " │ "

# The diff pane's keys. The queue keeps the focus (so a key never changes meaning as the
# reviewer moves), so the screen binds these and hands them to ``DiffView.scroll_step``.
SCROLL_BINDINGS = [
    Binding(
        "space,pagedown",
        "scroll_diff('page', 1)",
        "Diff page down",
        id="diff_page_down",
        show=False,
    ),
    Binding("b,pageup", "scroll_diff('page', -1)", "Diff page up", id="diff_page_up", show=False),
    Binding("J", "scroll_diff('line', 1)", "Diff line down", id="diff_down", show=False),
    Binding("K", "scroll_diff('line', -1)", "Diff line up", id="diff_up", show=False),
    Binding("right,l", "scroll_diff('x', 1)", "Diff right (no wrap)", id="diff_right", show=False),
    Binding("left,h", "scroll_diff('x', -1)", "Diff left (no wrap)", id="diff_left", show=False),
]


class DiffView(ScrollView, can_focus=False):
    """Draws rows of a ``Diff``; the screen calls ``show`` and the toggles."""

    COMPONENT_CLASSES = {
        "diff-view--equal",
        "diff-view--delete",
        "diff-view--insert",
        "diff-view--marker",
        "diff-view--gutter-changed",
        "diff-view--blank",
        "diff-view--divider",
        "diff-view--message",
    }

    @dataclass
    class LaidOut(Message):
        """Every block of ``diff`` is laid out (and word-diffed, for a lazy diff)."""

        diff: Diff

    # A long diff is laid out a few blocks at a time: the first screen at once, the rest
    # in slices of this many seconds between other events.
    SLICE = 0.008

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff: Diff | None = None
        self.message = ""
        self.unified = False
        self.wrap = True
        self._rows: list[Row] = []
        self._layout_key: tuple | None = None
        self._next_block = 0
        self._lines_left = 0
        self._col = 0
        self._styles: dict[str, Style] = {}
        self._strips: LRUCache[tuple, Strip] = LRUCache(256)

    def show(self, diff: Diff | None, message: str = "") -> None:
        """Show a diff from the top (None with a message while one is being computed)."""
        self.diff = diff
        self.message = message
        self._layout_key = None
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._relayout()

    def scroll_step(self, unit: str, direction: int) -> None:
        """Scroll a page or a line down or up, or eight cells sideways (``unit`` "x")."""
        if unit == "page":
            page = max(self.size.height - 1, 1)
            self.scroll_to(y=self.scroll_y + direction * page, animate=False)
        elif unit == "line":
            self.scroll_to(y=self.scroll_y + direction, animate=False)
        else:
            self.scroll_to(x=self.scroll_x + direction * 8, animate=False)

    def set_mode(self, *, unified: bool | None = None, wrap: bool | None = None) -> None:
        if unified is not None:
            self.unified = unified
        if wrap is not None:
            self.wrap = wrap
        self._relayout()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def laid_out(self) -> bool:
        return self.diff is None or self._next_block >= len(self.diff.blocks)

    def on_resize(self) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    # ----- layout
    def _width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _relayout(self) -> None:
        width = self._width()
        key = (id(self.diff), width, self.unified, self.wrap)
        if key == self._layout_key:
            return
        self._layout_key = key
        self._strips.clear()
        self._rows, self._next_block = [], 0
        if self.diff is None or width <= 0:
            self.virtual_size = Size(width, 0)
            self.refresh()
            return
        if self.unified:
            self._col = max(width - GUTTER, 1)
        else:
            self._col = max((width - len(DIVIDER)) // 2 - GUTTER, 1)
        self._rows = [
            Row((Segment(MARKER, f"⚠ {note}"),), None, False)
            for note in dict.fromkeys(self.diff.notes)
        ]
        self._lines_left = sum(b.lines for b in self.diff.blocks)
        self._extend(int(self.scroll_offset.y) + 2 * max(self.size.height, 20))
        self._resize_virtual()
        if not self.laid_out:
            self._schedule(key)
        self.refresh()

    def _extend(self, rows_wanted: int, deadline: float | None = None) -> None:
        blocks = self.diff.blocks if self.diff is not None else []
        one_column = self.unified
        while self._next_block < len(blocks) and len(self._rows) < rows_wanted:
            block = blocks[self._next_block]
            self._rows.extend(block_rows(block, self._col, one_column, self.wrap, cell_len))
            self._lines_left -= block.lines
            self._next_block += 1
            if deadline is not None and time.perf_counter() > deadline:
                break

    def _schedule(self, key: tuple) -> None:
        # A timer, not call_later: queued callbacks run back to back without yielding to
        # the event loop, which would hold the first frame until the whole layout is done.
        self.set_timer(0.002, partial(self._continue_layout, key))

    def _continue_layout(self, key: tuple) -> None:
        if key != self._layout_key:
            return  # another pair or mode since
        self._extend(len(self._rows) + 10**9, time.perf_counter() + self.SLICE)
        self._resize_virtual()
        if not self.laid_out:
            self._schedule(key)
        elif self.diff is not None:
            self.post_message(self.LaidOut(self.diff))

    def _resize_virtual(self) -> None:
        # Until every block is laid out, count each remaining line as one row.
        height = len(self._rows) + max(self._lines_left, 0)
        width = self._width()
        if not self.wrap:
            widest = max((row_cells(r.left, cell_len) for r in self._rows), default=0)
            widest = max(
                widest,
                max(
                    (row_cells(r.right, cell_len) for r in self._rows if r.right is not None),
                    default=0,
                ),
            )
            width = max(
                width, widest + GUTTER if self.unified else 2 * (widest + GUTTER) + len(DIVIDER)
            )
        self.virtual_size = Size(width, height)

    # ----- drawing
    def render_line(self, y: int) -> Strip:
        width = self._width()
        index = int(self.scroll_offset.y) + y
        if index >= len(self._rows) and not self.laid_out:
            self._extend(index + self.size.height)  # scrolled past the laid-out part
        if index >= len(self._rows):
            if index == 0 and self.message:
                style = self.rich_style + self._style("message")
                return Strip([RichSegment(self.message, style)]).adjust_cell_length(width, style)
            return Strip.blank(width, self.rich_style)
        scroll_x = int(self.scroll_offset.x) if not self.wrap else 0
        key = (index, scroll_x, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(self._rows[index], scroll_x, width)
            self._strips[key] = strip
        return strip

    def _render_row(self, row: Row, scroll_x: int, width: int) -> Strip:
        base = self.rich_style
        if row.right is None:
            segs = self._column(row.left, row.changed, False, scroll_x, width - GUTTER, base)
            return Strip(segs).adjust_cell_length(width, base)
        segs = self._column(row.left, row.changed, row.left_blank, scroll_x, self._col, base)
        segs.append(RichSegment(DIVIDER, base + self._style("divider")))
        segs += self._column(row.right, row.changed, row.right_blank, scroll_x, self._col, base)
        return Strip(segs).adjust_cell_length(width, base)

    def _column(
        self, cells: Cells, changed: bool, blank: bool, scroll_x: int, col: int, base: Style
    ) -> list[RichSegment]:
        gutter_style = base + self._style("gutter-changed") if changed else base
        out = [RichSegment("▌" if changed and not blank else " ", gutter_style)]
        if blank:
            out.append(RichSegment(" " * col, base + self._style("blank")))
            return out
        body = [RichSegment(seg.text, base + self._style(seg.kind)) for seg in cells]
        used = row_cells(cells, cell_len)
        if scroll_x or used > col:
            cropped = Strip(body).crop_extend(scroll_x, scroll_x + col, base)
            return out + list(cropped)
        if used < col:
            body.append(RichSegment(" " * (col - used), base))
        return out + body

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"diff-view--{name}", partial=True)
            self._styles[name] = style
        return style
