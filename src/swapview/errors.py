"""Errors a user can act on. The CLI turns them into one line and exit code 1."""

from __future__ import annotations


class SwapviewError(Exception):
    """Base class for every error swapview reports to a user."""


class InputError(SwapviewError):
    """Bad input: names the file, the line (or byte offset) and the field."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.offset = offset
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        elif self.offset is not None:
            where += f" (byte {self.offset})"
        field = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{field} {self.reason}"


class StoreError(SwapviewError):
    """The database cannot be opened or is not a swapview database."""


class NotFoundError(SwapviewError):
    """A named comparison, pair or key does not exist."""
