"""score_comparison and `swapview score` on real SQLite files with the real static model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.errors import NotFoundError
from swapview.scoring import runner
from swapview.scoring.runner import score_comparison
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)

PAIRS = [
    PairRecord("same", "p", "The sky is blue today.", "The sky is blue today.", {}),
    PairRecord(
        "para", "p", "The meeting moved to Thursday.", "We moved the meeting to Thursday.", {}
    ),
    PairRecord("json", "p", '{"name": "Ada", "age": 36}', "Her name is Ada and she is 36.", {}),
    PairRecord(
        "refuse",
        "p",
        "Here are three tips for sleeping better at night.",
        "I'm sorry, but I can't help with that.",
        {},
    ),
    PairRecord("empty", "p", "A full answer with several words in it.", "", {}),
    PairRecord("both-empty", "p", "", "", {}),
    PairRecord("cut", "p", "Short answer.", "Fine.", {"finish_reason": "length"}),
]


def load(db, records, name: str = "demo") -> None:
    load_report(db, records, name)


def load_report(db, records, name: str = "demo") -> LoadReport:
    report = LoadReport()
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        PairWriter(db, cid, report).write(records)
    return report


def scores(db) -> dict[str, dict]:
    rows = db.query("SELECT p.key, s.* FROM scores s JOIN pairs p ON p.id = s.pair_id")
    return {r["key"]: r for r in rows}


def signals(db) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, name in db.execute(
        "SELECT p.key, g.name FROM signals g JOIN pairs p ON p.id = g.pair_id"
    ):
        out.setdefault(key, set()).add(name)
    return out


def test_scores_every_pair_with_signals_and_defined_blank_distances(db, static_embedder):
    load(db, PAIRS)
    calls = []
    report = score_comparison(
        db,
        "demo",
        static_embedder,
        chunk_pairs=3,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert report.scored == report.pairs == len(PAIRS)
    assert calls[0] == (0, 7) and calls[-1] == (7, 7)
    got = scores(db)
    assert got["same"]["semantic_distance"] == pytest.approx(0.0, abs=1e-5)
    assert got["same"]["lexical_distance"] == 0.0
    assert got["para"]["semantic_distance"] < got["refuse"]["semantic_distance"]
    assert got["empty"]["semantic_distance"] == 1.0
    assert got["both-empty"]["semantic_distance"] == 0.0
    assert got["empty"]["length_change"] == -1.0
    assert {r["embedding_model"] for r in got.values()} == {static_embedder.name}
    sig = signals(db)
    assert sig["json"] == {"json_broke"}
    assert sig["refuse"] == {"refusal_appeared"}
    assert sig["empty"] == {"empty_output"}
    assert sig["cut"] == {"truncated"}
    assert "same" not in sig
    assert got["json"]["signal_count"] == 1
    # nothing embedded twice: the identical texts of "same" share one row
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == report.texts_embedded


def non_blank_outputs(records) -> int:
    return sum(
        bool(t and t.strip()) for r in records for t in (r.baseline_output, r.candidate_output)
    )


@pytest.mark.parametrize("chunk_pairs", [1, 3, 256])
def test_embedded_plus_cached_is_every_text_needed(db, static_embedder, chunk_pairs):
    repeats = [
        PairRecord(f"again-{i}", "p", "The sky is blue today.", "Same words, new pair.", {})
        for i in range(3)
    ]
    records = PAIRS + repeats
    load(db, records)
    report = score_comparison(db, "demo", static_embedder, chunk_pairs=chunk_pairs)
    # "same" and the repeats share texts: each is embedded once, its repeats count as cached
    assert report.texts_embedded + report.texts_cached == non_blank_outputs(records)
    assert report.texts_embedded == db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    load(db, [PairRecord("same", "p", "The sky is blue today.", "The sky is still blue.", {})])
    again = score_comparison(db, "demo", static_embedder)
    assert (again.texts_embedded, again.texts_cached) == (1, 1)


def test_rerun_scores_only_what_changed(db, static_embedder):
    load(db, PAIRS)
    score_comparison(db, "demo", static_embedder)
    again = score_comparison(db, "demo", static_embedder)
    assert again.scored == 0 and again.unchanged == len(PAIRS)
    changed = PairRecord(
        "refuse",
        "p",
        "Here are three tips for sleeping better at night.",
        "Here are three tips for sleeping better at night.",
        {},
    )
    load(db, [changed])
    third = score_comparison(db, "demo", static_embedder)
    assert third.scored == 1 and third.texts_embedded == 0  # both texts already cached
    assert "refuse" not in signals(db)  # the old refusal signal is gone with the change
    assert scores(db)["refuse"]["semantic_distance"] == pytest.approx(0.0, abs=1e-5)


def test_new_metadata_alone_keeps_reviews_and_rescores_signals(db, static_embedder):
    text = "The answer is here and it is complete."
    load(db, [PairRecord("m", "p", text, text, {"finish_reason": "stop"})])
    score_comparison(db, "demo", static_embedder)
    before = signals(db).get("m", set())
    pid = db.execute("SELECT id FROM pairs WHERE key = 'm'").fetchone()[0]
    reviews.record(db, pid, "ana", tag="regression")
    report = load_report(db, [PairRecord("m", "p", text, text, {"finish_reason": "length"})])
    assert (report.updated, report.unchanged, report.metadata_updated) == (0, 1, 1)
    assert json.loads(
        db.execute("SELECT metadata FROM pairs WHERE id = ?", [pid]).fetchone()[0]
    ) == {"finish_reason": "length"}
    assert not reviews.current(db, pid).stale  # the texts judged did not change
    rerun = score_comparison(db, "demo", static_embedder)
    assert rerun.scored == 1 and rerun.texts_embedded == 0
    assert "truncated" in signals(db)["m"] and "truncated" not in before


def test_new_scorer_version_or_model_rescores(db, static_embedder, monkeypatch):
    load(db, PAIRS)
    score_comparison(db, "demo", static_embedder)
    monkeypatch.setattr(runner, "SCORER_VERSION", "test-next")
    assert score_comparison(db, "demo", static_embedder).scored == len(PAIRS)
    assert {r["scorer_version"] for r in scores(db).values()} == {"test-next"}


def test_unknown_comparison_is_a_clear_error(db, static_embedder):
    load(db, PAIRS)
    with pytest.raises(NotFoundError, match="no comparison named 'nope'; known: demo"):
        score_comparison(db, "nope", static_embedder)


def test_cli_score_json_runs_offline_with_no_key(db_path, static_embedder, monkeypatch):
    for name in ("OPENAI_API_KEY", "SWAPVIEW_EMBED_API_KEY", "SWAPVIEW_EMBED_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    db = open_db(db_path)
    load(db, PAIRS)
    db.close()
    result = CliRunner().invoke(main, ["--db", str(db_path), "score", "--json"])
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.output)
    assert summary["scored"] == len(PAIRS)
    assert summary["embedding_model"] == static_embedder.name
    assert summary["signals"]["empty_output"] == 1
    reopened = open_db(db_path)
    assert reopened.execute("SELECT count(*) FROM scores").fetchone()[0] == len(PAIRS)
    text = CliRunner().invoke(main, ["--db", str(db_path), "score", "-c", "demo"])
    assert text.exit_code == 0 and "scored 0 of 7 pairs (7 already up to date)" in text.output


def test_cli_score_errors_are_one_line(db_path, static_embedder, monkeypatch):
    db = open_db(db_path)
    load(db, PAIRS)
    db.close()
    missing = CliRunner().invoke(main, ["--db", str(db_path), "score", "-c", "nope"])
    assert missing.exit_code == 1 and "no comparison named 'nope'" in missing.output
    monkeypatch.delenv("SWAPVIEW_EMBED_BASE_URL", raising=False)
    no_url = CliRunner().invoke(main, ["--db", str(db_path), "score", "--embedder", "http"])
    assert no_url.exit_code == 1 and "needs a base URL" in no_url.output
    assert "Traceback" not in no_url.output
