"""The remaining-regressions estimate: interval coverage on simulated reviews, and the store."""

from __future__ import annotations

import numpy as np
import pytest
from sqlite_utils import Database

from swapview import reviews
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction
from swapview.triage.estimate import (
    REGRESSION,
    SKIPPED,
    UNREVIEWED,
    band_estimate,
    combine,
    prefix_sample,
    sample_gain,
)
from swapview.triage.sampling import assign_bands, estimate_remaining, suggest_sample


def _review_session(seed: int, rates: tuple[float, ...], rounds: int) -> tuple[dict, int]:
    """A biased queue, then random samples where suggested, then more queue: estimate, truth."""
    rng = np.random.default_rng(seed)
    band = np.repeat(np.arange(len(rates)), 300)
    y = (rng.random(len(band)) < np.asarray(rates)[band]).astype(int)
    key = rng.random(len(band))
    score = y + 0.5 * band + rng.normal(size=len(band))  # the queue favours regressions
    reviewed = np.zeros(len(band), dtype=bool)

    def queue(k: int) -> None:
        reviewed[np.argsort(-np.where(reviewed, -np.inf, score))[:k]] = True

    def statuses() -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for h in range(len(rates)):
            idx = np.flatnonzero(band == h)
            idx = idx[np.argsort(key[idx])]
            out.append((idx, np.where(reviewed[idx], y[idx], UNREVIEWED)))
        return out

    queue(200)
    for _ in range(rounds):
        gains = [(sample_gain(st, 10), idx) for idx, st in statuses()]
        (_, positions), idx = max(gains, key=lambda g: g[0][0])
        reviewed[idx[positions]] = True
    queue(100)  # the queue moves on after the samples: the estimate must stay unbiased
    est = combine([band_estimate(h, st) for h, (_, st) in enumerate(statuses())], 0.9)
    return est, int(y[~reviewed].sum())


@pytest.mark.parametrize(
    ("rates", "rounds"),
    [((0.02, 0.05, 0.1, 0.2, 0.4), 15), ((0.05, 0.1, 0.1, 0.3, 0.5), 30)],
)
def test_interval_covers_truth_at_about_its_nominal_rate(rates, rounds) -> None:
    runs = [_review_session(seed, rates, rounds) for seed in range(200)]
    covered = np.mean([e["low"] <= truth <= e["high"] for e, truth in runs])
    assert 0.84 <= covered <= 0.99, covered
    bias = np.mean([e["remaining"] - truth for e, truth in runs])
    assert abs(bias) < 0.1 * np.mean([truth for _, truth in runs])
    assert all(e["complete"] for e, _ in runs)


def test_prefix_passes_skips_and_stops_at_the_first_unreviewed() -> None:
    status = np.array([REGRESSION, SKIPPED, 0, UNREVIEWED, REGRESSION])
    assert prefix_sample(status) == (2, 1)


def test_unsampled_band_widens_to_its_size() -> None:
    sampled = band_estimate(0, np.array([0, 0, REGRESSION, UNREVIEWED, UNREVIEWED]))
    blind = band_estimate(1, np.array([UNREVIEWED] * 7))
    total = combine([sampled, blind])
    assert not total["complete"]
    assert total["high"] >= 7 and total["low"] >= 0


def test_no_point_estimate_while_a_risky_band_has_no_sample() -> None:
    # A low-risk band sampled clean says nothing about a high-risk band never sampled,
    # where the queue already found regressions: no "about 0 left".
    calm = band_estimate(0, np.array([0, 0, 0, UNREVIEWED, UNREVIEWED, UNREVIEWED]))
    # (the queue's finds sit later in the band's random order: no prefix sample)
    risky = band_estimate(1, np.array([UNREVIEWED] + [REGRESSION] * 4 + [UNREVIEWED] * 9))
    total = combine([calm, risky])
    assert total["remaining"] is None and total["unsampled_bands"] == 1
    assert total["high"] >= 10
    risky = band_estimate(1, np.array([REGRESSION, 0, REGRESSION] + [UNREVIEWED] * 10))
    total = combine([calm, risky])
    assert total["complete"] and total["remaining"] is not None and total["remaining"] > 3


def test_fully_reviewed_band_is_exact() -> None:
    est = band_estimate(0, np.array([REGRESSION, 0, REGRESSION]))
    assert (est.remaining, est.variance, est.found) == (0.0, 0.0, 2)


def _load(db: Database, n: int) -> int:
    cid = ensure_comparison(db, "m")
    records = [
        PairRecord(f"k{i}", f"p{i}", "a long old answer. " * (1 + i % 7), "new. " * (1 + i % 3))
        for i in range(n)
    ]
    with write_transaction(db):
        PairWriter(db, cid, LoadReport()).write(records)
    return cid


def test_store_estimate_follows_suggested_samples(db: Database) -> None:
    cid = _load(db, 120)
    assert assign_bands(db, cid, rng=np.random.default_rng(0)) == 120
    assert assign_bands(db, cid) == 0
    first = estimate_remaining(db, cid)
    assert (first["unreviewed"], first["complete"], first["low"]) == (120, False, 0)
    assert first["remaining"] is None and first["high"] == 120  # no sample: bounds only
    # Tag every suggestion (every third pair a regression) until each band has a sample.
    tagged = 0
    while not (est := estimate_remaining(db, cid))["complete"]:
        for pid in est["suggest"]["pair_ids"]:
            reviews.record(db, pid, "tester", tag="regression" if pid % 3 == 0 else "neutral")
            tagged += 1
    assert tagged >= 10
    assert est["unreviewed"] == 120 - tagged
    assert est["low"] <= est["remaining"] <= est["high"] <= est["unreviewed"]
    assert est["remaining"] > 0  # a third of the sample were regressions
    nxt = suggest_sample(db, cid, size=4)
    assert len(nxt.pair_ids) == 4 and nxt.band is not None


def test_pairs_without_a_band_widen_the_interval(db: Database) -> None:
    cid = _load(db, 40)
    assign_bands(db, cid, rng=np.random.default_rng(1))
    while not (est := estimate_remaining(db, cid))["complete"]:
        for pid in est["suggest"]["pair_ids"]:
            reviews.record(db, pid, "tester", tag="neutral")
    extra = [PairRecord(f"new{i}", "p", "old answer.", "new answer.") for i in range(7)]
    with write_transaction(db):
        PairWriter(db, cid, LoadReport()).write(extra)
    quick = estimate_remaining(db, cid, assign=False)
    assert not quick["complete"]
    assert quick["high"] >= 7 and quick["unreviewed"] == est["unreviewed"] + 7
    assert any(b["band"] == -1 and b["unreviewed"] == 7 for b in quick["bands"])


_EST = {"unreviewed": 40, "found": 3, "low": 12, "high": 41, "confidence": 0.9, "bands": [{}] * 4}


@pytest.mark.parametrize(
    "remaining, short, text",
    [
        (23.4, True, "~23 left (12-41)"),
        (None, True, "? left (12-41)"),
        (23.4, False, "about 23 regressions remain among 40 unreviewed pairs (90% interval 12-41)"),
        (None, False, "no estimate yet (2 of 4 bands have no random sample tagged): 12-41"),
    ],
)
def test_one_wording_of_the_estimate(remaining, short, text):
    from swapview.triage.estimate import describe_remaining

    est = {**_EST, "remaining": remaining, "unsampled_bands": 2}
    assert describe_remaining(est, short=short).startswith(text)
    assert describe_remaining({**est, "unreviewed": 0}, short=True) == "none left"
