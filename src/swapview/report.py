"""A summary of one comparison for people and for CI: counts, rates, quirks, top regressions.

`build_report` gathers the numbers, `to_markdown` renders them, and `metrics` flattens
them for `--fail-if` gates (see gates.py). Other modules provide sections (and gate-able
metrics) as functions the caller passes in, e.g. triage's "estimated regressions remaining":

    def remaining(db, comparison):  # the comparisons row, plus "tag_kinds" (see tagkinds)
        est = estimate_remaining(db, comparison["id"])
        return Section(key="remaining", title="Estimated regressions remaining",
                       markdown=f"About {est['remaining']} ...", data=est,
                       metrics={"estimated_regressions_remaining": est["remaining"]})

    build_report(db, "m1", sections=[remaining])

What a report holds is the list passed in, never what happens to be imported:
``cli.report_cmd.SECTIONS`` is the list `swapview report` uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from .config import Config
from .mdsafe import md_code, md_text
from .reviews import DEFAULT_TAGS
from .scoring.signals import SIGNAL_NAMES
from .scoring.status import score_command, score_problem, score_status
from .stats import tag_counts
from .store import get_comparison
from .tagkinds import (
    UNNAMED_KIND,
    TagKinds,
    count_of_kind,
    kind_of,
    sql_marks,
    tags_of_kind,
)

Z95 = 1.959963984540054
HISTOGRAM_BINS = 10
EXCERPT_CHARS = 160


class Interval(BaseModel):
    value: float | None
    low: float | None
    high: float | None
    n: int


class Bin(BaseModel):
    low: float
    high: float
    count: int


class TopCase(BaseModel):
    key: str
    reviewer: str
    note: str | None
    semantic_distance: float | None
    signals: list[str]
    baseline_excerpt: str
    candidate_excerpt: str


class Section(BaseModel):
    """An extra part of the report from another module, with its own gate-able numbers."""

    key: str
    title: str
    markdown: str
    data: dict[str, Any] = {}
    metrics: dict[str, float | None] = {}


class Report(BaseModel):
    comparison: str
    baseline_model: str | None
    candidate_model: str | None
    pairs: int
    reviewed: int  # pairs with a current tag, skip included
    judged: int  # reviewed, minus skip and minus stale decisions: the rates' denominator
    stale: int
    tags: dict[str, int]
    # What each tag in `tags` counts as ("wrong_fact": "regression"): the config's counts_as.
    tag_kinds: dict[str, str] = {}
    regression_rate: Interval
    signals: dict[str, int]
    scored: int
    histogram: list[Bin]
    top_regressions: list[TopCase]
    sections: list[Section] = []


SectionProvider = Callable[[Database, dict[str, Any]], Section | None]


def build_report(
    db: Database,
    comparison: str,
    *,
    top: int = 10,
    sections: Sequence[SectionProvider] = (),
    kinds: TagKinds | None = None,
) -> Report:
    """Everything the report shows, as numbers (no rendering).

    ``kinds`` says what each tag counts as (``Config.tag_kinds()``); default tags only
    when not given.
    """
    comp = get_comparison(db, comparison)
    cid = comp["id"]
    counts = tag_counts(db.conn, cid)
    tags, stale = counts.tags, counts.stale
    tag_kinds = {tag: kind_of(tag, kinds) for tag in tags}
    judged = sum(n for tag, n in tags.items() if tag_kinds[tag] != "skip")
    scored_distances = _distances(db, cid)
    return Report(
        comparison=comp["name"],
        baseline_model=comp["baseline_model"],
        candidate_model=comp["candidate_model"],
        pairs=_scalar(db, "SELECT count(*) FROM pairs WHERE comparison_id = ?", cid),
        reviewed=counts.reviewed,
        judged=judged,
        stale=stale,
        tags=tags,
        tag_kinds=tag_kinds,
        regression_rate=wilson(count_of_kind(tags, "regression", kinds), judged),
        signals=_signal_counts(db, cid),
        scored=len(scored_distances),
        histogram=histogram(scored_distances),
        top_regressions=_top_regressions(db, cid, top, tags_of_kind("regression", kinds)),
        sections=[
            s for s in (p(db, comp | {"tag_kinds": kinds}) for p in sections) if s is not None
        ],
    )


def wilson(k: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for k successes in n trials (sound near 0 and small n)."""
    if n == 0:
        return Interval(value=None, low=None, high=None, n=0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(value=p, low=max(0.0, centre - half), high=min(1.0, centre + half), n=n)


def histogram(values: list[float], bins: int = HISTOGRAM_BINS) -> list[Bin]:
    """Counts in equal bins over [0, 1]; a distance above 1 lands in the last bin."""
    if not values:
        return []
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    return [Bin(low=i / bins, high=(i + 1) / bins, count=c) for i, c in enumerate(counts)]


# Scores and signals computed on content that has since changed are left out.
_CURRENT_SCORE = "s.content_hash = p.content_hash"


def _scalar(db: Database, sql: str, *args: Any) -> int:
    return int(db.execute(sql, args).fetchone()[0])


def _distances(db: Database, cid: int) -> list[float]:
    rows = db.execute(
        "SELECT s.semantic_distance FROM scores s JOIN pairs p ON p.id = s.pair_id"
        f" WHERE p.comparison_id = ? AND {_CURRENT_SCORE} AND s.semantic_distance IS NOT NULL",
        [cid],
    )
    return [r[0] for r in rows]


def _signal_counts(db: Database, cid: int) -> dict[str, int]:
    rows = db.execute(
        "SELECT g.name, count(*) FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " LEFT JOIN scores s ON s.pair_id = p.id"
        f" WHERE p.comparison_id = ? AND (s.pair_id IS NULL OR {_CURRENT_SCORE})"
        " GROUP BY g.name ORDER BY 2 DESC, 1",
        [cid],
    )
    return {name: n for name, n in rows}


def _top_regressions(
    db: Database, cid: int, limit: int, regression_tags: tuple[str, ...]
) -> list[TopCase]:
    rows = db.execute(
        "SELECT p.id, p.key, d.reviewer, d.note, p.baseline_output, p.candidate_output,"
        f" CASE WHEN {_CURRENT_SCORE} THEN s.semantic_distance END AS dist"
        " FROM decisions d JOIN pairs p ON p.id = d.pair_id"
        " LEFT JOIN scores s ON s.pair_id = p.id"
        f" WHERE p.comparison_id = ? AND d.tag IN ({sql_marks(regression_tags)})"
        " AND d.stale = 0 ORDER BY dist IS NULL, dist DESC, p.key LIMIT ?",
        [cid, *regression_tags, limit],
    ).fetchall()
    names = _signal_names(db, [r[0] for r in rows])
    return [
        TopCase(
            key=key,
            reviewer=reviewer,
            note=note,
            semantic_distance=dist,
            signals=names.get(pid, []),
            baseline_excerpt=excerpt(old),
            candidate_excerpt=excerpt(new),
        )
        for pid, key, reviewer, note, old, new, dist in rows
    ]


def _signal_names(db: Database, pair_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not pair_ids:
        return found
    marks = ",".join("?" * len(pair_ids))
    for pid, name in db.execute(
        f"SELECT pair_id, name FROM signals WHERE pair_id IN ({marks}) ORDER BY name", pair_ids
    ):
        found.setdefault(pid, []).append(name)
    return found


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a text on one line, cut at a word with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


def metrics(report: Report) -> dict[str, float | None]:
    """Every number a `--fail-if` gate can test, by name."""
    judged = report.judged
    regressions = count_of_kind(report.tags, "regression", report.tag_kinds)
    improvements = count_of_kind(report.tags, "improvement", report.tag_kinds)
    out: dict[str, float | None] = {
        "pairs": report.pairs,
        "reviewed": report.reviewed,
        "judged": judged,
        "unreviewed": report.pairs - report.reviewed,
        "stale": report.stale,
        "regressions": regressions,
        "improvements": improvements,
        "regression_rate": report.regression_rate.value,
        "regression_rate_low": report.regression_rate.low,
        "regression_rate_high": report.regression_rate.high,
        "improvement_rate": improvements / judged if judged else None,
        "signals": sum(report.signals.values()),
    }
    out |= {f"tag.{tag}": n for tag, n in report.tags.items()}
    out |= {f"signal.{name}": n for name, n in report.signals.items()}
    for section in report.sections:
        out |= section.metrics
    return out


def known_signals(db: Database) -> set[str]:
    """Signals a `signal.X` gate may name: the quirk signals, and `contract:NAME` for every
    contract `swapview contracts check` has stored (a broken one or not: 0 is a value)."""
    stored = {f"contract:{n}" for (n,) in db.execute("SELECT DISTINCT name FROM contracts")}
    return set(SIGNAL_NAMES) | stored


def known_tags(db: Database, config: Config) -> set[str]:
    """Tags a `tag.X` gate may name: the defaults, the config's custom tags, any in use."""
    in_use = {t for (t,) in db.execute("SELECT DISTINCT tag FROM decisions WHERE tag IS NOT NULL")}
    return set(DEFAULT_TAGS) | {t.name for t in config.tags} | in_use


BAR_WIDTH = 30


def to_markdown(report: Report) -> str:
    """The report as Markdown, for a PR comment or a CI summary.

    Everything that came from the data (names, keys, notes, outputs) is escaped to show as
    literal text: see mdsafe.
    """
    r = report
    models = (
        md_text(r.baseline_model or "?", line_start=True)
        + " → "
        + md_text(r.candidate_model or "?")
    )
    lines = [
        f"# Migration report: {md_text(r.comparison)}",
        "",
        models,
        "",
        f"- Pairs: {r.pairs}",
        f"- Reviewed: {r.reviewed} ({_pct(r.reviewed, r.pairs)})"
        + (f", {r.stale} stale (outputs changed since)" if r.stale else ""),
        f"- Regression rate: {_rate(r.regression_rate)}",
        "",
        "## Tags",
        "",
    ]
    lines += [
        f"- {md_text(tag, line_start=True)}{_kind_note(r, tag)}: {n}" for tag, n in r.tags.items()
    ] or ["No tags yet."]
    lines += ["", "## Quirk signals", ""]
    lines += [f"- {md_text(name, line_start=True)}: {n}" for name, n in r.signals.items()] or [
        "None fired (or not scored)."
    ]
    lines += ["", "## Semantic distance", ""] + _histogram_lines(r)
    lines += ["", "## Top regressions", ""] + _top_lines(r.top_regressions)
    for section in r.sections:
        lines += ["", f"## {section.title}", "", section.markdown.rstrip()]
    return "\n".join(lines) + "\n"


def _kind_note(r: Report, tag: str) -> str:
    """ " (counts as regression)" for a custom tag that counts as more than a judged pair."""
    kind = r.tag_kinds.get(tag)
    return f" (counts as {kind})" if kind not in (None, tag, UNNAMED_KIND) else ""


def _pct(k: int, n: int) -> str:
    return f"{k / n:.1%}" if n else "n/a"


def _rate(interval: Interval) -> str:
    if interval.value is None:
        return "n/a (nothing judged yet)"
    return (
        f"{interval.value:.1%} (95% CI {interval.low:.1%} to {interval.high:.1%},"
        f" n = {interval.n} judged, skip and stale excluded)"
    )


def _histogram_lines(r: Report) -> list[str]:
    if not r.histogram:
        return ["Not scored yet."]
    peak = max(b.count for b in r.histogram) or 1
    rows = [f"{r.scored} pairs scored", "", "```"]
    for b in r.histogram:
        bar = "█" * math.ceil(b.count / peak * BAR_WIDTH) if b.count else ""
        edge = "+" if b.high >= 1 else " "
        rows.append(f"{b.low:.1f}-{b.high:.1f}{edge} {bar:<{BAR_WIDTH}} {b.count}")
    return rows + ["```"]


def _top_lines(cases: list[TopCase]) -> list[str]:
    if not cases:
        return ["No regressions tagged."]
    out: list[str] = []
    for i, c in enumerate(cases, 1):
        dist = (
            f"distance {c.semantic_distance:.3f}"
            if c.semantic_distance is not None
            else ("not scored")
        )
        quirks = "".join(f", {md_text(name)}" for name in c.signals)
        marker = f"{i}. "
        out += [f"{marker}{md_code(c.key)} ({dist}{quirks}; {md_text(c.reviewer)})"]
        # Nested lines belong to the item only when indented by its marker's width
        # ("10. " is 4): with less, CommonMark ends the numbered list.
        indent = " " * len(marker)
        if c.note:
            out.append(f"{indent}- note: {md_text(excerpt(c.note, 400))}")
        out += [
            f'{indent}- old: "{md_text(c.baseline_excerpt)}"',
            f'{indent}- new: "{md_text(c.candidate_excerpt)}"',
        ]
    return out


def scoring_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """What is not scored yet and the command that scores it; nothing when all is."""
    problem = score_problem(db, comparison)
    if problem is None:
        return None
    status = score_status(db, comparison["id"])
    command = score_command(db, comparison["name"])
    return Section(
        key="scoring",
        title="Not scored",
        markdown=md_text(problem[:1].upper() + problem[1:], line_start=True)
        + ": distances, signals and the top regressions need scores. Run "
        + md_code(command)
        + ".",
        data={
            "unscored": status.unscored,
            "outdated": status.outdated,
            "pending": status.pending,
            "command": command,
        },
        metrics={"pairs_unscored": float(status.to_score)},
    )
