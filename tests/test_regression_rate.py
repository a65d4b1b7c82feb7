"""The estimated regression rate: counted apart from what was found, and its interval
covers the truth at about its nominal rate when the reviewer tags most-changed first."""

from __future__ import annotations

import numpy as np
import pytest

from swapview.triage.estimate import NEGATIVE, REGRESSION, UNREVIEWED, band_estimate, combine
from swapview.triage.rate import describe_rate, estimated_rate, tags_to_width


def simulate_review(rng, n=3000, bands=5, head=150, per_band=40):
    """One comparison and one review: the top `head` by change tagged first, then the
    first `per_band` of each band's random sample order.

    Returns (estimated rate, true rate, rate among the tagged pairs)."""
    score = rng.normal(size=n)
    truth = rng.random(n) < 1 / (1 + np.exp(-(-3.2 + 1.6 * score)))
    reviewed = np.zeros(n, dtype=bool)
    reviewed[np.argsort(-score)[:head]] = True
    edges = np.quantile(score, np.linspace(0, 1, bands + 1)[1:-1])
    band = np.searchsorted(edges, score)
    estimates = []
    for b in range(bands):
        members = rng.permutation(np.flatnonzero(band == b))
        reviewed[members[:per_band]] = True
        status = np.where(
            reviewed[members], np.where(truth[members], REGRESSION, NEGATIVE), UNREVIEWED
        )
        estimates.append(band_estimate(b, status))
    est = combine(estimates, confidence=0.95)
    tagged = truth[reviewed].mean()
    return estimated_rate(est, n), truth.mean(), tagged


def test_interval_covers_the_truth_at_its_nominal_rate():
    rng = np.random.default_rng(11)
    runs = 300
    hits, tagged_above = 0, 0
    for _ in range(runs):
        r, truth, tagged = simulate_review(rng)
        hits += r["low"] <= truth <= r["high"]
        tagged_above += tagged > r["high"]
    assert 0.90 <= hits / runs <= 0.99, hits / runs
    # The naive rate among tagged pairs sits above the whole comparison's interval.
    assert tagged_above / runs > 0.9


def test_found_is_counted_apart_and_more_tags_narrow_it():
    r, _, _ = simulate_review(np.random.default_rng(2))
    assert r["found"] > 0 and r["low"] <= r["rate"] <= r["high"]
    bands = random_bands(np.random.default_rng(2))
    wide, narrow = tags_to_width(bands, 0.05 * 3000), tags_to_width(bands, 0.02 * 3000)
    assert wide is not None and narrow is not None and narrow > wide > 0
    assert "found (counted)" in describe_rate(r)


def random_bands(rng):
    """Five bands of 600 pairs, each with a random sample of 30 tagged."""
    n = 3000
    truth = rng.random(n) < 0.08
    out = []
    for b, members in enumerate(np.array_split(rng.permutation(n), 5)):
        status = np.full(len(members), UNREVIEWED)
        status[:30] = np.where(truth[members[:30]], REGRESSION, NEGATIVE)
        out.append(band_estimate(b, status).as_dict())
    return out


@pytest.mark.parametrize("unsampled", [True, False])
def test_an_unsampled_band_leaves_no_point_estimate(unsampled):
    status = np.array([UNREVIEWED] * 50 if unsampled else [NEGATIVE] * 10 + [UNREVIEWED] * 40)
    est = combine([band_estimate(0, status)], confidence=0.95)
    r = estimated_rate(est, 50)
    assert (r["rate"] is None) == unsampled
    assert r["high"] <= 1.0


def test_report_gates_name_found_and_estimated(db_path, db):
    import json

    from click.testing import CliRunner

    from swapview import reviews
    from swapview.cli import main
    from tests.support.shift_data import load, planted_records

    load(db, "planted", planted_records(100))
    first = db.execute("SELECT id FROM pairs ORDER BY id LIMIT 1").fetchone()[0]
    reviews.record(db, first, "tester", tag="regression")
    db.close()
    runner = CliRunner()
    out = runner.invoke(main, ["--db", str(db_path), "report", "--json"])
    metrics = json.loads(out.output)["metrics"]
    assert metrics["regressions_found"] == 1
    assert metrics["regression_rate"] == 1.0  # the tagged pairs' rate: one of one
    assert metrics["regression_rate_estimated"] is None  # no random sample yet
    assert metrics["regression_rate_estimated_low"] == pytest.approx(0.01)
    gated = runner.invoke(
        main, ["--db", str(db_path), "report", "--fail-if", "regression_rate_estimated_high>50%"]
    )
    assert gated.exit_code == 3
