"""Weighted k-means on unit vectors, numpy only, the same answer for the same input.

Fitted on a sample (the best of a few k-means++ seedings, each followed by Lloyd steps
until almost nothing moves), then every point assigned and the centroids refined over all
of them: the cost at a million points is a few passes of one matrix product, chunked so
memory stays flat. Points are distinct texts; ``weights`` count how many prompts share
each one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SEED = 0
FIT_SAMPLE = 20_000  # points the centroids are fitted on; the rest are only assigned
MAX_ITER = 50
N_INIT = 4  # seedings tried on the sample; the tightest fit wins
TRIAL_ITER = 8  # Lloyd steps each seeding gets before they are compared
SETTLED = 0.001  # a step that moves this share of points or fewer ends the fit
REFINE_PASSES = 2  # full-data Lloyd steps after the sample fit
CHUNK = 65_536  # rows per distance block: 65k x 40 floats, a few MB
MAX_CLUSTERS = 40


@dataclass(frozen=True)
class KMeans:
    centroids: np.ndarray  # (k, d) float32
    labels: np.ndarray  # (n,) int32: each point's cluster
    distances: np.ndarray  # (n,) float32: each point's distance to its centroid


def default_k(points: int) -> int:
    """About sqrt(n/2) clusters, at least 2 and at most MAX_CLUSTERS: a list a person reads."""
    return int(min(MAX_CLUSTERS, max(2, round(math.sqrt(points / 2)))))


def kmeans(X: np.ndarray, k: int, weights: np.ndarray | None = None, *, seed: int = SEED) -> KMeans:
    """Cluster the rows of ``X`` into at most ``k`` groups (fewer when fewer points)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = X.shape[0]
    w = np.ones(n, dtype=np.float64) if weights is None else np.asarray(weights, np.float64)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, FIT_SAMPLE, replace=False)) if n > FIT_SAMPLE else None
    Xs, ws = (X, w) if sample is None else (X[sample], w[sample])
    centroids = _best_of(Xs, ws, k, rng)
    if sample is not None:
        centroids = _lloyd(X, w, centroids, REFINE_PASSES)
    labels, dist = assign(X, centroids)
    return KMeans(centroids, labels, dist)


def assign(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nearest centroid, Euclidean distance to it) for each row, in chunks."""
    labels = np.empty(X.shape[0], dtype=np.int32)
    dist = np.empty(X.shape[0], dtype=np.float32)
    c_sq = (centroids.astype(np.float32) ** 2).sum(axis=1)
    for start in range(0, X.shape[0], CHUNK):
        block = X[start : start + CHUNK]
        d2 = c_sq[None, :] - 2.0 * (block @ centroids.T.astype(np.float32))
        d2 += (block**2).sum(axis=1, keepdims=True)
        best = d2.argmin(axis=1)
        labels[start : start + CHUNK] = best
        dist[start : start + CHUNK] = np.sqrt(np.maximum(d2[np.arange(len(block)), best], 0.0))
    return labels, dist


def _best_of(X: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """The tightest of N_INIT seedings after a few Lloyd steps each, then run to the end:
    one k-means++ start can split a loose group and merge two tight ones."""
    best: tuple[float, np.ndarray] | None = None
    for _ in range(N_INIT):
        centroids = _lloyd(X, w, _seed(X, w, k, rng), TRIAL_ITER)
        _, dist = assign(X, centroids)
        inertia = float((w * dist.astype(np.float64) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, centroids)
    assert best is not None
    return _lloyd(X, w, best[1], MAX_ITER)


def _seed(X: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next centroid drawn with probability weight x squared distance."""
    x_sq = (X.astype(np.float64) ** 2).sum(axis=1)
    centroids = np.empty((k, X.shape[1]), dtype=np.float32)
    centroids[0] = X[rng.choice(len(X), p=w / w.sum())]
    d2 = np.maximum(
        x_sq - 2.0 * (X @ centroids[0]) + x_sq.dtype.type(centroids[0] @ centroids[0]), 0
    )
    for i in range(1, k):
        mass = w * d2
        if mass.sum() <= 0:  # fewer distinct points than k: repeat one, it stays empty
            centroids[i:] = centroids[0]
            break
        centroids[i] = X[rng.choice(len(X), p=mass / mass.sum())]
        new = x_sq - 2.0 * (X @ centroids[i]) + float(centroids[i] @ centroids[i])
        d2 = np.minimum(d2, np.maximum(new, 0.0))
    return centroids


def _lloyd(X: np.ndarray, w: np.ndarray, centroids: np.ndarray, iterations: int) -> np.ndarray:
    previous: np.ndarray | None = None
    for _ in range(iterations):
        labels, dist = assign(X, centroids)
        if previous is not None and (labels != previous).mean() <= SETTLED:
            break
        previous = labels
        centroids = _means(X, w, labels, centroids, dist)
    return centroids


def _means(
    X: np.ndarray, w: np.ndarray, labels: np.ndarray, old: np.ndarray, dist: np.ndarray
) -> np.ndarray:
    """Weighted mean of each cluster; an emptied cluster takes the worst-fitting point."""
    k = old.shape[0]
    mass = np.bincount(labels, weights=w, minlength=k)
    sums = np.zeros((k, X.shape[1]), dtype=np.float64)
    _add_sums(sums, X, w, labels)
    out = old.astype(np.float64).copy()
    full = mass > 0
    out[full] = sums[full] / mass[full, None]
    for cluster in np.flatnonzero(~full):
        worst = int(np.argmax(dist))
        out[cluster] = X[worst]
        dist[worst] = 0.0
    return out.astype(np.float32)


def _add_sums(sums: np.ndarray, X: np.ndarray, w: np.ndarray, labels: np.ndarray) -> None:
    """Per-cluster weighted sums as one sparse product per chunk (np.add.at is slow)."""
    k = sums.shape[0]
    for start in range(0, X.shape[0], CHUNK):
        lab = labels[start : start + CHUNK]
        onehot = np.zeros((k, len(lab)), dtype=np.float32)
        onehot[lab, np.arange(len(lab))] = w[start : start + CHUNK]
        # (X.T @ onehot.T).T: the same product, measured faster than onehot @ X here
        sums += (X[start : start + CHUNK].T @ onehot.T).T
