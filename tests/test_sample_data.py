"""sample_data/: regenerates byte for byte, loads cleanly, and its answer key lines up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from swapview.ingest import load_files
from swapview.store import decode_prompt

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
FAILURE_KINDS = {
    "json_broke",
    "json_keys_changed",
    "json_types_changed",
    "refusal_appeared",
    "much_shorter",
    "truncated",
    "language_changed",
    "markdown_changed",
    "wrong_fact",
    "much_longer",
}


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path):
    subprocess.run(
        [sys.executable, str(SAMPLE_DATA / "make_sample.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("support_assistant.jsonl", "answer_key.jsonl"):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DATA / name).read_bytes(), name


def test_sample_loads_with_chat_prompts_models_and_metadata(db):
    report = load_files(db, [SAMPLE_DATA / "support_assistant.jsonl"])
    assert (report.comparison, report.loaded, report.skipped) == ("support_assistant", 308, [])
    assert report.identical_outputs == 56
    assert db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone() == (
        "gpt-4o-2024-08-06",
        "gpt-4.1-mini-2025-04-14",
    )
    formats = Counter(f for (f,) in db.execute("SELECT prompt_format FROM pairs"))
    assert formats == {"chat": 208, "text": 100}
    pair = next(db.query("SELECT * FROM pairs WHERE key LIKE 'sup-%' LIMIT 1"))
    prompt = decode_prompt(pair["prompt"], pair["prompt_format"])
    assert prompt[0]["role"] == "system" and prompt[-1]["role"] == "user"
    assert json.loads(pair["metadata"])["feature"] == "support_answer"


def test_answer_key_covers_every_pair_and_every_failure_kind():
    rows = [json.loads(x) for x in (SAMPLE_DATA / "support_assistant.jsonl").open()]
    key = {k["key"]: k for k in map(json.loads, (SAMPLE_DATA / "answer_key.jsonl").open())}
    assert [r["id"] for r in rows] == list(key)
    assert {k["planted"] for k in key.values()} - {None} == FAILURE_KINDS
    assert Counter(k["expected_tag"] for k in key.values()) == {
        "neutral": 148,
        "regression": 128,
        "improvement": 32,
    }
    for row in rows:  # unchanged means identical; every planted failure changed something
        same = row["baseline_output"] == row["candidate_output"]
        assert same == (key[row["id"]]["kind"] == "unchanged"), row["id"]
    assert len({r["baseline_output"] for r in rows}) > 280  # varied text, not copies


def test_support_baselines_are_the_promised_json_shape():
    for line in (SAMPLE_DATA / "support_assistant.jsonl").open():
        row = json.loads(line)
        if row["feature"] == "support_answer":
            out = json.loads(row["baseline_output"])
            assert set(out) == {"answer", "category", "escalate"}, row["id"]
