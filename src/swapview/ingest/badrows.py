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
    latin-1 at worst (every byte is a latin-1 character)."""
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
