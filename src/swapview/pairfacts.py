"""Per-pair numbers stored beside the pairs, so whole-comparison measures (``swapview
shift``) read a few narrow rows per pair instead of every text and every metadata JSON.

``pair_facts`` holds each pair's word and character counts per side; ``pair_fields`` its
metadata flattened once into (side, field) rows: per-side fields (``baseline.latency_ms``,
``candidate_finish_reason``, ``replay.candidate.usage.total_tokens``) under their side,
input-level fields (locale, template) under side ''. Both are derived from the pair row
alone, by ``refresh`` here and nowhere else. Triggers (migration m120) delete a pair's rows
whenever its outputs, content hash or metadata change and move them with the pair, so a
stored row is never stale; a pair without rows is simply not computed yet. ``score``
computes them (it reads every text anyway; at load they would halve the load's speed),
replay for the side it answers, and ``store.fill_facts`` any left the first time shift
needs them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from .errors import SwapviewError
from .metapath import as_text

SIDES = ("baseline", "candidate")
INPUT = ""  # the side of an input-level field
_SIDE_PREFIXES = tuple(
    (side, prefix) for side in SIDES for prefix in (f"{side}.", f"{side}_", f"replay.{side}.")
)
NUMBER_TYPES = ("integer", "real")
# Pair ids per statement: under SQLite's default limit of bound parameters.
CHUNK = 500

FactRow = tuple[int, int, str, int | None, int | None, int | None, int | None]
FieldRow = tuple[int, str, str, int, str, float | None, str]


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


def parse_metadata(key: str, raw: str | None) -> dict[str, Any]:
    """A pair's stored metadata as a dict ({} when absent or not an object)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SwapviewError(f"pair {key!r}: field metadata is not JSON ({exc})") from exc
    return value if isinstance(value, dict) else {}


def value_type(value: Any) -> str:
    """The JSON type of a scalar, in SQLite's json_type words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    return "text"


def stored_value(kind: str, text: str) -> Any:
    """The scalar a pair_fields row was made from (its type and text say it exactly)."""
    if kind == "text":
        return text
    if kind == "integer":
        return int(text)
    if kind == "real":
        return float(text)  # json's NaN and Infinity parse too
    return {"true": True, "false": False}.get(kind)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer past float range: kept exactly in text
        return None
    return None if math.isnan(number) else number


def _words(text: str | None) -> int | None:
    return None if text is None else len(text.split())


def facts_of(row: Sequence[Any]) -> tuple[FactRow, list[FieldRow]]:
    """The stored numbers of one pair row (id, comparison_id, content_hash, key,
    baseline_output, candidate_output, metadata, length(baseline), length(candidate))."""
    pid, cid, digest, key, base, cand, meta, n_base, n_cand = row
    fact: FactRow = (pid, cid, digest, _words(base), _words(cand), n_base, n_cand)
    sides, inputs = split_metadata(parse_metadata(key, meta))
    # A side's null says nothing a missing field does not; an input's null is a value
    # a slice field counts (it is not a slice of its own).
    fields: list[FieldRow] = [
        (cid, side, name, pid, value_type(v), _number(v), as_text(v))
        for (side, name), v in sides.items()
        if v is not None
    ]
    fields += [
        (cid, INPUT, name, pid, value_type(v), _number(v), as_text(v)) for name, v in inputs.items()
    ]
    return fact, fields


PAIR_ROW = (
    "SELECT id, comparison_id, content_hash, key, baseline_output, candidate_output, metadata,"
    " length(baseline_output), length(candidate_output) FROM pairs"
)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def refresh(db: Database, pair_ids: Sequence[int]) -> int:
    """Compute and store the numbers of these pairs from their rows as stored now (call
    inside the caller's write transaction); returns how many pairs were written."""
    conn, written = db.conn, 0
    for chunk in _chunks(pair_ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"{PAIR_ROW} WHERE id IN ({marks})", list(chunk)).fetchall()
        facts, fields = [], []
        for row in rows:
            fact, more = facts_of(row)
            facts.append(fact)
            fields += more
        conn.execute(f"DELETE FROM pair_fields WHERE pair_id IN ({marks})", list(chunk))
        conn.executemany(
            "INSERT OR REPLACE INTO pair_facts (pair_id, comparison_id, content_hash,"
            " baseline_words, candidate_words, baseline_chars, candidate_chars)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            facts,
        )
        conn.executemany(
            "INSERT INTO pair_fields (comparison_id, side, field, pair_id, type, number, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            fields,
        )
        written += len(facts)
    return written


def missing(db: Database, comparison_id: int) -> list[int]:
    """Ids of the comparison's pairs whose numbers are not stored (new, or changed since);
    two index scans, no pair row read."""
    return [
        pid
        for (pid,) in db.execute(
            "SELECT id FROM pairs WHERE comparison_id = ? EXCEPT"
            " SELECT pair_id FROM pair_facts WHERE comparison_id = ? ORDER BY 1",
            [comparison_id, comparison_id],
        )
    ]
