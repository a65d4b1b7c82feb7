"""The likely-regression learner on synthetic data where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from swapview.triage.features import FEATURE_INDEX, FEATURE_NAMES, pair_features
from swapview.triage.learner import (
    BINARY_MASK,
    chance_percent,
    fit,
    fit_auto,
    fit_scaler,
    fit_tags,
    prior_model,
    with_assumed_rate,
)
from swapview.triage.reasons import explain
from swapview.triage.simulate import expected_recall, simulate_learned


def _planted(n: int, seed: int, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Noise features; regressions are exactly the pairs with a high value in ``column``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURE_NAMES)))
    binary = [i for i, name in enumerate(FEATURE_NAMES) if BINARY_MASK[i]]
    X[:, binary] = rng.random((n, len(binary))) < 0.02  # quirks are rare in real data
    y = (X[:, FEATURE_INDEX[column]] > 1.3).astype(float)
    return X, y


def test_fit_learns_a_planted_feature_the_prior_ignores() -> None:
    X, y = _planted(2000, 1, "hedge_delta")
    Z = fit_scaler(X).transform(X)
    model = fit_auto(Z[:300], y[:300])
    assert model.weights[FEATURE_INDEX["hedge_delta"]] > 1.0
    others = np.delete(np.abs(model.weights), FEATURE_INDEX["hedge_delta"])
    assert model.weights[FEATURE_INDEX["hedge_delta"]] > others.max()
    learned = model.score(Z[300:])
    assert expected_recall(learned, y[300:], 340) > 0.9
    assert expected_recall(prior_model().score(Z[300:]), y[300:], 340) < 0.4


def test_simulated_reviewer_finds_planted_regressions_early() -> None:
    X, y = _planted(1000, 2, "log_prompt_length")
    result = simulate_learned(X, y, tags=50)
    # 20% of the queue is 200 pairs; about 97 regressions exist, so nearly all fit.
    assert result.recall_at_share > 0.85
    assert len(set(result.order.tolist())) == len(result.order) == 200


def test_no_tags_gives_the_prior() -> None:
    model = fit(np.zeros((0, len(FEATURE_NAMES))), np.zeros(0))
    assert np.allclose(model.weights, prior_model().weights)


def test_prior_puts_broken_json_and_shrinking_first() -> None:
    rows = [
        pair_features("q", '{"a": 1}', "a: 1", None, ["json_broke"]),
        pair_features("q", "a long answer " * 20, "short.", None, ["much_shorter"]),
        pair_features("q", "same answer.", "same answer.", None, []),
        pair_features("q", "an answer.", "an answer, reworded.", None, []),
    ]
    X = np.vstack(rows)
    Z = fit_scaler(X).transform(X)
    scores = prior_model().score(Z)
    assert scores[2] == scores.min()
    assert set(np.argsort(-scores)[:2]) == {0, 1}
    reasons = explain(Z, X, prior_model().weights)
    assert "JSON broke" in reasons[0]
    assert "shorter by" in reasons[1]


@pytest.mark.parametrize(
    ("baseline", "candidate", "feature", "value"),
    [
        ("x" * 99, "x" * 49, "shorter", 1.0),
        ("The answer is 42.", "The answer is 41.", "final_number_changed", 1.0),
        ("Sure, here it is.", "I'm sorry, but I cannot help with that.", "refusal_delta", 1.0),
        ("- a\n- b\n- c\n", "a, b and c", "list_delta", -np.log(4)),
        ("```py\nx\n```", "x", "code_block_delta", -np.log(2)),
        ("Done.", "and then the", "ends_cleanly_lost", 1.0),
        ("same", "same", "identical", 1.0),
        ("text", "", "candidate_empty", 1.0),
    ],
)
def test_text_features(baseline: str, candidate: str, feature: str, value: float) -> None:
    row = pair_features("prompt", baseline, candidate)
    assert row[FEATURE_INDEX[feature]] == pytest.approx(value)


def test_missing_scores_are_neutral() -> None:
    X = np.vstack([pair_features("p", "a", "b"), pair_features("p", "a b", "c")])
    assert np.isnan(X[:, FEATURE_INDEX["semantic_distance"]]).all()
    Z = fit_scaler(X).transform(X)
    assert (Z[:, FEATURE_INDEX["semantic_distance"]] == 0).all()


@pytest.mark.parametrize(
    ("tags", "regressions", "rate"), [(0, 0, 0.1), (1, 1, 2 / 11), (4, 0, 1 / 14)]
)
def test_before_cross_validation_the_chance_assumes_a_rate_and_keeps_the_order(
    tags, regressions, rate
) -> None:
    X, _ = _planted(3000, 4, "hedge_delta")
    X[:50, FEATURE_INDEX["signal:json_broke"]] = 1.0  # a prior that is very sure of a few
    X[:50, FEATURE_INDEX["signal:refusal_appeared"]] = 1.0
    Z = fit_scaler(X).transform(X)
    prior = prior_model()
    raw = type(prior)(prior.weights, prior.intercept, tags, regressions)
    shown = with_assumed_rate(raw, Z)
    chances = 1 / (1 + np.exp(-shown.score(Z)))
    assert chances.mean() == pytest.approx(rate, abs=1e-6)
    assert np.array_equal(np.argsort(shown.score(Z)), np.argsort(raw.score(Z)))
    assert np.array_equal(shown.weights, raw.weights)


@pytest.mark.parametrize(
    ("score", "shown"), [(-60.0, 1), (-2.0, 12), (0.0, 50), (3.0, 95), (9.0, 99), (60.0, 99)]
)
def test_a_chance_is_never_shown_as_certain(score, shown) -> None:
    assert chance_percent(score) == shown


def _separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Tags a hyperplane splits exactly: every maximum-likelihood fit runs off to infinity."""
    rng = np.random.default_rng(seed)
    Z = np.clip(rng.normal(size=(n, len(FEATURE_NAMES))), -4, 4)
    Z[:, BINARY_MASK] = rng.random((n, int(BINARY_MASK.sum()))) < 0.1
    y = Z[:, FEATURE_INDEX["hedge_delta"]] + Z[:, FEATURE_INDEX["log_prompt_length"]] > 1.0
    return Z, y.astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("strength", [1.0, 64.0, 4096.0])
def test_fit_reaches_the_map_point_on_separable_tags(seed: int, strength: float) -> None:
    Z, y = _separable(40, seed)
    model = fit(Z, y, strength=strength)
    # The penalised loss is strictly convex: its gradient vanishes at the one optimum.
    p = 1 / (1 + np.exp(-model.score(Z)))
    grad_w = Z.T @ (p - y) + strength * (model.weights - prior_model().weights)
    assert np.abs(grad_w).max() < 1e-4
    assert abs(model.intercept) < 15


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_shown_log_odds_stay_bounded_on_separable_tags(seed: int) -> None:
    Z, y = _separable(2000, seed)
    for tags in (10, 25, 50, 100):
        rows = np.arange(tags)
        scores = fit_tags(Z, rows, y[rows]).score(Z)
        assert np.abs(scores).max() < 25, tags  # 25 log-odds: 1 in 7e10


def _known_rate(n: int, seed: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from a known model the prior half knows, intercept set for ``rate``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURE_NAMES)))
    X[:, BINARY_MASK] = rng.random((n, int(BINARY_MASK.sum()))) < 0.05
    Z = fit_scaler(X).transform(X)
    margin = Z @ (0.5 * prior_model().weights)
    lo, hi = -20.0, 20.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1 / (1 + np.exp(-(margin + mid)))) < rate else (lo, mid)
    y = rng.random(n) < 1 / (1 + np.exp(-(margin + lo)))
    return X, y.astype(float)


@pytest.mark.parametrize(("seed", "rate"), [(5, 0.1), (6, 0.25)])
def test_shown_chance_on_untagged_pairs_is_calibrated(seed: int, rate: float) -> None:
    X, y = _known_rate(1500, seed, rate)
    result = simulate_learned(X, y, tags=50)
    assert [c.tags for c in result.checkpoints] == [10, 25, 50, 100]
    for c in result.checkpoints[2:]:  # from 50 tags: the rate is learned, not assumed
        assert abs(c.mean_chance - c.rate) < 0.12, c
        assert c.ece < 0.12, c
        assert c.max_abs_log_odds < 12, c
        # Close to saying the true rate to every pair, which no reviewer could know.
        flat = -(c.rate * np.log(c.rate) + (1 - c.rate) * np.log(1 - c.rate))
        assert c.log_loss < flat + 0.05, c
