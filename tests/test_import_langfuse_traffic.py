"""Langfuse production traffic: traces and generations with no dataset behind them.

Langfuse cannot run here, so the rows are written from its documented public API objects:
``GET /api/public/observations`` (``ObservationsView``: ``id``, ``traceId``, ``type``,
``model``, ``input``, ``output``, ``usage``/``usageDetails``, ``costDetails``,
``calculatedTotalCost``, ``latency`` in seconds, ``level``, ``statusMessage``), the v2
observations' ``providedModelName`` and ``inputUsage``, and ``GET /api/public/traces``
(``id``, ``timestamp``, ``name``, ``input``, ``output``, ``sessionId``, ``tags``,
``metadata``, ``htmlPath``, ``latency``, ``totalCost``, ``observations`` as ids, or as
objects for one trace with its details).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.errors import InputError
from swapview.importers import import_files
from swapview.importers.base import side_metadata
from swapview.store import open_db

QUESTIONS = ["Reset my password", "Cancel my order", "Where is my parcel?"]


def chat(question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You are a support assistant."},
        {"role": "user", "content": question},
    ]


def generation(model: str, question: str, answer: str | None, **extra: Any) -> dict[str, Any]:
    """One GENERATION observation as ``/api/public/observations`` returns it."""
    return {
        "id": f"obs-{model}-{QUESTIONS.index(question)}",
        "traceId": f"trace-{model}-{QUESTIONS.index(question)}",
        "type": "GENERATION",
        "name": "OpenAI-generation",
        "startTime": "2026-11-30T10:00:00.000Z",
        "endTime": "2026-11-30T10:00:01.250Z",
        "model": model,
        "input": chat(question),
        "output": None if answer is None else {"role": "assistant", "content": answer},
        "usage": {"input": 21, "output": 9, "total": 30, "unit": "TOKENS"},
        "calculatedTotalCost": 0.00042,
        "latency": 1.25,
        "level": "DEFAULT",
        "statusMessage": None,
        **extra,
    }


def span(model: str, question: str) -> dict[str, Any]:
    """A SPAN around the generation: no answer of its own."""
    return {
        "id": f"span-{model}-{QUESTIONS.index(question)}",
        "traceId": f"trace-{model}-{QUESTIONS.index(question)}",
        "type": "SPAN",
        "name": "retrieve",
        "input": {"query": question},
        "output": {"documents": ["..."]},
    }


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_generations_of_two_models_pair_by_their_input(tmp_path: Path) -> None:
    rows = [
        generation("gpt-4o", QUESTIONS[0], "Use the reset link."),
        span("gpt-4o", QUESTIONS[0]),
        generation("gpt-4o", QUESTIONS[1], "Orders cancel within 24 h."),
        generation("gpt-4.1", QUESTIONS[1], "You can cancel in Settings."),
        generation("gpt-4.1", QUESTIONS[0], "Click 'Forgot password'."),
        generation("gpt-4.1", QUESTIONS[2], "Tracking is in your email."),
    ]
    page = {"data": rows, "meta": {"page": 1, "limit": 50, "totalItems": 6, "totalPages": 1}}
    result = import_files("langfuse", [write(tmp_path / "observations.json", page)])
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    got = sorted((r.baseline_output, r.candidate_output) for r in result.records)
    assert got == [
        ("Orders cancel within 24 h.", "You can cancel in Settings."),
        ("Use the reset link.", "Click 'Forgot password'."),
    ]
    record = next(r for r in result.records if r.baseline_output == "Use the reset link.")
    assert record.prompt == chat(QUESTIONS[0])
    assert record.key.startswith("in-") and len(record.key) == 19
    new = side_metadata(record.metadata, "candidate")
    assert new["latency_ms"] == 1250 and new["cost"] == 0.00042
    assert (new["input_tokens"], new["output_tokens"], new["total_tokens"]) == (21, 9, 30)
    assert new["trace_id"] == "trace-gpt-4.1-0"
    assert len(result.unmatched_candidate) == 1  # the parcel question, asked of gpt-4.1 only
    assert any("paired by their inputs" in w for w in result.warnings)


def test_v2_generations_and_a_failed_one(tmp_path: Path) -> None:
    def v2(model: str, question: str, answer: str | None, **extra: Any) -> dict[str, Any]:
        row = generation(model, question, answer, **extra)
        del row["model"], row["usage"]
        return row | {"providedModelName": model, "inputUsage": 40, "outputUsage": 12}

    rows = [
        v2("claude-2", QUESTIONS[0], "Reset it here."),
        v2("claude-2.1", QUESTIONS[0], "Go to Settings."),
        v2("claude-2", QUESTIONS[1], "Done."),
        v2("claude-2.1", QUESTIONS[1], None, level="ERROR", statusMessage="429 rate limited"),
    ]
    path = tmp_path / "generations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = import_files("langfuse", [path])
    [record] = result.records
    assert (record.baseline_output, record.candidate_output) == (
        "Reset it here.",
        "Go to Settings.",
    )
    assert side_metadata(record.metadata, "baseline")["input_tokens"] == 40
    [failed] = result.failed
    assert failed.endswith("candidate failed: 429 rate limited")


def trace(tid: str, question: str, answer: str, **extra: Any) -> dict[str, Any]:
    """A trace as ``GET /api/public/traces`` lists it (observations and scores as ids)."""
    return {
        "id": tid,
        "timestamp": "2026-11-30T10:00:00.000Z",
        "name": "support-answer",
        "input": {"question": question},
        "output": answer,
        "sessionId": "s-1",
        "userId": "u-7",
        "tags": ["prod"],
        "metadata": {},
        "htmlPath": f"/project/p/traces/{tid}",
        "latency": 0.8,
        "totalCost": 0.001,
        "observations": [f"{tid}-obs"],
        "scores": [f"{tid}-score"],
        **extra,
    }


def test_traces_one_file_per_model_pair_by_input(tmp_path: Path) -> None:
    old = write(
        tmp_path / "traces-old.json",
        {"data": [trace("a1", q, f"old answer {i}") for i, q in enumerate(QUESTIONS)]},
    )
    new = write(
        tmp_path / "traces-new.json",
        [trace("b1", QUESTIONS[2], "new answer 2"), trace("b2", QUESTIONS[0], "new answer 0")],
    )
    result = import_files("langfuse", [old, new])
    assert (result.baseline_model, result.candidate_model) == ("traces-old", "traces-new")
    got = sorted((r.prompt, r.baseline_output, r.candidate_output) for r in result.records)
    assert got == [
        (QUESTIONS[0], "old answer 0", "new answer 0"),
        (QUESTIONS[2], "old answer 2", "new answer 2"),
    ]
    record = result.records[0]
    assert record.metadata["trace_name"] == "support-answer"
    assert record.metadata["tags"] == ["prod"]
    assert side_metadata(record.metadata, "baseline")["latency_ms"] == 800
    assert len(result.unmatched_baseline) == 1


def test_a_trace_with_its_observations_takes_the_model_of_its_last_generation(
    tmp_path: Path,
) -> None:
    def detailed(tid: str, model: str, question: str, answer: str) -> dict[str, Any]:
        draft = generation(model, question, "draft") | {"startTime": "2026-11-30T10:00:00Z"}
        final = generation(model, question, answer) | {"startTime": "2026-11-30T10:00:02Z"}
        return trace(tid, question, None, observations=[draft, span(model, question), final])

    rows = [
        detailed("t1", "gpt-4o", QUESTIONS[0], "Final old."),
        detailed("t2", "gpt-4.1", QUESTIONS[0], "Final new."),
    ]
    result = import_files("langfuse", [write(tmp_path / "traces.json", rows)])
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    [record] = result.records
    assert (record.baseline_output, record.candidate_output) == ("Final old.", "Final new.")


def test_key_pairs_traces_by_a_field_and_a_trace_with_no_input_is_not_paired(
    tmp_path: Path,
) -> None:
    def keyed(tid: str, req: str, question: str | None, answer: str) -> dict[str, Any]:
        row = trace(tid, question or "", answer, metadata={"request_id": req})
        if question is None:
            row["input"] = None
        return row

    old = write(
        tmp_path / "old.json",
        [
            keyed("o1", "r1", "Hi", "Hello"),
            keyed("o2", "r2", None, "?"),
            keyed("o3", "r3", None, "!"),
        ],
    )
    new = write(tmp_path / "new.json", [keyed("n1", "r1", "Hi there", "Hey")])
    by_input = import_files("langfuse", [old, new])
    assert by_input.records == []  # the inputs differ, and two traces without one never pair
    assert len(by_input.unmatched_baseline) == 3 and not by_input.duplicates
    by_key = import_files("langfuse", [old, new], key_field="metadata.request_id")
    [record] = by_key.records
    assert (record.key, record.baseline_output, record.candidate_output) == ("r1", "Hello", "Hey")


def test_spans_alone_are_not_a_comparison(tmp_path: Path) -> None:
    path = write(tmp_path / "spans.json", [span("m", QUESTIONS[0]), span("m", QUESTIONS[1])])
    with pytest.raises(InputError, match="spans.json"):
        import_files("langfuse", [path])


def test_load_from_langfuse_generations_writes_pairs(tmp_path: Path) -> None:
    rows = [generation(m, q, f"{m}: {q}") for m in ("gpt-4o", "gpt-4.1") for q in QUESTIONS]
    path = write(tmp_path / "observations.json", {"data": rows, "meta": {}})
    db_path = tmp_path / "db.sqlite"
    out = CliRunner().invoke(main, ["--db", str(db_path), "load", "--from", "langfuse", str(path)])
    assert out.exit_code == 0, out.output
    assert "paired by their inputs" in out.output
    db = open_db(db_path)
    try:
        rows_db = list(db.execute("SELECT baseline_output, candidate_output FROM pairs"))
        models = list(db.execute("SELECT baseline_model, candidate_model FROM comparisons"))
    finally:
        db.close()
    assert sorted(rows_db) == sorted((f"gpt-4o: {q}", f"gpt-4.1: {q}") for q in QUESTIONS)
    assert models == [("gpt-4o", "gpt-4.1")]
