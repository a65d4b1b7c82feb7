"""Claims: which replay run is answering which prompt, so two runs never pay for one.

A run takes its pending pairs a small page at a time, claiming each page in the same write
transaction that reads it (``BEGIN IMMEDIATE``: another process's claim cannot slip in
between), and skips pairs another live run has claimed. It renews its claims while it
runs and deletes them when it ends. A run killed with -9 leaves claims that lapse after
``LEASE_S``, or at once when its pid is gone on this host.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..store import decode_prompt, write_transaction
from .config import Side
from .records import Job, pending_args, pending_sql

LEASE_S = 60.0
RENEW_EVERY_S = LEASE_S / 4


@dataclass(frozen=True)
class Claimant:
    """One replay run: a fresh id, and where it runs (to tell a dead run from a live one)."""

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


_HELD_ELSEWHERE = (
    " AND NOT EXISTS (SELECT 1 FROM replay_claims c WHERE c.pair_id = p.id AND c.side = ?"
    " AND c.expires > ? AND c.run_id != ?)"
)


def claim_page(
    db: Database,
    cid: int,
    side: Side,
    retry_failed: bool,
    after_id: int,
    claimant: Claimant,
    keys: set[str] | None = None,
    limit: int = 16,
) -> tuple[list[Job], int]:
    """The next pending pairs after ``after_id`` that no other live run holds, claimed for
    this one; and the last id read (-1 at the end)."""
    with write_transaction(db):
        stamp = time.time()
        sql = (
            "SELECT p.id, p.key, p.prompt, p.prompt_format "
            + pending_sql(side, retry_failed)
            + _HELD_ELSEWHERE
            + " AND p.id > ? ORDER BY p.id LIMIT ?"
        )
        args = [*pending_args(cid, side, retry_failed), side, stamp, claimant.run_id]
        rows = db.execute(sql, [*args, after_id, limit]).fetchall()
        jobs = [
            Job(pid, key, decode_prompt(prompt, fmt))
            for pid, key, prompt, fmt in rows
            if keys is None or key in keys
        ]
        db.conn.executemany(
            "INSERT OR REPLACE INTO replay_claims (pair_id, side, run_id, host, pid, expires)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [_claim_row(job.pair_id, side, claimant, stamp) for job in jobs],
        )
    last = rows[-1][0] if rows else after_id
    return jobs, (last if len(rows) == limit else -1)


def _claim_row(pair_id: int, side: Side, claimant: Claimant, stamp: float) -> tuple[Any, ...]:
    return (pair_id, side, claimant.run_id, claimant.host, claimant.pid, stamp + LEASE_S)


def renew(db: Database, claimant: Claimant) -> None:
    """Keep this run's claims alive for another lease."""
    with write_transaction(db):
        db.execute(
            "UPDATE replay_claims SET expires = ? WHERE run_id = ?",
            [time.time() + LEASE_S, claimant.run_id],
        )


def release(db: Database, claimant: Claimant) -> None:
    """Give back every claim of this run (it ended, answered or not)."""
    with write_transaction(db):
        db.execute("DELETE FROM replay_claims WHERE run_id = ?", [claimant.run_id])


def free_dead_claims(db: Database, claimant: Claimant) -> int:
    """Drop lapsed claims, and those of runs on this host whose process is gone."""
    with write_transaction(db):
        dropped = db.execute("DELETE FROM replay_claims WHERE expires <= ?", [time.time()])
        count = dropped.rowcount
        rows = db.execute(
            "SELECT DISTINCT run_id, pid FROM replay_claims WHERE host = ? AND run_id != ?",
            [claimant.host, claimant.run_id],
        ).fetchall()
        for run_id, pid in rows:
            if not _alive(pid):
                count += db.execute("DELETE FROM replay_claims WHERE run_id = ?", [run_id]).rowcount
    return count


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def held_elsewhere(db: Database, cid: int, side: Side, claimant: Claimant) -> int:
    """Pairs still unanswered on this side that another live run holds."""
    return int(
        db.execute(
            "SELECT count(*) FROM replay_claims c JOIN pairs p ON p.id = c.pair_id"
            f" WHERE p.comparison_id = ? AND c.side = ? AND p.{side}_output IS NULL"
            " AND c.expires > ? AND c.run_id != ?",
            [cid, side, time.time(), claimant.run_id],
        ).fetchone()[0]
    )
