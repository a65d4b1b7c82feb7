"""Notes and corrected answers on a pair: written inline or in $EDITOR, never saved over
one someone else changed meanwhile.

``NoteTaker`` is the screen's plain object for it: it opens the editor (a modal, or the
reviewer's $EDITOR with the app suspended) on one ``EditedField`` of the pair (``NOTE``
or ``CORRECTION``) and saves through the reviewer's session. One editor round trip for
both, so the two can never behave differently.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database
from textual.app import SuspendNotSupported
from textual.widget import Widget

from .. import reviews
from ..detail import PairDetail
from ..session import ReviewSession
from .modals import NoteEditor


@dataclass(frozen=True)
class EditedField:
    """A text on a pair's decision that the reviewer edits: how it is read, opened, saved."""

    name: str  # in titles and warnings: "note", "corrected answer"
    title: str  # the editor's title, before the pair's key
    column: str  # the Decision attribute (and decisions column) holding it
    stored: Callable[[PairDetail], str | None]
    opens_on: Callable[[PairDetail], str]  # what the editor starts with
    save: Callable[[ReviewSession, int, str | None], None]


NOTE = EditedField(
    "note",
    "Note on",
    "note",
    lambda d: d.note,
    lambda d: d.note or "",
    ReviewSession.note,
)
# A corrected answer starts as the new output (the usual fix is a small edit of it);
# saving it empty clears it.
CORRECTION = EditedField(
    "corrected answer",
    "Corrected answer (the ideal in exports; empty clears it) for",
    "corrected_output",
    lambda d: d.corrected,
    lambda d: d.corrected if d.corrected is not None else (d.candidate or ""),
    ReviewSession.correct,
)


class NoteTaker:
    """Edits the current pair's note or corrected answer and saves it through the session."""

    def __init__(self, host: Widget, session: ReviewSession, conn: sqlite3.Connection) -> None:
        self.host = host
        self.session = session
        self.conn = conn

    def inline(
        self,
        d: PairDetail,
        text: str | None = None,
        warning: str | None = None,
        field: EditedField = NOTE,
    ) -> None:
        """The editor modal; ``text`` starts it on a draft (from $EDITOR)."""

        def saved(new: str | None) -> None:
            if new is not None:
                self._save(d, field, new)

        editor = NoteEditor(
            f"{field.title} {d.key}",
            field.opens_on(d) if text is None else text,
            lambda: edit_conflict(self.conn, d.pair_id, field.stored(d), field),
            warning,
        )
        self.host.app.push_screen(editor, saved)

    def external(self, d: PairDetail, field: EditedField = NOTE) -> None:
        """The text in $VISUAL / $EDITOR, the app suspended meanwhile."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        # Resolve the command before suspending: textual's suspend() has no finally, so an
        # exception inside it would leave the terminal handed over and the app blank.
        command, problem = editor_command(editor)
        if command is None:
            self._fall_back(d, field, f"cannot run {editor}: {problem}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{field.column}-{d.pair_id}.txt"
            path.write_text(field.opens_on(d), encoding="utf-8")
            try:
                with self.host.app.suspend():
                    code, error = run_editor(command, path)
            except SuspendNotSupported:
                self._fall_back(d, field, "This terminal cannot hand over to $EDITOR", False)
                return
            if error is not None:
                self._fall_back(d, field, f"cannot run {editor}: {error}")
                return
            text = path.read_text(encoding="utf-8")
        if code != 0 or not _changed(d, field, text):
            return
        warning = edit_conflict(self.conn, d.pair_id, field.stored(d), field)
        if warning:  # someone saved meanwhile: let the reviewer choose in the editor
            self.inline(d, text, warning, field)
            return
        self._save(d, field, text)

    def _save(self, d: PairDetail, field: EditedField, text: str) -> None:
        if _changed(d, field, text):
            field.save(self.session, d.pair_id, text.strip() or None)

    def _fall_back(self, d: PairDetail, field: EditedField, why: str, error: bool = True) -> None:
        self.host.notify(
            f"{why}; using the inline editor",
            severity="error" if error else "information",
            markup=False,
        )
        self.inline(d, field=field)


def _changed(d: PairDetail, field: EditedField, text: str) -> bool:
    """Whether ``text`` says something other than what the editor opened on (an editor's
    trailing newline is no change; nor is saving the new output untouched as a correction)."""
    return text.strip() != field.opens_on(d).strip()


def edit_conflict(
    conn: sqlite3.Connection, pair_id: int, opened: str | None, field: EditedField = NOTE
) -> str | None:
    """Why saving now would overwrite a ``field`` changed since ``opened`` was read."""
    now = reviews.current(Database(conn), pair_id)
    stored = getattr(now, field.column) if now is not None else None
    if (stored or "") == (opened or ""):
        return None
    who = now.reviewer if now is not None else "someone"
    shown = " ".join((stored or "").split())
    shown = f'"{shown[:60]}…"' if len(shown) > 60 else f'"{shown}"' if shown else "none"
    return f"not saved: {who} changed this {field.name} since you opened it (now: {shown})"


def editor_command(editor: str) -> tuple[list[str] | None, str]:
    """The editor as an argv with its program resolved, or None and why not."""
    try:
        words = shlex.split(editor)
    except ValueError as exc:
        return None, str(exc)
    if not words:
        return None, "no editor set"
    program = shutil.which(words[0])
    if program is None:
        return None, "not found"
    return [program, *words[1:]], ""


def run_editor(command: list[str], path: Path) -> tuple[int, str | None]:
    """Run the editor; never raises, so the suspended app always resumes."""
    try:
        return subprocess.call([*command, str(path)]), None
    except (OSError, subprocess.SubprocessError) as exc:
        return -1, str(exc)
