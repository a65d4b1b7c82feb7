"""The judge as a feature of the learned order: its weight comes from the reviewer's tags."""

from __future__ import annotations

import numpy as np
import pytest

from swapview.reviews import record
from swapview.store import open_db
from swapview.triage.features import FEATURE_INDEX, feature_matrix
from swapview.triage.learner import fit_auto, fit_scaler, prior_weights
from swapview.triage.ranking import load_features, refit_and_store
from tests.support.judge_helpers import seed_pairs


def _synthetic(n: int, agreement: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose texts carry no signal; a judge agreeing with the labels `agreement` often."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(float)
    rows = []
    for i in range(n):
        words = int(rng.integers(5, 40))
        base = " ".join(f"w{j}" for j in range(words))
        cand = " ".join(f"w{j}" for j in range(int(rng.integers(5, 40))))
        says_worse = y[i] if rng.random() < agreement else 1 - y[i]
        p = float(np.clip(0.8 * says_worse + 0.1 + rng.normal(0, 0.05), 0, 1))
        rows.append((f"prompt {i}", base, cand, None, (), (p, 1 - p)))
    return feature_matrix(rows), y


@pytest.mark.parametrize("seed", [1, 2])
def test_weight_follows_agreement(seed: int) -> None:
    col = FEATURE_INDEX["judge_p_regression"]
    assert prior_weights()[col] == 0.0  # no trust assumed before any tag
    weights = {}
    for name, agreement in [("good", 0.9), ("useless", 0.5)]:
        X, y = _synthetic(400, agreement, seed)
        Z = fit_scaler(X).transform(X)
        weights[name] = fit_auto(Z, y).weights[col]
    assert weights["good"] > 0.5
    assert abs(weights["useless"]) < 0.25
    assert weights["good"] > 4 * abs(weights["useless"])


def test_stored_verdicts_enter_the_learned_order(tmp_path) -> None:
    db = open_db(tmp_path / "s.db")
    cid = seed_pairs(db, 4)
    db.execute("INSERT INTO judge_rubrics (hash, text, created) VALUES ('r', 'rubric', 'now')")
    for pid, choice_new_worse in [(1, 0.9), (2, 0.2)]:
        h = db.execute("SELECT content_hash FROM pairs WHERE id = ?", [pid]).fetchone()[0]
        for order in ("old_first", "new_first"):
            db.execute(
                "INSERT INTO judge_verdicts (pair_id, judge_model, rubric_hash, ask_order,"
                " status, verdict, p_new_worse, p_same, p_new_better, pair_hash, created)"
                " VALUES (?, 'j', 'r', ?, 'ok', 'new_worse', ?, 0.0, ?, ?, 'now')",
                [pid, order, choice_new_worse, 1 - choice_new_worse, h],
            )
    db.conn.commit()
    record(db, 1, "ana", tag="regression")
    refit_and_store(db, cid)
    table = load_features(db, cid)
    col = FEATURE_INDEX["judge_p_regression"]
    by_id = dict(zip(table.pair_ids.tolist(), table.X[:, col].tolist(), strict=True))
    assert by_id[1] == pytest.approx(0.9) and by_id[2] == pytest.approx(0.2)
    assert np.isnan(by_id[3]) and np.isnan(by_id[4])
