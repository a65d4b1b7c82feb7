"""A small online model of "this pair is a regression", refit from the reviewer's tags.

L2-regularised logistic regression whose weights are pulled towards a prior (not towards
zero): before the first tags the order is the prior's (quirk signals and shrinking answers
first); every tag moves the weights a little, and after a few dozen tags the reviewer's own
notion of a regression dominates. Newton steps (with a line search) on the tagged rows
only, so a refit costs milliseconds; scoring is one matrix-vector product (100k pairs in a
few milliseconds). The chance a reviewer is shown (``fit_tags``) is the model's log-odds
rescaled to what its held-out scores on the tags turned out to mean (``calibrated``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .features import FEATURE_INDEX, FEATURE_NAMES, SIGNAL_NAMES

# 2: converged fits (line search), 1-SE strength, calibrated log-odds (issue 14)
MODEL_VERSION = "triage-lr-2"

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
    # The calibration's slope on ``Z @ weights`` (``calibrated``); the weights themselves
    # stay the ranking's, so the reasons shown for a pair read the same at any slope.
    slope: float = 1.0

    def score(self, Z: np.ndarray) -> np.ndarray:
        """Log-odds of "regression" per row; orders without the ties a saturated
        probability would make. Probability = 1 / (1 + exp(-score))."""
        return self.slope * (Z @ self.weights) + self.intercept


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
    loss = _objective(Xb, y, w, centre, penalty)
    for _ in range(iterations):
        p = _sigmoid(Xb @ w)
        grad = Xb.T @ (p - y) + penalty * (w - centre)
        hess = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        # A full Newton step can overshoot where the tagged rows are (nearly) separable:
        # the curvature vanishes as chances saturate, the next step is huge, and the
        # intercept swung to -360 log-odds on real tags. Halve the step until the
        # penalised loss falls, so every iteration moves towards the one MAP point.
        for _ in range(30):
            trial = w - step
            trial_loss = _objective(Xb, y, trial, centre, penalty)
            if trial_loss <= loss:
                break
            step = step / 2
        else:
            break  # no step lowers the loss: at the optimum within rounding
        w, loss = trial, trial_loss
        if float(np.abs(step).max()) < 1e-7:
            break
    return Model(w[:d].copy(), float(w[d]), n, int(y.sum()))


def _sigmoid(margin: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(margin, -30, 30)))


def _objective(
    Xb: np.ndarray, y: np.ndarray, w: np.ndarray, centre: np.ndarray, penalty: np.ndarray
) -> float:
    """The penalised negative log-posterior that ``fit`` minimises."""
    prior = 0.5 * float(np.sum(penalty * (w - centre) ** 2))
    return float(np.sum(_log_loss(Xb @ w, y))) + prior


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
    margin = model.score(Z) - model.intercept
    lo, hi = -50.0, 50.0
    for _ in range(60):  # bisection: the mean chance rises with the intercept
        mid = (lo + hi) / 2
        if float(np.mean(1.0 / (1.0 + np.exp(-np.clip(margin + mid, -30, 30))))) < rate:
            lo = mid
        else:
            hi = mid
    return replace(model, intercept=(lo + hi) / 2)


@dataclass(frozen=True, slots=True)
class Validation:
    """What cross-validation on the tags chose, and each tag's held-out margin there."""

    strength: float
    held_out: np.ndarray


def cross_validate(Z: np.ndarray, y: np.ndarray, *, prior: np.ndarray | None = None) -> Validation:
    """The prior strength by k-fold log-loss on the tags, with the one-standard-error rule.

    Log-loss rather than AUC: with a handful of regressions per fold, held-out AUC swings
    widely, and on the labelled files it chose worse strengths than log-loss did. A few
    dozen tags give a noisy loss, so the strongest prior whose loss is within one standard
    error of the best is taken: the tags must beat the prior clearly to overrule it.
    """
    n = len(y)
    fold = np.arange(n) % CV_FOLDS  # tags arrive in review order: interleave the folds
    margins = np.zeros((len(STRENGTHS), n))  # held-out margin per strength and tag
    for i, s in enumerate(STRENGTHS):
        for k in range(CV_FOLDS):
            model = fit(Z[fold != k], y[fold != k], prior=prior, strength=s)
            margins[i, fold == k] = model.score(Z[fold == k])
    losses = _log_loss(margins, y)
    mean = losses.mean(axis=1)
    best = int(np.argmin(mean))
    bar = mean[best] + losses[best].std(ddof=1) / math.sqrt(n)
    chosen = max(i for i in range(len(STRENGTHS)) if mean[i] <= bar)
    return Validation(STRENGTHS[chosen], margins[chosen])


def fit_auto(Z: np.ndarray, y: np.ndarray, *, prior: np.ndarray | None = None) -> Model:
    """``fit`` with the prior strength chosen by ``cross_validate`` on the tags themselves."""
    y = np.asarray(y, dtype=np.float64)
    if too_few_to_validate(y):
        return fit(Z, y, prior=prior, strength=PRIOR_STRENGTH)
    return fit(Z, y, prior=prior, strength=cross_validate(Z, y, prior=prior).strength)


# Platt scaling of the tags' held-out margins. The prior strength chosen above is about
# ranking; it says nothing about how steep the log-odds should be, and with the prior's
# weights held firmly the margins ran far steeper than the tags bore out (1% shown where
# 3 to 28% of the untagged pairs were regressions). The slope's prior is "the margins mean
# what they say" (1), with precision 8: picked from 1, 4, 8, 16, 64 on synthetic labels
# over the unlabelled realdata file's features, never on the labelled files. A slope near
# 0 says the order knows little, so chances stay near the tags' rate. Never below
# SLOPE_MIN, so the order itself (ranks and ties) is kept exactly.
SLOPE_PRECISION = 8.0
SLOPE_MIN = 0.02


def calibrated(model: Model, held_out: np.ndarray, y: np.ndarray) -> Model:
    """The model with its log-odds rescaled (a + b * score) to fit the tags' held-out
    margins: the chance a pair is shown is what such margins turned out to mean."""
    platt = fit(held_out[:, None], y, prior=np.ones(1), strength=SLOPE_PRECISION)
    b = max(float(platt.weights[0]), SLOPE_MIN)
    return replace(model, slope=model.slope * b, intercept=model.intercept * b + platt.intercept)


def fit_tags(Z: np.ndarray, rows: np.ndarray | list[int], y: np.ndarray) -> Model:
    """The model a reviewer is shown: fitted on the tagged ``rows`` of ``Z`` (in tagging
    order, labels ``y``), its chances made to fit every pair of the comparison ``Z``."""
    y = np.asarray(y, dtype=np.float64)
    tagged = Z[rows]
    if too_few_to_validate(y):
        # Too few tags to learn the rate from: the shown chance assumes one in ten, not
        # the share among the first few (which the queue picked for looking like
        # regressions).
        return with_assumed_rate(fit(tagged, y, strength=PRIOR_STRENGTH), Z)
    check = cross_validate(tagged, y)
    model = fit(tagged, y, strength=check.strength)
    return calibrated(model, check.held_out, y)


def _log_loss(margin: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row log-loss: log(1 + exp(-m)) for positives, log(1 + exp(m)) for negatives."""
    return np.logaddexp(0.0, np.where(y > 0, -margin, margin))
