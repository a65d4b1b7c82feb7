"""Reading one comparison's stored numbers, signals and metadata fields into per-pair arrays.

Shift reads the narrow rows pairfacts.py keeps beside the pairs (words and characters per
side, the metadata flattened into fields), computing them first for pairs that have none
(``store.fill_facts``); no text is read and nothing is re-scored. Signals count only where
the pair's score is current (computed on the content the pair holds now), as in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..errors import SwapviewError
from ..metapath import MISSING, as_text, resolve
from ..pairfacts import INPUT, NUMBER_TYPES, SIDES, parse_metadata, stored_value
from ..scoring.signals import REASON_KEYS
from ..store import fill_facts

MAX_VALUES = 12  # a field with more distinct values is an id or free text, not a slice
MIN_COVERAGE = 0.5  # the field must be present on at least this share of pairs
Progress = Callable[[int, int], None]  # (pairs done, pairs to do) while numbers are filled


@dataclass
class PairData:
    """Everything shift measures, one array position per pair (ordered by pair id)."""

    ids: np.ndarray
    words: tuple[np.ndarray, np.ndarray]  # (old, new)
    chars: tuple[np.ndarray, np.ndarray]
    # Per-side metadata fields by (side, field): numbers (float, NaN where absent) for the
    # fields that are numbers on both sides, texts (str(value), None where absent) for
    # finish and stop reasons. Other per-side fields (a model's name) measure nothing.
    numbers: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    reasons: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    # The fields slices are cut by (--by, else found) and each pair's value as text
    # (None where the pair has none), in that order.
    slice_values: dict[str, np.ndarray] = field(default_factory=dict)
    signals: dict[str, np.ndarray] = field(default_factory=dict)  # name -> bool per pair
    # Pairs whose score is current: signal rates are over these only, since an unscored
    # pair's missing signals mean "not looked at", not "did not fire".
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.ids)


def load_pairs(
    db: Database, comparison_id: int, by: tuple[str, ...] = (), progress: Progress | None = None
) -> PairData:
    """The comparison's pairs as arrays, slice fields ``by`` (else found automatically);
    SwapviewError naming the pair on bad metadata, or the field when ``by`` finds none."""
    fill_facts(db, comparison_id, progress)
    data = _read_facts(db, comparison_id)
    names = field_names(db, comparison_id)
    _read_side_fields(db, comparison_id, data, names)
    fields = list(by) or discover_fields(db, comparison_id, names, len(data))
    lookup = _MetadataLookup(db, data.ids)
    for name in fields:
        values = _slice_values(db, comparison_id, data, name, lookup)
        if by and all(v is None for v in values):
            raise SwapviewError(f"--by {name}: no pair's metadata has field {name!r}")
        data.slice_values[name] = values
    return data


def _read_facts(db: Database, cid: int) -> PairData:
    rows = db.execute(
        "SELECT f.pair_id, coalesce(f.baseline_words, 0), coalesce(f.candidate_words, 0),"
        " coalesce(f.baseline_chars, 0), coalesce(f.candidate_chars, 0),"
        " coalesce(s.content_hash = f.content_hash, 0)"
        " FROM pair_facts f LEFT JOIN scores s ON s.pair_id = f.pair_id"
        " WHERE f.comparison_id = ? ORDER BY f.pair_id",
        [cid],
    ).fetchall()
    table = np.array(rows, dtype=np.int64).reshape(-1, 6)
    data = PairData(
        ids=table[:, 0].copy(),
        words=(table[:, 1].astype(float), table[:, 2].astype(float)),
        chars=(table[:, 3].astype(float), table[:, 4].astype(float)),
        scored=table[:, 5].astype(bool),
    )
    _read_signals(db, cid, data)
    return data


def _read_signals(db: Database, cid: int, data: PairData) -> None:
    rows = db.execute(
        "SELECT g.pair_id, g.name FROM pair_facts f"
        " JOIN scores s ON s.pair_id = f.pair_id AND s.content_hash = f.content_hash"
        " JOIN signals g ON g.pair_id = f.pair_id WHERE f.comparison_id = ?",
        [cid],
    ).fetchall()
    by_name: dict[str, list[int]] = {}
    for pid, name in rows:
        by_name.setdefault(name, []).append(pid)
    for name, pids in by_name.items():
        flags = np.zeros(len(data), dtype=bool)
        flags[_positions(data.ids, np.asarray(pids, dtype=np.int64))[0]] = True
        data.signals[name] = flags


def _positions(ids: np.ndarray, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions, which of ``pids`` are ours): a pair loaded after our read is skipped."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64), np.zeros(len(pids), dtype=bool)
    at = np.searchsorted(ids, pids).clip(max=len(ids) - 1)
    ours = ids[at] == pids
    return at[ours], ours


FieldName = tuple[str, str]  # (side, field)


def field_names(db: Database, cid: int) -> list[FieldName]:
    """Every (side, field) the comparison's pairs have, in order: one index seek apiece,
    where a GROUP BY would read every row (4 CPU s at 1,000,000 pairs)."""
    out: list[FieldName] = []
    row = db.execute(
        "SELECT side, field FROM pair_fields WHERE comparison_id = ? ORDER BY side, field LIMIT 1",
        [cid],
    ).fetchone()
    while row is not None:
        out.append(row)
        row = (
            db.execute(
                "SELECT side, field FROM pair_fields WHERE comparison_id = ? AND side = ?"
                " AND field > ? ORDER BY field LIMIT 1",
                [cid, *row],
            ).fetchone()
            or db.execute(
                "SELECT side, field FROM pair_fields WHERE comparison_id = ? AND side > ?"
                " ORDER BY side, field LIMIT 1",
                [cid, row[0]],
            ).fetchone()
        )
    return out


def _all_numbers(db: Database, cid: int, side: str, name: str) -> bool:
    (other,) = db.execute(
        "SELECT EXISTS (SELECT 1 FROM pair_fields WHERE comparison_id = ? AND side = ?"
        " AND field = ? AND type NOT IN (?, ?))",
        [cid, side, name, *NUMBER_TYPES],
    ).fetchone()
    return not other


def _read_side_fields(db: Database, cid: int, data: PairData, names: list[FieldName]) -> None:
    present = set(names)
    for name in sorted({name for side, name in names if side != INPUT}):
        if name.split(".")[-1] in REASON_KEYS:
            for side in SIDES:
                data.reasons[(side, name)] = _reason_texts(db, cid, data.ids, side, name)
        elif all((side, name) in present and _all_numbers(db, cid, side, name) for side in SIDES):
            for side in SIDES:
                data.numbers[(side, name)] = _numbers(db, cid, data.ids, side, name)


def _field_rows(db: Database, cid: int, side: str, name: str, columns: str) -> list[tuple]:
    return db.execute(
        f"SELECT pair_id, {columns} FROM pair_fields"
        " WHERE comparison_id = ? AND side = ? AND field = ?",
        [cid, side, name],
    ).fetchall()


def _numbers(db: Database, cid: int, ids: np.ndarray, side: str, name: str) -> np.ndarray:
    rows = _field_rows(db, cid, side, name, "number")
    out = np.full(len(ids), np.nan)
    if rows:
        table = np.array(rows, dtype=float)  # a NULL number (a NaN in the JSON) is NaN
        at, ours = _positions(ids, table[:, 0].astype(np.int64))
        out[at] = table[ours, 1]
    return out


def _reason_texts(db: Database, cid: int, ids: np.ndarray, side: str, name: str) -> np.ndarray:
    rows = _field_rows(db, cid, side, name, "type, text")
    out = np.full(len(ids), None, dtype=object)
    if rows:
        at, ours = _positions(ids, np.array([r[0] for r in rows], dtype=np.int64))
        # str() of the value as the JSON held it (True, 1, 1.0, "stop"): few distinct.
        seen: dict[tuple[str, str], str] = {}
        values = []
        for _, kind, text in rows:
            if (kind, text) not in seen:
                seen[(kind, text)] = str(stored_value(kind, text))
            values.append(seen[(kind, text)])
        out[at] = np.array(values, dtype=object)[ours]
    return out


def discover_fields(db: Database, cid: int, names: list[FieldName], total: int) -> list[str]:
    """Input-level metadata fields with 2 to MAX_VALUES distinct values on most pairs."""
    found = []
    for side, name in names:
        if side != INPUT:
            continue
        args = [cid, INPUT, name]
        where = "FROM pair_fields WHERE comparison_id = ? AND side = ? AND field = ?"
        (n,) = db.execute(f"SELECT count(*) {where}", args).fetchone()
        if n < MIN_COVERAGE * (total or 1):
            continue
        (distinct,) = db.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT text {where} LIMIT ?)", [*args, MAX_VALUES + 1]
        ).fetchone()
        if 2 <= distinct <= MAX_VALUES:
            found.append(name)
    return found


def _slice_values(
    db: Database, cid: int, data: PairData, name: str, lookup: _MetadataLookup
) -> np.ndarray:
    """Each pair's value of input field ``name`` as text; a pair without it as an input
    field is looked up in its metadata (a key spelt in another case, a value deeper down
    or a side's field named with --by), as metapath reads it everywhere else."""
    rows = _field_rows(db, cid, INPUT, name, "type, text")
    values = np.full(len(data), None, dtype=object)
    have = np.zeros(len(data), dtype=bool)
    if rows:
        at, ours = _positions(data.ids, np.array([r[0] for r in rows], dtype=np.int64))
        texts = np.array([None if k == "null" else t for _, k, t in rows], dtype=object)
        values[at] = texts[ours]
        have[at] = True
    for pos, meta in lookup.metadata(np.flatnonzero(~have)):
        value = resolve(meta, name)
        values[pos] = None if value is MISSING or value is None else as_text(value)
    return values


class _MetadataLookup:
    """Metadata of the pairs a slice field's rows do not cover, read once per pair
    however many fields need it."""

    def __init__(self, db: Database, ids: np.ndarray) -> None:
        self.db = db
        self.ids = ids
        self._seen: dict[int, dict[str, Any]] = {}

    def metadata(self, positions: np.ndarray) -> list[tuple[int, dict[str, Any]]]:
        wanted = [int(p) for p in positions if int(p) not in self._seen]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            pids = [int(self.ids[p]) for p in chunk]
            rows = self.db.execute(
                f"SELECT id, key, metadata FROM pairs WHERE id IN ({','.join('?' * len(pids))})",
                pids,
            ).fetchall()
            found = {pid: parse_metadata(key, raw) for pid, key, raw in rows}
            self._seen.update({p: found.get(pid, {}) for p, pid in zip(chunk, pids, strict=True)})
        return [(int(p), self._seen[int(p)]) for p in positions]
