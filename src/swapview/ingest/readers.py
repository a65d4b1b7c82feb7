"""Row readers: JSONL, a JSON array, CSV or TSV, told apart by content, not by name.

Every reader yields ``(line, row)``: the line the row starts on and the row as parsed (a
dict for well-formed rows; anything else is left to the caller to reject with the line).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from .badrows import (
    RowError,
    check_surrogates,
    encoding_finding,
    may_hold_surrogates,
    utf8_hint,
)
from .jsonarray import JsonArrayReader
from .streams import read_document
from .wholefile import PARQUET_MAGIC, document_rows, read_parquet

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")
# A file holding one JSON object, maybe over many lines: one row, or a wrapper such as
# {"version": 2, "data": [rows...]} whose one list of objects is the rows.
JSON_DOCUMENT = "json-object"
EXPECTED = "expected JSONL, a JSON array, CSV or TSV (UTF-8 text, optionally gzip)"
BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 64 * 1024
# A 10 MB output in one cell is fine; the csv module's default cap is 128 KiB.
csv.field_size_limit(2**31 - 1)

_EXTENSIONS = {
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_stem(path: str) -> str:
    """The file name without compression and format suffixes: claude-2.1.jsonl.gz -> claude-2.1."""
    if path == "-":
        return "stdin"
    name = Path(path).name
    for _ in range(2):
        base, dot, ext = name.rpartition(".")
        if dot and base and ("." + ext.lower() in _EXTENSIONS or ext.lower() in ("gz", "gzip")):
            name = base
    return name


def declared_family(path: str) -> str | None:
    """'json' or 'csv' when the file name claims one (after any .gz), else None."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    while suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes.pop()
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def detect_format(stream: io.BufferedReader, path: str, forced: str | None = None) -> str:
    """The format of the (decompressed) stream: one of FORMATS."""
    head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    if head.startswith(PARQUET_MAGIC) and forced in (None, "parquet"):
        return "parquet"
    if head.startswith(BOM):
        head = head[len(BOM) :]
    _check_text(head, path)
    text = head.decode("utf-8", "ignore").lstrip()
    if not text:
        raise InputError(path, f"empty file; {EXPECTED}")
    if forced:
        return forced
    found = _sniff(text, path)
    claimed = declared_family(path)
    family = "json" if found in ("jsonl", "json", JSON_DOCUMENT) else "csv"
    if found == "parquet":
        return found
    if claimed and claimed != family:
        raise InputError(
            path,
            f"named like {claimed.upper()} but the content looks like"
            f" {'JSON' if found == JSON_DOCUMENT else found.upper()}"
            f" (starts {text[:30]!r}); fix the file or pass --format",
            line=1,
        )
    return found


def _check_text(head: bytes, path: str) -> None:
    """Reject binary files up front; bad UTF-8 after the first line is a bad row instead."""
    found = encoding_finding(head) if b"\x00" in head[:4096] else None
    if found and "UTF-16" in found:  # ASCII in UTF-16 is valid UTF-8 full of NULs
        raise InputError(path, f"not UTF-8 text; {found}", line=1)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_line = head.find(b"\n")
        cut_by_window = exc.start >= len(head) - 4 and len(head) == SNIFF_BYTES
        if (first_line < 0 or exc.start < first_line) and not cut_by_window:
            if b"\x00" in head:  # binary, or UTF-16/32 without a byte order mark
                raise InputError(path, f"not UTF-8 text; {EXPECTED}", offset=exc.start) from exc
            line = head[: first_line if first_line >= 0 else len(head)]
            hint = utf8_hint(path, line, excel=line.lstrip()[:1] not in (b"{", b"["))
            raise InputError(
                path, f"not UTF-8 text (column {exc.start + 1}){hint}", line=1
            ) from exc


def _sniff(text: str, path: str) -> str:
    if text[0] == "[":
        return "json"
    if text[0] == "{":
        return "jsonl" if _two_json_lines(text) else JSON_DOCUMENT
    delimiter = sniff_delimiter(text)
    if delimiter is not None:
        return "tsv" if delimiter == "\t" else "csv"
    raise InputError(path, f"cannot tell the format (starts {text[:30]!r}); {EXPECTED}", line=1)


# Excel writes ";" where the decimal mark is a comma (most of Europe), "\t" for "Unicode
# text"; "|" is common in database dumps. Ties go to the earlier one.
DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(text: str) -> str | None:
    """The delimiter that splits the header into the most non-empty names (at least two),
    preferring one that splits the second record into as many cells as the header."""
    records = _first_records(text)
    if not records:
        return None
    ranked = []
    for delimiter in DELIMITERS:
        rows = records[delimiter]
        named = sum(1 for cell in rows[0] if cell.strip()) if rows else 0
        if named >= 2:
            consistent = len(rows) < 2 or len(rows[1]) == len(rows[0])
            ranked.append((consistent, named, -DELIMITERS.index(delimiter), delimiter))
    return max(ranked)[3] if ranked else None


def _first_records(text: str) -> dict[str, list[list[str]]]:
    """The header and the second record as each delimiter would read them."""
    whole = text[: text.rfind("\n") + 1] or text  # the window may cut the last line
    out: dict[str, list[list[str]]] = {}
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(whole), delimiter=delimiter)
            out[delimiter] = [row for _, row in zip(range(2), reader, strict=False)]
        except csv.Error:
            out[delimiter] = []
    return out


def stream_delimiter(stream: io.BufferedReader) -> str:
    """The delimiter of a CSV stream, from its first lines (',' when nothing fits)."""
    head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    head = head[len(BOM) :] if head.startswith(BOM) else head
    return sniff_delimiter(head.decode("utf-8", "ignore").lstrip()) or ","


def _two_json_lines(text: str) -> bool:
    """The head starts with a whole JSON value on its first line and has a second line."""
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return False  # one line (or cut by the window): a document, read whole
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False  # an object spread over lines
    return True


def read_rows(stream: io.BufferedReader, path: str, fmt: str) -> Iterator[tuple[int, Any]]:
    """``(line, row)`` for every row of the stream in format ``fmt``."""
    if fmt == "jsonl":
        return read_jsonl(stream, path)
    if fmt == JSON_DOCUMENT:
        return read_json_document(stream, path)
    if fmt == "parquet":
        return read_parquet(stream, path)
    if fmt == "json":
        return iter(JsonArrayReader(stream, path))
    return read_csv(stream, path, "\t" if fmt == "tsv" else stream_delimiter(stream))


def decoded_lines(
    stream: BinaryIO,
    path: str,
    *,
    excel: bool = False,
) -> Iterator[tuple[int, str, InputError | None]]:
    """``(line number, text, error)`` per line; bad UTF-8 gives an error naming the column
    and saying how to convert the file (``excel``: how to save it from Excel too).

    The text of a bad line is decoded with surrogateescape so a reader can go on past it.
    A line longer than ``MAX_LINE_BYTES`` is a bad row (its text is not kept).
    """
    for number, raw in enumerate(bounded_lines(stream), 1):
        if raw is None:
            error = InputError(
                path,
                f"line longer than {MAX_LINE_BYTES >> 20} MiB (no newline within it); not read",
                line=number,
            )
            yield number, "", error
            continue
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            yield number, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            hint = utf8_hint(path, raw, excel=excel)
            error = InputError(path, f"not UTF-8 text (column {exc.start + 1}){hint}", line=number)
            yield number, raw.decode("utf-8", "surrogateescape"), error


# The longest line read into memory: past it a line (say, standard input with no newline)
# is a bad row naming its number, read through in chunks and dropped.
MAX_LINE_BYTES = 64 << 20
_SKIP_CHUNK = 1 << 20


def bounded_lines(stream: Any) -> Iterator[bytes | None]:
    """The lines of ``stream``, None in place of one longer than ``MAX_LINE_BYTES``."""
    if not hasattr(stream, "readline"):  # an iterator of lines already made
        yield from stream
        return
    while line := stream.readline(MAX_LINE_BYTES + 1):
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while (rest := stream.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
            pass
        yield None


def _too_deep(path: str, number: int) -> RowError:
    return RowError(InputError(path, "JSON nested too deep (over about 1,000 levels)", line=number))


def read_jsonl(stream: BinaryIO, path: str) -> Iterator[tuple[int, Any]]:
    for number, text, error in decoded_lines(stream, path):
        if error is not None:
            yield number, RowError(error)
        elif text.strip():
            try:
                row = json.loads(text)
            except RecursionError:
                yield number, _too_deep(path, number)
                continue
            except json.JSONDecodeError as exc:
                yield (
                    number,
                    RowError(
                        InputError(
                            path,
                            f"not valid JSON ({exc.msg} at column {exc.pos + 1});"
                            " expected one JSON object per line",
                            line=number,
                        )
                    ),
                )
                continue
            if may_hold_surrogates(text):
                row = check_surrogates(row, path, number)
            yield number, row


def read_csv(stream: BinaryIO, path: str, delimiter: str) -> Iterator[tuple[int, Any]]:
    bad_utf8: dict[int, InputError] = {}
    reader = csv.reader(_csv_lines(stream, path, bad_utf8), delimiter=delimiter, strict=True)
    header, blank = _csv_header(reader, path, bad_utf8)
    # Columns a row may stop short of: Excel's unnamed trailing ones (ID,Prompt,,).
    needed = max(i for i, name in enumerate(header) if name) + 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, RowError(InputError(path, f"malformed CSV ({exc})", line=start))
            continue
        if bad_utf8:
            yield start, RowError(bad_utf8.pop(min(bad_utf8)))
            bad_utf8.clear()
        elif not cells or (not cells[0] and not any(cells)):
            continue  # a blank line, or a spreadsheet's blank row (,,,,)
        elif len(cells) != len(header) and not (blank and needed <= len(cells) < len(header)):
            yield (
                start,
                RowError(
                    InputError(
                        path,
                        f"expected {len(header)} columns as in the header, found {len(cells)}",
                        line=start,
                    )
                ),
            )
        elif blank:
            yield start, _named_cells(header, cells, blank, path, start)
        else:
            yield start, dict(zip(header, cells, strict=True))


def _named_cells(
    header: list[str], cells: list[str], blank: list[int], path: str, line: int
) -> dict[str, str] | RowError:
    """The row without the header's unnamed columns, which must be empty: a spreadsheet's
    stray columns, not data nobody named."""
    for i in blank:
        if i < len(cells) and cells[i].strip():
            return RowError(
                InputError(
                    path,
                    f"column {i + 1} has no name in the header but holds {cells[i][:30]!r};"
                    " name it in the header, or delete the column",
                    line=line,
                )
            )
    return {name: cell for name, cell in zip(header, cells, strict=False) if name}


def _csv_lines(stream: BinaryIO, path: str, bad_utf8: dict[int, InputError]) -> Iterator[str]:
    for number, text, error in decoded_lines(stream, path, excel=True):
        if error is not None:
            bad_utf8[number] = error
        yield text


def _csv_header(
    reader: Any,
    path: str,
    bad_utf8: dict[int, InputError],
) -> tuple[list[str], list[int]]:
    """The column names, and where the unnamed ones are (a spreadsheet's empty columns)."""
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(path, f"unreadable CSV header ({exc})", line=1) from exc
    if bad_utf8:
        raise bad_utf8[min(bad_utf8)]
    names = [h.strip() for h in header]
    named = [n for n in names if n]
    if not named or len(set(named)) != len(named):
        raise InputError(
            path, f"the header needs unique, non-empty column names, got {header}", line=1
        )
    return names, [i for i, n in enumerate(names) if not n]


def _json_line(line: bytes) -> Any:
    """The line parsed as one JSON value, or None."""
    try:
        return json.loads(line[len(BOM) :] if line.startswith(BOM) else line)
    except (ValueError, RecursionError):  # also bad UTF-8
        return None


def read_json_document(stream: BinaryIO, path: str) -> Iterator[tuple[int, Any]]:
    """Rows of a one-object file: the object itself, or the objects of its one list.

    Read whole (a wrapper cannot be streamed without a parser of our own); each row is
    reported at the line it starts on.
    """
    first = stream.readline()
    whole_line = _json_line(first)
    if whole_line is not None and stream.peek(1):  # type: ignore[attr-defined]
        # JSONL whose first line outran the sniff window (long outputs): stream it.
        yield from read_jsonl(itertools.chain([first], stream), path)  # type: ignore[arg-type]
        return
    raw = first + read_document(stream, path)
    raw = raw[len(BOM) :] if raw.startswith(BOM) else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        hint = utf8_hint(path, raw[exc.start - column + 1 : exc.end + 200], excel=False)
        raise InputError(path, f"not UTF-8 text (column {column}){hint}", line=line) from exc
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError(path, "JSON nested too deep (over about 1,000 levels)", line=1) from None
    except json.JSONDecodeError as exc:
        if _two_json_lines(text.lstrip()):  # JSONL after all, its first line past the window
            yield from read_jsonl(io.BytesIO(raw), path)
            return
        raise InputError(
            path,
            f"not valid JSON ({exc.msg} at column {exc.colno}); expected"
            " one JSON object, a JSON array or JSONL",
            line=exc.lineno,
        ) from None
    yield from document_rows(text, doc)
