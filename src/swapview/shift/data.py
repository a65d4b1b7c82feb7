"""Reading one comparison's stored outputs, signals and metadata into per-pair arrays.

One pass over the pairs table; nothing is re-scored. Signals count only where the pair's
score is current (computed on the content the pair holds now), as in the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..errors import SwapviewError


@dataclass
class PairData:
    """Everything shift measures, one array position per pair (ordered by pair id)."""

    ids: np.ndarray
    words: tuple[np.ndarray, np.ndarray]  # (old, new)
    chars: tuple[np.ndarray, np.ndarray]
    metadata: list[dict[str, Any]]
    # The metadata flattened once: {(side, field): value} for per-side keys
    # (candidate.latency_ms), {dotted key: value} for the rest (what slices are cut by).
    sides: list[dict[tuple[str, str], Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, np.ndarray] = field(default_factory=dict)  # name -> bool per pair
    # Pairs whose score is current: signal rates are over these only, since an unscored
    # pair's missing signals mean "not looked at", not "did not fire".
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.ids)


def load_pairs(db: Database, comparison_id: int) -> PairData:
    """The comparison's pairs as arrays; SwapviewError naming the pair on bad metadata."""
    ids: list[int] = []
    words_old: list[int] = []
    words_new: list[int] = []
    chars_old: list[int] = []
    chars_new: list[int] = []
    metadata: list[dict[str, Any]] = []
    rows = db.execute(
        "SELECT id, key, baseline_output, candidate_output, metadata,"
        " length(baseline_output), length(candidate_output) FROM pairs"
        " WHERE comparison_id = ? ORDER BY id",
        [comparison_id],
    )
    # Characters counted by SQLite (length() of TEXT counts characters, as len() does).
    for pid, key, old, new, meta, n_old, n_new in rows:
        ids.append(pid)
        words_old.append(len(old.split()) if old else 0)
        words_new.append(len(new.split()) if new else 0)
        chars_old.append(n_old or 0)
        chars_new.append(n_new or 0)
        metadata.append(_metadata(key, meta))
    split = [split_metadata(m) for m in metadata]
    data = PairData(
        ids=np.asarray(ids, dtype=np.int64),
        words=(np.asarray(words_old, dtype=float), np.asarray(words_new, dtype=float)),
        chars=(np.asarray(chars_old, dtype=float), np.asarray(chars_new, dtype=float)),
        metadata=metadata,
        sides=[sides for sides, _ in split],
        inputs=[inputs for _, inputs in split],
    )
    _load_signals(db, comparison_id, data)
    return data


SIDES = ("baseline", "candidate")
_SIDE_PREFIXES = tuple(
    (side, prefix) for side in SIDES for prefix in (f"{side}.", f"{side}_", f"replay.{side}.")
)


def split_metadata(meta: dict[str, Any]) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    """(per-side scalars by (side, field), input-level scalars by dotted key)."""
    sides: dict[tuple[str, str], Any] = {}
    inputs: dict[str, Any] = {}
    for key, value in flatten(meta).items():
        for side, prefix in _SIDE_PREFIXES:
            if key.startswith(prefix):
                sides.setdefault((side, key[len(prefix) :]), value)
                break
        else:
            if not key.startswith("replay."):
                inputs[key] = value
    return sides, inputs


def flatten(value: dict[str, Any], prefix: str = "", depth: int = 3) -> dict[str, Any]:
    """Nested metadata as dotted keys to scalars (lists left out)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and depth > 1:
            out |= flatten(item, f"{name}.", depth - 1)
        elif not isinstance(item, (dict, list)):
            out[name] = item
    return out


def _metadata(key: str, raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SwapviewError(f"pair {key!r}: field metadata is not JSON ({exc})") from exc
    return value if isinstance(value, dict) else {}


def _load_signals(db: Database, comparison_id: int, data: PairData) -> None:
    rows = db.execute(
        "SELECT g.pair_id, g.name FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " JOIN scores s ON s.pair_id = p.id"
        " WHERE p.comparison_id = ? AND s.content_hash = p.content_hash",
        [comparison_id],
    ).fetchall()
    by_name: dict[str, list[int]] = {}
    for pid, name in rows:
        by_name.setdefault(name, []).append(pid)
    for name, pids in by_name.items():
        flags = np.zeros(len(data), dtype=bool)
        flags[np.searchsorted(data.ids, np.asarray(pids, dtype=np.int64))] = True
        data.signals[name] = flags
    data.scored = np.zeros(len(data), dtype=bool)
    scored = [
        pid
        for (pid,) in db.execute(
            "SELECT p.id FROM scores s JOIN pairs p ON p.id = s.pair_id"
            " WHERE p.comparison_id = ? AND s.content_hash = p.content_hash",
            [comparison_id],
        )
    ]
    if scored:
        data.scored[np.searchsorted(data.ids, np.asarray(scored, dtype=np.int64))] = True
