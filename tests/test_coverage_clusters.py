"""Per-cluster regressions and the gate, on three planted topics of prompts."""

from __future__ import annotations

from swapview import reviews
from swapview.coverage import build_coverage, coverage_metrics, to_markdown
from swapview.coverage.evalcases import EvalCase
from swapview.gates import evaluate, parse_gate
from swapview.store import PairRecord
from swapview.triage.sampling import assign_bands
from tests.support.shift_data import load

TOPICS = {
    "cooking": [
        f"How long should I {verb} the {food} before serving it for dinner?"
        for verb in ("roast", "boil", "bake", "grill", "simmer")
        for food in ("chicken", "potatoes", "salmon", "carrots")
    ],
    "tax": [
        f"Can I deduct {item} from my {year} income tax return as a {who}?"
        for item in ("home office costs", "mileage", "charity gifts", "medical bills")
        for year in ("2023",)
        for who in ("freelancer", "landlord", "retiree", "student", "employee")
    ],
    "python": [
        f"Why does my Python {thing} raise a {error} when I {action}?"
        for thing in ("script", "function")
        for error in ("KeyError", "TypeError")
        for action in ("read the dict", "call it twice", "import numpy", "parse json", "loop")
    ][:20],
}


def test_regressions_in_the_uncovered_cluster_trip_the_gate(db, static_embedder) -> None:
    records = [
        PairRecord(f"{topic}{i}", prompt, "old", "new")
        for topic, prompts in TOPICS.items()
        for i, prompt in enumerate(prompts)
    ]
    comp = load(db, "planted", records)
    for pid, key in db.execute("SELECT id, key FROM pairs").fetchall():
        reviews.record(db, pid, "ana", tag="regression" if key.startswith("tax") else "neutral")
    assign_bands(db, comp["id"])
    suite = [
        EvalCase("suite", i, p) for i, p in enumerate(TOPICS["cooking"][:3] + TOPICS["python"][:3])
    ]
    cov = build_coverage(db, comp, suite, static_embedder, clusters=3)

    blind = [c for c in cov.report.clusters if not c.covered]
    assert len(blind) == 1 and cov.report.clusters[0] is blind[0]
    tax = blind[0]
    assert tax.pairs == 20 and tax.regressions_found == 20
    # Every pair reviewed: the estimate is complete and equals what was found.
    assert tax.regressions_estimated == 20 and tax.regressions_low == tax.regressions_high == 20
    assert all(c.regressions_found == 0 for c in cov.report.clusters if c.covered)
    assert {"deduct", "tax"} & set(tax.words)
    assert cov.report.uncovered_traffic == 20 / 60

    metrics = coverage_metrics(cov.report)
    (result,) = evaluate([parse_gate("uncovered_regressions>0", set(metrics))], metrics)
    assert result.tripped and result.value == 20
    assert "**BLIND**" in to_markdown(cov.report)


def test_cache_matrix_reads_rows_in_order_and_skips_damaged_ones(db) -> None:
    import numpy as np

    from swapview.scoring.embeddings.cache import EmbeddingCache
    from swapview.store import write_transaction

    cache = EmbeddingCache(db, "m")
    good = np.arange(4, dtype=np.float32)
    with write_transaction(db):
        cache.put_many([("a", good), ("b", good * 2)])
        db.execute("UPDATE embeddings SET vector = x'00' WHERE content_hash = 'b'")
    vectors, found = cache.matrix(["zz", "b", "a"], 4)
    assert found.tolist() == [False, False, True]
    assert np.array_equal(vectors[2], good) and not vectors[:2].any()
