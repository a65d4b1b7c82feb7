"""The "What shifted" section of `swapview report`, and its `shift.*` gate metrics."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..report import Section
from .result import build_shift, shift_metrics, to_markdown

SECTION_ROWS = 10


def shift_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """Findings and the overall table of `swapview shift`, for the report."""
    result = build_shift(db, comparison)
    if not result.pairs:
        return None
    text = to_markdown(result, top=SECTION_ROWS, heading="##")
    body = text.split("\n", 2)[2]  # the section supplies its own title
    return Section(
        key="shift",
        title="What shifted",
        markdown=body,
        data=result.model_dump(mode="json"),
        metrics=shift_metrics(result),
    )
