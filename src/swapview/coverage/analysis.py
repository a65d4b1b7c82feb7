"""Where the eval suite is blind: production prompts clustered, each cluster set against
the eval cases near it.

    cov = build_coverage(db, comparison, read_eval_cases(paths), make_embedder())
    print(to_markdown(cov.report))
    for spot in blind_spots(cov): spot.cluster, spot.pair_ids

Each eval case belongs to the cluster whose centroid is nearest, if it lies within that
cluster's radius (its farthest prompt's distance from the centroid: measured on the data,
never a threshold fixed for one embedding model). A cluster with no case is uncovered.
Clusters are ranked by blind score: how much the cluster matters (the largest of its
shares of traffic, change and regressions) times how far its share of the suite's cases
falls short of its share of traffic (1 with no case, 0 when in proportion or more).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..errors import SwapviewError
from ..scoring.embeddings import Embedder
from ..scoring.embeddings.cache import EmbeddingCache
from ..store import text_hash
from ..tagkinds import TagKinds
from ..triage.estimate import CONFIDENCE, band_estimate, combine
from ..triage.sampling import band_statuses, unbanded_statuses, unsampled_band
from .data import Changes, Progress, Prompts, embed_texts, load_changes, load_prompts, prompt_texts
from .evalcases import EvalCase
from .kmeans import KMeans, default_k, kmeans
from .labels import EXAMPLES, SAMPLE, distinctive_words, example
from .result import ClusterCoverage, CoverageReport

RADIUS_QUANTILE = 1.0  # as far as its farthest prompt: a copy of any prompt is inside
# A cluster of one repeated prompt has radius 0; no case could ever fall inside it. Its
# radius is at least this share of the typical (median) prompt-to-centroid distance.
MIN_RADIUS_SHARE = 0.5


@dataclass
class Coverage:
    """The report, and the arrays behind it (for `export --fill-gaps` and the review app)."""

    report: CoverageReport
    comparison_id: int
    prompts: Prompts
    pair_cluster: np.ndarray  # (n,) the cluster id (ClusterCoverage.id) of each pair
    centroids: np.ndarray  # row i is the centroid of cluster id i + 1
    radius: np.ndarray  # per cluster, same order
    case_vectors: np.ndarray  # (e, d) the eval cases' vectors
    typical_distance: float  # median prompt-to-centroid distance
    # Seconds per phase: read (prompts, cached vectors, eval cases), cluster, rank (change,
    # regressions, coverage, labels); for bench/coverage.py.
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BlindSpot:
    """One uncovered cluster and the pairs in it, for a view that filters the queue."""

    cluster: ClusterCoverage
    pair_ids: list[int]


def build_coverage(
    db: Database,
    comparison: dict[str, Any],
    cases: list[EvalCase],
    embedder: Embedder,
    *,
    clusters: int | None = None,
    kinds: TagKinds | None = None,
    progress: Progress | None = None,
) -> Coverage:
    """Cluster the comparison's prompts and measure each cluster against the eval cases."""
    clock = _Clock()
    prompts = load_prompts(db, comparison["id"], embedder, progress)
    if not len(prompts.pair_ids):
        raise SwapviewError(f"comparison {comparison['name']!r} has no pairs to cluster")
    case_vectors = embed_cases(db, embedder, cases, prompts.vectors.shape[1])
    clock.lap("read")
    fit = kmeans(prompts.vectors, clusters or default_k(len(prompts.vectors)), prompts.weights)
    fit = _by_traffic(fit, prompts)
    clock.lap("cluster")
    radius, typical = _radii(fit, prompts.weights)
    pair_cluster = fit.labels[prompts.point] + 1
    inside, nearest, far = _case_coverage(case_vectors, fit.centroids, radius)
    changes = load_changes(db, comparison["id"], prompts.pair_ids)
    regressions = _regressions(db, comparison["id"], prompts.pair_ids, pair_cluster, kinds)
    labels = _labels(db, fit, prompts)
    rows = [
        _cluster(c, prompts, pair_cluster, changes, regressions, inside, nearest, radius, labels)
        for c in range(len(fit.centroids))
    ]
    report = _report(comparison, embedder, prompts, cases, rows, far)
    clock.lap("rank")
    return Coverage(
        report,
        comparison["id"],
        prompts,
        pair_cluster,
        fit.centroids,
        radius,
        case_vectors,
        typical,
        clock.laps,
    )


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


def blind_spots(coverage: Coverage) -> list[BlindSpot]:
    """Clusters the suite covers less than their traffic (none inside, or fewer cases than
    their share), most exposed first, each with its pair ids (ascending)."""
    return [BlindSpot(c, cluster_pairs(coverage, c.id)) for c in coverage.report.blind_spots()]


def cluster_pairs(coverage: Coverage, cluster_id: int) -> list[int]:
    """The pair ids of any cluster (ClusterCoverage.id), ascending."""
    return coverage.prompts.pair_ids[coverage.pair_cluster == cluster_id].tolist()


def embed_cases(db: Database, embedder: Embedder, cases: list[EvalCase], dim: int) -> np.ndarray:
    cache = EmbeddingCache(db, embedder.name)
    vectors = embed_texts(db, cache, embedder, [c.text for c in cases])
    out = np.zeros((len(cases), dim), dtype=np.float32)
    for i, case in enumerate(cases):
        out[i] = vectors[text_hash(case.text)]
    return out


def _by_traffic(fit: KMeans, prompts: Prompts) -> KMeans:
    """Clusters renumbered by traffic (most first), empty ones dropped."""
    traffic = np.bincount(fit.labels, weights=prompts.weights, minlength=len(fit.centroids))
    order = np.array([c for c in np.argsort(-traffic, kind="stable") if traffic[c] > 0])
    remap = np.empty(len(fit.centroids), dtype=np.int32)
    remap[order] = np.arange(len(order))
    return KMeans(fit.centroids[order], remap[fit.labels], fit.distances)


def _radii(fit: KMeans, weights: np.ndarray) -> tuple[np.ndarray, float]:
    typical = _weighted_quantile(fit.distances, weights, 0.5)
    radius = np.empty(len(fit.centroids), dtype=np.float64)
    for c in range(len(fit.centroids)):
        mask = fit.labels == c
        radius[c] = _weighted_quantile(fit.distances[mask], weights[mask], RADIUS_QUANTILE)
    return np.maximum(radius, MIN_RADIUS_SHARE * typical), typical


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    if not len(values):
        return 0.0
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def _case_coverage(
    cases: np.ndarray, centroids: np.ndarray, radius: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """(cases inside each cluster, distance of its nearest case (inf if none), cases far
    from every cluster). A case is inside the cluster of its nearest centroid when it lies
    within that cluster's radius: each case counts once, where it is most alike."""
    k = len(centroids)
    if not len(cases):
        return np.zeros(k, dtype=np.int64), np.full(k, np.inf), 0
    d2 = (
        (cases**2).sum(axis=1)[:, None]
        - 2.0 * cases @ centroids.T
        + (centroids**2).sum(axis=1)[None, :]
    )
    dist = np.sqrt(np.maximum(d2, 0.0))
    nearest = dist.argmin(axis=1)
    near = dist[np.arange(len(cases)), nearest] <= radius[nearest]
    inside = np.bincount(nearest[near], minlength=k)
    return inside, dist.min(axis=0), int((~near).sum())


@dataclass(frozen=True)
class _Regressions:
    found: np.ndarray  # per cluster
    estimated: list[float | None]
    low: list[int]
    high: list[int]


def _regressions(
    db: Database,
    comparison_id: int,
    pair_ids: np.ndarray,
    pair_cluster: np.ndarray,
    kinds: TagKinds | None,
) -> _Regressions:
    """Found and estimated regressions per cluster, from the triage estimate's bands.

    Within a band the random sample order restricted to a cluster is still a random
    order, so the band estimate applies to the cluster's share of each band as it is.
    """
    k = int(pair_cluster.max()) if len(pair_cluster) else 0
    parts: list[tuple[int, np.ndarray, np.ndarray]] = []
    for band, (ids, status) in band_statuses(db, comparison_id, kinds).items():
        parts.append((band, pair_cluster[np.searchsorted(pair_ids, ids)], status))
    ids, status = unbanded_statuses(db, comparison_id, kinds)
    unbanded = (pair_cluster[np.searchsorted(pair_ids, ids)], status)
    found, estimated, low, high = np.zeros(k, dtype=np.int64), [], [], []
    for c in range(1, k + 1):
        bands = [band_estimate(b, st[cl == c]) for b, cl, st in parts if (cl == c).any()]
        if (unbanded[0] == c).any():
            bands.append(unsampled_band(unbanded[1][unbanded[0] == c]))
        est = combine(bands, CONFIDENCE)
        found[c - 1] = est["found"]
        estimated.append(None if est["remaining"] is None else est["found"] + est["remaining"])
        low.append(est["found"] + est["low"])
        high.append(est["found"] + est["high"])
    return _Regressions(found, estimated, low, high)


def _labels(db: Database, fit: KMeans, prompts: Prompts) -> list[tuple[list[str], list[str]]]:
    """(distinctive words, typical prompts) per cluster."""
    rng = np.random.default_rng(0)
    typical: list[list[int]] = []
    samples: list[list[int]] = []
    for c in range(len(fit.centroids)):
        members = np.flatnonzero(fit.labels == c)
        near = members[np.argsort(fit.distances[members], kind="stable")[:EXAMPLES]]
        pick = members if len(members) <= SAMPLE else rng.choice(members, SAMPLE, replace=False)
        typical.append(prompts.first_pair[near].tolist())
        samples.append(prompts.first_pair[np.sort(pick)].tolist())
    wanted = sorted({p for group in typical + samples for p in group})
    texts = dict(zip(wanted, prompt_texts(db, wanted), strict=True))
    shares = np.bincount(fit.labels, weights=prompts.weights) / max(prompts.weights.sum(), 1)
    words = distinctive_words([[texts[p] for p in group] for group in samples], shares)
    return [
        (w, [example(texts[p]) for p in group]) for w, group in zip(words, typical, strict=True)
    ]


def _cluster(
    c: int,
    prompts: Prompts,
    pair_cluster: np.ndarray,
    changes: Changes,
    reg: _Regressions,
    inside: np.ndarray,
    nearest: np.ndarray,
    radius: np.ndarray,
    labels: list[tuple[list[str], list[str]]],
) -> ClusterCoverage:
    mask = pair_cluster == c + 1
    n, total = int(mask.sum()), max(len(pair_cluster), 1)
    total_cases = int(inside.sum())
    dist = changes.distance[mask]
    scored = dist[~np.isnan(dist)]
    change_total = float(np.nansum(changes.distance)) or 1.0
    reg_total = sum(_known(reg)) or 1.0
    shares = {
        "traffic": n / total,
        "change": float(scored.sum()) / change_total,
        "regressions": float(_known(reg)[c]) / reg_total,
    }
    why = max(shares, key=lambda s: shares[s])
    covered = bool(inside[c])
    # The suite's share of cases here against the traffic's share: 1 is in proportion.
    expected = shares["traffic"] * total_cases
    ratio = float(inside[c]) / expected if expected > 0 else 1.0
    return ClusterCoverage(
        id=c + 1,
        pairs=n,
        distinct_prompts=int(np.unique(prompts.point[mask]).size),
        traffic=shares["traffic"],
        mean_distance=float(scored.mean()) if len(scored) else None,
        change_share=shares["change"],
        signal_rate=float(changes.signalled[mask].mean()) if n else 0.0,
        contract_break_rate=float(changes.contract_broken[mask].mean()) if n else 0.0,
        regressions_found=int(reg.found[c]),
        regressions_estimated=reg.estimated[c],
        regressions_low=reg.low[c],
        regressions_high=reg.high[c],
        cases_inside=int(inside[c]),
        nearest_case=None if np.isinf(nearest[c]) else float(nearest[c]),
        radius=float(radius[c]),
        covered=covered,
        cases_expected=expected,
        coverage_ratio=ratio,
        weight=shares[why],
        blind_score=shares[why] * (1.0 - min(1.0, ratio)),
        why=f"{shares[why]:.0%} of the {why}",
        words=labels[c][0],
        examples=labels[c][1],
    )


def _known(reg: _Regressions) -> list[float]:
    """Per cluster, the estimate where there is one, else what was found."""
    return [float(f) if e is None else e for e, f in zip(reg.estimated, reg.found, strict=True)]


def _report(
    comparison: dict[str, Any],
    embedder: Embedder,
    prompts: Prompts,
    cases: list[EvalCase],
    rows: list[ClusterCoverage],
    far: int,
) -> CoverageReport:
    rows = sorted(rows, key=lambda r: (-r.blind_score, r.covered, -r.weight, r.id))
    blind = [r for r in rows if not r.covered]
    estimates = [r.regressions_estimated for r in blind]
    return CoverageReport(
        comparison=comparison["name"],
        embedding_model=embedder.name,
        pairs=len(prompts.pair_ids),
        distinct_prompts=len(prompts.vectors),
        eval_cases=len(cases),
        eval_files=list(dict.fromkeys(c.path for c in cases)),
        cases_far=far,
        clusters=rows,
        uncovered_traffic=sum(r.traffic for r in blind),
        uncovered_change=sum(r.change_share for r in blind),
        uncovered_clusters=len(blind),
        uncovered_regressions=sum(r.regressions_found for r in blind),
        uncovered_regressions_estimated=(
            None if any(e is None for e in estimates) else float(sum(e for e in estimates if e))
        ),
        uncovered_regressions_high=sum(r.regressions_high for r in blind),
    )


@dataclass(frozen=True)
class PromptClusters:
    """Each pair's prompt cluster (1 = the most traffic), in pair-id order, and labels."""

    pair_ids: np.ndarray
    cluster: np.ndarray
    labels: list[str]  # "refund, policy, days" per cluster id - 1


def prompt_clusters(
    db: Database, comparison_id: int, embedder: Embedder, clusters: int | None = None
) -> PromptClusters:
    """The comparison's prompts grouped by meaning, as `coverage` groups them (embeddings
    cached), for slicing other measures by what the traffic asks."""
    prompts = load_prompts(db, comparison_id, embedder)
    if not len(prompts.pair_ids):
        raise SwapviewError("no pairs to cluster")
    fit = kmeans(prompts.vectors, clusters or default_k(len(prompts.vectors)), prompts.weights)
    fit = _by_traffic(fit, prompts)
    labels = [
        ", ".join(words[:3]) or "(no distinctive words)" for words, _ in _labels(db, fit, prompts)
    ]
    return PromptClusters(prompts.pair_ids, fit.labels[prompts.point] + 1, labels)
