"""The HTML report: summary, shift charts, top regressions with word diffs, what is left.

Everything from the data (names, keys, outputs, notes) goes through html.escape: outputs
are untrusted text, and a model that answers with <script> must not run in the reader's
browser. The page carries a Content-Security-Policy that forbids any fetch or script.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..diff import DELETE, INSERT, diff_texts
from ..report import Report
from ..shift.data import load_pairs
from ..shift.measures import build_measures
from ..shift.result import ShiftResult, change_text, describe
from ..shift.slices import find_slices
from . import charts

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
  color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; font-size: .9em; } td, th { padding: .2em .6em;
  border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.moved td { background: #fff4e5; }
.diff { white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; background: #fafafa;
  border: 1px solid #eee; padding: .6em; max-height: 24em; overflow: auto; }
ins { background: #d4f7d4; text-decoration: none; } del { background: #ffd9d9; }
.muted { color: #666; } svg { max-width: 100%; height: auto; }
"""
DIFF_CHARS = 4000


def write_html(db: Database, comparison: dict[str, Any], report: Report, path: str) -> None:
    """Write the page to ``path`` (whole, or not at all)."""
    shift = next((s for s in report.sections if s.key == "shift"), None)
    result = ShiftResult.model_validate(shift.data) if shift else None
    body = [_summary(report)]
    if result is not None:
        body += [_shift(result), _charts(db, comparison, result)]
    body += [_regressions(db, comparison["id"], report), _remaining(report)]
    page = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>Migration report: {escape(report.comparison)}</title>"
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)


def _summary(r: Report) -> str:
    rate = r.regression_rate
    found = (
        "n/a"
        if rate.value is None
        else f"{rate.value:.1%} of {rate.n} judged (95% CI"
        f" {rate.low:.1%} to {rate.high:.1%}); see what is left below for the whole comparison"
    )
    return (
        f"<h1>Migration report: {escape(r.comparison)}</h1>"
        f"<p>{escape(r.baseline_model or '?')} → {escape(r.candidate_model or '?')}</p>"
        f"<ul><li>Pairs: {r.pairs}</li><li>Reviewed: {r.reviewed}</li>"
        f"<li>Regressions among the tagged pairs: {escape(found)}</li></ul>"
    )


def _shift(result: ShiftResult) -> str:
    items = "".join(f"<li>{escape(f)}</li>" for f in result.findings) or (
        "<li>No measurable change: no measure moved in any slice after correction.</li>"
    )
    rows = [r for r in result.rows if r.scope == "all" or r.significant][:25]
    cells = "".join(
        f"<tr class={'moved' if r.significant else 'same'}><td>{escape(r.measure)}</td>"
        f"<td>{escape(r.scope)}</td><td class=num>{r.n}</td>"
        f"<td>{escape(describe(r))}</td><td class=num>{escape(change_text(r))}</td>"
        f"<td class=num>{'-' if r.q is None else f'{r.q:.2g}'}</td></tr>"
        for r in rows
    )
    return (
        f"<h2>What shifted</h2><p class=muted>{result.tests} tests over"
        f" {len(result.slice_fields)} slice fields, corrected by {result.correction}.</p>"
        f"<ul>{items}</ul><table><tr><th>measure</th><th>scope</th><th>n</th>"
        f"<th>old → new</th><th>change [95% CI]</th><th>q</th></tr>{cells}</table>"
    )


def _charts(db: Database, comparison: dict[str, Any], result: ShiftResult) -> str:
    data = load_pairs(db, comparison["id"])
    parts = ["<h2>Charts</h2><h3>Answer length, old over new</h3>"]
    parts.append(charts.length_histogram(*data.words))
    measures = {m.name: m for m in build_measures(data)}
    slices = find_slices(data)
    for row in [r for r in result.rows if r.kind == "rate" and r.scope != "all"][:2]:
        field = row.scope.split("=", 1)[0]
        if row.significant and row.measure in measures:
            parts.append(f"<h3>{escape(row.measure)} by {escape(field)}</h3>")
            parts.append(charts.rate_bars(measures[row.measure], slices, field))
    return "\n".join(parts)


def _regressions(db: Database, cid: int, r: Report) -> str:
    if not r.top_regressions:
        return "<h2>Top regressions</h2><p>No regressions tagged.</p>"
    out = ["<h2>Top regressions</h2>"]
    for case in r.top_regressions:
        row = db.execute(
            "SELECT baseline_output, candidate_output FROM pairs WHERE comparison_id = ?"
            " AND key = ?",
            [cid, case.key],
        ).fetchone()
        note = f"<p>{escape(case.note)}</p>" if case.note else ""
        out.append(
            f"<h3>{escape(case.key)}</h3><p class=muted>{escape(case.reviewer)}"
            f"{''.join(', ' + escape(s) for s in case.signals)}</p>{note}"
            f"<div class=diff>{diff_html(*(row or ('', '')))}</div>"
        )
    return "\n".join(out)


def diff_html(old: str | None, new: str | None) -> str:
    """A word diff as escaped text with <del>/<ins> around the changes."""
    parts: list[str] = []
    for block in diff_texts((old or "")[:DIFF_CHARS], (new or "")[:DIFF_CHARS]).blocks:
        for line in block.unified if block.changed else block.new:
            for seg in line:
                text = escape(seg.text)
                parts.append(
                    f"<del>{text}</del>"
                    if seg.kind == DELETE
                    else f"<ins>{text}</ins>"
                    if seg.kind == INSERT
                    else text
                )
            parts.append("\n")
    return "".join(parts)


def _remaining(r: Report) -> str:
    parts = ["<h2>What is left</h2>"]
    for key in ("remaining", "rate"):
        section = next((s for s in r.sections if s.key == key), None)
        if section:
            parts.append(f"<p>{escape(section.markdown)}</p>")
    if len(parts) == 1:
        parts.append("<p>No estimate yet: nothing reviewed, or everything reviewed.</p>")
    return "\n".join(parts)
