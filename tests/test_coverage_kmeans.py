"""The k-means behind coverage: deterministic, finds planted groups, weights count."""

from __future__ import annotations

import numpy as np
import pytest

from swapview.coverage import kmeans as km


def _planted(n: int, k: int, d: int = 32, noise: float = 0.05, seed: int = 1):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d))
    truth = rng.integers(0, k, n)
    X = centres[truth] / np.linalg.norm(centres[truth], axis=1, keepdims=True)
    X = X + rng.normal(scale=noise, size=X.shape)
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), truth


def _purity(labels: np.ndarray, truth: np.ndarray) -> float:
    return sum(np.bincount(truth[labels == c]).max() for c in np.unique(labels)) / len(truth)


def test_same_input_same_clusters_and_planted_groups_found() -> None:
    X, truth = _planted(3000, 6)
    first, second = km.kmeans(X, 6), km.kmeans(X, 6)
    assert np.array_equal(first.labels, second.labels)
    assert _purity(first.labels, truth) > 0.95


def test_fit_on_a_sample_still_assigns_every_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(km, "FIT_SAMPLE", 500)
    X, truth = _planted(5000, 5)
    fit = km.kmeans(X, 5)
    assert fit.labels.shape == (5000,) and _purity(fit.labels, truth) > 0.9
    nearest, dist = km.assign(X, fit.centroids)
    assert np.array_equal(nearest, fit.labels)
    assert np.allclose(dist, np.linalg.norm(X - fit.centroids[fit.labels], axis=1), atol=1e-3)


def test_a_weight_counts_like_repeated_points() -> None:
    X, _ = _planted(400, 4)
    counts = np.random.default_rng(3).integers(1, 4, len(X))
    weighted = km.kmeans(X, 4, counts.astype(float))
    repeated = np.repeat(X, counts, axis=0)
    centroid_mass = np.bincount(weighted.labels, weights=counts, minlength=4)
    assert centroid_mass.sum() == len(repeated)
    # the weighted centroids are the means of the repeated rows in each cluster
    labels = np.repeat(weighted.labels, counts)
    for c in range(4):
        assert np.allclose(weighted.centroids[c], repeated[labels == c].mean(axis=0), atol=1e-4)


def test_fewer_distinct_points_than_clusters() -> None:
    X = np.eye(3, 8, dtype=np.float32)
    fit = km.kmeans(X, 10)
    assert len(fit.centroids) == 3 and sorted(fit.labels.tolist()) == [0, 1, 2]
    assert km.default_k(805) == 20 and km.default_k(10**6) == km.MAX_CLUSTERS
