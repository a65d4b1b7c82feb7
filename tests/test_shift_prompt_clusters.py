"""Clusters of the prompts as shift slices: a change that lives in one kind of question
shows in that cluster, with no metadata field to cut by."""

from __future__ import annotations

from swapview.coverage.analysis import prompt_clusters
from swapview.scoring.runner import score_comparison
from swapview.shift import build_shift
from swapview.store import PairRecord
from tests.support.shift_data import REFUSAL
from tests.support.shift_data import load as _load

COOKING = [
    f"How long should I {verb} the {food} before serving it for dinner?"
    for verb in ("roast", "boil", "bake", "grill", "simmer", "steam")
    for food in ("chicken", "potatoes", "salmon", "carrots", "rice")
]
TAX = [
    f"Can I deduct {item} from my {year} income tax return as a {who}?"
    for item in ("home office costs", "mileage", "charity gifts", "medical bills", "tuition")
    for year in ("2023", "2024")
    for who in ("freelancer", "landlord", "retiree")
]


def _records() -> list[PairRecord]:
    out = []
    for i, prompt in enumerate(COOKING):
        text = f"Cook it for about {10 + i} minutes, then let it rest before serving."
        out.append(PairRecord(f"cook-{i}", prompt, text, text + " Enjoy.", {}))
    for i, prompt in enumerate(TAX):
        old = f"Usually yes: keep the receipts and claim it under the section for item {i}."
        out.append(PairRecord(f"tax-{i}", prompt, old, REFUSAL, {}))  # refused, tax only
    return out


def test_a_change_in_one_kind_of_question_shows_in_its_prompt_cluster(db, static_embedder):
    comp = _load(db, "topics", _records())
    score_comparison(db, "topics", static_embedder)
    found = prompt_clusters(db, comp["id"], static_embedder, clusters=2)
    result = build_shift(db, comp, (), (found.pair_ids, found.cluster, found.labels))
    refusals = [r for r in result.rows if r.measure == "refusal_rate" and r.scope != "all"]
    top = max(refusals, key=lambda r: r.new or 0)
    assert top.scope.startswith("prompt=") and top.new == 1.0 and top.n == len(TAX)
    assert "tax" in top.scope or "deduct" in top.scope or "income" in top.scope
    other = min(refusals, key=lambda r: r.new or 0)
    assert other.new == 0.0 and other.n == len(COOKING)
