"""Langfuse: two dataset runs (experiments) exported as rows, paired by dataset item id.

Each row is one dataset run item as Langfuse documents it (``datasetRunName``,
``datasetItemId``, ``traceId``, ``observationId``, ``datasetRunMetadata``) with its trace's
``input`` and ``output``, the item's ``expectedOutput``, and the trace's ``scores``,
``latency`` (seconds) and ``totalCost``: what the dataset run table's export writes, as
CSV, JSON or JSONL, in the UI's camelCase or the blob export's snake_case. A JSON file may
also be the public API's paginated ``{"data": [...]}``.

SDK 5's experiment items read too: ``api.experiments.list_items(fields="core,dataset,io,
metadata,experimentMetadata,scores")`` dumped as JSON (its ``{"data": [...], "meta": ...}``
pages, or their rows as JSONL), camelCase or snake_case: ``experimentName``,
``experimentItemId`` (the dataset item's id, or for local data a hash of the input, so it
joins two runs either way), ``input``, ``output``, ``expectedOutput``, ``startTime`` and
``endTime``, ``level``, ``experimentMetadata`` and ``scores``.

Runs are told apart by ``datasetRunName`` or ``experimentName`` (else one per file, old
first); the model comes from the run (or experiment) metadata's ``model`` when set. An item
whose run errored (an ``error``, or an observation at level ``ERROR``) is reported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import InputError
from .base import Answer, ImportResult
from .experiments import Row, RowFields, number, output_of, pair_experiments, pick, prompt_of


def import_run_items(
    paths: list[str],
    baseline_model: str | None = None,
    candidate_model: str | None = None,
    prompt_field: str | None = None,
    output_field: str | None = None,
    key_field: str | None = None,
) -> ImportResult:
    """Langfuse: dataset run or experiment items of two runs (CSV, JSON or JSONL), paired by
    item id."""
    fields = RowFields(prompt_field, output_field, key_field)
    return pair_experiments(
        "langfuse", paths, _parse, baseline_model, candidate_model, fields=fields
    )


def _parse(path: str, line: int, row: Row) -> tuple[str | None, str | None, Answer]:
    item = pick(row, "datasetItemId", "dataset_item_id", "experimentItemId", "experiment_item_id")
    if item is None:
        raise InputError(
            path,
            "not a Langfuse dataset run item: no dataset item id"
            f" (fields: {', '.join(sorted(row)[:8])})",
            line=line or None,
            field="datasetItemId",
        )
    experiment = pick(
        row,
        "datasetRunName",
        "dataset_run_name",
        "experimentName",
        "experiment_name",
        "runName",
        "run_name",
    )
    model = pick(
        row,
        "datasetRunMetadata.model",
        "dataset_run_metadata.model",
        "experimentMetadata.model",
        "experiment_metadata.model",
        "metadata.model",
        "model",
    )
    error = pick(row, "error", "statusMessage", "status_message") or _error_level(row)
    answer = Answer(
        str(item),
        prompt_of(pick(row, "input", "trace.input", "datasetItemInput", "dataset_item_input")),
        output_of(pick(row, "output", "trace.output")),
        error=str(error).splitlines()[0][:200] if error else None,
    )
    if answer.output is None and answer.error is None:
        answer.error = "no output (neither output nor trace.output holds one)"
    target = pick(
        row,
        "expectedOutput",
        "expected_output",
        "datasetItemExpectedOutput",
        "dataset_item_expected_output",
    )
    if target is not None:
        answer.shared["target"] = output_of(target)
    answer.side = _meta(row)
    return experiment, str(model) if model else None, answer


def _error_level(row: Row) -> str | None:
    """An experiment item whose task observation ended at level ERROR failed."""
    if pick(row, "level") == "ERROR":
        return "the task ended at level ERROR"
    return None


def _latency_s(row: Row) -> float | None:
    """Seconds: the row's ``latency``, else from the item's start and end times."""
    latency = number(pick(row, "latency"))
    if latency is not None:
        return latency
    start = pick(row, "startTime", "start_time")
    end = pick(row, "endTime", "end_time")
    try:
        return (_when(end) - _when(start)).total_seconds()
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _meta(row: Row) -> dict[str, Any]:
    latency = _latency_s(row)
    return {
        "id": pick(row, "id"),
        "trace_id": pick(row, "traceId", "trace_id", "trace.traceId"),
        "observation_id": pick(row, "observationId", "observation_id"),
        "latency_ms": round(latency * 1000) if latency is not None else None,
        "cost": number(pick(row, "totalCost", "total_cost", "calculatedTotalCost")),
        "input_tokens": number(
            pick(row, "usage.input", "inputTokens", "input_tokens", "usage.promptTokens")
        ),
        "output_tokens": number(
            pick(row, "usage.output", "outputTokens", "output_tokens", "usage.completionTokens")
        ),
        "total_tokens": number(
            pick(row, "usage.total", "totalTokens", "total_tokens", "usage.totalTokens")
        ),
        "scores": _scores(row.get("scores")) or None,
    }


def _scores(value: Any) -> dict[str, Any]:
    """Scores as name to value, from a mapping or a list of score objects."""
    if isinstance(value, list):
        return {
            s["name"]: s.get("value", s.get("stringValue"))
            for s in value
            if isinstance(s, dict) and "name" in s
        }
    if isinstance(value, dict):
        out = {}
        for name, score in value.items():
            if isinstance(score, dict):  # an aggregate: {"type": "NUMERIC", "average": 0.8}
                score = score.get("average", score.get("value", score.get("values")))
            out[name] = number(score) if number(score) is not None else score
        return out
    return {}
