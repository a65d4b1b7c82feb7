"""Shared set-up for the replay tests: seeded comparisons and a fast config."""

from __future__ import annotations

import json
import random
from typing import Any

from sqlite_utils import Database

from swapview.replay import ReplayConfig, Replayer, Summary
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction


def seed(db: Database, n: int, name: str = "cmp", *, candidate: bool = False) -> int:
    """A comparison of n pairs with the baseline side filled and the candidate NULL."""
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old-model")
        records = (
            PairRecord(
                f"k{i}",
                f"prompt {i}",
                f"old answer {i}",
                f"given {i}" if candidate else None,
                {"row": i},
            )
            for i in range(n)
        )
        PairWriter(db, cid, LoadReport()).write(records)
    return cid


def fast_config(base_url: str, **overrides: Any) -> ReplayConfig:
    """Small timeouts and backoffs so fault tests take fractions of a second."""
    settings: dict[str, Any] = dict(
        base_url=base_url,
        model="new-model",
        timeout=0.5,
        backoff_base=0.01,
        backoff_max=0.05,
        concurrency=4,
    )
    settings.update(overrides)
    return ReplayConfig(**settings)


async def replay(db: Database, base_url: str, name: str = "cmp", **overrides: Any) -> Summary:
    config = fast_config(base_url, **overrides)
    return await Replayer(db, name, config, rng=random.Random(7)).run()


def outcomes(db: Database, side: str = "candidate") -> dict[str, tuple[str | None, dict | None]]:
    """key -> (stored output, replay_errors row or None)."""
    out = {}
    rows = db.execute(
        f"SELECT p.key, p.{side}_output, e.kind, e.status, e.message, e.attempts, e.retryable"
        " FROM pairs p LEFT JOIN replay_errors e ON e.pair_id = p.id AND e.side = ?",
        [side],
    ).fetchall()
    for key, output, kind, status, message, attempts, retryable in rows:
        err = (
            None
            if kind is None
            else {
                "kind": kind,
                "status": status,
                "message": message,
                "attempts": attempts,
                "retryable": retryable,
            }
        )
        out[key] = (output, err)
    return out


def replay_meta(db: Database, key: str, side: str = "candidate") -> dict[str, Any]:
    (meta,) = db.execute("SELECT metadata FROM pairs WHERE key = ?", [key]).fetchone()
    return json.loads(meta)["replay"][side]
