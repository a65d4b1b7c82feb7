"""The status line's text, shortened part by part to fit a narrow terminal."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len

from ..queue import Progress
from ..tagkinds import TagKinds
from ..textsafe import visible

SEP = " │ "


@dataclass(frozen=True, slots=True)
class StatusParts:
    progress: str  # "12 of 300 reviewed, 3 regressions"
    progress_short: str  # "12/300 done, 3 reg"
    estimate: str  # "~23 left (12-41)" or ""
    position: str  # "247/300"
    order: str
    filters: str  # "all" when none
    reviewer: str
    refine: str = ""  # "first 400 of 805 refined by MiniLM": shown while there is room
    scoring: str = ""  # "45 unscored (Z)", "scoring: support 512/1,000", or ""


def progress_forms(progress: Progress, kinds: TagKinds | None) -> tuple[str, str]:
    """The progress part, long and short: "12 of 300 reviewed, 3 regressions"."""
    regressions = progress.regressions(kinds)
    short = f"{progress.reviewed:,}/{progress.total:,} done, {regressions:,} reg"
    return progress.summary(kinds), short


def status_text(parts: StatusParts, width: int) -> str:
    """The longest form that fits ``width`` cells: the least useful part gives way first
    (the order's label, then the wording of progress and estimate, then the order, the
    estimate); position, filter and reviewer stay to the end."""
    # The filter label quotes data (a pair key for "more like this") and the reviewer
    # name comes from whoever typed it: neither reaches the terminal raw.
    parts = StatusParts(*(visible(v) for v in _fields(parts)))
    forms = _forms(parts)
    for form in forms:
        text = SEP.join(p for p in form if p)
        if cell_len(text) <= width:
            return text
    return SEP.join(p for p in forms[-1] if p)


def _fields(p: StatusParts) -> tuple[str, ...]:
    return (
        p.progress,
        p.progress_short,
        p.estimate,
        p.position,
        p.order,
        p.filters,
        p.reviewer,
        p.refine,
        p.scoring,
    )


def _forms(p: StatusParts) -> list[list[str]]:
    est = f", {p.estimate}" if p.estimate else ""
    short_est = f", {p.estimate.split(' (')[0]}" if p.estimate else ""
    filt = f"filter: {p.filters}"
    forms = [
        [p.progress + est, p.position, f"order: {p.order}", filt, p.reviewer, p.refine],
        [p.progress + est, p.position, p.order, filt, p.reviewer, p.refine],
        [p.progress + est, p.position, f"order: {p.order}", filt, p.reviewer],
        [p.progress + est, p.position, p.order, filt, p.reviewer],
        [p.progress_short + est, p.position, p.order, filt, p.reviewer],
        [p.progress_short + short_est, p.position, p.order, filt, p.reviewer],
        [p.progress_short + short_est, p.position, filt, p.reviewer],
        [p.progress_short + short_est, p.position, p.filters, p.reviewer],
        [p.progress_short, p.position, p.filters, p.reviewer],
        [p.position, p.filters, p.reviewer],
    ]
    # Unscored pairs or a scoring run: what explains the "-" everywhere comes first.
    return [[p.scoring, *form] for form in forms] if p.scoring else forms
