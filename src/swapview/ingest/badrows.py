"""A bad row that a reader hands on (so --skip-bad can go past it), and the Unicode check."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from ..errors import InputError


class RowError(Exception):
    """A bad row the caller may skip (with --skip-bad); wraps the InputError to report."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


# Only a \uD800-\uDFFF escape can put a lone surrogate into parsed JSON; a regex finds
# one about twice as fast as two `in` tests, and this runs on every row.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def may_hold_surrogates(text: str) -> bool:
    """Cheap pre-check before the full one: does the JSON text hold a surrogate escape?"""
    return _SURROGATE_ESCAPE.search(text) is not None


def check_surrogates(row: Any, path: str, line: int) -> Any:
    """The row, or a RowError naming the field holding a lone surrogate (SQLite rejects it)."""
    items = row.items() if isinstance(row, dict) else [(None, row)]
    for name, value in items:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return RowError(
                InputError(
                    path,
                    "holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair);"
                    " expected valid Unicode text",
                    line=line,
                    field=name,
                )
            )
    return row


def utf8_hint(path: str, raw: bytes, *, excel: bool) -> str:
    """How to fix text in a legacy encoding: guessing it is unsafe, so say how to convert it.

    cp1252 is what Excel and Windows tools write in the West; bytes it cannot hold are
    latin-1 at worst (every byte is a latin-1 character). Two other finds get their own
    words, since converting from cp1252 would garble them: UTF-16 without a byte-order
    mark, and UTF-8 text with a damaged byte or two."""
    found = encoding_finding(raw)
    if found:
        return f"; {found}"
    try:
        raw.decode("cp1252")
        codec = "cp1252"
    except UnicodeDecodeError:
        codec = "latin1"
    excel_step = 'if it came from Excel, save it as "CSV UTF-8", or ' if excel else ""
    if path == "-":
        return f"; {excel_step}pipe it through iconv -f {codec} -t utf-8"
    p = Path(path)
    gz = p.suffix.lower() in (".gz", ".gzip")
    name = p.stem if gz else p.name
    base, dot, ext = name.rpartition(".")
    out = str(p.with_name(f"{base}.utf8.{ext}" if dot and base else f"{name}.utf8"))
    src, dst = shlex.quote(path), shlex.quote(out)
    convert = (
        f"gunzip -c {src} | iconv -f {codec} -t utf-8 > {dst}"
        if gz
        else f"iconv -f {codec} -t utf-8 {src} > {dst}"
    )
    return f"; {excel_step}convert it: {convert}"


def encoding_finding(raw: bytes) -> str | None:
    """What the bytes are when they are not a legacy 8-bit encoding, else None."""
    sample = raw[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.3 and even < half * 0.05:
            return (
                "it looks like UTF-16 (little-endian) without a byte-order mark:"
                " convert it with iconv -f utf-16le -t utf-8"
            )
        if even > half * 0.3 and odd < half * 0.05:
            return (
                "it looks like UTF-16 (big-endian) without a byte-order mark:"
                " convert it with iconv -f utf-16be -t utf-8"
            )
    text = sample.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good_multibyte = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if good_multibyte and bad <= 2:
        return (
            f"the rest of the line is UTF-8 with {bad} damaged byte{'s' if bad > 1 else ''}:"
            " the file is damaged, not in another encoding; fix or remove that byte"
        )
    return None
