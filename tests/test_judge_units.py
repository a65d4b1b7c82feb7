"""The judge's pure parts: the tolerant parser, logprob confidence, combining orders, kappa."""

from __future__ import annotations

import math

import pytest

from swapview.judge.protocol import (
    choice_probabilities,
    combine,
    parse_answer,
    to_verdict,
    verdict_probabilities,
)
from swapview.judge.stats import cohen_kappa


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ('{"better": "A", "rationale": "more precise"}', "A"),
        ('  {"better":"same","rationale":""}\n', "same"),
        ('Sure! ```json\n{"better": "B", "rationale": "x"}\n``` hope it helps', "B"),
        ('I think {"verdict": "tie"} overall', "same"),
        ('"better": "B", because it cites the policy.', "B"),
        ('{"winner": "answer a"}', "A"),
        ("Answer A is clearly better.", None),  # prose without an explicit field
        ('{"better": "C"}', None),
        ('{"rationale": "both fine"}', None),
        ("", None),
        ('{"better": "A", "rationale": "cut off', "A"),  # max_tokens hit after the choice
        ('{"better": "', None),  # hit before it
    ],
)
def test_parse_answer(text: str, choice: str | None) -> None:
    assert parse_answer(text).choice == choice


@pytest.mark.parametrize(
    ("choice", "order", "verdict"),
    [
        ("A", "old_first", "new_worse"),
        ("B", "old_first", "new_better"),
        ("A", "new_first", "new_better"),
        ("B", "new_first", "new_worse"),
        ("same", "new_first", "same"),
    ],
)
def test_to_verdict(choice: str, order: str, verdict: str) -> None:
    assert to_verdict(choice, order) == verdict  # type: ignore[arg-type]


def _lp(tokens: list[tuple[str, list[tuple[str, float]]]]) -> dict:
    return {
        "content": [
            {
                "token": t,
                "logprob": alts[0][1] if alts else -0.01,
                "top_logprobs": [{"token": a, "logprob": math.log(p)} for a, p in alts],
            }
            for t, alts in tokens
        ]
    }


def test_choice_probabilities_read_the_choice_token() -> None:
    lp = _lp(
        [
            ('{"', []),
            ("better", []),
            ('":', []),
            (' "', []),
            ("B", [("B", 0.6), ("A", 0.3), ("s", 0.1)]),
            ('"', []),
        ]
    )
    p = choice_probabilities(lp)
    assert p == pytest.approx({"A": 0.3, "B": 0.6, "same": 0.1})
    assert verdict_probabilities(p, "new_first") == pytest.approx(
        {"new_worse": 0.6, "same": 0.1, "new_better": 0.3}
    )


def test_choice_probabilities_none_without_logprobs_or_choice() -> None:
    assert choice_probabilities(None) is None
    assert choice_probabilities({"content": None}) is None
    assert choice_probabilities(_lp([("hello", [("hello", 0.9)])])) is None


def test_combine_by_agreement_and_by_logprobs() -> None:
    agree = combine({"old_first": ("new_worse", None), "new_first": ("new_worse", None)})
    assert (agree.verdict, agree.confidence, agree.inconsistent, agree.source) == (
        "new_worse", 1.0, False, "agreement"
    )  # fmt: skip
    split = combine({"old_first": ("new_worse", None), "new_first": ("new_better", None)})
    assert (split.verdict, split.inconsistent) == ("same", True)
    half = combine({"old_first": ("new_worse", None), "new_first": ("same", None)})
    # One order worse, one same: the cautious "same", the evidence kept in p_regression.
    assert (half.verdict, half.confidence, half.p_regression) == ("same", 0.5, 0.5)
    probs = combine(
        {
            "old_first": ("new_worse", {"new_worse": 0.7, "same": 0.2, "new_better": 0.1}),
            "new_first": ("new_worse", {"new_worse": 0.5, "same": 0.1, "new_better": 0.4}),
        }
    )
    assert probs.source == "logprobs"
    assert probs.p_regression == pytest.approx(0.6)
    assert probs.confidence == pytest.approx(0.6)


def test_kappa_known_values() -> None:
    # Perfect agreement over two labels: kappa 1.
    perfect = cohen_kappa([("new_worse", "new_worse")] * 5 + [("same", "same")] * 5)
    assert perfect.kappa == 1.0 and perfect.agreement == 1.0
    # A textbook 2x2: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4.
    table = (
        [("new_worse", "new_worse")] * 20
        + [("new_worse", "same")] * 5
        + [("same", "new_worse")] * 10
        + [("same", "same")] * 15
    )
    k = cohen_kappa(table)
    assert k.kappa == pytest.approx(0.4)
    assert k.low < 0.4 < k.high
    se = math.sqrt(0.7 * 0.3 / (50 * 0.25))
    assert k.high - k.low == pytest.approx(2 * 1.959964 * se, abs=1e-3)
    # A judge that always answers the same thing: no better than chance.
    assert cohen_kappa([("new_worse", "same"), ("same", "same")]).kappa == 0.0
    assert cohen_kappa([]).kappa is None


def test_pick_orders(tmp_path) -> None:
    from swapview.judge.pick import candidate_ids
    from swapview.store import open_db
    from tests.support.judge_helpers import seed_pairs

    db = open_db(tmp_path / "s.db")
    cid = seed_pairs(db, 6)
    assert list(candidate_ids(db, cid, "auto", None)) == [1, 2, 3, 4, 5, 6]  # no order yet
    # log-odds: pair 1 surest regression, pair 4 the least certain.
    for pid, score in [(1, 3.0), (2, 1.0), (3, -2.0), (4, 0.1), (5, -4.0)]:
        db.execute(
            "INSERT INTO triage_scores (pair_id, comparison_id, score, model_version, updated)"
            " VALUES (?, ?, ?, 'v', 'now')",
            [pid, cid, score],
        )
    assert list(candidate_ids(db, cid, "head", None)) == [1, 2, 4, 3, 5, 6]
    assert list(candidate_ids(db, cid, "uncertain", None))[:3] == [4, 2, 3]
    assert list(candidate_ids(db, cid, "auto", 2))[:2] == [4, 2]
    sample = list(candidate_ids(db, cid, "sample", None, seed=3))
    assert sorted(sample) == [1, 2, 3, 4, 5, 6]
