"""The pair line over the diff, fitted to its width: text parts, drawn by PairInfo.

Tag, key, who decided, the learned chance and reason, the cluster, the scores and a badge
per quirk: on a narrow terminal the scores, badges and cluster are abbreviated, the reason
clipped, and the last quirks counted ("⚑ +3"), before anything is cut off the end.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len

from ..detail import PairDetail
from ..textsafe import clip_cells, visible
from ..triage.learner import chance_percent
from .pair_list import SIGNAL_SHORT


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.0f}%"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


FIT_DEFAULT_WIDTH = 120
# How much of the pair line to spell out, from the roomiest to the tightest; the first
# that fits the width is drawn (the last is clipped, its reason first).
FIT_LEVELS: tuple[dict[str, str], ...] = (
    {},
    {"scores": "short"},
    {"scores": "short", "badges": "short", "stale": "short"},
    {"scores": "short", "badges": "short", "stale": "short", "cluster": "short"},
    {"scores": "short", "badges": "short", "stale": "short", "cluster": "short", "reason": "fit"},
)
REASON_MIN_CELLS = 12


def fit_pair_line(tag: tuple[str, str], d: PairDetail, width: int) -> list[tuple[str, str]]:
    """The pair line in ``width`` cells: scores, badges and the cluster abbreviated, the
    learned reason clipped, then the last quirks counted, before anything is cut off."""
    for level in FIT_LEVELS:
        parts = pair_line_parts(tag, d, level, width)
        if _cells(parts) <= width:
            return parts
    # Still too wide: as many quirks as fit, and how many more ("⚑ +3"; help has them all).
    for keep in range(len(d.signals) - 1, 0, -1):
        more = ((f"+{len(d.signals) - keep}", None),)
        fewer = pair_line_parts(tag, replace(d, signals=d.signals[:keep] + more), level, width)
        if _cells(fewer) <= width:
            return fewer
    return parts


def _cells(parts: list[tuple[str, str]]) -> int:
    return sum(cell_len(text) for text, _ in parts)


def pair_line_parts(
    tag: tuple[str, str], d: PairDetail, level: dict[str, str], width: int
) -> list[tuple[str, str]]:
    who = f" by {visible(d.reviewer)}" if d.tag and d.reviewer else ""
    head = [tag, (f" {visible(d.key)}{who}  ", "key")]
    if level.get("scores") == "short":
        scores = f"sem {num(d.semantic)} lex {num(d.lexical)} len {pct(d.length_change)}"
    else:
        scores = (
            f"semantic {num(d.semantic)} · lexical {num(d.lexical)} · length {pct(d.length_change)}"
        )
    tail: list[tuple[str, str]] = [(scores, "scores")]
    if d.stale:
        stale = "  stale" if level.get("stale") else "  stale: outputs changed after the decision"
        tail.append((stale, "stale"))
    for name, _detail in d.signals:
        shown = SIGNAL_SHORT.get(name, name) if level.get("badges") else name
        tail += [("  " if not level.get("badges") else " ", ""), (f"⚑ {visible(shown)}", "badge")]
    room = width - sum(cell_len(t) for t, _ in head + tail)
    triage = _triage_parts(d, short_cluster=bool(level.get("cluster")))
    if level.get("reason") == "fit" and d.likely is not None:
        # The chance stays; its reason gets what is left, or goes (the queue shows it).
        others = sum(cell_len(t) for t, _ in triage[1:])
        chance = f"likely {chance_percent(d.likely)}%"
        cells = room - others - cell_len(chance) - 4  # ": " and the gap after
        why = visible(d.likely_reason or "")
        if cell_len(why) > cells:
            why = clip_cells(why, cells - 1) + "…" if cells >= REASON_MIN_CELLS else ""
        triage[0] = (f"{chance}: {why}  " if why else f"{chance}  ", "scores")
    return head + triage + tail


def _triage_parts(d: PairDetail, short_cluster: bool = False) -> list[tuple[str, str]]:
    """ "likely 86%: shorter by 60%, JSON broke" and the cluster, once triage ran."""
    parts: list[tuple[str, str]] = []
    if d.likely is not None:
        why = f": {visible(d.likely_reason)}" if d.likely_reason else ""
        parts.append((f"likely {chance_percent(d.likely)}%{why}  ", "scores"))
    if d.cluster_size and short_cluster:
        parts.append((f"≋{d.cluster_size}  ", "scores"))
    elif d.cluster_size:
        parts.append((f"≋ {d.cluster_size} alike: {visible(d.cluster_label or '')}  ", "scores"))
    return parts
