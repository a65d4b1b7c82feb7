"""What shifted between the old and the new model: per measure, overall and per slice.

    result = build_shift(db, comparison_id)          # or by=("locale",)
    print(to_markdown(result))

Reads stored outputs, signals and metadata only; nothing is re-scored.
"""

from __future__ import annotations

from .result import ShiftResult, build_shift, shift_metrics, to_markdown

__all__ = ["ShiftResult", "build_shift", "shift_metrics", "to_markdown"]
