"""The planted quirks in sample_data/ fire the right signals once scored (real model)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from swapview.ingest import load_files
from swapview.scoring.runner import score_comparison
from swapview.scoring.signals import SIGNAL_NAMES
from tests.conftest import SAMPLE_DATA


@pytest.fixture
def scored(db, static_embedder):
    report = load_files(db, [SAMPLE_DATA / "support_assistant.jsonl"])
    score_comparison(db, report.comparison, static_embedder)
    fired: dict[str, set[str]] = defaultdict(set)
    for key, name in db.execute(
        "SELECT p.key, g.name FROM signals g JOIN pairs p ON p.id = g.pair_id"
    ):
        fired[key].add(name)
    answer_key = [json.loads(line) for line in (SAMPLE_DATA / "answer_key.jsonl").open()]
    return db, fired, answer_key


def test_every_planted_signal_fires(scored):
    _, fired, answer_key = scored
    planted = [k for k in answer_key if k["planted"] in SIGNAL_NAMES]
    assert len(planted) > 90
    missed = [
        (k["key"], k["planted"], sorted(fired[k["key"]]))
        for k in planted
        if k["planted"] not in fired[k["key"]]
    ]
    assert missed == []


def test_quiet_where_nothing_was_planted(scored):
    _, fired, answer_key = scored
    for k in answer_key:
        if k["kind"] in ("unchanged", "keys_reordered"):
            assert fired[k["key"]] == set(), k["key"]
    json_signals = {"json_broke", "json_fixed", "json_keys_changed", "json_types_changed"}
    for k in answer_key:
        if k["kind"] == "reworded":  # same facts and shape, other words
            assert not fired[k["key"]] & json_signals, k["key"]


def test_unchanged_pairs_score_zero_and_planted_ones_move(scored):
    db, _, answer_key = scored
    distance = dict(
        db.execute(
            "SELECT p.key, s.semantic_distance FROM scores s JOIN pairs p ON p.id = s.pair_id"
        )
    )
    kinds = {k["key"]: k["kind"] for k in answer_key}
    unchanged = [distance[k] for k, kind in kinds.items() if kind == "unchanged"]
    assert max(unchanged) == pytest.approx(0.0, abs=1e-5)
    planted = [distance[k["key"]] for k in answer_key if k["planted"]]
    assert min(planted) > 0.0
