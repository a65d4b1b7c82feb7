"""The shift table as a result for people (Markdown) and scripts (JSON), and its gates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from .analysis import ALPHA, OVERALL, Row, analyse, rest_row
from .data import load_pairs
from .measures import Measure, build_measures
from .slices import Slice, find_slices

CORRECTION = "Benjamini-Hochberg"
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


def build_shift(db: Database, comparison: dict[str, Any], by: tuple[str, ...] = ()) -> ShiftResult:
    """The whole shift analysis of one comparison (a comparisons row)."""
    data = load_pairs(db, comparison["id"])
    measures = build_measures(data)
    slices = find_slices(data, by)
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
    out: list[str] = []
    done: set[str] = set()
    for row in rows:  # already sorted: significant, biggest effect first
        if not row.significant or row.measure in done:
            continue
        done.add(row.measure)
        if row.scope == OVERALL or row.kind == "changed" and row.scope not in by_label:
            out.append(f"{row.measure} {describe(row)} overall")
            continue
        rest = rest_row(by_name[row.measure], by_label[row.scope], total)
        out.append(f"{row.measure} {describe(row)} in {row.scope}, {_elsewhere(rest)}")
    return out


def _elsewhere(rest: Row | None) -> str:
    if rest is None:
        return "no pairs elsewhere"
    moved = rest.p is not None and rest.p < ALPHA
    return ("also elsewhere: " if moved else "unchanged elsewhere: ") + describe(rest)


def describe(row: Row | ShiftRow) -> str:
    """'0.4% -> 6.1%' for a rate, '212 -> 128 words' for a mean."""
    if row.kind == "mean":
        return f"{row.old:.4g} -> {row.new:.4g}"
    if row.kind == "changed" and row.old is None:
        return f"fired on {row.new:.1%}"
    if row.kind == "changed":
        return f"{row.new:.1%} of pairs (against {row.old:.1%} in the rest)"
    return f"{row.old:.1%} -> {row.new:.1%}"


def change_text(row: ShiftRow) -> str:
    if row.change is None:
        return ""
    if row.kind == "mean":
        fmt = "{:+.3g}"
        rng = f" [{row.low:.3g}, {row.high:.3g}]" if row.low is not None else ""
    else:
        fmt = "{:+.1f}pp"
        row_low = None if row.low is None else row.low * 100
        row_high = None if row.high is None else row.high * 100
        rng = f" [{row_low:+.1f}, {row_high:+.1f}]" if row_low is not None else ""
        return fmt.format(row.change * 100) + rng
    return fmt.format(row.change) + rng


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
        f"{heading} What shifted: {r.comparison}",
        "",
        f"{r.pairs} pairs ({r.scored} scored); slices: {', '.join(r.slice_fields) or 'none found'}."
        f" {r.tests} tests, p-values corrected by {r.correction} (q < {r.alpha}).",
        "",
    ]
    if r.findings:
        lines += [f"- {f}" for f in r.findings]
    else:
        lines.append("No measurable change: no measure moved in any slice after correction.")
    tail = [row for row in r.rows if row.long_tail]
    if tail:
        lines += ["", "Long tail (under 5% of pairs, large change):"]
        lines += [
            f"- {t.measure} {describe(t)} in {t.scope} (n = {t.n}, q = {_q(t)})" for t in tail[:10]
        ]
    lines += [
        "",
        "| measure | scope | n | old | new | change [95% CI] | effect | q |",
        "|---|---|---|---|---|---|---|---|",
    ]
    shown = [row for row in r.rows if row.significant or row.scope == OVERALL][:top]
    for row in shown:
        lines.append(
            f"| {row.measure} | {row.scope} | {row.n} | {_level(row, row.old)}"
            f" | {_level(row, row.new)}"
            f" | {change_text(row)} | {row.effect:+.2f} | {_q(row)} |"
        )
    return "\n".join(lines) + "\n"


def _level(row: ShiftRow, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if row.kind == "mean" else f"{value:.1%}"


def _q(row: ShiftRow) -> str:
    return "-" if row.q is None else f"{row.q:.2g}"
