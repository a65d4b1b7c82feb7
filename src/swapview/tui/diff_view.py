"""Old and new outputs side by side (or unified) with word-level highlights, Line API.

Only visible rows are drawn, so a 2,000-line pair costs what a 20-line one does once
laid out. The layout (wrapping into rows) is redone only when the diff, the width or
the mode changes. Text arrives already made safe (textsafe.visible) and is put on
screen as plain segments: nothing in an output is ever read as markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..diff import DELETE, INSERT, MARKER, Diff
from ..layout import Cells, Row, row_cells, side_by_side, unified

GUTTER = 1
DIVIDER = " │ "


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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff: Diff | None = None
        self.message = ""
        self.unified = False
        self.wrap = True
        self._rows: list[Row] = []
        self._layout_key: tuple | None = None
        self._col = 0
        self._strips: LRUCache[tuple, Strip] = LRUCache(256)

    def show(self, diff: Diff | None, message: str = "") -> None:
        """Show a diff from the top (None with a message while one is being computed)."""
        self.diff = diff
        self.message = message
        self._layout_key = None
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._relayout()

    def set_mode(self, *, unified: bool | None = None, wrap: bool | None = None) -> None:
        if unified is not None:
            self.unified = unified
        if wrap is not None:
            self.wrap = wrap
        self._relayout()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def on_resize(self) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        key = (id(self.diff), width, self.unified, self.wrap)
        if key == self._layout_key:
            return
        self._layout_key = key
        self._strips.clear()
        if self.diff is None or width <= 0:
            self._rows = []
            self.virtual_size = Size(width, 0)
            self.refresh()
            return
        if self.unified:
            self._col = max(width - GUTTER, 1)
            self._rows = unified(self.diff, self._col, wrap=self.wrap, measure=cell_len)
            widest = self._widest() + GUTTER if not self.wrap else width
        else:
            self._col = max((width - len(DIVIDER)) // 2 - GUTTER, 1)
            self._rows = side_by_side(self.diff, self._col, wrap=self.wrap, measure=cell_len)
            widest = width if self.wrap else 2 * (self._widest() + GUTTER) + len(DIVIDER)
        self.virtual_size = Size(max(widest, width), len(self._rows))
        self.refresh()

    def _widest(self) -> int:
        widest = 0
        for row in self._rows:
            widest = max(widest, row_cells(row.left, cell_len))
            if row.right is not None:
                widest = max(widest, row_cells(row.right, cell_len))
        return widest

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        index = int(self.scroll_offset.y) + y
        if index >= len(self._rows):
            if index == 0 and self.message:
                style = self.rich_style + self.get_component_rich_style("diff-view--message")
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
            strip = self._column(row.left, row.changed, False, scroll_x, self._col, base)
            return strip.adjust_cell_length(width, base)
        left = self._column(row.left, row.changed, row.left_blank, scroll_x, self._col, base)
        right = self._column(row.right, row.changed, row.right_blank, scroll_x, self._col, base)
        divider = Strip([RichSegment(DIVIDER, base + self._style("divider"))])
        return Strip.join([left, divider, right]).adjust_cell_length(width, base)

    def _column(
        self, cells: Cells, changed: bool, blank: bool, scroll_x: int, col: int, base: Style
    ) -> Strip:
        gutter_style = base + self._style("gutter-changed") if changed else base
        gutter = Strip([RichSegment("▌" if changed and not blank else " ", gutter_style)])
        if blank:
            body = Strip([RichSegment(" " * col, base + self._style("blank"))])
        else:
            segs = [RichSegment(seg.text, base + self._kind_style(seg.kind)) for seg in cells]
            body = Strip(segs).crop_extend(scroll_x, scroll_x + col, base)
        return Strip.join([gutter, body])

    def _kind_style(self, kind: str) -> Style:
        if kind == DELETE:
            return self._style("delete")
        if kind == INSERT:
            return self._style("insert")
        if kind == MARKER:
            return self._style("marker")
        return self._style("equal")

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"diff-view--{name}", partial=True)
