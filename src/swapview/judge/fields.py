"""Judge scores that came with the data (`--judge-field FIELD`): read as stored verdicts.

A value is a label (``baseline`` = the old answer is better, so the new one is worse;
``candidate``; ``tie``; or the judge's own words new_worse / same / new_better) or an object
``{"verdict": label, "p_regression": number in [0, 1]}``. It becomes the same pair of
features a `swapview judge` verdict does: (P(new worse), P(new better)).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError
from ..metapath import MISSING

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
