"""What `swapview coverage` reports: per cluster of prompts, and for the whole comparison."""

from __future__ import annotations

from pydantic import BaseModel

from ..mdsafe import md_text


class ClusterCoverage(BaseModel):
    """One cluster of production prompts: how much traffic, how much change, how covered."""

    id: int  # 1 = the most traffic
    pairs: int
    distinct_prompts: int
    traffic: float  # share of the comparison's pairs
    mean_distance: float | None  # old vs new answer, where scored
    change_share: float  # share of the comparison's summed distance
    signal_rate: float
    contract_break_rate: float
    regressions_found: int
    regressions_estimated: float | None  # None until every band has a random sample
    regressions_low: int
    regressions_high: int
    cases_inside: int  # eval cases within the cluster's radius
    nearest_case: float | None  # distance from the centroid to the nearest eval case
    radius: float  # the cluster's farthest prompt from its centroid
    covered: bool  # at least one eval case inside
    cases_expected: float  # cases it would hold if the suite followed the traffic
    coverage_ratio: float  # cases_inside / cases_expected
    weight: float  # max(traffic, change share, regression share): how much it matters
    blind_score: float  # weight x (1 - min(1, coverage_ratio))
    why: str  # which share gave the weight
    words: list[str]
    examples: list[str]

    def label(self) -> str:
        words = ", ".join(self.words) or "(no distinctive words)"
        return f'{words}: "{self.examples[0]}"' if self.examples else words

    def coverage_text(self) -> str:
        if self.cases_inside:
            share = f" ({self.coverage_ratio:.1f}x its traffic)" if self.coverage_ratio < 1 else ""
            return f"{self.cases_inside} case{'s' * (self.cases_inside != 1)}{share}"
        if self.nearest_case is None:
            return "no case"
        away = self.nearest_case / max(self.radius, 1e-9)
        if away <= 1:  # within reach, but nearer another cluster's centre
            return f"none; nearest case {away:.1f}x radius, nearer another cluster"
        return f"none; nearest case {away:.1f}x radius"


class CoverageReport(BaseModel):
    comparison: str
    embedding_model: str
    pairs: int
    distinct_prompts: int
    eval_cases: int
    eval_files: list[str]
    cases_far: int  # eval cases outside every cluster: testing inputs production never sends
    clusters: list[ClusterCoverage]  # blind spots first
    uncovered_traffic: float
    uncovered_change: float
    uncovered_clusters: int
    uncovered_regressions: int  # found (tagged) in uncovered clusters
    uncovered_regressions_estimated: float | None
    uncovered_regressions_high: int

    def blind_spots(self) -> list[ClusterCoverage]:
        """Clusters the suite covers less than their traffic, most exposed first."""
        return [c for c in self.clusters if c.blind_score > 0]


METRIC_NAMES = (
    "uncovered_traffic",
    "uncovered_change",
    "uncovered_clusters",
    "uncovered_regressions",
    "uncovered_regressions_estimated",
    "uncovered_regressions_high",
    "eval_cases",
    "clusters",
)


def coverage_metrics(report: CoverageReport) -> dict[str, float | None]:
    """Gate metrics (`--fail-if "uncovered_regressions>0"`), named in METRIC_NAMES."""
    return {
        "uncovered_traffic": report.uncovered_traffic,
        "uncovered_change": report.uncovered_change,
        "uncovered_clusters": report.uncovered_clusters,
        "uncovered_regressions": report.uncovered_regressions,
        "uncovered_regressions_estimated": report.uncovered_regressions_estimated,
        "uncovered_regressions_high": report.uncovered_regressions_high,
        "eval_cases": report.eval_cases,
        "clusters": len(report.clusters),
    }


def summary_line(report: CoverageReport) -> str:
    return (
        f"{report.eval_cases} eval cases against {report.pairs} pairs"
        f" ({report.distinct_prompts} distinct prompts) in {len(report.clusters)} clusters:"
        f" {report.uncovered_clusters} uncovered, holding {report.uncovered_traffic:.0%} of"
        f" the traffic, {report.uncovered_change:.0%} of the change and"
        f" {report.uncovered_regressions} regressions found"
    )


def to_markdown(report: CoverageReport, top: int = 15) -> str:
    lines = [
        f"# Eval coverage: {md_text(report.comparison)}",
        "",
        summary_line(report) + f" (embedder {md_text(report.embedding_model)}).",
        "",
        "| # | traffic | change | distance | signals | regressions | eval cases | label |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in report.clusters[:top]:
        lines.append(_row(c))
    if len(report.clusters) > top:
        lines.append(f"\n{len(report.clusters) - top} more clusters (--top to see them).")
    if not report.uncovered_clusters:
        lines.append("\nEvery cluster has an eval case inside it: no blind spot.")
    if report.cases_far:
        lines.append(
            f"\n{report.cases_far} eval cases lie outside every cluster: they test inputs"
            " unlike any in this comparison's traffic."
        )
    return "\n".join(lines) + "\n"


def _row(c: ClusterCoverage) -> str:
    distance = "-" if c.mean_distance is None else f"{c.mean_distance:.2f}"
    est = "" if c.regressions_estimated is None else f" (~{c.regressions_estimated:.0f})"
    blind = "**BLIND** " if not c.covered else ""
    cells = [
        str(c.id),
        f"{c.traffic:.1%}",
        f"{c.change_share:.1%}",
        distance,
        f"{c.signal_rate:.0%}",
        f"{c.regressions_found}{est}",
        blind + c.coverage_text(),
        md_text(c.label()).replace("|", "\\|"),
    ]
    return "| " + " | ".join(cells) + " |"


def blind_spot_line(c: ClusterCoverage) -> str:
    """One line a picker shows: traffic, change, regressions, coverage and the label."""
    found = f"{c.regressions_found} reg" if c.regressions_found else "no reg yet"
    return f"{c.traffic:>4.0%} traffic · {found} · {c.coverage_text()} · {c.label()}"
