"""Loading the real paired outputs in ../shared/realdata: every pairs file and both raw joins."""

from __future__ import annotations

import gzip
import json

import pytest

from swapview import reviews
from swapview.ingest import load_files
from swapview.store import decode_prompt

PAIRS = [
    ("alpaca_eval__claude-2__claude-2.1", 805, "claude-2", "claude-2.1"),
    (
        "alpaca_eval__gpt-3.5-turbo-0301__gpt-3.5-turbo-0613",
        805,
        "gpt-3.5-turbo-0301",
        "gpt-3.5-turbo-0613",
    ),
    (
        "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview",
        805,
        "gpt-3.5-turbo-1106",
        "gpt4_1106_preview",
    ),
    ("arena_bench_v1__claude-2__claude-2.1", 300, "claude-2", "claude-2.1"),
    (
        "arena_bench_v1__gpt-3.5-turbo__gpt-3.5-turbo-1106",
        300,
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-1106",
    ),
    ("arena_bench_v1__gpt-4-0314__gpt-4-1106-preview", 300, "gpt-4-0314", "gpt-4-1106-preview"),
]


def _source_rows(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("stem, count, baseline, candidate", PAIRS, ids=[p[0] for p in PAIRS])
def test_every_pairs_file_loads_with_fields_and_metadata(
    realdata, db, stem, count, baseline, candidate
):
    path = realdata / "pairs" / f"{stem}.jsonl.gz"
    report = load_files(db, [path])
    assert (report.comparison, report.loaded, report.skipped) == (stem, count, [])
    comp = db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone()
    assert comp == (baseline, candidate)
    stored = {r["key"]: r for r in db.query("SELECT * FROM pairs")}
    source = _source_rows(path)
    assert len(stored) == len(source) == count
    for row in source[:: max(1, count // 40)]:
        pair = stored[row["id"]]
        assert pair["prompt"] == row["prompt"]
        assert (pair["baseline_output"], pair["candidate_output"]) == (
            row["baseline_output"],
            row["candidate_output"],
        )
        meta = json.loads(pair["metadata"])
        assert meta["preference"] == row["preference"]
        assert meta["baseline_model"] == baseline
        if stem.startswith("alpaca"):
            assert meta["labels"] == row["labels"]
        else:
            assert meta["baseline_score"] == row["baseline_score"]
    identical = sum(r["baseline_output"] == r["candidate_output"] for r in source)
    assert report.identical_outputs == identical


def test_alpaca_raw_model_outputs_join_on_instruction(realdata, db):
    raw = realdata / "raw" / "alpaca_eval"
    report = load_files(
        db, [raw / "claude-2" / "model_outputs.json", raw / "claude-2.1" / "model_outputs.json"]
    )
    assert report.loaded == 805
    assert (report.unmatched_baseline, report.unmatched_candidate) == ([], [])
    assert report.comparison == "claude-2-vs-claude-2.1"
    assert db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone() == (
        "claude-2",
        "claude-2.1",
    )
    old = json.loads((raw / "claude-2" / "model_outputs.json").read_text())
    new = {
        r["instruction"]: r["output"]
        for r in json.loads((raw / "claude-2.1" / "model_outputs.json").read_text())
    }
    stored = {
        r[0]: r[1:]
        for r in db.execute("SELECT prompt, baseline_output, candidate_output, metadata FROM pairs")
    }
    for row in old[::50]:
        base, cand, meta = stored[row["instruction"]]
        assert (base, cand) == (row["output"], new[row["instruction"]])
        assert json.loads(meta)["dataset"] == row["dataset"]


def test_arena_fastchat_answers_join_on_question_id(realdata, db):
    raw = realdata / "raw" / "arena_bench_v1"
    report = load_files(db, [raw / "gpt-4-0314.jsonl", raw / "gpt-4-1106-preview.jsonl"])
    assert report.loaded == 300
    assert (report.unmatched_baseline, report.unmatched_candidate) == ([], [])
    assert db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone() == (
        "gpt-4-0314",
        "gpt-4-1106-preview",
    )
    first = json.loads((raw / "gpt-4-0314.jsonl").open().readline())
    pair = next(db.query("SELECT * FROM pairs WHERE key = ?", [first["question_id"]]))
    assert pair["baseline_output"] == first["choices"][0]["turns"][0]
    assert json.loads(pair["metadata"])["baseline"]["answer_id"] == first["answer_id"]
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) is None


def test_join_reports_unmatched_keys_each_side(realdata, tmp_path, db):
    raw = realdata / "raw" / "arena_bench_v1"
    old = (raw / "gpt-4-0314.jsonl").read_text().splitlines(keepends=True)
    new = (raw / "gpt-4-1106-preview.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "old.jsonl").write_text("".join(old[:290]))
    (tmp_path / "new.jsonl").write_text("".join(new[5:]))
    report = load_files(db, [tmp_path / "old.jsonl", tmp_path / "new.jsonl"])
    assert report.loaded == 285
    assert report.unmatched_baseline == [json.loads(x)["question_id"] for x in old[:5]]
    assert report.unmatched_candidate == [json.loads(x)["question_id"] for x in old[290:]]


def test_reload_changes_nothing_then_new_version_updates_and_marks_stale(realdata, tmp_path, db):
    path = realdata / "pairs" / "arena_bench_v1__claude-2__claude-2.1.jsonl.gz"
    first = load_files(db, [path])
    pid, key = db.execute("SELECT id, key FROM pairs ORDER BY id LIMIT 1").fetchone()
    reviews.record(db, pid, "ana", tag="regression", note="worse")
    before = db.execute("SELECT * FROM pairs ORDER BY id").fetchall()
    again = load_files(db, [path])
    assert (first.loaded, again.loaded, again.updated, again.unchanged) == (300, 0, 0, 300)
    assert db.execute("SELECT * FROM pairs ORDER BY id").fetchall() == before
    rows = _source_rows(path)
    rows[0]["candidate_output"] += " (revised)"
    newer = tmp_path / "v2.jsonl"
    newer.write_text("".join(json.dumps(r) + "\n" for r in rows))
    update = load_files(db, [newer], comparison=first.comparison)
    assert (update.loaded, update.updated, update.unchanged, update.stale_reviews) == (0, 1, 299, 1)
    decision = reviews.current(db, pid)
    assert decision.tag == "regression" and decision.stale
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 300
