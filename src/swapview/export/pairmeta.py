"""The pair's own metadata in every export format.

A loaded file's extra columns (human labels such as Winner, Rating, Notes) are kept in
each pair's metadata; every format carries them so a team's labels travel with the cases.
"""

from __future__ import annotations

import json
import math
from typing import Any

# A value bigger than this (as JSON) is left out of the tools' records with a note: an
# eval tool's metadata is for filtering and tracing, not for a whole transcript per case.
MAX_VALUE_BYTES = 2048
SKIPPED_KEY = "pair_metadata_skipped"
METADATA_KEY = "pair_metadata"


def json_safe(value: Any) -> Any:
    """A copy that strict JSON readers accept, with keys sorted so output is repeatable.

    Python's json reads NaN and Infinity, which no other JSON reader does: they become null.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def exported_metadata(meta: dict[str, Any] | None) -> dict[str, Any]:
    """What a tool's record adds for the pair's metadata: {} when the pair has none.

    {"pair_metadata": {...}} and, when some values were too big to carry,
    {"pair_metadata_skipped": {field: size in bytes}}.
    """
    if not meta:
        return {}
    kept: dict[str, Any] = {}
    skipped: dict[str, int] = {}
    for key, value in json_safe(meta).items():
        size = len(json.dumps(value, ensure_ascii=False).encode())
        if size > MAX_VALUE_BYTES:
            skipped[key] = size
        else:
            kept[key] = value
    out: dict[str, Any] = {METADATA_KEY: kept}
    if skipped:
        out[SKIPPED_KEY] = skipped
    return out
