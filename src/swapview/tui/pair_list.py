"""The queue: a Line-API list that draws only visible rows and asks for pages it lacks.

The list knows how many rows the queue has and holds a window of them (pages of PAGE
rows around the cursor). When it needs a page it posts ``RowsWanted``; the screen reads
it (in a worker) and hands it back with ``put_rows``. It never touches the database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..queue import QueueRow
from ..queue.status import DecisionState
from ..queue.window import PAGE
from ..textsafe import clip_cells, visible
from ..triage.learner import chance_percent
from .second_look import blind_row

KEEP_PAGES = 12  # pages kept each side of the cursor; the rest is dropped

SIGNAL_SHORT = {
    "json_broke": "json✗",
    "json_fixed": "json✓",
    "json_keys_changed": "keys",
    "json_types_changed": "types",
    "refusal_appeared": "refusal",
    "refusal_gone": "unrefused",
    "markdown_changed": "md",
    "language_changed": "lang",
    "truncated": "trunc",
    "empty_output": "empty",
    "much_shorter": "short",
    "much_longer": "long",
}
KNOWN_TAGS = ("regression", "improvement", "neutral", "skip")
RECENTRE_FRAMES = 20


def tag_class(tag: str, kinds: dict[str, str]) -> str:
    """The style of a tag: its kind's (a custom tag counted as a regression looks like one)."""
    kind = kinds.get(tag, tag)
    return f"tag-{kind}" if kind in KNOWN_TAGS else "tag-custom"


def tag_badge(tag: str | None) -> str:
    return (tag[:3].upper() if tag else "·").ljust(3)


def fmt_num(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.3f}"[:5]


def fmt_change(value: float | None) -> str:
    if value is None:
        return "   - "
    pct = round(value * 100)
    return (f"{pct:+d}%" if abs(pct) < 1000 else ("≫+" if pct > 0 else "≪-")).rjust(5)


def fmt_likely(score: float | None) -> str:
    """Log-odds as a chance: '87%'. A model's estimate is never shown as certain."""
    if score is None:
        return "   -"
    return f"{chance_percent(score):3d}%"


def fmt_cluster(size: int | None) -> str:
    if not size:
        return "    "
    return (f"≋{size}" if size < 1000 else f"≋{min(size // 1000, 99)}k").ljust(4)


JUDGE_WORDS = {"new_worse": "worse", "same": "same", "new_better": "better"}
JUDGE_CELLS = 10


def fmt_judge(verdict: str | None, confidence: float | None) -> str:
    """'worse  92%': the judge's verdict on the pair and how sure it was."""
    if verdict is None:
        return "-".ljust(JUDGE_CELLS)
    pct = "" if confidence is None else f"{round(confidence * 100):3d}%"
    return f"{JUDGE_WORDS.get(verdict, verdict):<6}{pct}".ljust(JUDGE_CELLS)


@dataclass(frozen=True, slots=True)
class Columns:
    """Which optional columns the list shows: the learned score and its reason (in the
    likely-regression order, in place of the distances), the cluster size, and the
    judge's verdict (once a judge ran)."""

    likely: bool = False
    clusters: bool = False
    judge: bool = False


REASON_CELLS = 24


KEY_MIN, KEY_NARROW, KEY_WIDE = 8, 16, 28  # key column: from the keys, up to a cap
QUIRK_CELLS, QUIRK_MAX = 10, 36


def key_cap(width: int) -> int:
    return KEY_NARROW if width < 100 else KEY_WIDE


def quirk_cells(width: int) -> int:
    """Quirks get half of what a wide terminal has beyond 100 cells (the prompt the rest)."""
    return min(QUIRK_CELLS + max(width - 100, 0) // 2, QUIRK_MAX)


def clip_start(text: str, cells: int) -> str:
    """``text`` in ``cells`` cells, cut at the start ("…eval-639"): keys differ at the end."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    tail = text[::-1]
    return "…" + clip_cells(tail, cells - 1)[::-1]


def clip_end(text: str, cells: int) -> str:
    """``text`` in ``cells`` cells, with an ellipsis when it was cut."""
    if cell_len(text) <= cells:
        return text
    return clip_cells(text, max(cells - 1, 0)) + "…"


def header_text(width: int, columns: Columns = Columns(), key_cells: int = 14) -> str:
    """Column titles matching the rows below (drawn ``width`` cells wide)."""
    scores = "like " if columns.likely else "sem   lex   len   "
    cluster = "≋    " if columns.clusters else ""
    cluster += "judge".ljust(JUDGE_CELLS + 1) if columns.judge else ""
    tail = "why".ljust(REASON_CELLS + 1) + "prompt" if columns.likely else "prompt"
    key = "key".ljust(min(key_cells, key_cap(width)) + 1)
    # quirks, the note mark and a space before the next column.
    quirks = "quirks".ljust(quirk_cells(width) + 2)
    return clip_cells(f"  tag {key}{scores}{quirks}{cluster}{tail}", width)


class PairList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of the review queue, drawn on demand. It owns the keys that move the cursor
    (and none of a ScrollView's: its arrow bindings would scroll the viewport away from
    the cursor). It has the focus for the whole review."""

    BINDINGS = [
        Binding("j,down", "move(1)", "Next", id="next_pair"),
        Binding("k,up", "move(-1)", "Prev", id="prev_pair", show=False),
        Binding("g,home", "goto('first')", "First pair", id="first_pair", show=False),
        Binding("G,end", "goto('last')", "Last pair", id="last_pair", show=False),
        Binding("ctrl+d", "move_page(1)", "List page down", id="list_page_down", show=False),
        Binding("ctrl+u", "move_page(-1)", "List page up", id="list_page_up", show=False),
    ]

    COMPONENT_CLASSES = {
        "pair-list--cursor",
        "pair-list--placeholder",
        "pair-list--dim",
        "pair-list--signal",
        "pair-list--note",
        "pair-list--pending",
        "pair-list--tag-regression",
        "pair-list--tag-improvement",
        "pair-list--tag-neutral",
        "pair-list--tag-skip",
        "pair-list--tag-custom",
    }

    @dataclass
    class Highlighted(Message):
        """The cursor is on a (loaded) row."""

        index: int
        row: QueueRow

    @dataclass
    class Left(Message):
        """The reader moved the cursor off ``row`` (a movement key or a click)."""

        row: QueueRow

    @dataclass
    class RowsWanted(Message):
        """Rows [start, start + count) are needed (for list generation ``generation``)."""

        generation: int
        start: int
        count: int

    def __init__(self, *, tag_kinds: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tag_kinds = tag_kinds or {}  # a tag's colour is its kind's
        self.total = 0
        self.cursor = 0
        self.generation = 0
        self._rows: dict[int, QueueRow] = {}
        self._index_of: dict[int, int] = {}
        self._wanted: set[int] = set()
        self._pending: dict[int, str] = {}
        self._hidden: frozenset[int] = frozenset()  # drawn without their decision
        self._announced: int | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)
        self.columns = Columns()
        self.key_cells = KEY_MIN  # widest key seen in this queue (grows as pages come)
        self._recentre = 0  # frames left to bring a reset's cursor into view once drawn

    # ----- what the screen calls
    def set_columns(self, columns: Columns) -> None:
        if columns != self.columns:
            self.columns = columns
            self._strips.clear()
            self.refresh()

    def reset(self, total: int, cursor: int = 0, rows: dict[int, QueueRow] | None = None) -> None:
        """A new queue (order or filters changed): forget every row."""
        self.generation += 1
        self.total = total
        self._rows, self._index_of, self._wanted = {}, {}, set()
        self._strips.clear()
        self._announced = None
        self.key_cells = KEY_MIN
        for index, row in (rows or {}).items():
            self._store(index, row)
        self.virtual_size = Size(self.scrollable_content_region.width, total)
        self.cursor = max(0, min(cursor, total - 1))
        self._scroll_to_cursor(center=True)
        # The new virtual size only bounds scrolling after the next layout (before it, a
        # scroll past the old size is clamped), and the first reset may come before the
        # list has a height: scroll again once refreshed, and once more when the list is
        # next drawn with a height (a refresh can come before the layout that gives one).
        self.call_after_refresh(self._scroll_to_cursor, True)
        self._recentre = RECENTRE_FRAMES
        self.refresh()
        self._want_around(self.cursor)
        self._announce()

    def put_rows(self, generation: int, start: int, rows: list[QueueRow]) -> None:
        if generation != self.generation:
            return  # a page for a queue that is gone
        for offset, row in enumerate(rows):
            self._store(start + offset, row)
        self._drop_far_pages()
        self._strips.clear()
        self.refresh()
        self._announce()

    def row_at(self, index: int) -> QueueRow | None:
        return self._rows.get(index)

    @property
    def cursor_row(self) -> QueueRow | None:
        return self._rows.get(self.cursor)

    def index_of(self, pair_id: int) -> int | None:
        return self._index_of.get(pair_id)

    def hide_decisions(self, pair_ids: frozenset[int]) -> None:
        """Draw these pairs' rows without their decision (a blind second look)."""
        changed = pair_ids ^ self._hidden
        self._hidden = pair_ids
        for pair_id in changed:
            self._refresh_pair(pair_id)

    def set_pending(self, pair_id: int, tag: str | None) -> None:
        """Mark a tag as being written: shown as pending, never as done."""
        self._pending[pair_id] = tag or ""
        self._refresh_pair(pair_id)

    def is_pending(self, pair_id: int) -> bool:
        return pair_id in self._pending

    def update_row(self, row: QueueRow) -> None:
        """A fresher copy of a row (its decision changed)."""
        self._pending.pop(row.pair_id, None)
        index = self._index_of.get(row.pair_id)
        if index is not None:
            self._rows[index] = row
            self._refresh_pair(row.pair_id)

    def show_decision(self, pair_id: int, state: DecisionState | None) -> bool:
        """Redraw the pair's row with its decision now (None: undecided), no longer
        pending; False when the row is not held or already showed it."""
        index = self._index_of.get(pair_id)
        row = self._rows.get(index) if index is not None else None
        if row is None:
            self.clear_pending(pair_id)
            return False
        s = state or DecisionState(None, None, False, False)
        new = dataclasses.replace(
            row, tag=s.tag, reviewer=s.reviewer, has_note=s.has_note, stale=s.stale
        )
        if new == row and pair_id not in self._pending:
            return False
        self.update_row(new)
        return True

    def clear_pending(self, pair_id: int) -> None:
        self._pending.pop(pair_id, None)
        self._refresh_pair(pair_id)

    def pending_ids(self) -> set[int]:
        return set(self._pending)

    def loaded(self) -> list[tuple[int, QueueRow]]:
        """The rows held, in queue order."""
        return sorted(self._rows.items())

    def visible_pair_ids(self) -> list[int]:
        top = int(self.scroll_offset.y)
        rows = (self._rows.get(i) for i in range(top, top + self.size.height))
        return [r.pair_id for r in rows if r is not None]

    # ----- keys
    def action_move(self, delta: int) -> None:
        self._leave()
        self.move_cursor(delta)

    def action_move_page(self, direction: int) -> None:
        self._leave()
        self.move_cursor(direction * max(self.size.height - 1, 1))

    def action_goto(self, where: str) -> None:
        self._leave()
        self.set_cursor(0 if where == "first" else self.total - 1)

    def _leave(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Left(row))

    def move_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def set_cursor(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        old, self.cursor = self.cursor, index
        # refresh_line takes the virtual row (the index), not the row on screen.
        self.refresh_line(old)
        self.refresh_line(index)
        self._scroll_to_cursor()
        self._want_around(index)
        self._announce()

    # ----- events
    def on_click(self, event) -> None:
        self._leave()
        self.set_cursor(int(self.scroll_offset.y) + event.y)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total)
        self._strips.clear()
        self.call_after_refresh(self._scroll_to_cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    # ----- drawing
    def render_line(self, y: int) -> Strip:
        if self._recentre and self.size.height and y == 0:
            top = int(self.scroll_offset.y)
            if top <= self.cursor < top + self.size.height:
                self._recentre = 0
            else:  # retried on later frames: a scroll before the layout lands is clamped
                self._recentre -= 1
                self.call_later(self._scroll_to_cursor, True)
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self._rows.get(index)
        if row is None:
            self._want(index)
            style = self.rich_style + self._part("pair-list--placeholder")
            return Strip([RichSegment("  …".ljust(width), style)], width)
        if row.pair_id in self._hidden:
            row = blind_row(row)
        key = (index, row, index == self.cursor, self._pending.get(row.pair_id), width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, index == self.cursor, width)
            self._strips[key] = strip
        return strip

    def _render_row(self, row: QueueRow, is_cursor: bool, width: int) -> Strip:
        base = self.rich_style
        if is_cursor:
            base = base + self.get_component_rich_style("pair-list--cursor")
        dim = base + self._part("pair-list--dim")
        pending = self._pending.get(row.pair_id)
        if pending is not None:
            tag_text, tag_style = "…  ", base + self._part("pair-list--pending")
        else:
            tag_text, tag_style = tag_badge(row.tag), self._tag_style(row.tag, base)
        quirks = ",".join(SIGNAL_SHORT.get(s, s) for s in row.signals)
        cols = self.columns
        keys, qcells = min(self.key_cells, key_cap(width)), quirk_cells(width)
        parts: list[tuple[str, Style]] = [
            ("▶ " if is_cursor else "  ", base),
            (tag_text, tag_style),
            (" ", base),
            (clip_start(visible(row.key), keys).ljust(keys), base),
            (" ", base),
        ]
        if cols.likely:
            parts += [(fmt_likely(row.likely), base), (" ", base)]
        else:
            parts += [
                (fmt_num(row.semantic), base),
                # "*": the accurate model's distance placed this row (refinement).
                ("*" if row.refined_model else " ", dim),
                (fmt_num(row.lexical), dim),
                (" ", base),
                (fmt_change(row.length_change), dim),
                (" ", base),
            ]
        parts += [
            (clip_end(quirks, qcells).ljust(qcells), base + self._part("pair-list--signal")),
            ("✎" if row.has_note else " ", base + self._part("pair-list--note")),
            (" ", base),
        ]
        if cols.clusters:
            parts += [(fmt_cluster(row.cluster_size), dim), (" ", base)]
        if cols.judge:
            judge = fmt_judge(row.judge, row.judge_confidence)
            style = base + self._part("pair-list--signal") if row.judge == "new_worse" else dim
            parts += [(judge, style), (" ", base)]
        if cols.likely:
            why = visible(row.likely_reason or "")
            why = clip_end(why, REASON_CELLS)
            parts += [(why.ljust(REASON_CELLS), dim), (" ", base)]
        parts.append((" ".join(visible(row.snippet).split()), base))
        segments = [RichSegment(text, style) for text, style in parts]
        return Strip(segments).adjust_cell_length(width, base)

    def _part(self, name: str) -> Style:
        # partial: only what the class sets, so the cursor's background shows through.
        return self.get_component_rich_style(name, partial=True)

    def _tag_style(self, tag: str | None, base: Style) -> Style:
        if tag is None:
            return base + self._part("pair-list--dim")
        name = f"pair-list--{tag_class(tag, self.tag_kinds)}"
        return base + self._part(name)

    # ----- the window of rows
    def _store(self, index: int, row: QueueRow) -> None:
        self.key_cells = max(self.key_cells, cell_len(visible(row.key)))
        old = self._rows.get(index)
        if old is not None:
            self._index_of.pop(old.pair_id, None)
        self._rows[index] = row
        self._index_of[row.pair_id] = index

    def _want(self, index: int) -> None:
        start = index - index % PAGE
        if start in self._wanted or start >= self.total:
            return
        self._wanted.add(start)
        self.post_message(self.RowsWanted(self.generation, start, min(PAGE, self.total - start)))

    def _want_around(self, index: int) -> None:
        height = max(self.size.height, 1)
        for i in (index, index - PAGE // 2, index + height + PAGE // 2):
            if 0 <= i < self.total and i not in self._rows:
                self._want(i)

    def _drop_far_pages(self) -> None:
        here = self.cursor // PAGE
        far = [i for i in self._rows if abs(i // PAGE - here) > KEEP_PAGES]
        for i in far:
            self._index_of.pop(self._rows.pop(i).pair_id, None)
            self._wanted.discard(i - i % PAGE)

    def _announce(self) -> None:
        row = self._rows.get(self.cursor)
        if row is not None and (self._announced != row.pair_id):
            self._announced = row.pair_id
            self.post_message(self.Highlighted(self.cursor, row))

    def reannounce(self) -> None:
        self._announced = None
        self._announce()

    def _refresh_pair(self, pair_id: int) -> None:
        index = self._index_of.get(pair_id)
        if index is not None:
            self.refresh_line(index)

    def _scroll_to_cursor(self, center: bool = False) -> None:
        height = self.size.height
        if not height:
            return
        top = int(self.scroll_offset.y)
        if center and not (top <= self.cursor < top + height):
            self.scroll_to(y=max(self.cursor - height // 2, 0), animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
