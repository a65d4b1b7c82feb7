"""Make untrusted model output safe to put on a terminal, and measure it in cells.

Outputs can carry ANSI escapes, other control characters, bidi overrides and lone
surrogates. Shown raw they could move the cursor, recolour or retitle the terminal, or
reorder what the reviewer reads. ``visible`` swaps each for a visible stand-in, so the
reviewer sees that it is there and nothing acts on it. (Markup such as ``[bold]`` is a
front end's concern: the TUI never parses data as markup.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TAB = "    "
# C0 controls except newline, DEL, C1 controls, bidi embeddings/overrides/isolates and
# marks, line/paragraph separators, lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ud800-\udfff]"
)
# Zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF) take no cell, so
# "account 12345" and "account 1<ZWSP>2345" would look the same: each shows as this mark.
ZERO_WIDTH_MARK = "\u2038"  # ‸
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if ch == "\t":
        return TAB
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture", e.g. ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1, bidi controls, surrogates: the replacement character


_STAND_INS = {chr(c): _stand_in(chr(c)) for c in range(0xA0)}


def _replace(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _ZERO_WIDTH:
        return ZERO_WIDTH_MARK
    return _STAND_INS.get(ch) or "\ufffd"


def visible(text: str) -> str:
    """The text with every character that could act on a terminal made visible."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_replace, text)


def cell_len(text: str) -> int:
    """Terminal cells the (already visible) text takes: wide East Asian chars take two."""
    if text.isascii():
        return len(text)
    return sum(_char_cells(ch) for ch in text)


@lru_cache(maxsize=4096)
def _char_cells(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def clip_cells(text: str, cells: int) -> str:
    """The longest prefix of ``text`` that fits in ``cells`` terminal cells."""
    if text.isascii():
        return text[:cells]
    used = 0
    for i, ch in enumerate(text):
        used += _char_cells(ch)
        if used > cells:
            return text[:i]
    return text


# Inside JSON text an unsafe character can only sit in a string, where \uXXXX means the same.
def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}"


def json_visible(text: str) -> str:
    """JSON text (from ``json.dumps``) with every character that could act on a terminal
    written as its \\u escape: the same data for a parser, inert on a screen."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_json_escape, text)
