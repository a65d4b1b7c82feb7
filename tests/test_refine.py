"""Refinement on real SQLite with the real static model and real MiniLM, on real texts."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from swapview import queue
from swapview.errors import SwapviewError
from swapview.scoring.embeddings.base import cosine_distance, is_blank
from swapview.scoring.embeddings.cache import EmbeddingCache, embed_with_cache
from swapview.scoring.refine import (
    RefineProgress,
    model_label,
    refine,
    refine_progress,
    refine_step,
    status_text,
    stored_fit,
)
from swapview.scoring.refinefit import Fit, fit_line, head_ladder, intrusion_chance
from swapview.scoring.runner import score_comparison
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction

FILE = "alpaca_eval__gpt-3.5-turbo-0301__gpt-3.5-turbo-0613.jsonl.gz"
N_PAIRS = 60


def _short(text: str | None, chars: int = 160) -> str:
    # Real outputs cut at a word: MiniLM reads short texts fast, so the test stays quick.
    text = text or ""
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0]


def real_records(realdata, n: int = N_PAIRS) -> list[PairRecord]:
    with gzip.open(realdata / "pairs" / FILE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(n), fh, strict=False)]
    records = [
        PairRecord(
            f"k{i:03d}",
            r["prompt"],
            _short(r["baseline_output"]),
            _short(r["candidate_output"]),
            {},
        )
        for i, r in enumerate(rows)
    ]
    records[0].candidate_output = records[0].baseline_output  # identical: 0 for every model
    records[1].candidate_output = ""  # a blank side: 1 for every model
    return records


def load(db, records, name: str = "demo") -> int:
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        PairWriter(db, cid, LoadReport()).write(records)
    return cid


@pytest.fixture
def scored(db, realdata, static_embedder):
    records = real_records(realdata)
    cid = load(db, records)
    score_comparison(db, "demo", static_embedder)
    return db, cid, records


def accurate_distances(embedder, records) -> dict[str, float]:
    texts = [t or "" for r in records for t in (r.baseline_output, r.candidate_output)]
    vectors = embedder.embed(texts)
    out = {}
    for i, r in enumerate(records):
        a, b = r.baseline_output, r.candidate_output
        out[r.key] = cosine_distance(
            vectors[2 * i], vectors[2 * i + 1], blank_a=is_blank(a), blank_b=is_blank(b)
        )
    return out


def queue_keys(db, cid) -> list[str]:
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, 1000)
    return [r.key for r in rows]


def test_refined_all_the_queue_is_the_accurate_models_order(scored, minilm_embedder):
    db, cid, records = scored
    report = refine(db, "demo", minilm_embedder, batch=16)
    assert report.refined_now == N_PAIRS and report.progress.done
    truth = accurate_distances(minilm_embedder, records)
    got = queue_keys(db, cid)
    expected = sorted(truth, key=lambda k: truth[k], reverse=True)
    # Same order up to float noise between batch and one-by-one embedding.
    ranks = {k: i for i, k in enumerate(expected)}
    assert max(abs(ranks[k] - i) for i, k in enumerate(got)) <= 1
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, 5)
    assert {r.refined_model for r in rows} == {minilm_embedder.name}
    stored = dict(
        db.execute(
            "SELECT p.key, s.refined_distance FROM scores s JOIN pairs p ON p.id = s.pair_id"
        )
    )
    assert stored["k000"] == 0.0 and stored["k001"] == 1.0
    np.testing.assert_allclose([stored[k] for k in truth], list(truth.values()), atol=2e-3)


def test_partial_refinement_sorts_both_kinds_on_one_scale(scored, minilm_embedder):
    db, cid, _ = scored
    refine(db, "demo", minilm_embedder, target=44, batch=6)
    fit = stored_fit(db, cid, minilm_embedder.name)
    assert fit is not None and fit.slope > 0
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, 1000)
    assert sum(r.refined_model is not None for r in rows) == 44
    static = dict(db.execute("SELECT pair_id, semantic_distance FROM scores"))
    accurate = dict(db.execute("SELECT pair_id, refined_distance FROM scores"))
    # Every row's place is its expected accurate distance: measured where refined,
    # predicted from the static distance by the fitted line elsewhere.
    expected = [
        accurate[r.pair_id] if r.refined_model else fit.slope * static[r.pair_id] + fit.intercept
        for r in rows
    ]
    assert all(a >= b - 1e-9 for a, b in zip(expected, expected[1:], strict=False))


def test_after_calibration_the_static_head_comes_first(scored, minilm_embedder):
    db, cid, _ = scored
    refine(db, "demo", minilm_embedder, target=44, batch=6)
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, 1000)
    refined = {r.pair_id for r in rows if r.refined_model}
    static = dict(db.execute("SELECT pair_id, semantic_distance FROM scores"))
    # After the calibration sample (32 pairs spread over the range), the head by static
    # distance first: the 12 pairs the static queue put first all carry MiniLM's distance.
    top_static = sorted(static, key=lambda p: (static[p], p), reverse=True)[: 44 - 32]
    assert set(top_static) <= refined


def test_pairs_whose_texts_are_cached_come_first_and_free(
    db, realdata, static_embedder, minilm_embedder
):
    records = real_records(realdata)
    # Two pairs repeat pair 2's outputs (the same prompt answered twice, say).
    again = [
        PairRecord(k, "again", records[2].baseline_output, records[2].candidate_output, {})
        for k in ("k998", "k999")
    ]
    load(db, records + again)
    score_comparison(db, "demo", static_embedder)
    refine_step(db, "demo", minilm_embedder)  # the calibration sample
    refined = dict(
        db.execute("SELECT p.key, s.refined_model FROM scores s JOIN pairs p ON p.id = s.pair_id")
    )
    # Put pair 2's texts in the cache (as its own refinement would): the copies are free.
    cache = EmbeddingCache(db, minilm_embedder.name)
    texts = [records[2].baseline_output, records[2].candidate_output]
    _, fresh = embed_with_cache(cache, minilm_embedder, texts)
    with write_transaction(db):
        cache.put_many(fresh.items())
    free = {k for k in ("k002", "k998", "k999") if refined[k] is None}
    step = refine_step(db, "demo", minilm_embedder, batch=3)
    after = dict(
        db.execute("SELECT p.key, s.refined_model FROM scores s JOIN pairs p ON p.id = s.pair_id")
    )
    newly = {k for k, m in after.items() if m and not refined[k]}
    assert free <= newly and step.refined == len(free) + 3
    costly = newly - free
    assert step.embedded == sum(
        not is_blank(t)
        for r in records
        if r.key in costly
        for t in {r.baseline_output, r.candidate_output}
    )


def test_refinement_resumes_and_embeds_nothing_twice(scored, minilm_embedder):
    db, cid, records = scored
    first = refine(db, "demo", minilm_embedder, target=40)
    again = refine(db, "demo", minilm_embedder, target=40)
    rest = refine(db, "demo", minilm_embedder)
    assert first.progress.refined == 40 and again.refined_now == 0
    assert rest.refined_now == N_PAIRS - 40 and rest.progress.done
    texts = {t for r in records for t in (r.baseline_output, r.candidate_output) if not is_blank(t)}
    assert first.texts_embedded + rest.texts_embedded == len(texts)
    assert again.texts_embedded == 0


def test_new_content_drops_its_refinement(scored, minilm_embedder, static_embedder):
    db, cid, records = scored
    refine(db, "demo", minilm_embedder)
    records[5].candidate_output = "A completely different answer about the weather."
    load(db, records)
    score_comparison(db, "demo", static_embedder)
    row = db.execute(
        "SELECT s.refined_model, s.refined_on_static FROM scores s JOIN pairs p"
        " ON p.id = s.pair_id WHERE p.key = 'k005'"
    ).fetchone()
    assert row == (None, None)
    state = refine_progress(db, "demo", minilm_embedder.name)
    assert state.refined == N_PAIRS - 1 and not state.done
    step = refine_step(db, "demo", minilm_embedder)
    assert step.refined == 1 and step.progress.done and step.embedded == 1


def test_refining_needs_scores_and_another_model(db, realdata, static_embedder, minilm_embedder):
    load(db, real_records(realdata, 5))
    with pytest.raises(SwapviewError, match="score the comparison first"):
        refine_step(db, "demo", minilm_embedder)
    score_comparison(db, "demo", static_embedder)
    with pytest.raises(SwapviewError, match="already scored with"):
        refine_step(db, "demo", static_embedder)


def test_progress_reports_every_step_and_ends_settled(scored, minilm_embedder):
    db, cid, _ = scored
    seen = []
    refine(db, "demo", minilm_embedder, batch=8, progress=seen.append)
    assert seen[0].refined == 0 and seen[0].settled == 0
    settled = [s.settled for s in seen]
    assert settled[-1] == N_PAIRS and seen[-1].head == N_PAIRS
    assert all(s.settled <= s.total and s.head <= s.total for s in seen)
    assert [s.refined for s in seen] == sorted(s.refined for s in seen)


# Pure parts: the fitted line, the stop rule's pieces, the status line.


def test_fit_line_recovers_a_line_and_guards_its_slope():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 0.6, 400)
    fit = fit_line(x, 0.5 * x + 0.1 + rng.normal(0, 0.02, 400))
    assert fit.slope == pytest.approx(0.5, abs=0.02) and fit.sigma == pytest.approx(0.02, rel=0.1)
    assert fit.to_static(0.5 * 0.3 + 0.1) == pytest.approx(0.3, abs=0.01)
    falling = fit_line(x, 1 - x)
    assert falling.slope > 0  # never inverted: the map must keep the order
    assert fit_line(x[:3], x[:3]).sigma == 1.0  # too few pairs: nothing settles


def test_intrusion_chance_falls_with_distance_below_the_threshold():
    chance = intrusion_chance(np.array([0.9, 0.5, 0.4, 0.1]), 0.5, Fit(1.0, 0.0, 0.05, 100))
    assert chance[0] > 0.99 and chance[1] == pytest.approx(0.5) and chance[3] < 1e-9
    assert list(chance) == sorted(chance, reverse=True)


@pytest.mark.parametrize(
    "total, ladder",
    [(0, []), (10, [10]), (60, [25, 50, 60]), (200, [25, 50, 100, 200])],
)
def test_head_ladder(total, ladder):
    assert head_ladder(total) == ladder


M = "all-MiniLM-L6-v2-int8-w3"


@pytest.mark.parametrize(
    "state, text",
    [
        (RefineProgress(M, 0, 0, 0, 0, False), "meaning: nothing scored yet"),
        (
            RefineProgress(M, 805, 0, 0, 0, False),
            "meaning: static model (MiniLM refinement not started)",
        ),
        (RefineProgress(M, 805, 32, 3, 0, False), "meaning: calibrating MiniLM (32 pairs)"),
        (RefineProgress(M, 805, 432, 400, 0, True), "meaning: first 400 of 805 refined by MiniLM"),
        (
            RefineProgress(M, 1_000_000, 4_032, 4_000, 1_600, True),
            "meaning: first 4,000 of 1,000,000 refined by MiniLM, first 1,600 settled",
        ),
        (RefineProgress(M, 805, 805, 805, 805, True), "meaning: all 805 refined by MiniLM"),
    ],
)
def test_status_text(state, text):
    assert status_text(state) == text


@pytest.mark.parametrize(
    "name, label",
    [(None, "static"), ("swapview-static-x", "static"), (M, "MiniLM"), ("e5-small", "e5-small")],
)
def test_model_label(name, label):
    assert model_label(name) == label


def test_cli_refines_resumes_and_reports(db_path, realdata, static_embedder):
    from click.testing import CliRunner

    from swapview.cli import main
    from swapview.store import open_db

    db = open_db(db_path)
    load(db, real_records(realdata, 40))
    db.close()
    run = CliRunner().invoke
    first = run(main, ["--db", str(db_path), "score", "--refine", "34"])
    assert first.exit_code == 0, first.output
    assert "refined 34 pairs with all-MiniLM-L6-v2-int8-w3" in first.output
    assert "(34 of 40 now refined)" in first.output
    again = run(main, ["--db", str(db_path), "score", "--refine", "34"])
    assert "refined 0 pairs" in again.output
    rest = run(main, ["--db", str(db_path), "score", "--refine", "all", "--json"])
    [summary] = json.loads(rest.output)
    assert summary["scored"] == 0 and summary["refine"]["refined_now"] == 6
    assert summary["refine"]["refined"] == summary["refine"]["total"] == 40
    bad = run(main, ["--db", str(db_path), "score", "--refine", "most"])
    assert bad.exit_code == 2 and "a number of pairs, or 'all'" in bad.output
