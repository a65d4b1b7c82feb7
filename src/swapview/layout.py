"""Lay a Diff out in screen rows: two aligned columns, or one unified column.

Pure text layout, so any front end (the TUI, a test, an HTML report) gets the same rows.
Unchanged lines pair one to one; a changed hunk's two sides are wrapped separately and
the shorter padded, so the next unchanged line starts on the same row on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .diff import EQUAL, Block, Diff, Line, Segment
from .textsafe import cell_len

Measure = Callable[[str], int]
Cells = tuple[Segment, ...]
_TOKEN = re.compile(r"\S+\s*|\s+")
# Characters that do not take exactly one cell (wide East Asian, emoji, combining and
# zero-width marks). Text without any is measured by its length, on the fast path.
_NOT_NARROW = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a"
    "\u1100-\u115f\u200b-\u200f\u20d0-\u20ff\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
    "\ufe00-\ufe0f\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U0001f000-\U0001faff"
    "\U00020000-\U0003fffd]"
)


@dataclass(frozen=True, slots=True)
class Row:
    """One screen row. ``right`` is None in the unified view; ``changed`` marks hunks."""

    left: Cells
    right: Cells | None
    changed: bool
    left_blank: bool = False
    right_blank: bool = False


def side_by_side(
    diff: Diff, width: int, *, wrap: bool = True, measure: Measure = cell_len
) -> list[Row]:
    """Rows of two columns, each ``width`` cells wide (no-wrap rows may be wider)."""
    return [row for block in diff.blocks for row in block_rows(block, width, False, wrap, measure)]


def unified(diff: Diff, width: int, *, wrap: bool = True, measure: Measure = cell_len) -> list[Row]:
    """Rows of one column: unchanged text once, changes inline (deletions then insertions)."""
    return [row for block in diff.blocks for row in block_rows(block, width, True, wrap, measure)]


def block_rows(
    block: Block, width: int, one_column: bool, wrap: bool = True, measure: Measure = cell_len
) -> list[Row]:
    """The rows of one block, so a front end can lay out a long diff a few blocks at a time."""
    if one_column:
        lines = block.unified if block.changed else _unified_equal(block)
        return [Row(cells, None, block.changed) for cells in _wrap_all(lines, width, wrap, measure)]
    if block.changed:
        left = _wrap_all(block.old, width, wrap, measure)
        right = _wrap_all(block.new, width, wrap, measure)
        return _zip(left, right, True)
    rows: list[Row] = []
    for k in range(max(len(block.old), len(block.new))):
        left = _wrap_all(block.old[k : k + 1], width, wrap, measure)
        right = _wrap_all(block.new[k : k + 1], width, wrap, measure)
        rows.extend(_zip(left, right, False))
    return rows


def _unified_equal(block: Block) -> list[Line]:
    return block.old if block.old else block.new


def _zip(left: list[Cells], right: list[Cells], changed: bool) -> list[Row]:
    n = max(len(left), len(right))
    return [
        Row(
            left[i] if i < len(left) else (),
            right[i] if i < len(right) else (),
            changed,
            left_blank=i >= len(left),
            right_blank=i >= len(right),
        )
        for i in range(n)
    ]


def _wrap_all(lines: list[Line], width: int, wrap: bool, measure: Measure) -> list[Cells]:
    out: list[Cells] = []
    for line in lines:
        if wrap:
            out.extend(wrap_line(line, width, measure))
        else:
            out.append(tuple(line))
    return out


def wrap_line(line: Line, width: int, measure: Measure = cell_len) -> list[Cells]:
    """Break one line into rows of at most ``width`` cells, at spaces where possible."""
    width = max(width, 1)
    rows: list[list[Segment]] = []
    cur: list[Segment] = []
    used = 0
    for seg in line:
        if seg.text.isascii() or not _NOT_NARROW.search(seg.text):
            # Fast path (most text): cut at the last space that fits, slicing the string
            # once per row instead of measuring every word.
            cur, used = _wrap_ascii(seg.kind, seg.text, rows, cur, used, width)
            continue
        for tok in _TOKEN.findall(seg.text):
            w = measure(tok)
            if used + w <= width:
                cur.append(Segment(seg.kind, tok))
                used += w
                continue
            word = tok.rstrip()
            ww = measure(word)
            if word and used + ww <= width:
                # The word fits, its trailing space does not: end the row after the word.
                cur.append(Segment(seg.kind, word))
                rows.append(cur)
                cur, used = [], 0
                continue
            if used and ww <= width:
                rows.append(cur)
                cur = [Segment(seg.kind, tok if w <= width else word)]
                used = w if w <= width else ww
                continue
            cur, used = _hard_split(rows, cur, used, word, seg.kind, width, measure)
            space = tok[len(word) :]
            if space and used + measure(space) <= width:
                # Keep the space after a split word: the next word must not run into it
                # ("emp_id 这是" shown as "emp_id这是").
                cur.append(Segment(seg.kind, space))
                used += measure(space)
            elif space:
                rows.append(cur)  # the space falls at the wrap point
                cur, used = [], 0
    rows.append(cur)
    return [_merge(r) for r in rows]


def _wrap_ascii(
    kind: str, text: str, rows: list[list[Segment]], cur: list[Segment], used: int, width: int
) -> tuple[list[Segment], int]:
    pos, end = 0, len(text)
    while pos < end:
        room = width - used
        if end - pos <= room:
            cur.append(Segment(kind, text[pos:]))
            return cur, used + end - pos
        cut = text.rfind(" ", pos, pos + room + 1)
        if cut > pos or (cut == pos and used):
            if cut > pos:
                cur.append(Segment(kind, text[pos:cut]))
            rows.append(cur)
            cur, used = [], 0
            pos = cut + 1
            while pos < end and text[pos] == " ":
                pos += 1  # spaces at a wrap point are not carried to the next row
        elif used:
            rows.append(cur)  # the next word starts a fresh row
            cur, used = [], 0
        else:
            cur.append(Segment(kind, text[pos : pos + room]))  # a word wider than a row
            rows.append(cur)
            cur, used = [], 0
            pos += room
    return cur, used


def _hard_split(
    rows: list[list[Segment]],
    cur: list[Segment],
    used: int,
    word: str,
    kind: str,
    width: int,
    measure: Measure,
) -> tuple[list[Segment], int]:
    """Cut a word wider than a row across as many rows as it needs."""
    while word:
        take = _clip(word, width - used, measure)
        if not take:
            if not cur:
                take = word[0]  # a wide char in a 1-cell column: show it anyway
            else:
                rows.append(cur)
                cur, used = [], 0
                continue
        cur.append(Segment(kind, take))
        used += measure(take)
        word = word[len(take) :]
        if word:
            rows.append(cur)
            cur, used = [], 0
    return cur, used


def _clip(text: str, cells: int, measure: Measure) -> str:
    if measure(text) <= cells:
        return text
    if text.isascii():
        return text[: max(cells, 0)]
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= cells:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def _merge(row: list[Segment]) -> Cells:
    out: list[Segment] = []
    for seg in row:
        if out and out[-1].kind == seg.kind:
            out[-1] = Segment(seg.kind, out[-1].text + seg.text)
        else:
            out.append(seg)
    return tuple(out)


def row_cells(cells: Cells, measure: Measure = cell_len) -> int:
    return sum(measure(s.text) for s in cells)


__all__ = ["EQUAL", "Row", "block_rows", "row_cells", "side_by_side", "unified", "wrap_line"]
