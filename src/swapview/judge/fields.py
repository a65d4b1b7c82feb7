"""Judge scores that came with the data (`--judge-field FIELD`): read as stored verdicts.

A value is a label (``baseline`` = the old answer is better, so the new one is worse;
``candidate``; ``tie``; or the judge's own words new_worse / same / new_better) or an object
``{"verdict": label, "p_regression": number in [0, 1]}``. It becomes the same pair of
features a `swapview judge` verdict does: (P(new worse), P(new better)).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import InputError, SwapviewError
from ..metapath import MISSING, resolve

LABELS = {
    "baseline": "new_worse",
    "new_worse": "new_worse",
    "candidate": "new_better",
    "new_better": "new_better",
    "tie": "same",
    "same": "same",
}


def judge_value(value: Any, path: str, line: int | None, field: str) -> tuple[float, float] | None:
    """(P(new worse), P(new better)) from one field value; None when the field is empty."""
    if value is None or value is MISSING:
        return None
    if isinstance(value, dict):
        verdict = _label(value.get("verdict"), path, line, f"{field}.verdict")
        p = value.get("p_regression")
        if p is None:
            return _one_hot(verdict)
        if (
            isinstance(p, bool)
            or not isinstance(p, int | float)
            or not 0 <= p <= 1
            or math.isnan(p)
        ):
            raise InputError(
                path,
                f"expected a number in [0, 1], got {p!r}",
                line=line,
                field=f"{field}.p_regression",
            )
        better = (1.0 - p) if verdict == "new_better" else 0.0
        return float(p), better
    return _one_hot(_label(value, path, line, field))


def _label(value: Any, path: str, line: int | None, field: str) -> str:
    if isinstance(value, str) and value.strip().lower() in LABELS:
        return LABELS[value.strip().lower()]
    raise InputError(
        path,
        f"expected baseline, candidate or tie (or an object), got {value!r}",
        line=line,
        field=field,
    )


def _one_hot(verdict: str) -> tuple[float, float]:
    return float(verdict == "new_worse"), float(verdict == "new_better")


def field_judge(field: str) -> tuple[str, str]:
    """(judge model name, rubric text) under which a metadata field's verdicts are stored."""
    return f"field:{field}", f"judge scores from the metadata field {field}"


def import_field(db: Any, comparison_id: int, field: str) -> tuple[int, int]:
    """Store a metadata field's judge values as verdicts (both orders alike); (stored, empty).

    From then on they are verdicts like any other: the learned order, `judge stats`, the
    report and export read them the same way. Re-importing replaces them.
    """
    from .protocol import rubric_hash
    from .verdicts import JudgeKey, OrderResult, save, save_rubric

    model, rubric = field_judge(field)
    key = JudgeKey(model, rubric_hash(rubric))
    save_rubric(db, key, rubric)
    stored = empty = 0
    rows = db.execute(
        "SELECT id, key, metadata, content_hash FROM pairs WHERE comparison_id = ?",
        [comparison_id],
    ).fetchall()
    for pid, pkey, meta, phash in rows:
        data = json.loads(meta) if meta else {}
        value = judge_value(resolve(data, field), f"pair {pkey}", None, f"metadata.{field}")
        if value is None:
            empty += 1
            continue
        worse, better = value
        probs = {"new_worse": worse, "same": max(0.0, 1.0 - worse - better), "new_better": better}
        verdict = max(probs, key=lambda v: (probs[v], v == "same"))
        result = OrderResult("ok", verdict=verdict, probs=probs, rationale=f"from {field}")  # type: ignore[arg-type]
        for order in ("old_first", "new_first"):
            save(db, key, pid, phash, order, result)  # type: ignore[arg-type]
        stored += 1
    from .pairs import refresh_judge_pairs

    refresh_judge_pairs(db, comparison_id)
    return stored, empty


def configured_fields(judges: list[dict[str, Any]]) -> list[str]:
    """The fields named by ``[[judges]] field = ...`` tables of the config file."""
    fields = []
    for i, table in enumerate(judges):
        if not isinstance(table.get("field"), str) or not table["field"].strip():
            raise SwapviewError(f"config [[judges]] #{i + 1}: field must be a non-empty string")
        fields.append(table["field"])
    return fields


def import_missing_fields(db: Any, comparison_id: int, fields: list[str]) -> list[str]:
    """Store the configured judge fields not stored for this comparison yet, so the
    learned order and the review app read them as verdicts; the fields it imported."""
    done = []
    for field in fields:
        model, _ = field_judge(field)
        stored = db.execute(
            "SELECT 1 FROM judge_verdicts v JOIN pairs p ON p.id = v.pair_id"
            " WHERE p.comparison_id = ? AND v.judge_model = ? LIMIT 1",
            [comparison_id, model],
        ).fetchone()
        if stored is None:
            import_field(db, comparison_id, field)
            done.append(field)
    return done
