"""A small online model of "this pair is a regression", refit from the reviewer's tags.

L2-regularised logistic regression whose weights are pulled towards a prior (not towards
zero): before the first tags the order is the prior's (quirk signals and shrinking answers
first); every tag moves the weights a little, and after a few dozen tags the reviewer's own
notion of a regression dominates. Newton steps on the tagged rows only, so a refit costs
microseconds; scoring is one matrix-vector product (100k pairs in a few milliseconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .features import FEATURE_INDEX, FEATURE_NAMES, SIGNAL_NAMES

MODEL_VERSION = "triage-lr-1"

# How strongly the weights are held at the prior (the Gaussian prior's precision). Not a
# constant: ``fit_auto`` picks it per refit by cross-validation on the reviewer's own tags,
# from weak (the tags rule) to so strong that only the intercept moves (the prior rules).
STRENGTHS = (1.0, 4.0, 16.0, 64.0, 256.0, 4096.0)
PRIOR_STRENGTH = 64.0  # while too few tags to cross-validate: the prior mostly rules
CV_FOLDS = 5
# z-scores are clipped so one freak pair (a 50x longer answer) cannot own the order.
Z_CLIP = 4.0

_BINARY = frozenset(
    [
        "shorter",
        "identical",
        "candidate_empty",
        "final_number_changed",
        "ends_cleanly_lost",
        "asks_back",
        "code_prompt",
        "math_prompt",
        "writing_prompt",
    ]
    + [f"signal:{n}" for n in SIGNAL_NAMES]
)
BINARY_MASK = np.array([name in _BINARY for name in FEATURE_NAMES])

# The prior: what a regression looks like before anyone has tagged anything. Continuous
# features are in standard deviations, binary ones per occurrence. Improvements (JSON
# fixed, refusal gone) and identical outputs count against.
_PRIOR: dict[str, float] = {
    "log_length_ratio": -0.6,
    "shorter": 0.3,
    "identical": -2.0,
    "candidate_empty": 2.0,
    "word_distance": 0.2,
    "refusal_delta": 0.4,
    "apology_delta": 0.2,
    "list_delta": -0.1,
    "code_block_delta": -0.1,
    "numbers_changed": 0.1,
    "final_number_changed": 0.1,
    "ends_cleanly_lost": 0.4,
    "log_candidate_length": -0.3,
    "paragraph_delta": -0.1,
    "asks_back": 1.0,
    "repeated_lines": 0.3,
    "semantic_distance": 0.3,
    "lexical_distance": 0.1,
    "signal_count": 0.1,
    "signal:json_broke": 2.0,
    "signal:json_fixed": -1.0,
    "signal:json_keys_changed": 1.0,
    "signal:json_types_changed": 1.0,
    "signal:refusal_appeared": 2.0,
    "signal:refusal_gone": -1.0,
    "signal:markdown_changed": 0.2,
    "signal:language_changed": 1.5,
    "signal:truncated": 1.5,
    "signal:empty_output": 2.0,
    "signal:much_shorter": 0.8,
    "signal:much_longer": -0.2,
    "signal:contract": 1.5,
}


def prior_weights() -> np.ndarray:
    w = np.zeros(len(FEATURE_NAMES))
    for name, value in _PRIOR.items():
        w[FEATURE_INDEX[name]] = value
    return w


@dataclass(frozen=True, slots=True)
class Scaler:
    """Per-column centre and spread over one comparison's pairs (no labels involved)."""

    mean: np.ndarray
    scale: np.ndarray

    def transform(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.mean) / self.scale
        Z = np.where(BINARY_MASK, np.nan_to_num(X, nan=0.0), Z)
        return np.clip(np.nan_to_num(Z, nan=0.0), -Z_CLIP, Z_CLIP)


def fit_scaler(X: np.ndarray) -> Scaler:
    """Centre continuous columns; a column that is all NaN or constant becomes neutral 0."""
    count = (~np.isnan(X)).sum(axis=0)
    mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    some, many = count > 0, count > 1
    mean[some] = np.nanmean(X[:, some], axis=0)
    spread = np.nanstd(X[:, many], axis=0)
    scale[many] = np.where(spread > 1e-9, spread, 1.0)
    return Scaler(np.where(BINARY_MASK, 0.0, mean), np.where(BINARY_MASK, 1.0, scale))


@dataclass(frozen=True, slots=True)
class Model:
    weights: np.ndarray
    intercept: float
    n_tags: int
    n_regressions: int
    version: str = MODEL_VERSION

    def score(self, Z: np.ndarray) -> np.ndarray:
        """Log-odds of "regression" per row; orders without the ties a saturated
        probability would make. Probability = 1 / (1 + exp(-score))."""
        return Z @ self.weights + self.intercept


def chance_percent(score: float) -> int:
    """Log-odds as a whole percentage for display, within 1 to 99: an estimate is never
    shown as certain."""
    chance = 100 / (1 + math.exp(-max(min(score, 50.0), -50.0)))
    return min(99, max(1, round(chance)))


def prior_model() -> Model:
    return Model(prior_weights(), -2.0, 0, 0)


def fit(
    Z: np.ndarray,
    y: np.ndarray,
    *,
    prior: np.ndarray | None = None,
    strength: float = PRIOR_STRENGTH,
    iterations: int = 25,
) -> Model:
    """MAP logistic regression with a Gaussian prior N(prior, 1/strength) on the weights."""
    prior = prior_weights() if prior is None else prior
    y = np.asarray(y, dtype=np.float64)
    if len(y) == 0:
        return prior_model()
    n, d = Z.shape
    Xb = np.hstack([Z, np.ones((n, 1))])
    centre = np.append(prior, _logit((y.sum() + 0.5) / (n + 1.0)))
    # The intercept gets a weak prior so a handful of tags cannot push it to infinity.
    penalty = np.append(np.full(d, strength), 0.1)
    w = centre.copy()
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(Xb @ w, -30, 30)))
        grad = Xb.T @ (p - y) + penalty * (w - centre)
        hess = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return Model(w[:d].copy(), float(w[d]), n, int(y.sum()))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def too_few_to_validate(y: np.ndarray) -> bool:
    """Too few tags (or of one class) for cross-validation: the prior rules the weights."""
    n, positives = len(y), int(np.sum(y))
    return n < 2 * CV_FOLDS or min(positives, n - positives) < 2


# Before the tags can say how common regressions are, the displayed chance assumes about
# one pair in ten (a Beta(1, 9) guess that each tag updates); only the intercept moves,
# so the order is the prior's.
PRIOR_RATE_A, PRIOR_RATE_B = 1.0, 9.0


def with_assumed_rate(model: Model, Z: np.ndarray) -> Model:
    """The model with its intercept set so the mean chance over all pairs ``Z`` is the
    assumed rate of regressions: the prior's weights rank, they do not know the rate."""
    if len(Z) == 0:
        return model
    rate = (model.n_regressions + PRIOR_RATE_A) / (model.n_tags + PRIOR_RATE_A + PRIOR_RATE_B)
    margin = Z @ model.weights
    lo, hi = -50.0, 50.0
    for _ in range(60):  # bisection: the mean chance rises with the intercept
        mid = (lo + hi) / 2
        if float(np.mean(1.0 / (1.0 + np.exp(-np.clip(margin + mid, -30, 30))))) < rate:
            lo = mid
        else:
            hi = mid
    return Model(model.weights, (lo + hi) / 2, model.n_tags, model.n_regressions, model.version)


def fit_auto(Z: np.ndarray, y: np.ndarray, *, prior: np.ndarray | None = None) -> Model:
    """``fit`` with the prior strength chosen by k-fold log-loss on the tags themselves.

    Log-loss rather than AUC: with a handful of regressions per fold, held-out AUC swings
    widely, and on the labelled files it chose worse strengths than log-loss did.
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if too_few_to_validate(y):
        return fit(Z, y, prior=prior, strength=PRIOR_STRENGTH)
    fold = np.arange(n) % CV_FOLDS  # tags arrive in review order: interleave the folds
    losses = np.zeros((len(STRENGTHS), n))  # held-out loss per strength and tag
    for i, s in enumerate(STRENGTHS):
        for k in range(CV_FOLDS):
            model = fit(Z[fold != k], y[fold != k], prior=prior, strength=s)
            losses[i, fold == k] = _log_loss(model.score(Z[fold == k]), y[fold == k])
    return fit(Z, y, prior=prior, strength=STRENGTHS[int(np.argmin(losses.sum(axis=1)))])


def fit_tags(Z: np.ndarray, rows: np.ndarray | list[int], y: np.ndarray) -> Model:
    """The model a reviewer is shown: fitted on the tagged ``rows`` of ``Z`` (in tagging
    order, labels ``y``), its chances made to fit every pair of the comparison ``Z``."""
    y = np.asarray(y, dtype=np.float64)
    model = fit_auto(Z[rows], y)
    # Too few tags to learn the rate from: the shown chance assumes one in ten, not the
    # share among the first few (which the queue picked for looking like regressions).
    return with_assumed_rate(model, Z) if too_few_to_validate(y) else model


def _log_loss(margin: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row log-loss: log(1 + exp(-m)) for positives, log(1 + exp(m)) for negatives."""
    return np.logaddexp(0.0, np.where(y > 0, -margin, margin))
