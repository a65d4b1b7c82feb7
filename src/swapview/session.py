"""One reviewer's writes (tags, notes, corrected answers, undo, redo), in order, off the UI
thread.

A front end must never wait on the database lock (another reviewer or a scoring run may
hold it for a while), and must never show a tag that is not yet committed. So writes go
to one writer thread with its own connection, in the order they were made (an undo
must follow the tag it undoes), and each outcome is reported back only after its
commit. Killing the process then loses nothing that was shown as done.

A group write (say, tagging a whole cluster) runs a caller's function that records many
reviews in one transaction; the undo stack holds its review ids as one entry, so undo and
redo revert and re-apply the whole group in one step (and one transaction).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import reviews
from .errors import StoreError, SwapviewError
from .store import open_db, write_transaction

# Records many reviews inside the transaction it is given; returns their review ids.
GroupWrite = Callable[..., list[int]]
# A write that met a locked database is tried again, waiting longer each time up to this.
RETRY_MAX_S = 2.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a committed (or failed) write did; ``decision`` is the pair's state after it."""

    action: str
    pair_id: int | None
    review_id: int | None = None
    decision: reviews.Decision | None = None
    error: str | None = None
    token: object = None
    # A group write, or its undo or redo: every pair it changed, with its decision after
    # (``error`` then says what was left out, if anything).
    group: tuple[tuple[int, reviews.Decision | None], ...] = ()
    # How many tries the commit took (more than 1: the database was locked meanwhile).
    attempts: int = 1
    # A second look (or its undo or redo): the reviewer's own blind label after it, which
    # ``decision`` (the first reviewer's, left standing) does not hold.
    second_look: bool = False
    looked: str | None = None


@dataclass(frozen=True, slots=True)
class _Command:
    action: str
    pair_id: int | None
    value: str | None
    token: object
    write: GroupWrite | None = None


class ReviewSession:
    """Serialised writes for one reviewer; ``on_outcome`` is called on the writer thread."""

    def __init__(
        self, db_path: str | Path, reviewer: str, on_outcome: Callable[[Outcome], None]
    ) -> None:
        if not reviewer:
            raise SwapviewError("a reviewer name is needed (--reviewer, config or $USER)")
        self.db_path = str(db_path)
        self.reviewer = reviewer
        self._on_outcome = on_outcome
        self._queue: queue.Queue[_Command | None] = queue.Queue()
        # Entries are one review id, or a tuple of them for a group write.
        self._undo: list[int | tuple[int, ...]] = []
        self._redo: list[int | tuple[int, ...]] = []
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._retrying: str | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="swapview-writer", daemon=True)
        self._thread.start()

    # The UI thread calls these; they return at once.
    def tag(self, pair_id: int, tag: str | None, token: object = None) -> None:
        self._submit(_Command("tag", pair_id, tag, token))

    def second_look(self, pair_id: int, tag: str | None, token: object = None) -> None:
        """Tag a pair another reviewer decided, blind, as this reviewer's own label (for
        the agreement); the pair's decision stays theirs."""
        self._submit(_Command(reviews.SECOND_LOOK, pair_id, tag, token))

    def note(self, pair_id: int, text: str | None, token: object = None) -> None:
        self._submit(_Command("note", pair_id, text, token))

    def correct(self, pair_id: int, text: str | None, token: object = None) -> None:
        """Store the reviewer's corrected answer (None clears it); exports use it as the ideal."""
        self._submit(_Command("correct", pair_id, text, token))

    def group(self, action: str, write: GroupWrite, token: object = None) -> None:
        """Run ``write(db, reviewer)`` in one transaction; it is undone as one step."""
        self._submit(_Command(action, None, None, token, write))

    def undo(self, token: object = None) -> None:
        self._submit(_Command("undo", None, None, token))

    def redo(self, token: object = None) -> None:
        self._submit(_Command("redo", None, None, token))

    @property
    def pending(self) -> int:
        """Writes pressed but not yet committed (queued, running or retrying): a front end
        shows these as pending, never as made."""
        return self._pending

    @property
    def retrying(self) -> str | None:
        """Why the write in hand is waiting (the database is locked), while it retries."""
        return self._retrying

    @property
    def busy(self) -> bool:
        """Writes are queued or running (an undo may be pressed before a tag commits)."""
        return not self._idle.is_set()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) or self.busy

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) or self.busy

    def wait_idle(self, timeout: float | None = 10) -> bool:
        """Block until every submitted write is committed (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 30) -> None:
        """Commit what is queued, then stop the writer."""
        self._queue.put(None)
        self._stopping_at = time.monotonic() + timeout
        self._thread.join(timeout)

    def _submit(self, cmd: _Command) -> None:
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._queue.put(cmd)

    def _run(self) -> None:
        db = open_db(self.db_path, migrate=False)
        try:
            while (cmd := self._queue.get()) is not None:
                outcome = self._apply_safely(db, cmd)
                try:
                    self._on_outcome(outcome)
                finally:
                    with self._lock:
                        self._pending -= 1
                        if not self._pending:
                            self._idle.set()
        finally:
            db.close()

    def _apply_safely(self, db, cmd: _Command) -> Outcome:
        """Apply ``cmd``, trying again while the database is locked: a tag that was
        pressed is stored, however long another writer holds the lock."""
        attempts, delay = 1, 0.05
        while True:
            try:
                outcome = self._apply(db, cmd)
                self._retrying = None
                return outcome if attempts == 1 else _with_attempts(outcome, attempts)
            except (SwapviewError, sqlite3.Error) as exc:
                if not _locked(exc) or self._give_up():
                    self._retrying = None
                    return Outcome(
                        cmd.action, cmd.pair_id, error=str(exc), token=cmd.token, attempts=attempts
                    )
                self._retrying = str(exc)
                if db.conn.in_transaction:
                    db.conn.rollback()
            time.sleep(delay)
            attempts, delay = attempts + 1, min(delay * 2, RETRY_MAX_S)

    def _give_up(self) -> bool:
        deadline = getattr(self, "_stopping_at", None)
        return deadline is not None and time.monotonic() > deadline

    def _apply(self, db, cmd: _Command) -> Outcome:
        if cmd.write is not None:
            return self._apply_group(db, cmd)
        if cmd.action == "tag":
            rid = reviews.record(db, cmd.pair_id, self.reviewer, tag=cmd.value)
        elif cmd.action == reviews.SECOND_LOOK:
            rid = reviews.second_look(db, cmd.pair_id, self.reviewer, cmd.value)
        elif cmd.action == "note":
            rid = reviews.record(db, cmd.pair_id, self.reviewer, note=cmd.value or None)
        elif cmd.action == "correct":
            rid = reviews.record(db, cmd.pair_id, self.reviewer, corrected_output=cmd.value)
        elif cmd.action == "undo":
            return self._undo_or_redo(db, cmd, self._undo, self._redo, reviews.undo)
        else:
            return self._undo_or_redo(db, cmd, self._redo, self._undo, reviews.redo)
        self._undo.append(rid)
        self._redo.clear()
        return self._outcome(db, cmd.action, cmd.pair_id, rid, cmd.token)

    def _undo_or_redo(
        self, db, cmd: _Command, source: list[int], target: list[int], apply: Callable
    ) -> Outcome:
        if not source:
            raise SwapviewError(f"nothing to {cmd.action}")
        event = source[-1]
        if isinstance(event, tuple):
            return self._undo_or_redo_group(db, cmd, source, target, apply)
        # The check and the write are one transaction: another reviewer's tag cannot land
        # between them and be erased.
        with write_transaction(db):
            pair_id = _pair_of(db, event)
            # A second look never changed the decision, so undoing it cannot erase anyone's.
            looked = reviews.is_second_look(db, event)
            now = None if looked else self._changed_by_other(db, pair_id)
            if now is None:
                rid = apply(db, event, self.reviewer)
        source.pop()
        if now is not None:  # someone else decided since: never overwrite their decision
            raise SwapviewError(
                f"not undone: {now.reviewer} changed this pair since (tag {now.tag or 'none'})"
            )
        target.append(event)
        return self._outcome(db, cmd.action, pair_id, rid, cmd.token)

    def _changed_by_other(self, db, pair_id: int) -> reviews.Decision | None:
        """The pair's decision if another reviewer made it after this reviewer's last."""
        now = reviews.current(db, pair_id)
        mine = db.execute(
            "SELECT max(id) FROM reviews WHERE pair_id = ? AND reviewer = ?",
            [pair_id, self.reviewer],
        ).fetchone()[0]
        if now is not None and now.reviewer != self.reviewer and now.review_id > (mine or 0):
            return now
        return None

    def _apply_group(self, db, cmd: _Command) -> Outcome:
        with write_transaction(db):
            rids = list(cmd.write(db, self.reviewer))
        if not rids:
            raise SwapviewError(f"{cmd.action}: nothing to change")
        self._undo.append(tuple(rids))
        self._redo.clear()
        return self._group_outcome(db, cmd.action, rids, cmd.token)

    def _undo_or_redo_group(
        self, db, cmd: _Command, source: list, target: list, apply: Callable
    ) -> Outcome:
        events: tuple[int, ...] = source.pop()
        with write_transaction(db):
            # Pairs another reviewer decided since keep their decision; the rest go back.
            keep = [e for e in events if self._changed_by_other(db, _pair_of(db, e)) is None]
            order = reversed(keep) if cmd.action == "undo" else keep
            for event in order:
                apply(db, event, self.reviewer)
        if not keep:
            verb = "undone" if cmd.action == "undo" else "redone"
            raise SwapviewError(f"not {verb}: others changed every pair of it since")
        target.append(tuple(keep))
        left = len(events) - len(keep)
        note = f"{left} of {len(events)} pairs kept: another reviewer changed them since"
        note = note if left else None
        return self._group_outcome(db, cmd.action, keep, cmd.token, note)

    def _group_outcome(
        self, db, action: str, rids: list[int], token: object, error: str | None = None
    ) -> Outcome:
        pairs = list(dict.fromkeys(_pair_of(db, rid) for rid in rids))
        group = tuple((pid, reviews.current(db, pid)) for pid in pairs)
        return Outcome(action, None, rids[-1], None, error=error, token=token, group=group)

    def _outcome(self, db, action: str, pair_id: int, rid: int, token: object) -> Outcome:
        decision = reviews.current(db, pair_id)
        if not reviews.is_second_look(db, rid):
            return Outcome(action, pair_id, rid, decision, token=token)
        looked = db.execute("SELECT tag FROM reviews WHERE id = ?", [rid]).fetchone()[0]
        return Outcome(action, pair_id, rid, decision, token=token, second_look=True, looked=looked)


def _locked(exc: Exception) -> bool:
    text = str(exc)
    locked = "locked" in text or "busy" in text
    return locked and isinstance(exc, sqlite3.OperationalError | StoreError)


def _with_attempts(outcome: Outcome, attempts: int) -> Outcome:
    return replace(outcome, attempts=attempts)


def _pair_of(db, review_id: int) -> int:
    return db.execute("SELECT pair_id FROM reviews WHERE id = ?", [review_id]).fetchone()[0]
