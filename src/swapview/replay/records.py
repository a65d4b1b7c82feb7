"""What replay reads from and writes to the store.

Each answer is written in its own small transaction the moment it arrives, and only
into a side that is still NULL: a crash loses at most the requests in flight, and two
runs racing on one comparison cannot overwrite each other's answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .. import pairfacts
from ..errors import InputError
from ..store import (
    LoadReport,
    PairRecord,
    PairWriter,
    content_hash,
    decode_prompt,
    ensure_comparison,
    get_comparison,
    mark_stale,
    now,
    write_transaction,
)
from .config import Side
from .prompts import Messages

BATCH = 1000


@dataclass(slots=True)
class Job:
    pair_id: int
    key: str
    prompt: str | Messages


@dataclass
class ImportReport:
    added: int = 0
    existing: int = 0
    duplicate_keys: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def import_prompts(
    db: Database, comparison: str, path: Path, records: Iterable[tuple[int, PairRecord]]
) -> ImportReport:
    """Add the file's new prompts as pairs, in one transaction: a side the file gives
    (``baseline_output``) is stored, the other stays NULL for replay to fill.

    A key already in the comparison must carry the same prompt: answering a different
    prompt into it would silently mismatch the other side.
    """
    report = ImportReport()
    with write_transaction(db):
        cid = ensure_comparison(db, comparison, source=str(path))
        load = LoadReport(comparison=comparison)
        writer = PairWriter(db, cid, load)
        batch: list[tuple[int, PairRecord]] = []
        for item in records:
            batch.append(item)
            if len(batch) >= BATCH:
                _import_batch(db, cid, path, batch, writer, report)
                batch = []
        _import_batch(db, cid, path, batch, writer, report)
        report.added = load.loaded
        report.duplicate_keys = load.duplicate_keys
    return report


def _import_batch(
    db: Database,
    cid: int,
    path: Path,
    batch: list[tuple[int, PairRecord]],
    writer: PairWriter,
    report: ImportReport,
) -> None:
    keys = [rec.key for _, rec in batch]
    known = _existing_prompts(db, cid, keys)
    fresh = []
    for line, rec in batch:
        report.keys.add(rec.key)
        if rec.key not in known:
            fresh.append(rec)
        elif known[rec.key] != rec.prompt:
            raise InputError(
                str(path),
                f"key {rec.key!r} is already in the comparison with a different prompt",
                line=line,
                field="prompt",
            )
        else:
            report.existing += 1
    writer.write(fresh)


def _existing_prompts(db: Database, cid: int, keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT key, prompt, prompt_format FROM pairs WHERE comparison_id = ?"
            f" AND key IN ({marks})",
            [cid, *chunk],
        )
        found.update({k: decode_prompt(p, f) for k, p, f in rows})
    return found


def comparison_id(db: Database, name: str) -> int:
    return int(get_comparison(db, name)["id"])


def pending_sql(side: Side, retry_failed: bool) -> str:
    sql = (
        f"FROM pairs p WHERE p.comparison_id = ? AND p.{side}_output IS NULL"
        " AND p.prompt IS NOT NULL"
    )
    if not retry_failed:
        # A refused key says nothing about the prompt (runs before the key check was
        # fixed recorded them), so those are sent again even with --skip-failed.
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM replay_errors e"
            " WHERE e.pair_id = p.id AND e.side = ?"
            " AND coalesce(e.status, 0) NOT IN (401, 403))"
        )
    return sql


def pending_args(cid: int, side: Side, retry_failed: bool) -> list[Any]:
    return [cid] if retry_failed else [cid, side]


def count_pending(
    db: Database, cid: int, side: Side, retry_failed: bool, keys: set[str] | None = None
) -> int:
    """Pairs still to answer on this side (restricted to ``keys`` when given)."""
    if keys is None:
        sql = "SELECT count(*) " + pending_sql(side, retry_failed)
        return int(db.execute(sql, pending_args(cid, side, retry_failed)).fetchone()[0])
    sql = "SELECT p.key " + pending_sql(side, retry_failed)
    return sum(1 for (k,) in db.execute(sql, pending_args(cid, side, retry_failed)) if k in keys)


def save_answer(db: Database, pair_id: int, side: Side, text: str, info: dict[str, Any]) -> bool:
    """Store one answer; False when that side was answered meanwhile (nothing written)."""
    with write_transaction(db):
        row = db.execute(
            "SELECT prompt, baseline_output, candidate_output, metadata FROM pairs WHERE id = ?",
            [pair_id],
        ).fetchone()
        if row is None or row[1 if side == "baseline" else 2] is not None:
            return False
        prompt, baseline, candidate, meta = row
        if side == "baseline":
            baseline = text
        else:
            candidate = text
        db.execute(
            f"UPDATE pairs SET {side}_output = ?, metadata = ?, content_hash = ?, updated = ?"
            f" WHERE id = ? AND {side}_output IS NULL",
            [
                text,
                _with_replay(meta, side, info),
                content_hash(prompt, baseline, candidate),
                now(),
                pair_id,
            ],
        )
        db.execute("DELETE FROM replay_errors WHERE pair_id = ? AND side = ?", [pair_id, side])
        mark_stale(db, [(pair_id,)])
        pairfacts.refresh(db, [pair_id])  # the new side's words, latency and tokens
    return True


def save_error(db: Database, pair_id: int, side: Side, error: dict[str, Any]) -> bool:
    """Record why a pair got no answer; False when it was answered meanwhile."""
    stamp = now()
    with write_transaction(db):
        row = db.execute(
            f"SELECT {side}_output, metadata FROM pairs WHERE id = ?", [pair_id]
        ).fetchone()
        if row is None or row[0] is not None:
            return False
        db.execute(
            "INSERT OR REPLACE INTO replay_errors (pair_id, side, model, kind, status, message,"
            " attempts, retryable, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                pair_id,
                side,
                error["model"],
                error["kind"],
                error["status"],
                error["message"],
                error["attempts"],
                int(error["retryable"]),
                stamp,
            ],
        )
        info = {
            "error": {k: error[k] for k in ("kind", "status", "message")},
            "model": error["model"],
            "attempts": error["attempts"],
            "at": stamp,
        }
        db.execute(
            "UPDATE pairs SET metadata = ? WHERE id = ?",
            [_with_replay(row[1], side, info), pair_id],
        )
        pairfacts.refresh(db, [pair_id])
    return True


def _with_replay(meta_json: str | None, side: Side, info: dict[str, Any]) -> str:
    meta = json.loads(meta_json) if meta_json else {}
    if not isinstance(meta, dict):
        meta = {"original": meta}
    replay = meta.get("replay") if isinstance(meta.get("replay"), dict) else {}
    replay[side] = info
    meta["replay"] = replay
    return json.dumps(meta, ensure_ascii=False)


def claim_model(db: Database, cid: int, side: Side, model: str) -> str | None:
    """Name the side's model when unknown; a warning when it names another model."""
    with write_transaction(db):
        current = db.execute(
            f"SELECT {side}_model FROM comparisons WHERE id = ?", [cid]
        ).fetchone()[0]
        if current is None:
            db.execute(f"UPDATE comparisons SET {side}_model = ? WHERE id = ?", [model, cid])
            return None
    if current != model:
        return f"the comparison's {side} model is {current!r}; missing answers come from {model!r}"
    return None


def count_without_prompt(db: Database, cid: int, side: Side) -> int:
    """Pairs missing this side that cannot be replayed: they have no prompt."""
    return int(
        db.execute(
            f"SELECT count(*) FROM pairs WHERE comparison_id = ? AND {side}_output IS NULL"
            " AND prompt IS NULL",
            [cid],
        ).fetchone()[0]
    )
