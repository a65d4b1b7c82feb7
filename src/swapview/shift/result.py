"""The shift table as a result for people (Markdown) and scripts (JSON), and its gates."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlite_utils import Database

from ..mdsafe import md_text
from .analysis import ALPHA, OVERALL, Row, analyse, rest_row
from .data import Progress, load_pairs
from .measures import Measure, build_measures
from .slices import Slice, find_slices, prompt_slices

CORRECTION = "Benjamini-Hochberg"
# (pair ids, each pair's prompt cluster, a label per cluster): coverage.prompt_clusters.
PromptGroups = tuple[np.ndarray, np.ndarray, list[str]]
TOP_ROWS = 20


class ShiftRow(BaseModel):
    measure: str
    kind: str
    scope: str
    n: int
    share: float
    old: float | None
    new: float | None
    change: float | None
    low: float | None
    high: float | None
    effect: float
    p: float | None
    q: float | None
    significant: bool
    long_tail: bool
    note: str = ""


class ShiftResult(BaseModel):
    comparison: str
    pairs: int
    scored: int
    slice_fields: list[str]
    correction: str = CORRECTION
    alpha: float = ALPHA
    tests: int
    rows: list[ShiftRow]
    findings: list[str]  # "refusal_rate 0.4% -> 6.1% in locale=de, unchanged elsewhere"

    @property
    def changed(self) -> list[ShiftRow]:
        return [r for r in self.rows if r.significant]


def build_shift(
    db: Database,
    comparison: dict[str, Any],
    by: tuple[str, ...] = (),
    prompt_groups: PromptGroups | None = None,
    progress: Progress | None = None,
) -> ShiftResult:
    """The whole shift analysis of one comparison (a comparisons row); with
    ``prompt_groups`` (pair ids, cluster per pair, labels) the prompts' clusters are
    slices too; ``progress`` hears how the first filling of stored numbers goes."""
    data = load_pairs(db, comparison["id"], by, progress)
    measures = build_measures(data)
    slices = find_slices(data)
    if prompt_groups is not None:
        slices += prompt_slices(data, *prompt_groups)
    rows = analyse(measures, slices, len(data))
    return ShiftResult(
        comparison=comparison["name"],
        pairs=len(data),
        scored=int(data.scored.sum()),
        slice_fields=sorted({s.field for s in slices}),
        tests=sum(r.p is not None for r in rows),
        rows=[_row_model(r) for r in rows],
        findings=findings(rows, measures, slices, len(data)),
    )


def _row_model(r: Row) -> ShiftRow:
    return ShiftRow(
        measure=r.measure,
        kind=r.kind,
        scope=r.scope,
        n=r.n,
        share=r.share,
        old=r.old,
        new=r.new,
        change=r.change,
        low=_num(r.low),
        high=_num(r.high),
        effect=r.effect,
        p=r.p,
        q=r.q,
        significant=r.significant,
        long_tail=r.long_tail,
        note=r.note,
    )


def _num(x: float | None) -> float | None:
    return None if x is None or x != x else x


def findings(
    rows: list[Row], measures: list[Measure], slices: list[Slice], total: int
) -> list[str]:
    """One sentence per measure that moved: where it concentrates, or that it is everywhere."""
    by_name = {m.name: m for m in measures}
    by_label = {s.label: s for s in slices}
    overall = {r.measure: r for r in rows if r.scope == OVERALL}
    out: list[str] = []
    done: set[str] = set()
    for row in rows:  # already sorted: significant, biggest effect first
        if not row.significant or row.measure in done:
            continue
        done.add(row.measure)
        if row.scope not in by_label:
            out.append(f"{row.measure} {describe(row)} overall")
        elif row.kind == "changed":
            out.append(f"{row.measure[: -len('_rate')]} {describe(row)} in {row.scope}")
        else:
            rest = rest_row(by_name[row.measure], by_label[row.scope], total)
            out.append(_located(row, rest, overall.get(row.measure)))
    return out


def _located(row: Row, rest: Row | None, overall: Row | None) -> str:
    """'X a -> b in f=v, unchanged elsewhere', or 'X a -> b overall, most in f=v (...)'."""
    here = f"{row.measure} {describe(row)} in {row.scope}"
    if rest is None:
        return f"{here}, no pairs elsewhere"
    if rest.p is None or rest.p >= ALPHA or rest.change is None or row.change is None:
        return f"{here}, unchanged elsewhere: {describe(rest)}"
    if (rest.change > 0) != (row.change > 0):
        return f"{here}, the other way elsewhere: {describe(rest)}"
    if overall is not None and overall.p is not None and overall.p < ALPHA:
        return f"{row.measure} {describe(overall)} overall, most in {row.scope} ({describe(row)})"
    return f"{here}, also elsewhere: {describe(rest)}"


def describe(row: Row | ShiftRow) -> str:
    """'0.4% -> 6.1%' for a rate, '212 -> 128 words' for a mean."""
    if row.kind == "mean":
        return f"{row.old:.4g} -> {row.new:.4g}"
    if row.kind == "changed" and row.old is None:
        return f"fired on {row.new:.1%}"
    if row.kind == "changed":
        return f"fired on {row.new:.1%} of pairs (against {row.old:.1%} elsewhere)"
    return f"{row.old:.1%} -> {row.new:.1%}"


def change_text(row: ShiftRow) -> str:
    """'+128 [111, 146]' for a mean, '+5.7pp [+2.1, +9.0]' for a rate."""
    if row.change is None:
        return ""
    if row.kind == "mean":
        bounds = "" if row.low is None else f" [{_n(row.low)}, {_n(row.high)}]"
        return ("+" if row.change >= 0 else "") + _n(row.change) + bounds
    bounds = "" if row.low is None else f" [{row.low * 100:+.1f}, {(row.high or 0) * 100:+.1f}]"
    return f"{row.change * 100:+.1f}pp{bounds}"


def _n(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def metric_name(measure: str) -> str:
    """A gate-able name: '=' cannot appear in a --fail-if metric."""
    return "shift." + measure.replace("=", ":")


def shift_metrics(result: ShiftResult) -> dict[str, float | None]:
    """shift.MEASURE (the overall change; for pair-level signals the rate) and
    shift.MEASURE.worst_slice (the largest increase in any tested slice)."""
    out: dict[str, float | None] = {}
    for row in result.rows:
        name = metric_name(row.measure)
        if row.scope == OVERALL:
            out[name] = row.change if row.kind != "changed" else row.new
        elif row.p is not None and row.change is not None:
            key = f"{name}.worst_slice"
            out[key] = max(out.get(key) or row.change, row.change)
    return out


def to_markdown(result: ShiftResult, top: int = TOP_ROWS, heading: str = "#") -> str:
    r = result
    lines = [
        f"{heading} What shifted: {md_text(r.comparison)}",
        "",
        f"{r.pairs} pairs ({r.scored} scored); slices:"
        f" {md_text(', '.join(r.slice_fields)) or 'none found'}."
        f" {r.tests} tests, p-values corrected by {r.correction} (q < {r.alpha}).",
        "",
    ]
    if r.findings:
        lines += [f"- {md_text(f, line_start=True)}" for f in r.findings]
    else:
        lines.append("No measurable change: no measure moved in any slice after correction.")
    tail = [row for row in r.rows if row.long_tail]
    if tail:
        lines += ["", "Long tail (under 5% of pairs, large change):"]
        lines += [
            f"- {md_text(t.measure)} {describe(t)} in {md_text(t.scope)} (n = {t.n}, q = {_q(t)})"
            for t in tail[:10]
        ]
    overall = [row for row in r.rows if row.scope == OVERALL]
    lines += ["", f"{heading}# Overall", ""] + _table(overall)
    moved = [row for row in r.rows if row.significant and row.scope != OVERALL][:top]
    lines += ["", f"{heading}# Slices that moved", ""]
    lines += _table(moved) if moved else ["None after correction."]
    return "\n".join(lines) + "\n"


def _table(rows: list[ShiftRow]) -> list[str]:
    out = [
        "| measure | scope | n | old | new | change [95% CI] | effect | q |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {_cell(row.measure)} | {_cell(row.scope)} | {row.n} | {_level(row, row.old)}"
            f" | {_level(row, row.new)} | {change_text(row)} | {row.effect:+.2f} | {_q(row)} |"
        )
    return out


def _cell(text: str) -> str:
    """Text for a table cell: a "|" in the data would end the cell."""
    return md_text(text).replace("|", "\\|")


def _level(row: ShiftRow, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if row.kind == "mean" else f"{value:.1%}"


def _q(row: ShiftRow) -> str:
    return "-" if row.q is None else f"{row.q:.2g}"
