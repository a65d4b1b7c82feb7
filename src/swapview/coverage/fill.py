"""`export --fill-gaps N`: the N tagged cases that add the most coverage to the suite.

First one case per uncovered cluster, the most exposed cluster first (a regression
before any other tag, then the most typical prompt of the cluster); then the rest by
regression weight (regressions first, in the clusters the suite covers least). A case
whose prompt nearly duplicates one already chosen, or a case already in the suite, is
passed over: cases that go back into the suite should close gaps, not pile up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from sqlite_utils import Database

from ..export.models import ExportCase
from ..tagkinds import TagKinds, kind_of
from .analysis import Coverage

# Two prompts closer than this share of the typical prompt-to-centroid distance say the
# same thing: measured on the data, so it holds for any embedding model.
DUPLICATE_SHARE = 0.25


@dataclass
class FillPlan:
    """Which cases to export and how the suite's coverage changes with them."""

    keys: list[str] = field(default_factory=list)  # in the order chosen
    uncovered_before: float = 0.0  # share of traffic in clusters with no eval case
    uncovered_after: float = 0.0
    clusters_closed: int = 0
    candidates: int = 0
    duplicates_skipped: int = 0

    def describe(self) -> str:
        """'uncovered traffic 31% -> 12% (4 clusters gain their first case)'"""
        return (
            f"uncovered traffic {self.uncovered_before:.0%} -> {self.uncovered_after:.0%}"
            f" ({self.clusters_closed} cluster{'s' * (self.clusters_closed != 1)} gain"
            f"{'s' * (self.clusters_closed == 1)} their first case)"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Candidate:
    key: str
    cluster: int
    regression: bool
    to_centroid: float
    vector: np.ndarray


def plan_fill(
    db: Database,
    coverage: Coverage,
    cases: list[ExportCase],
    n: int,
    kinds: TagKinds | None = None,
) -> FillPlan:
    """Choose up to ``n`` of ``cases`` (tagged pairs of the covered comparison)."""
    pool = _candidates(db, coverage, cases, kinds)
    report = coverage.report
    plan = FillPlan(uncovered_before=report.uncovered_traffic, candidates=len(pool))
    limit = DUPLICATE_SHARE * coverage.typical_distance
    chosen: list[_Candidate] = []
    taken = _Taken(coverage.case_vectors, limit)
    for cluster in [c for c in report.clusters if not c.covered]:
        if len(chosen) >= n:
            break
        inside = [c for c in pool if c.cluster == cluster.id]
        inside.sort(key=lambda c: (not c.regression, c.to_centroid, c.key))
        pick = next((c for c in inside if taken.add(c.vector)), None)
        if pick is not None:
            chosen.append(pick)
    exposure = {c.id: c.blind_score for c in report.clusters}
    first = {c.key for c in chosen}
    rest = sorted(
        (c for c in pool if c.key not in first),
        key=lambda c: (not c.regression, -exposure.get(c.cluster, 0.0), c.to_centroid, c.key),
    )
    for cand in rest:
        if len(chosen) >= n:
            break
        if taken.add(cand.vector):
            chosen.append(cand)
    plan.keys = [c.key for c in chosen]
    plan.duplicates_skipped = taken.refused
    closed = {c.cluster for c in chosen} & {c.id for c in report.clusters if not c.covered}
    plan.clusters_closed = len(closed)
    plan.uncovered_after = report.uncovered_traffic - sum(
        c.traffic for c in report.clusters if c.id in closed
    )
    return plan


class _Taken:
    """The vectors already in the suite or chosen; refuses a near-duplicate of any."""

    def __init__(self, suite: np.ndarray, limit: float) -> None:
        self.suite = suite
        self.chosen: list[np.ndarray] = []
        self.limit = limit
        self.refused = 0

    def add(self, vector: np.ndarray) -> bool:
        if self._nearest(vector) <= self.limit:
            self.refused += 1
            return False
        self.chosen.append(vector)
        return True

    def _nearest(self, vector: np.ndarray) -> float:
        best = np.inf
        for block in (self.suite, np.asarray(self.chosen)):
            if len(block):
                best = min(best, float(np.sqrt(((block - vector) ** 2).sum(axis=1)).min()))
        return best


def _candidates(
    db: Database, coverage: Coverage, cases: list[ExportCase], kinds: TagKinds | None
) -> list[_Candidate]:
    prompts = coverage.prompts
    by_key = dict(
        db.execute(
            "SELECT key, id FROM pairs WHERE comparison_id = ?", [coverage.comparison_id]
        ).fetchall()
    )
    out = []
    for case in cases:
        row = int(np.searchsorted(prompts.pair_ids, by_key[case.key]))
        cluster = int(coverage.pair_cluster[row])
        vector = prompts.vectors[prompts.point[row]]
        centroid = coverage.centroids[cluster - 1]
        out.append(
            _Candidate(
                key=case.key,
                cluster=cluster,
                regression=kind_of(case.tag, kinds) == "regression",
                to_centroid=float(np.linalg.norm(vector - centroid)),
                vector=vector,
            )
        )
    return out
