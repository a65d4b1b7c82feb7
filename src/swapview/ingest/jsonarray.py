"""A streaming reader for one JSON array, element by element, with flat memory.

``json.load`` holds the whole file (and every parsed element) in memory at once; this reader
decodes one element at a time with ``JSONDecoder.raw_decode`` over a sliding text buffer,
so a multi-gigabyte array costs about one element plus one chunk.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import InputError
from .badrows import check_surrogates, may_hold_surrogates, utf8_hint

CHUNK = 1 << 20
# An error this close to the end of the buffer may only mean the element continues in the
# next chunk (a split number, literal or \u escape), so read more before believing it.
TAIL_MARGIN = 16
WHITESPACE = " \t\n\r"


class JsonArrayReader:
    """Yields ``(line, value)`` for each element of the array in ``stream``."""

    def __init__(self, stream: BinaryIO, path: str) -> None:
        self._stream = stream
        self._path = path
        self._decoder = json.JSONDecoder()
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._buf = ""
        self._pos = 0
        self._line = 1  # line number at self._pos
        self._bytes_in = 0
        self._eof = False

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        self._expect_start()
        if self._peek_char() == "]":
            self._advance(1)
            self._expect_end()
            return
        while True:
            line = self._line
            yield line, self._decode_value()
            char = self._peek_char()
            if char == ",":
                self._advance(1)
                if self._peek_char() in ("]", ""):
                    self._fail("a value after ','")
            elif char == "]":
                self._advance(1)
                self._expect_end()
                return
            else:
                self._fail("',' or ']' after an element")

    def _expect_start(self) -> None:
        char = self._peek_char()
        if char == "\ufeff":  # byte order mark
            self._advance(1)
            char = self._peek_char()
        if char != "[":
            self._fail("'[' (a JSON array)")
        self._advance(1)

    def _expect_end(self) -> None:
        if self._peek_char() != "":
            self._fail("nothing after the closing ']'")

    def _decode_value(self) -> Any:
        self._peek_char()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or not self._maybe_incomplete(exc):
                    self._move_to(exc.pos)
                    raise InputError(
                        self._path,
                        f"not valid JSON ({exc.msg}); expected an array element",
                        line=self._line,
                    ) from exc
                self._fill(grow=True)
                continue
            if end >= len(self._buf) and not self._eof:
                self._fill(grow=True)  # a number at the buffer's end may go on
                continue
            if may_hold_surrogates(self._buf[self._pos : end]):
                value = check_surrogates(value, self._path, self._line)
            self._move_to(end)
            return value

    def _maybe_incomplete(self, exc: json.JSONDecodeError) -> bool:
        return exc.pos >= len(self._buf) - TAIL_MARGIN or exc.msg.startswith("Unterminated")

    def _peek_char(self) -> str:
        """The next non-whitespace character ('' at the end), reading more as needed."""
        while True:
            buf, pos = self._buf, self._pos
            while pos < len(buf) and buf[pos] in WHITESPACE:
                pos += 1
            self._move_to(pos)
            if pos < len(buf):
                return buf[pos]
            if self._eof:
                return ""
            self._fill(grow=False)

    def _advance(self, n: int) -> None:
        self._move_to(self._pos + n)

    def _move_to(self, pos: int) -> None:
        self._line += self._buf.count("\n", self._pos, pos)
        self._pos = pos
        if pos > CHUNK:  # drop consumed text now and then, not on every element
            self._buf = self._buf[pos:]
            self._pos = 0

    def _fill(self, grow: bool) -> None:
        """Read more text; when an element is incomplete, at least double what is buffered."""
        want = max(CHUNK, len(self._buf) - self._pos) if grow else CHUNK
        parts = [self._buf]
        got = 0
        while got < want and not self._eof:
            data = self._stream.read(CHUNK)
            try:
                text = self._utf8.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                hint = utf8_hint(self._path, data[exc.start : exc.start + 200], excel=False)
                raise InputError(
                    self._path, f"not UTF-8 text{hint}", offset=self._bytes_in + exc.start
                ) from exc
            self._bytes_in += len(data)
            self._eof = not data
            parts.append(text)
            got += len(text)
        self._buf = "".join(parts)

    def _fail(self, expected: str) -> None:
        found = self._buf[self._pos : self._pos + 20]
        what = repr(found) if found else "the end of the file"
        raise InputError(self._path, f"found {what}; expected {expected}", line=self._line)
