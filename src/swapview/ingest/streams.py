"""Opening an input file: gzip detected by its magic bytes, bytes read counted for progress."""

from __future__ import annotations

import codecs
import gzip
import io
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, AnyStr, BinaryIO

from ..errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
GZIP_DEFLATE = 8  # the compression method byte after the magic in every gzip file
GZIP_HINT = "; the file is damaged (`gzip -t FILE` confirms it): re-download or re-compress it"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CHUNK = 1 << 20
SNIFF_WINDOW = 64 * 1024  # what the format sniffer looks at, too

Progress = Callable[[int], None]
"""Called with the number of (compressed) bytes just read from disk."""


class CountingReader(io.RawIOBase):
    """A raw file that reports how many bytes it has handed out, for progress bars."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self._raw = raw
        self._progress = progress
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.position += n
            if self._progress is not None:
                self._progress(n)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class GzipDamage(InputError):
    """The gzip layer found the file damaged (corrupt or cut short)."""


class InputStream(io.RawIOBase):
    """The decompressed bytes of one input file.

    Turns the gzip module's errors (truncated or corrupt data) into InputError with the
    compressed byte offset, so every reader reports damaged files the same way.
    """

    def __init__(self, path: str, inner: BinaryIO, counter: CountingReader, gz: bool) -> None:
        self.path = path
        self.gzip = gz
        self._inner = inner
        self._counter = counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return self._inner.readinto(buffer)  # type: ignore[attr-defined]
        except EOFError as exc:
            raise GzipDamage(
                self.path,
                "gzip data ends early (truncated file); expected the rest of the compressed"
                f" stream{GZIP_HINT}",
                offset=self._counter.position,
            ) from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise GzipDamage(
                self.path,
                f"corrupt gzip data ({exc}){GZIP_HINT}",
                offset=self._counter.position,
            ) from exc

    def close(self) -> None:
        self._inner.close()
        self._counter.close()
        super().close()


class Utf16Stream(io.RawIOBase):
    """UTF-16 text (Excel's "Unicode text", PowerShell's ``>``) as UTF-8 bytes, decoded as
    it streams, so every reader sees UTF-8. The codec reads the BOM to tell the byte order."""

    def __init__(self, path: str, inner: io.BufferedReader) -> None:
        self.path = path
        self._inner = inner
        self._decoder = codecs.getincrementaldecoder("utf-16")("strict")
        self._pending = b""
        self._read = 0  # UTF-16 bytes decoded so far, for the error's offset

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            data = self._inner.read(CHUNK)
            try:
                text = self._decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                raise InputError(
                    self.path,
                    f"invalid UTF-16 text ({exc.reason}); expected"
                    " UTF-16 throughout, as its byte order mark says",
                    offset=self._read + max(exc.start, 0),
                ) from exc
            self._read += len(data)
            self._pending = text.encode("utf-8")
            if not data:
                break
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


class CrLines(io.RawIOBase):
    """Old-Mac text, lines ended by CR alone, as LF-ended text: every reader splits lines
    on LF, and a quoted cell's line breaks become LF too."""

    def __init__(self, inner: io.BufferedReader) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data.replace(b"\r", b"\n")
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def cr_only(head: bytes) -> bool:
    """Text whose lines end in CR alone: a CR, no LF, no NUL, in the first window."""
    return b"\r" in head and b"\n" not in head and b"\x00" not in head and b"PAR1" != head[:4]


def _damaged_gzip(name: str, magic: bytes) -> None:
    """A file whose first bytes are one bit off gzip's (1f 8b 08) is a damaged gzip file,
    not text in some encoding: say so instead of "not UTF-8"."""
    if len(magic) < 3 or magic[:2] == GZIP_MAGIC or magic[2] != GZIP_DEFLATE:
        return
    if magic[0] == GZIP_MAGIC[0] or magic[1] == GZIP_MAGIC[1]:
        raise InputError(
            name,
            f"damaged gzip header (starts {magic.hex(' ')}, gzip starts 1f 8b 08){GZIP_HINT}",
            offset=0,
        )


STDIN = "-"


class _Borrowed(io.RawIOBase):
    """Standard input read through our streams without closing it at the end."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _open_raw(name: str) -> BinaryIO:
    """The file (or standard input, for "-") as raw bytes."""
    if name == STDIN:
        return _Borrowed(sys.stdin.buffer)
    try:
        return open(name, "rb")  # noqa: SIM115  (closed by the InputStream)
    except FileNotFoundError as exc:
        raise InputError(name, "no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(name, "is a folder, expected a data file") from exc
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror})") from exc


@contextmanager
def open_input(path: str | Path, progress: Progress | None = None) -> Iterator[io.BufferedReader]:
    """The file's content as a buffered byte stream, gunzipped when it starts with gzip magic
    and turned into UTF-8 when it starts with a UTF-16 byte order mark.

    The file name is never trusted: a ``.gz`` that is plain text and a ``.jsonl`` that is
    gzip both read correctly.
    """
    name = str(path)
    raw = io.BufferedReader(_open_raw(name), CHUNK)  # peek, never seek: stdin is a pipe
    magic = raw.peek(3)[:3]
    try:
        _damaged_gzip(name, magic)
    except InputError:
        raw.close()
        raise
    counter = CountingReader(raw, progress)
    gz = magic[:2] == GZIP_MAGIC
    inner: BinaryIO = (
        gzip.GzipFile(fileobj=io.BufferedReader(counter, CHUNK), mode="rb") if gz else counter
    )  # type: ignore[assignment]
    decoded = stream = io.BufferedReader(InputStream(name, inner, counter, gz), CHUNK)
    if stream.peek(2)[:2] in UTF16_BOMS:
        stream = io.BufferedReader(Utf16Stream(name, stream), CHUNK)
    if cr_only(stream.peek(SNIFF_WINDOW)[:SNIFF_WINDOW]):
        stream = io.BufferedReader(CrLines(stream), CHUNK)
    try:
        yield stream
    except InputError as exc:
        if gz and not isinstance(exc, GzipDamage):
            _check_gzip(decoded, exc)
        raise
    finally:
        stream.close()


def _check_gzip(decoded: io.BufferedReader, found: InputError) -> None:
    """A bad row in a gzip file may be damage the gzip check only sees at its end (garbage
    that still inflates): read on to the end, and report the damage if there is some."""
    try:
        while decoded.read(CHUNK):
            pass
    except GzipDamage as damage:
        raise damage from found


@contextmanager
def open_text(path: str | Path, progress: Progress | None = None) -> Iterator[io.TextIOWrapper]:
    """The file as UTF-8 text (a BOM dropped) through ``open_input``: gzip, UTF-16 and
    standard input read here exactly as ``load`` reads them. Bytes that are no UTF-8 end
    in an InputError, not a traceback."""
    with open_input(path, progress) as stream:
        # newline="": csv wants the line ends as they are (quoted cells may hold them).
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield text
        except UnicodeDecodeError as exc:
            raise InputError(
                str(path), f"not UTF-8 text ({exc.reason}); expected UTF-8 or UTF-16"
            ) from None
        finally:
            text.detach()  # open_input closes the stream


# The largest single JSON document read whole (a JSON object file, a promptfoo results
# file): parsing takes several times its size in memory. JSONL and JSON arrays stream.
MAX_DOCUMENT_BYTES = 512 << 20


def read_document(stream: IO[AnyStr], path: str | Path, what: str = "JSON document") -> AnyStr:
    """The whole stream, or an InputError once it passes ``MAX_DOCUMENT_BYTES`` (counted in
    characters for a text stream), before memory goes to a file that cannot be parsed here."""
    limit = MAX_DOCUMENT_BYTES
    parts = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise InputError(
                str(path),
                f"a single {what} over {limit >> 20} MiB is not read into memory;"
                " write it as JSONL (one row per line) or a JSON array, which stream",
            )
        parts.append(chunk)
    return parts[0][:0].join(parts) if parts else stream.read()
