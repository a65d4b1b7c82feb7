"""Notes on a pair: written inline or in $EDITOR, never saved over a note someone else
changed meanwhile.

``NoteTaker`` is the screen's plain object for it: it opens the editor (a modal, or the
reviewer's $EDITOR with the app suspended) and saves through the reviewer's session.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlite_utils import Database
from textual.app import SuspendNotSupported
from textual.widget import Widget

from .. import reviews
from ..detail import PairDetail
from ..session import ReviewSession
from .modals import NoteEditor


class NoteTaker:
    """Edits the current pair's note and saves it through the session."""

    def __init__(self, host: Widget, session: ReviewSession, conn: sqlite3.Connection) -> None:
        self.host = host
        self.session = session
        self.conn = conn

    def inline(self, d: PairDetail, text: str | None = None, warning: str | None = None) -> None:
        """The note editor modal; ``text`` starts it on a draft (from $EDITOR)."""

        def saved(new: str | None) -> None:
            if new is not None and new != (d.note or ""):
                self.session.note(d.pair_id, new.strip() or None)

        editor = NoteEditor(
            f"Note on {d.key}",
            d.note if text is None else text,
            lambda: note_conflict(self.conn, d.pair_id, d.note),
            warning,
        )
        self.host.app.push_screen(editor, saved)

    def external(self, d: PairDetail) -> None:
        """The note in $VISUAL / $EDITOR, the app suspended meanwhile."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        # Resolve the command before suspending: textual's suspend() has no finally, so an
        # exception inside it would leave the terminal handed over and the app blank.
        command, problem = editor_command(editor)
        if command is None:
            self._fall_back(d, f"cannot run {editor}: {problem}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"note-{d.pair_id}.txt"
            path.write_text(d.note or "", encoding="utf-8")
            try:
                with self.host.app.suspend():
                    code, error = run_editor(command, path)
            except SuspendNotSupported:
                self._fall_back(d, "This terminal cannot hand over to $EDITOR", error=False)
                return
            if error is not None:
                self._fall_back(d, f"cannot run {editor}: {error}")
                return
            text = path.read_text(encoding="utf-8")
        if code != 0 or text.strip() == (d.note or "").strip():
            return
        warning = note_conflict(self.conn, d.pair_id, d.note)
        if warning:  # someone saved a note meanwhile: let the reviewer choose in the editor
            self.inline(d, text, warning)
            return
        self.session.note(d.pair_id, text.strip() or None)

    def _fall_back(self, d: PairDetail, why: str, error: bool = True) -> None:
        self.host.notify(
            f"{why}; using the inline editor",
            severity="error" if error else "information",
            markup=False,
        )
        self.inline(d)


def note_conflict(conn: sqlite3.Connection, pair_id: int, opened: str | None) -> str | None:
    """Why saving now would overwrite a note changed since ``opened`` was read."""
    now = reviews.current(Database(conn), pair_id)
    stored = now.note if now is not None else None
    if (stored or "") == (opened or ""):
        return None
    who = now.reviewer if now is not None else "someone"
    shown = " ".join((stored or "").split())
    shown = f'"{shown[:60]}…"' if len(shown) > 60 else f'"{shown}"' if shown else "none"
    return f"not saved: {who} changed this note since you opened it (now: {shown})"


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
