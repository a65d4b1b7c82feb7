"""Put untrusted text (model outputs, notes, keys, names) into Markdown as literal text.

A report goes into PR comments and CI summaries, where Markdown is rendered: an output
holding `<script>`, `[x](javascript:...)` or `![](http://tracker/...)` must show as those
characters, not become HTML, a link or an image fetched on view.
"""

from __future__ import annotations

import re

from .textsafe import visible

# Inline syntax: backslash escapes, code spans, emphasis, strikethrough, links and images.
# `_` only at a word's edge: inside a word (json_broke) it cannot open emphasis.
_INLINE = re.compile(r"[\\`*\[\]~<]|&(?=#?[A-Za-z0-9]+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What opens a block at the start of a line: heading, list, quote, rule, table, fence.
_BLOCK_START = re.compile(r"^(?:[#>+=|:-]|\d{1,9}(?=[.)]))")
_BACKTICKS = re.compile(r"`+")


def one_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space: a line break could open a block.
    Escapes and other control characters show as visible marks (``textsafe.visible``): a
    report is read in terminals too, where a raw OSC sequence would retitle the window or
    write the clipboard, and inside a code span no Markdown escape can neutralise it."""
    return " ".join(visible(text).split())


def md_text(text: str, *, line_start: bool = False) -> str:
    """Text that renders as itself; `line_start` when it opens a line or a list item."""
    flat = one_line(text)
    # Backslash escapes rather than entities, so the report still reads well as plain text
    # in a terminal: "<" (raw HTML, autolinks) always, "&" only where it would start an
    # entity ("&amp;" is one; "R&D" is not).
    safe = _INLINE.sub(lambda m: "\\" + m.group(), flat)
    if line_start:
        safe = _escape_block_start(safe)
    return safe


def _escape_block_start(text: str) -> str:
    m = _BLOCK_START.match(text)
    if not m:
        return text
    if m.group()[0].isdigit():  # "1. x" would start an ordered list: escape the dot
        return m.group() + "\\" + text[m.end() :]
    return "\\" + text


def md_code(text: str) -> str:
    """A code span holding the text exactly, whatever backticks it contains."""
    flat = one_line(text) or " "
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    # A space each side keeps a leading or trailing backtick off the fence; CommonMark
    # strips exactly one space from each side of a span that has them.
    pad = " " if flat[0] in "` " or flat[-1] in "` " else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
