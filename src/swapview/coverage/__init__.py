"""Where the eval suite is blind: production prompts against a team's eval cases.

    cases = read_eval_cases(["promptfooconfig.yaml", "dataset.jsonl"])
    cov = build_coverage(db, comparison, cases, make_embedder())
    print(to_markdown(cov.report)); blind_spots(cov)  # clusters and their pair ids
    plan = plan_fill(db, cov, candidates, 10)         # what `export --fill-gaps` writes

Headless: the CLI and the review app call the same functions.
"""

from __future__ import annotations

from .analysis import BlindSpot, Coverage, blind_spots, build_coverage, cluster_pairs
from .evalcases import EvalCase, read_eval_cases
from .fill import FillPlan, plan_fill
from .result import METRIC_NAMES, ClusterCoverage, CoverageReport, coverage_metrics, to_markdown

__all__ = [
    "METRIC_NAMES",
    "FillPlan",
    "plan_fill",
    "BlindSpot",
    "ClusterCoverage",
    "Coverage",
    "CoverageReport",
    "EvalCase",
    "blind_spots",
    "build_coverage",
    "cluster_pairs",
    "coverage_metrics",
    "read_eval_cases",
    "to_markdown",
]
