"""The panels around the diff: pair line with badges, note, prompt, column titles.

All fixed-height and drawn line by line, so moving to the next pair repaints them
without a layout pass over the screen. Every string from data is made visible()
and put on screen as plain segments: ``[@click=app.quit]`` in a prompt is just text.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..detail import PairDetail, chat_turns
from ..diff import Segment
from ..layout import wrap_line
from ..textsafe import visible
from .pair_line import FIT_DEFAULT_WIDTH, fit_pair_line
from .pair_list import KNOWN_TAGS, tag_class

PROMPT_CHARS = 20_000  # a prompt longer than this is clipped in the panel, with a marker
PAGE_CHARS = 400_000  # ... and in the full-screen prompt page (z)


class LineWidget(Widget):
    """A one-line widget drawn from (text, component class) parts."""

    PREFIX = ""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._parts: list[tuple[str, str]] = []

    def set_parts(self, parts: list[tuple[str, str]]) -> None:
        if parts != self._parts:
            self._parts = parts
            self.refresh()

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y:
            return Strip.blank(self.size.width, base)
        segs = [RichSegment(text, base + self._part(cls)) for text, cls in self._parts]
        return Strip(segs).crop(0, self.size.width).adjust_cell_length(self.size.width, base)

    def _part(self, cls: str) -> Style:
        if not cls:
            return Style()
        return self.get_component_rich_style(f"{self.PREFIX}--{cls}", partial=True)


class PairInfo(LineWidget):
    """Tag, key, reviewer, scores and quirk badges of the current pair."""

    PREFIX = "pair-info"

    def __init__(self, *, tag_kinds: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tag_kinds = tag_kinds or {}  # a tag's colour is its kind's
        # What is shown, refitted on resize: the pair, a pending write, who else is on it.
        self._shown: tuple[PairDetail | None, bool, str | None] = (None, False, None)

    COMPONENT_CLASSES = {
        f"pair-info--{c}"
        for c in (
            "key",
            "scores",
            "badge",
            "stale",
            "tag-none",
            "tag-pending",
            "tag-custom",
            *(f"tag-{t}" for t in KNOWN_TAGS),
        )
    }

    def show(
        self, d: PairDetail | None, pending: bool = False, claimed_by: str | None = None
    ) -> None:
        self._shown = (d, pending, claimed_by)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        d, pending, claimed_by = self._shown
        if d is None:
            self.set_parts([])
            return
        tag = self._tag_part(d, pending)
        width = self.size.width or FIT_DEFAULT_WIDTH
        if not claimed_by:
            self.set_parts(fit_pair_line(tag, d, width))
            return
        claim = (f"{visible(claimed_by)} is on this  ", "stale")
        parts = fit_pair_line(tag, d, max(width - cell_len(claim[0]), 20))
        self.set_parts([*parts[:2], claim, *parts[2:]])  # after the tag and the key

    def _tag_part(self, d: PairDetail, pending: bool) -> tuple[str, str]:
        if pending:
            return (" saving… ", "tag-pending")
        if d.tag is None:
            return (" untagged ", "tag-none")
        return (f" {visible(d.tag)} ", tag_class(d.tag, self.tag_kinds))


class NoteLine(LineWidget):
    """The pair's note (one line; the editor shows all of it)."""

    PREFIX = "note-line"
    COMPONENT_CLASSES = {"note-line--note", "note-line--empty", "note-line--judge"}

    def show(self, note: str | None, judgement: str | None = None, blind: bool = False) -> None:
        """The note, and the judge's verdict with its rationale when a judge read the pair;
        ``blind``: a second look, where notes wait for the reviewer's tag."""
        if note:
            parts = [("✎ " + visible(" ".join(note.split())), "note")]
        elif blind:
            parts = [("✎ notes after your tag: a second look is blind", "empty")]
        else:
            parts = [("✎ no note" if judgement else "✎ no note (a to write one)", "empty")]
        if judgement:
            parts.append(("  ⚖ " + visible(judgement), "judge"))
        self.set_parts(parts)


class CorrectionLine(LineWidget):
    """The pair's corrected answer, one line, shown only when it has one (C edits it)."""

    PREFIX = "correction-line"
    COMPONENT_CLASSES = {"correction-line--label", "correction-line--text"}

    def show(self, d: PairDetail | None) -> None:
        self.display = d is not None and d.corrected is not None
        if d is None or d.corrected is None:
            self.set_parts([])
            return
        by = f" by {visible(d.corrected_by)}" if d.corrected_by else ""
        lines = d.corrected.count("\n") + 1
        size = f", {lines} lines" if lines > 1 else ""
        self.set_parts(
            [
                (f"✓ corrected answer{by}{size}: ", "label"),
                (visible(" ".join(d.corrected.split())), "text"),
            ]
        )


class DiffTitles(LineWidget):
    """Model names over each column, and the size of the change."""

    PREFIX = "diff-titles"
    COMPONENT_CLASSES = {"diff-titles--old", "diff-titles--new", "diff-titles--stats"}

    def show(self, d: PairDetail | None, stats: str, unified: bool, mode: str) -> None:
        if d is None:
            self.set_parts([])
            return
        old = visible(d.baseline_model or "old")
        new = visible(d.candidate_model or "new")
        if unified:
            self.set_parts(
                [
                    (f"− {old}", "old"),
                    (" → ", ""),
                    (f"+ {new}", "new"),
                    (f" · {stats}{mode}", "stats"),
                ]
            )
            return
        left = f"− old: {old}"
        half = max((self.size.width - 3) // 2, 1)
        pad = " " * max(half - cell_len(left) + 3, 1)
        self.set_parts(
            [(left, "old"), (pad, ""), (f"+ new: {new}", "new"), (f" · {stats}{mode}", "stats")]
        )


PROMPT_MODES = ("turns", "full", "collapsed")
PAGE_MODE = "page"  # every turn at the height it is given: the full-screen prompt (z)
# "full" mode's panel: 4 rows (as "turns") up to 12, leaving the rest of the screen 28 rows.
FULL_MIN_ROWS, FULL_MAX_ROWS, FULL_LEAVES_ROWS = 4, 12, 28


def focus_turn(turns: list[tuple[str, str]]) -> int:
    """The turn a reviewer reads first: the last user turn (else the last turn)."""
    for i in range(len(turns) - 1, -1, -1):
        if turns[i][0] == "user":
            return i
    return len(turns) - 1


def others_summary(turns: list[tuple[str, str]], focus: int) -> str:
    """What the focused view leaves out: "+ system, 2 earlier turns" ("" if nothing)."""
    rest = [role for i, (role, _) in enumerate(turns) if i != focus]
    parts = ["system"] if "system" in rest else []
    for label, span in (("earlier", turns[:focus]), ("later", turns[focus + 1 :])):
        n = sum(1 for role, _ in span if role != "system")
        if n:
            parts.append(f"{n} {label} turn{'s' if n != 1 else ''}")
    return "+ " + ", ".join(parts) if parts else ""


class PromptView(ScrollView, can_focus=False):
    """The prompt, chat prompts as turns; a fixed number of rows, scrolled with P.

    A reviewer needs the question being answered, which in a chat prompt comes last,
    after a long system message and few-shot examples. So the default mode, "turns",
    shows the last user turn first and one dim line for what it leaves out; "full"
    shows every turn in order (a taller panel); "collapsed" the last user turn on
    one row."""

    COMPONENT_CLASSES = {
        "prompt-view--role",
        "prompt-view--text",
        "prompt-view--marker",
        "prompt-view--summary",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._turns: list[tuple[str, str]] = []
        self._rows: list[tuple[Segment, ...]] = []
        self._width = 0
        self._pair = False
        self.mode = "turns"

    @property
    def collapsed(self) -> bool:
        return self.mode == "collapsed"

    def show(self, d: PairDetail | None, mode: str) -> None:
        self.mode = mode
        self.set_class(mode == "collapsed", "collapsed")
        self.set_class(mode == "full", "full")
        self.fit_height(self.screen.size.height if self.is_attached else 0)
        self._turns = chat_turns(d.prompt) if d is not None else []
        self._pair = d is not None
        self._width = -1
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def fit_height(self, screen_height: int) -> None:
        """Every turn gets a taller panel only where the diff keeps its rows; on a short
        screen it is as tall as the last-question panel (and scrolls, with P)."""
        if self.mode == "full" and screen_height:
            height = max(FULL_MIN_ROWS, min(FULL_MAX_ROWS, screen_height - FULL_LEAVES_ROWS))
            current = self.styles.height
            if current is None or current.value != height:
                self.styles.height = height
        elif self.styles.has_rule("height"):
            self.styles.clear_rule("height")

    def page_down(self) -> None:
        """Scroll a page, back to the top after the end."""
        y = self.scroll_y + max(self.size.height, 1)
        self.scroll_to(y=0 if y > self.max_scroll_y + 0.5 else y, animate=False)

    def _layout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if width == self._width or width <= 0:
            return
        self._width = width
        rows: list[tuple[Segment, ...]] = []
        focus = focus_turn(self._turns)
        summary = others_summary(self._turns, focus) if self._turns else ""
        if self.collapsed and self._turns:
            rows = [self._one_row(*self._turns[focus], summary, width)]
        elif self.mode in ("full", PAGE_MODE) or not summary:
            budget = PAGE_CHARS if self.mode == PAGE_MODE else PROMPT_CHARS
            for role, body in self._turns:
                if rows and self.mode == PAGE_MODE:
                    rows.append(())  # room to tell the turns apart, where there is room
                turn_rows, budget = _turn_rows(role, body, budget, width)
                rows.extend(turn_rows)
                if turn_rows and turn_rows[-1] and turn_rows[-1][0].kind == "marker":
                    break  # the budget ran out in this turn
        else:
            rows, _ = _turn_rows(*self._turns[focus], PROMPT_CHARS, width)
            rows.append((Segment("summary", f"{summary} (p to expand)"),))
        self._rows = rows or ([(Segment("marker", "(no prompt)"),)] if self._pair else [])
        self.virtual_size = Size(width, len(self._rows))
        self.refresh()

    @staticmethod
    def _one_row(role: str, body: str, summary: str, width: int) -> tuple[Segment, ...]:
        """ "▸ user: question…  + system, 2 earlier turns": the summary stays in view."""
        head = f"▸ {visible(role)}: "
        tail = f"  {summary}" if summary else ""
        flat = visible(" ".join(body[:PROMPT_CHARS].split()))
        room = width - cell_len(head) - cell_len(tail)
        if tail and cell_len(flat) > room:
            flat = set_cell_size(flat, max(room - 1, 0)) + "…"
        row = (Segment("role", head), Segment("text", flat))
        return (*row, Segment("summary", tail)) if tail else row

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        segs = [
            RichSegment(
                s.text, base + self.get_component_rich_style(f"prompt-view--{s.kind}", partial=True)
            )
            for s in self._rows[index]
        ]
        return Strip(segs).crop(0, width).adjust_cell_length(width, base)


def _turn_rows(
    role: str, body: str, budget: int, width: int
) -> tuple[list[tuple[Segment, ...]], int]:
    """One turn wrapped to the width, clipped to what is left of the character budget."""
    clipped = body[: max(budget, 0)]
    rows: list[tuple[Segment, ...]] = []
    for k, line in enumerate(visible(clipped).split("\n")):
        segs = [Segment("text", line)]
        if k == 0:
            segs.insert(0, Segment("role", f"{visible(role)}: "))
        rows.extend(wrap_line(segs, width, cell_len))
    if len(clipped) < len(body):
        rows.append((Segment("marker", f"… {len(body) - len(clipped):,} more characters"),))
    return rows, budget - len(clipped)
