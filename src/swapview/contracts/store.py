"""Contracts in SQLite: definitions per comparison, results per pair, `contract:NAME` signals.

The signal rows live in the shared ``signals`` table, so the queue's signal filter and
badges, the quirk order (``scores.signal_count``), the report's counts and gates and
`export --signal` see a broken contract as they see any signal. Scoring replaces only its
own signals and leaves these alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..store import now
from .infer import OldNew
from .model import SIGNAL_PREFIX

PairHead = tuple[int, str | None, str]  # id, metadata, content hash
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class ContractRow:
    name: str
    fingerprint: str
    definition: str
    assertions: str
    source: str


@dataclass(slots=True)
class ResultRow:
    pair_id: int
    contract: str
    fingerprint: str
    content_hash: str
    baseline_error: str | None  # None: the old output kept the contract
    candidate_error: str | None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.pair_id,
            self.contract,
            self.fingerprint,
            self.content_hash,
            int(self.baseline_error is None),
            int(self.candidate_error is None),
            self.baseline_error,
            self.candidate_error,
        )


@dataclass
class ContractSummary:
    """Per contract: how many outputs of each side kept it, and the pairs it broke on."""

    name: str
    applies: int
    baseline_kept: int
    candidate_kept: int
    broken: int
    broken_keys: list[str]
    examples: list[dict[str, str | None]]

    def rate(self, kept: int) -> float | None:
        return kept / self.applies if self.applies else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "signal": SIGNAL_PREFIX + self.name,
            "applies": self.applies,
            "baseline_pass_rate": self.rate(self.baseline_kept),
            "candidate_pass_rate": self.rate(self.candidate_kept),
            "broken": self.broken,
            "broken_keys": self.broken_keys,
            "examples": self.examples,
        }


def sync_contracts(db: Database, cid: int, rows: list[ContractRow]) -> list[str]:
    """Store the file's contracts for a comparison; drop those no longer in it (returned)."""
    known = {r[0] for r in db.execute("SELECT name FROM contracts WHERE comparison_id = ?", [cid])}
    gone = sorted(known - {r.name for r in rows})
    for name in gone:
        _drop_contract(db, cid, name)
    stamp = now()
    db.conn.executemany(
        "INSERT OR REPLACE INTO contracts (comparison_id, name, fingerprint, definition,"
        " assertions, source, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(cid, r.name, r.fingerprint, r.definition, r.assertions, r.source, stamp) for r in rows],
    )
    return gone


def _drop_contract(db: Database, cid: int, name: str) -> None:
    pairs = "SELECT id FROM pairs WHERE comparison_id = ?"
    affected = [
        r[0]
        for r in db.execute(
            f"SELECT pair_id FROM signals WHERE name = ? AND pair_id IN ({pairs})",
            [SIGNAL_PREFIX + name, cid],
        )
    ]
    db.execute(
        f"DELETE FROM contract_results WHERE contract = ? AND pair_id IN ({pairs})", [name, cid]
    )
    db.execute(
        f"DELETE FROM signals WHERE name = ? AND pair_id IN ({pairs})", [SIGNAL_PREFIX + name, cid]
    )
    db.execute("DELETE FROM contracts WHERE comparison_id = ? AND name = ?", [cid, name])
    _recount(db, affected)


def pair_count(db: Database, cid: int) -> int:
    return int(
        db.execute("SELECT count(*) FROM pairs WHERE comparison_id = ?", [cid]).fetchone()[0]
    )


def pair_chunk(db: Database, cid: int, after: int, limit: int) -> list[PairHead]:
    """The next pairs by id: what deciding what to check needs, without the outputs."""
    return db.execute(
        "SELECT id, metadata, content_hash FROM pairs WHERE comparison_id = ? AND id > ?"
        " ORDER BY id LIMIT ?",
        [cid, after, limit],
    ).fetchall()


def current_results(db: Database, pair_ids: list[int]) -> dict[int, dict[str, tuple[str, str]]]:
    """pair id -> contract -> (fingerprint, content hash) it was last checked on."""
    found: dict[int, dict[str, tuple[str, str]]] = {}
    for pid, name, fp, digest in db.execute(
        "SELECT pair_id, contract, fingerprint, content_hash FROM contract_results"
        " WHERE pair_id IN (SELECT value FROM json_each(?))",
        [json.dumps(pair_ids)],
    ):
        found.setdefault(pid, {})[name] = (fp, digest)
    return found


def outputs(db: Database, pair_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    rows = db.execute(
        "SELECT id, baseline_output, candidate_output FROM pairs"
        " WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(pair_ids)],
    )
    return {pid: (old, new) for pid, old, new in rows}


def write_results(db: Database, rows: list[ResultRow], dropped: list[tuple[int, str]]) -> None:
    """Replace the results of these pairs' contracts and re-derive their contract signals."""
    conn = db.conn
    conn.executemany("DELETE FROM contract_results WHERE pair_id = ? AND contract = ?", dropped)
    conn.executemany(
        "INSERT OR REPLACE INTO contract_results (pair_id, contract, fingerprint, content_hash,"
        " baseline_ok, candidate_ok, baseline_error, candidate_error)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [r.as_tuple() for r in rows],
    )
    pairs = sorted({r.pair_id for r in rows} | {pid for pid, _ in dropped})
    conn.executemany(
        "DELETE FROM signals WHERE pair_id = ? AND name GLOB 'contract:*'", [(p,) for p in pairs]
    )
    # Broken = the old output kept the contract and the new one does not: a contract the
    # old model already broke says nothing about the swap.
    conn.executemany(
        "INSERT INTO signals (pair_id, name, detail) SELECT pair_id, ? || contract,"
        " candidate_error FROM contract_results WHERE pair_id = ? AND baseline_ok = 1"
        " AND candidate_ok = 0",
        [(SIGNAL_PREFIX, p) for p in pairs],
    )
    _recount(db, pairs)


def _recount(db: Database, pair_ids: list[int]) -> None:
    """scores.signal_count counts every signal row, the scorer's and the contracts'."""
    db.conn.executemany(
        "UPDATE scores SET signal_count = (SELECT count(*) FROM signals g"
        " WHERE g.pair_id = scores.pair_id) WHERE pair_id = ?",
        [(p,) for p in pair_ids],
    )


def summaries(db: Database, cid: int, names: list[str]) -> list[ContractSummary]:
    """Pass rates and broken pairs per contract, over the pairs' current content only."""
    out = []
    for name in names:
        applies, old_ok, new_ok, broken = db.execute(
            "SELECT count(*), coalesce(sum(r.baseline_ok), 0), coalesce(sum(r.candidate_ok), 0),"
            " coalesce(sum(r.baseline_ok = 1 AND r.candidate_ok = 0), 0)"
            f" {_CURRENT} AND r.contract = ?",
            [cid, name],
        ).fetchone()
        keyed = db.execute(
            f"SELECT p.key, r.candidate_error, p.candidate_output {_CURRENT} AND r.contract = ?"
            " AND r.baseline_ok = 1 AND r.candidate_ok = 0 ORDER BY p.key",
            [cid, name],
        ).fetchall()
        examples = [
            {"key": k, "why": why, "candidate": (text or "")[:200]} for k, why, text in keyed
        ][:EXAMPLES]
        out.append(
            ContractSummary(
                name, applies, old_ok, new_ok, broken, [k for k, _, _ in keyed], examples
            )
        )
    return out


_CURRENT = (
    "FROM contract_results r JOIN pairs p ON p.id = r.pair_id"
    " WHERE p.comparison_id = ? AND r.content_hash = p.content_hash"
)


def old_and_new(db: Database, cid: int) -> Iterator[OldNew]:
    """Every pair's metadata and both outputs, in id order, for inference."""
    rows = db.execute(
        "SELECT metadata, baseline_output, candidate_output FROM pairs WHERE comparison_id = ?"
        " ORDER BY id",
        [cid],
    )
    for meta, old, new in rows:
        try:
            value = json.loads(meta) if meta else {}
        except ValueError:
            value = {}
        yield OldNew(value if isinstance(value, dict) else {}, old, new)
