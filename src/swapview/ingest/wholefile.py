"""Formats read whole, not line by line: a JSON object document, and Parquet.

A one-object JSON file is one row, or a wrapper whose list of rows sits under a field such
as ``data``; Parquet keeps its index at the end of the file, so it cannot be streamed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from ..errors import InputError

PARQUET_MAGIC = b"PAR1"
PARQUET_BATCH = 1024


def document_rows(text: str, doc: Any) -> Iterator[tuple[int, Any]]:
    """The rows of a parsed one-object document, each with the line it starts on."""
    name = _records_field(doc)
    if name is None:
        yield 1, doc
        return
    yield from _records_with_lines(text, name, doc[name])


# Names a wrapper gives its list of rows. Only these: a row's own list of objects (chat
# messages, OpenAI choices, content parts) must never be taken for the rows.
_RECORD_LISTS = frozenset(
    {
        "data",
        "rows",
        "records",
        "items",
        "examples",
        "results",
        "samples",
        "pairs",
        "entries",
        "cases",
        "tests",
        "instances",
        "comparisons",
    }
)


def _records_field(doc: Any) -> str | None:
    """The field holding the rows when ``doc`` wraps them: its one list of objects under a
    name such as ``data`` or ``records``."""
    if not isinstance(doc, dict):
        return None
    lists = [
        name
        for name, value in doc.items()
        if name.lower() in _RECORD_LISTS
        and isinstance(value, list)
        and value
        and all(isinstance(v, dict) for v in value)
    ]
    return lists[0] if len(lists) == 1 else None


def _records_with_lines(text: str, name: str, records: list[Any]) -> Iterator[tuple[int, Any]]:
    """Each record with the line it starts on, found by decoding the list again in place."""
    decoder = json.JSONDecoder()
    start = _list_start(text, name, decoder)
    if start is None:  # a key written with escapes: rows without line numbers beat none
        yield from ((1, record) for record in records)
        return
    pos, line, last = start + 1, 1 + text.count("\n", 0, start + 1), start + 1
    for _ in records:
        pos = _skip_space(text, pos)
        line += text.count("\n", last, pos)
        value, end = decoder.raw_decode(text, pos)
        yield line, value
        last = pos
        pos = _skip_space(text, end)
        pos += text[pos] == ","


def _list_start(text: str, name: str, decoder: json.JSONDecoder) -> int | None:
    """Offset of the '[' that opens top-level field ``name``, walking the object's fields."""
    pos = _skip_space(text, text.index("{") + 1)
    while pos < len(text) and text[pos] == '"':
        # scanstring is public in CPython's json.decoder; typeshed leaves it out
        key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
        pos = _skip_space(text, _skip_space(text, pos) + 1)  # past ':'
        if key == name:
            return pos
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        pos = _skip_space(text, pos + (text[pos] == ","))
    return None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def read_parquet(stream: BinaryIO, path: str) -> Iterator[tuple[int, Any]]:
    """Rows of a Parquet file (Hugging Face datasets, pandas, Spark, DuckDB exports), in
    batches; a row's number (from 1) stands where text formats give a line.

    Needs pyarrow (``pip install 'swapview[parquet]'``): imported only for Parquet files.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            path,
            "is a Parquet file, and reading Parquet needs pyarrow: pip install 'swapview[parquet]'",
        ) from None
    try:
        # Parquet keeps its index at the end of the file: read it whole from the stream
        # (already decompressed if the file was gzipped) rather than seek through a pipe.
        table = pq.ParquetFile(pa.BufferReader(stream.read()))
        number = 0
        for batch in table.iter_batches(batch_size=PARQUET_BATCH):
            for row in batch.to_pylist():
                number += 1
                yield number, _plain(row)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(path, f"cannot read Parquet ({exc})") from None


def _plain(value: Any) -> Any:
    """A Parquet value as JSON can hold it: times as ISO text, bytes as UTF-8 text (or a
    note of their size), decimals as numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities: JSON has no such numbers
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes>"
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # durations and other scalars
