"""Word-level diffs of two outputs, as neutral segments any front end can render.

Lines are diffed first (cheap even at thousands of lines); runs of changed lines are
then diffed word by word. Words keep their trailing whitespace: with whitespace as
tokens of its own, matchers align on spaces and slow down badly. rapidfuzz's Indel
opcodes (insertions and deletions only) read better than Levenshtein's substitutions.

"Ignore whitespace and reflow" compares paragraphs with their whitespace collapsed, so
text that was only re-wrapped or re-indented shows as unchanged.

Absurd inputs are clipped for display, with a visible marker: lines past
MAX_LINE_CHARS characters and outputs past MAX_LINES lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from rapidfuzz.distance import Indel

from .textsafe import visible

EQUAL, INSERT, DELETE, MARKER = "equal", "insert", "delete", "marker"
MAX_LINE_CHARS = 10_000
MAX_LINES = 20_000
# Word diffs cost about len(a) * len(b) / 64 steps; past this a hunk is shown as
# removed-then-added rather than freezing on a word diff.
MAX_WORD_PRODUCT = 400_000_000

_TOKEN = re.compile(r"\S+\s*|\s+")
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    text: str


Line = list[Segment]


_Parts = tuple[list[Line], list[Line], list[Line], int, int]


class Block:
    """An aligned unit: unchanged lines (paired one to one) or a changed hunk.

    A changed hunk of a lazy diff computes its word diff on first use, so a front end
    showing the top of a 2,000-line pair pays only for the hunks on screen."""

    __slots__ = ("changed", "lines", "_old", "_new", "_unified", "_make", "inserted", "deleted")

    def __init__(
        self,
        changed: bool,
        old: list[Line] | None = None,
        new: list[Line] | None = None,
        unified: list[Line] | None = None,
        *,
        make: Callable[[], _Parts] | None = None,
        lines: int = 0,
    ) -> None:
        self.changed = changed
        self._old, self._new, self._unified = old or [], new or [], unified or []
        self._make = make
        self.inserted = self.deleted = 0
        self.lines = lines if make else max(len(self._old), len(self._new))

    def _force(self) -> None:
        if self._make is not None:
            self._old, self._new, self._unified, self.inserted, self.deleted = self._make()
            self._make = None

    @property
    def ready(self) -> bool:
        return self._make is None

    @property
    def old(self) -> list[Line]:
        self._force()
        return self._old

    @property
    def new(self) -> list[Line]:
        self._force()
        return self._new

    @property
    def unified(self) -> list[Line]:
        self._force()
        return self._unified


@dataclass(slots=True)
class Diff:
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)
    # The texts differ only past what is shown (lines beyond MAX_LINES, or clipped tails).
    differs_beyond: bool = False

    @property
    def identical(self) -> bool:
        return not self.differs_beyond and not any(b.changed for b in self.blocks)

    @property
    def counted(self) -> bool:
        """Every hunk's word diff is done (always, unless the diff is lazy)."""
        return all(b.ready for b in self.blocks)

    @property
    def inserted_words(self) -> int:
        return sum(b.inserted for b in self._forced())

    @property
    def deleted_words(self) -> int:
        return sum(b.deleted for b in self._forced())

    def summary(self) -> str:
        """The size of the change, for the diff pane's title."""
        if not self.counted:
            return "counting…"  # a lazy diff: counted once laid out
        if self.identical:
            return "identical"
        if self.differs_beyond:
            return "same as far as shown; differs further on"
        return f"+{self.inserted_words:,} −{self.deleted_words:,} words"

    def _forced(self) -> list[Block]:
        for b in self.blocks:
            b._force()
        return self.blocks


@dataclass(slots=True)
class _Side:
    units: list[str]
    clipped: dict[int, int]
    hidden_lines: int


def diff_texts(
    old: str | None, new: str | None, *, ignore_whitespace: bool = False, lazy: bool = False
) -> Diff:
    """Diff two outputs into aligned blocks of equal/insert/delete segments.

    ``lazy`` leaves each changed hunk's word diff until the hunk is first shown."""
    a = _units(visible(old or ""), ignore_whitespace)
    b = _units(visible(new or ""), ignore_whitespace)
    keys_a = [" ".join(u.split()) for u in a.units] if ignore_whitespace else a.units
    keys_b = [" ".join(u.split()) for u in b.units] if ignore_whitespace else b.units
    diff = Diff(blocks=[])
    for tag, i1, i2, j1, j2 in _hunks(keys_a, keys_b):
        if tag == EQUAL:
            diff.blocks.append(_equal_block(a, b, i1, i2, j1, j2))
        else:
            make = partial(_changed_parts, diff, a, b, i1, i2, j1, j2, ignore_whitespace)
            block = Block(True, make=make, lines=max(i2 - i1, j2 - j1))
            if not lazy:
                block._force()
            diff.blocks.append(block)
    _add_notes(diff, a, "old")
    _add_notes(diff, b, "new")
    cut = a.hidden_lines or b.hidden_lines or a.clipped or b.clipped
    if cut and not any(block.changed for block in diff.blocks):
        diff.differs_beyond = _normal(old, ignore_whitespace) != _normal(new, ignore_whitespace)
    return diff


def _normal(text: str | None, ignore_whitespace: bool) -> str:
    return " ".join((text or "").split()) if ignore_whitespace else (text or "")


def _units(text: str, reflow: bool) -> _Side:
    if reflow:
        units: list[str] = []
        for para in _PARAGRAPH.split(text.strip()):
            if units:
                units.append("")
            units.append(" ".join(para.split()))
    else:
        units = text.split("\n")
    hidden = max(len(units) - MAX_LINES, 0)
    if hidden:
        units = units[:MAX_LINES]
    clipped = {}
    for i, unit in enumerate(units):
        if len(unit) > MAX_LINE_CHARS:
            clipped[i] = len(unit) - MAX_LINE_CHARS
            units[i] = unit[:MAX_LINE_CHARS]
    return _Side(units, clipped, hidden)


def _hunks(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Line opcodes with each run of inserts and deletes merged into one changed hunk."""
    out: list[tuple[str, int, int, int, int]] = []
    for op in Indel.opcodes(a, b):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag != EQUAL and out and out[-1][0] != EQUAL:
            _, pi1, _, pj1, _ = out[-1]
            out[-1] = ("change", pi1, i2, pj1, j2)
        else:
            out.append((EQUAL if tag == EQUAL else "change", i1, i2, j1, j2))
    return out


def _marked(side: _Side, index: int, line: Line) -> Line:
    extra = side.clipped.get(index)
    if extra:
        line = [*line, Segment(MARKER, f" … {extra:,} more characters not shown")]
    return line


def _equal_block(a: _Side, b: _Side, i1: int, i2: int, j1: int, j2: int) -> Block:
    old = [_marked(a, i, [Segment(EQUAL, a.units[i])] if a.units[i] else []) for i in range(i1, i2)]
    new = [_marked(b, j, [Segment(EQUAL, b.units[j])] if b.units[j] else []) for j in range(j1, j2)]
    return Block(False, old, new, old)


def _changed_parts(
    diff: Diff, a: _Side, b: _Side, i1: int, i2: int, j1: int, j2: int, ignore_ws: bool
) -> _Parts:
    ta = _TOKEN.findall("\n".join(a.units[i1:i2])) if i2 > i1 else []
    tb = _TOKEN.findall("\n".join(b.units[j1:j2])) if j2 > j1 else []
    old_segs: list[Segment] = []
    new_segs: list[Segment] = []
    uni: list[Segment] = []
    inserted = deleted = 0
    if ta and tb and len(ta) * len(tb) <= MAX_WORD_PRODUCT:
        ka = [t.strip() for t in ta] if ignore_ws else ta
        kb = [t.strip() for t in tb] if ignore_ws else tb
        pending: list[Segment] = []  # inserts held back so a run reads "old, then new"
        for op in Indel.opcodes(ka, kb):
            wa = "".join(ta[op.src_start : op.src_end])
            wb = "".join(tb[op.dest_start : op.dest_end])
            if op.tag == EQUAL:
                uni.extend(pending)
                pending = []
                old_segs.append(Segment(EQUAL, wa))
                new_segs.append(Segment(EQUAL, wb))
                uni.append(Segment(EQUAL, wb))
            elif op.tag == DELETE:
                old_segs.append(Segment(DELETE, wa))
                uni.append(Segment(DELETE, wa))
                deleted += op.src_end - op.src_start
            else:
                new_segs.append(Segment(INSERT, wb))
                pending.append(Segment(INSERT, wb))
                inserted += op.dest_end - op.dest_start
        uni.extend(pending)
    else:
        if ta and tb:
            diff.notes.append("a changed run is too long to diff word by word")
        old_segs = [Segment(DELETE, "".join(ta))] if ta else []
        new_segs = [Segment(INSERT, "".join(tb))] if tb else []
        uni = old_segs + [Segment(EQUAL, "\n")] + new_segs if ta and tb else old_segs + new_segs
        deleted, inserted = len(ta), len(tb)
    old = [_marked(a, i1 + k, ln) for k, ln in enumerate(split_lines(old_segs))] if ta else []
    new = [_marked(b, j1 + k, ln) for k, ln in enumerate(split_lines(new_segs))] if tb else []
    return old, new, split_lines(uni), inserted, deleted


def split_lines(segments: list[Segment]) -> list[Line]:
    """Segments cut at newlines into lines, neighbours of one kind merged."""
    lines: list[Line] = []
    parts: list[str] = []
    kind = ""
    line: Line = []
    for seg in segments:
        pieces = seg.text.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                if parts:
                    line.append(Segment(kind, "".join(parts)))
                    parts = []
                lines.append(line)
                line = []
            if not piece:
                continue
            if parts and kind != seg.kind:
                line.append(Segment(kind, "".join(parts)))
                parts = []
            kind = seg.kind
            parts.append(piece)
    if parts:
        line.append(Segment(kind, "".join(parts)))
    lines.append(line)
    return lines


def _add_notes(diff: Diff, side: _Side, name: str) -> None:
    if side.clipped:
        n = len(side.clipped)
        diff.notes.append(
            f"{name}: {n:,} line{'s' if n > 1 else ''} clipped at {MAX_LINE_CHARS:,} characters"
        )
    if side.hidden_lines:
        diff.notes.append(f"{name}: {side.hidden_lines:,} more lines not shown")
        marker = [Segment(MARKER, f"… {side.hidden_lines:,} more lines not shown")]
        if name == "old":
            diff.blocks.append(Block(False, [marker], [], [marker]))
        else:
            diff.blocks.append(Block(False, [], [marker], [marker]))
