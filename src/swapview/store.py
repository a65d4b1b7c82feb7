"""The SQLite store: opening, upgrading, and writing comparisons and pairs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from . import pairfacts
from .errors import NotFoundError, StoreError, SwapviewError
from .migrations import migrations
from .writelock import holder

DEFAULT_DB = "swapview.db"
BUSY_TIMEOUT_MS = 10_000
# A load writes its new pairs under a hidden comparison named so, then renames or merges it
# in one short last transaction: nobody sees half a load, and a killed load's rows are
# swept by the next one (see ``ingest.load``).
LOADING_PREFIX = "swapview:loading:"
VISIBLE = f"name NOT LIKE '{LOADING_PREFIX}%'"


def default_db_path() -> str:
    """The database path: $SWAPVIEW_DB, else ./swapview.db."""
    return os.environ.get("SWAPVIEW_DB") or DEFAULT_DB


def now() -> str:
    """UTC timestamp, ISO 8601 with microseconds, sortable as text."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def connect(path: str | Path) -> sqlite3.Connection:
    """A raw connection with the pragmas every swapview connection uses."""
    # check_same_thread=False: a connection may be handed to a worker thread on purpose;
    # writers still serialise through SQLite's own lock and the busy timeout.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a SQLite database ({exc})") from exc
    return conn


T = TypeVar("T")


def on_thread(path: str | Path, read: Callable[[sqlite3.Connection], T]) -> Future[T]:
    """Start ``read(connection)`` on a thread of its own now, on its own connection; a
    front end still importing its toolkit collects the result when it is ready (SQLite
    releases the GIL while it reads)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            conn = connect(path)
            try:
                future.set_result(read(conn))
            finally:
                conn.close()
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=run, name="swapview-read-ahead", daemon=True).start()
    return future


def open_db(path: str | Path | None = None, *, migrate: bool = True) -> Database:
    """Open (creating or upgrading) a swapview database."""
    path = path or default_db_path()
    if Path(path).is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    if str(path) != ":memory:" and not Path(path).parent.is_dir():
        raise StoreError(
            f"{path}: no folder {Path(path).parent} to hold the database;"
            " create it first or pass another --db"
        )
    try:
        db = Database(connect(path))
    except sqlite3.OperationalError as exc:
        raise StoreError(f"{path}: cannot open the database ({exc})") from exc
    if migrate:
        try:
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot create or upgrade the schema ({exc})") from exc
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock up front.

    A plain BEGIN that reads first and writes later fails at once with "database is
    locked" when another connection wrote in between (WAL snapshots cannot be upgraded);
    BEGIN IMMEDIATE waits for the lock under the busy timeout instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreError(locked_message(db, exc)) from exc
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def db_file(db: Database) -> str | None:
    """The main database's file path, or None in memory."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] or None if row else None


def locked_message(db: Database, exc: sqlite3.OperationalError) -> str:
    """One line for a lock wait that ran out: what holds the database, when we know."""
    path = db_file(db) or ":memory:"
    if "locked" not in str(exc) and "busy" not in str(exc):
        return f"{path}: {exc}"
    who = holder(path) if path != ":memory:" else None
    held = f"held by {who}" if who else "held by another writer"
    return (
        f"{path}: the database stayed locked for {BUSY_TIMEOUT_MS // 1000} s ({held});"
        " try again when it finishes"
    )


def content_hash(prompt: str | None, baseline: str | None, candidate: str | None) -> str:
    """A hash of what a reviewer judges: prompt and both outputs."""
    h = hashlib.blake2b(digest_size=16)
    for part in (prompt, baseline, candidate):
        if part is None:
            h.update(b"\x00N")
        else:
            data = part.encode("utf-8", "surrogatepass")
            h.update(b"\x00S" + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def text_hash(text: str) -> str:
    """Hash of one text, the key of the embedding cache."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(slots=True)
class PairRecord:
    """One input answered by both models, as loaded from any source."""

    key: str
    prompt: str | list[dict[str, Any]] | None
    baseline_output: str | None
    candidate_output: str | None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_format(self) -> str:
        return "chat" if isinstance(self.prompt, list) else "text"

    def prompt_text(self) -> str | None:
        """The prompt as stored: text, or the chat messages as JSON."""
        if isinstance(self.prompt, list):
            return json.dumps(self.prompt, ensure_ascii=False)
        return self.prompt


@dataclass
class LoadReport:
    """What a load did; printed by the CLI, returned as JSON with --json."""

    comparison: str = ""
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    metadata_updated: int = 0  # same texts, new metadata: counted in unchanged, re-scored
    stale_reviews: int = 0
    empty_outputs: int = 0
    identical_outputs: int = 0
    pending: dict[str, int] = field(default_factory=dict)  # side -> pairs still without it
    duplicate_keys: list[str] = field(default_factory=list)
    unmatched_baseline: list[str] = field(default_factory=list)
    unmatched_candidate: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def get_comparison(db: Database, name: str) -> dict[str, Any]:
    """The comparison row by name, or a NotFoundError listing the known ones."""
    rows = list(db.query("SELECT * FROM comparisons WHERE name = ?", [name]))
    if not rows or name.startswith(LOADING_PREFIX):
        known = [
            r["name"] for r in db.query(f"SELECT name FROM comparisons WHERE {VISIBLE} ORDER BY id")
        ]
        hint = f"; known: {', '.join(known)}" if known else "; the database has none yet"
        raise NotFoundError(f"no comparison named {name!r}{hint}")
    return rows[0]


def list_comparisons(db: Database) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM comparisons WHERE {VISIBLE} ORDER BY id"))


def resolve_comparison(db: Database, name: str | None, *, newest: bool = False) -> dict[str, Any]:
    """The comparison row a command works on: the one named, else the only one there is.

    ``newest`` picks the newest of several instead of asking (the review app, where the
    reviewer can switch); commands that write or judge one comparison ask."""
    if name:
        return get_comparison(db, name)
    rows = list_comparisons(db)
    if not rows:
        raise NotFoundError("the database has no comparisons yet: load some pairs first")
    if len(rows) == 1 or newest:
        return rows[-1]
    names = ", ".join(r["name"] for r in rows)
    raise SwapviewError(f"several comparisons, pick one with --comparison: {names}")


def ensure_comparison(
    db: Database,
    name: str,
    *,
    baseline_model: str | None = None,
    candidate_model: str | None = None,
    source: str | None = None,
) -> int:
    """Id of the named comparison, created if new; model names fill in when known."""
    row = db.execute("SELECT id FROM comparisons WHERE name = ?", [name]).fetchone()
    if row is None:
        cur = db.execute(
            "INSERT INTO comparisons (name, baseline_model, candidate_model, source, created)"
            " VALUES (?, ?, ?, ?, ?)",
            [name, baseline_model, candidate_model, source, now()],
        )
        return int(cur.lastrowid)
    db.execute(
        "UPDATE comparisons SET baseline_model = coalesce(?, baseline_model),"
        " candidate_model = coalesce(?, candidate_model), source = coalesce(?, source)"
        " WHERE id = ?",
        [baseline_model, candidate_model, source, row[0]],
    )
    return int(row[0])


def _filled(rec: PairRecord, stored: tuple, stored_meta: str | None) -> PairRecord:
    prompt, prompt_format, baseline, candidate = stored
    meta = rec.metadata
    if stored_meta and (rec.baseline_output is None or rec.candidate_output is None):
        # The stored side's metadata (its finish reason, its model's fields) stays too.
        meta = {**json.loads(stored_meta), **meta}
    return PairRecord(
        rec.key,
        rec.prompt if rec.prompt is not None else decode_prompt(prompt, prompt_format),
        rec.baseline_output if rec.baseline_output is not None else baseline,
        rec.candidate_output if rec.candidate_output is not None else candidate,
        meta,
    )


def _batches(items: Iterable[PairRecord], size: int) -> Iterator[list[PairRecord]]:
    batch: list[PairRecord] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


INSERT_PAIR = (
    "INSERT INTO pairs (comparison_id, key, prompt, prompt_format, baseline_output,"
    " candidate_output, metadata, content_hash, created, updated)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_PAIR = (
    "UPDATE pairs SET prompt = ?, prompt_format = ?, baseline_output = ?, candidate_output = ?,"
    " metadata = ?, content_hash = ?, updated = ? WHERE id = ?"
)


class PairWriter:
    """Writes pairs into one comparison: inserts new keys, updates changed ones.

    Without ``shadow`` the caller owns the transaction (wrap in ``write_transaction(db)``)
    so that a failed write stores nothing. With ``shadow`` (the id of a hidden comparison,
    see ``LOADING_PREFIX``) each batch commits on its own, so other writers wait at most
    one batch: new pairs and the new texts of changed ones go under the shadow, and
    ``publish`` moves them into the comparison in one short last transaction. A changed
    pair keeps its reviews; they are marked stale.
    """

    def __init__(
        self, db: Database, comparison_id: int, report: LoadReport, *, shadow: int | None = None
    ) -> None:
        self.db = db
        self.comparison_id = comparison_id
        self.report = report
        self.shadow = shadow
        self._last_existing: dict[str, tuple[int, str, str | None]] = {}
        # Keys written so far in this load live in a TEMP table (disk-backed, per connection),
        # not a Python set: a set of every key made memory grow with the file.
        db.execute("CREATE TEMP TABLE IF NOT EXISTS load_seen (key TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("DELETE FROM temp.load_seen")
        if shadow is not None:
            # Changed and metadata-only pairs of a staged load, applied by ``publish``.
            db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS load_changes (key TEXT PRIMARY KEY,"
                " old_id INTEGER NOT NULL, kind TEXT NOT NULL, metadata TEXT) WITHOUT ROWID"
            )
            db.execute("DELETE FROM temp.load_changes")
            db.conn.commit()  # only TEMP tables were written: no lock on the database held
        self._fresh = (
            db.execute(
                "SELECT 1 FROM pairs WHERE comparison_id = ? LIMIT 1", [comparison_id]
            ).fetchone()
            is None
        )

    def write(self, records: Iterable[PairRecord], batch_size: int = 2000) -> None:
        for batch in _batches(records, batch_size):
            if self.shadow is None:
                self._write_batch(self._dedupe(batch))
                continue
            with write_transaction(self.db):
                self._write_batch(self._dedupe(batch))

    def publish(self) -> None:
        """Apply a staged load's changed pairs and move its new ones into the comparison.

        Call inside the caller's write transaction; costs time for changed and new pairs
        of an existing comparison only (a new comparison is renamed instead)."""
        conn, shadow, target = self.db.conn, self.shadow, self.comparison_id
        changed = [
            (i,) for (i,) in conn.execute("SELECT old_id FROM temp.load_changes WHERE kind = 'c'")
        ]
        conn.execute(
            "UPDATE pairs AS t SET prompt = s.prompt, prompt_format = s.prompt_format,"
            " baseline_output = s.baseline_output, candidate_output = s.candidate_output,"
            " metadata = s.metadata, content_hash = s.content_hash, updated = s.updated"
            " FROM temp.load_changes AS c JOIN pairs AS s ON s.comparison_id = ? AND s.key = c.key"
            " WHERE c.kind = 'c' AND t.id = c.old_id",
            [shadow],
        )
        conn.execute(
            "DELETE FROM pairs WHERE comparison_id = ?"
            " AND key IN (SELECT key FROM temp.load_changes WHERE kind = 'c')",
            [shadow],
        )
        if changed:
            self.report.stale_reviews += mark_stale(self.db, changed)
        conn.execute(
            "UPDATE pairs SET metadata = c.metadata, updated = ? FROM temp.load_changes AS c"
            " WHERE c.kind = 'm' AND pairs.id = c.old_id",
            [now()],
        )
        conn.execute(
            "DELETE FROM scores WHERE pair_id IN"
            " (SELECT old_id FROM temp.load_changes WHERE kind = 'm')"
        )
        conn.execute("UPDATE pairs SET comparison_id = ? WHERE comparison_id = ?", [target, shadow])

    def _dedupe(self, batch: list[PairRecord]) -> list[PairRecord]:
        earlier = self._seen_before([r.key for r in batch])
        kept: list[PairRecord] = []
        seen: set[str] = set()
        for rec in batch:
            if rec.key in earlier or rec.key in seen:
                self.report.duplicate_keys.append(rec.key)
                continue
            seen.add(rec.key)
            kept.append(rec)
            self._count_quirks(rec)
        self.db.conn.executemany(
            "INSERT INTO temp.load_seen (key) VALUES (?)", [(k,) for k in seen]
        )
        return kept

    def _seen_before(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                k
                for (k,) in self.db.execute(
                    f"SELECT key FROM temp.load_seen WHERE key IN ({marks})", chunk
                )
            )
        return found

    def _count_quirks(self, rec: PairRecord) -> None:
        # isspace() rather than strip(): no copy of a long output per row.
        base, cand = rec.baseline_output, rec.candidate_output
        if (base is not None and (not base or base.isspace())) or (
            cand is not None and (not cand or cand.isspace())
        ):
            self.report.empty_outputs += 1
        if rec.baseline_output is not None and rec.baseline_output == rec.candidate_output:
            self.report.identical_outputs += 1

    def _existing(self, keys: list[str]) -> dict[str, tuple[int, str, str | None]]:
        """(id, content hash, metadata) of the keys already stored."""
        if self._fresh:
            return {}
        found: dict[str, tuple[int, str, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT key, id, content_hash, metadata FROM pairs WHERE comparison_id = ?"
                f" AND key IN ({marks})",
                [self.comparison_id, *chunk],
            )
            found.update({k: (i, h, m) for k, i, h, m in rows})
        return found

    def _fill_from_stored(self, batch: list[PairRecord], existing: dict) -> list[PairRecord]:
        """A record without a side (or a prompt) keeps what is stored for its key: a file
        holding one side never writes the other side's answer over with NULL."""
        gaps = [
            r.key
            for r in batch
            if r.key in existing
            and (r.baseline_output is None or r.candidate_output is None or r.prompt is None)
        ]
        stored: dict[str, tuple] = {}
        for start in range(0, len(gaps), 500):
            chunk = gaps[start : start + 500]
            rows = self.db.execute(
                "SELECT key, prompt, prompt_format, baseline_output, candidate_output"
                f" FROM pairs WHERE comparison_id = ? AND key IN ({','.join('?' * len(chunk))})",
                [self.comparison_id, *chunk],
            )
            stored.update({row[0]: row[1:] for row in rows})
        return [
            _filled(r, stored[r.key], existing[r.key][2]) if r.key in stored else r for r in batch
        ]

    def _write_batch(self, batch: list[PairRecord]) -> None:
        existing = self._last_existing = self._existing([r.key for r in batch])
        batch = self._fill_from_stored(batch, existing)
        for rec in batch:
            for side in ("baseline", "candidate"):
                if getattr(rec, f"{side}_output") is None:
                    self.report.pending[side] = self.report.pending.get(side, 0) + 1
        stamp = now()
        inserts, updates, changed_ids, meta_updates = [], [], [], []
        for rec in batch:
            prompt = rec.prompt_text()
            digest = content_hash(prompt, rec.baseline_output, rec.candidate_output)
            meta = json.dumps(rec.metadata, ensure_ascii=False) if rec.metadata else None
            old = existing.get(rec.key)
            if old is None:
                inserts.append(
                    (
                        self.comparison_id,
                        rec.key,
                        prompt,
                        rec.prompt_format,
                        rec.baseline_output,
                        rec.candidate_output,
                        meta,
                        digest,
                        stamp,
                        stamp,
                    )
                )
            elif old[1] != digest:
                updates.append(
                    (
                        prompt,
                        rec.prompt_format,
                        rec.baseline_output,
                        rec.candidate_output,
                        meta,
                        digest,
                        stamp,
                        old[0],
                    )
                )
                changed_ids.append((old[0],))
            else:
                self.report.unchanged += 1
                if old[2] != meta:  # e.g. a finish reason: signals read it, reviews do not
                    meta_updates.append((meta, stamp, old[0]))
        conn = self.db.conn
        self.report.loaded += len(inserts)
        self.report.updated += len(updates)
        if self.shadow is not None:
            self._stage(inserts, updates, meta_updates)
            return
        conn.executemany(INSERT_PAIR, inserts)
        conn.executemany(UPDATE_PAIR, updates)
        self._update_metadata(meta_updates)
        if changed_ids:
            self.report.stale_reviews += mark_stale(self.db, changed_ids)

    def _stage(self, inserts: list, updates: list, meta_updates: list) -> None:
        """New pairs and changed pairs' new texts go under the shadow comparison; which
        stored pair each change replaces is kept for ``publish``."""
        conn, shadow = self.db.conn, self.shadow
        conn.executemany(INSERT_PAIR, [(shadow, *row[1:]) for row in inserts])
        ids = {u[-1] for u in updates}
        keys = {i: k for k, (i, _h, _m) in self._last_existing.items() if i in ids}
        conn.executemany(
            INSERT_PAIR,
            [
                (shadow, keys[u[-1]], u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[6])
                for u in updates
            ],
        )
        conn.executemany(
            "INSERT INTO temp.load_changes (key, old_id, kind) VALUES (?, ?, 'c')",
            [(keys[u[-1]], u[-1]) for u in updates],
        )
        meta_keys = {i: k for k, (i, _h, _m) in self._last_existing.items()}
        conn.executemany(
            "INSERT INTO temp.load_changes (key, old_id, kind, metadata) VALUES (?, ?, 'm', ?)",
            [(meta_keys[i], i, meta) for meta, _stamp, i in meta_updates],
        )
        self.report.metadata_updated += len(meta_updates)

    def _update_metadata(self, rows: list[tuple[str | None, str, int]]) -> None:
        """New metadata for pairs whose texts did not change: reviews stay current, but
        the scores go, so the next ``score`` recomputes the signals that read metadata."""
        if not rows:
            return
        conn = self.db.conn
        conn.executemany("UPDATE pairs SET metadata = ?, updated = ? WHERE id = ?", rows)
        conn.executemany("DELETE FROM scores WHERE pair_id = ?", [(r[2],) for r in rows])
        self.report.metadata_updated += len(rows)


FILL_CHUNK = 5000


def fill_facts(
    db: Database,
    comparison_id: int,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = FILL_CHUNK,
) -> int:
    """Compute the stored numbers (pairfacts) of the comparison's pairs that have none
    yet: pairs of a database older than them, or changed since. Each chunk commits on its
    own, so an interrupted fill keeps what it stored and other writers wait one chunk at
    most; ``progress(done, total)`` after each. Returns how many pairs were filled."""
    todo = pairfacts.missing(db, comparison_id)
    done = 0
    for start in range(0, len(todo), chunk):
        with write_transaction(db):  # rows read under the lock: none can change meanwhile
            done += pairfacts.refresh(db, todo[start : start + chunk])
        if progress is not None:
            progress(done, len(todo))
    return done


def mark_stale(db: Database, pair_ids: list[tuple[int]]) -> int:
    """Flag decisions whose pair changed since it was judged; returns how many."""
    before = db.conn.total_changes
    db.conn.executemany(
        "UPDATE decisions SET stale = 1 WHERE pair_id = ?"
        " AND pair_hash != (SELECT content_hash FROM pairs WHERE id = decisions.pair_id)",
        pair_ids,
    )
    return db.conn.total_changes - before


def pair_row(db: Database, pair_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM pairs WHERE id = ?", [pair_id]))
    if not rows:
        raise NotFoundError(f"no pair with id {pair_id}")
    return rows[0]


def decode_prompt(prompt: str | None, prompt_format: str) -> str | list[dict[str, Any]] | None:
    """The stored prompt back as text or a chat message list."""
    if prompt is not None and prompt_format == "chat":
        return json.loads(prompt)
    return prompt
