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

Production traffic reads too, with no dataset behind it: traces (the public API's
``/api/public/traces`` list or one trace with its observations, the UI's export) and
generations (``/api/public/observations`` or v2 ``/api/public/v2/observations`` rows of
type ``GENERATION``; other observation types are skipped). Such rows are grouped by the
model that answered (a generation's ``model``, a trace's ``metadata.model`` or its last
generation's, else one group per file) and paired by their input, since the same input
answered by two models is what a comparison is; ``--key`` pairs them by a field instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import InputError
from ..store import text_hash
from .base import Answer, ImportResult, canonical
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
    result = pair_experiments(
        "langfuse", paths, _parse, baseline_model, candidate_model, fields=fields
    )
    if key_field is None and any(r.key.startswith(BY_INPUT) for r in result.records):
        result.warnings.append(
            "traces and generations carry no dataset item id: paired by their inputs"
            " (--key FIELD pairs them by a field instead)"
        )
    return result


# The stored key of a pair of traces joined by their input: a hash, as inputs may be long.
BY_INPUT = "in-"
# Observation types that hold no model answer (Langfuse's span, event and agent-graph types).
NOT_ANSWERS = {"SPAN", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER", "EVALUATOR", "GUARDRAIL"}
MODEL_FIELDS = ("model", "providedModelName", "provided_model_name", "internalModelId")


def _parse(path: str, line: int, row: Row) -> tuple[str | None, str | None, Answer | None]:
    item = pick(row, "datasetItemId", "dataset_item_id", "experimentItemId", "experiment_item_id")
    if item is None:
        kind = _traffic_kind(row)
        if kind is None:
            raise InputError(
                path,
                "not a Langfuse dataset run item, trace or generation: no dataset item id"
                f" (fields: {', '.join(sorted(row)[:8])})",
                line=line or None,
                field="datasetItemId",
            )
        return _parse_traffic(row, kind)
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


def _traffic_kind(row: Row) -> str | None:
    """ "generation" or "trace" for a row of production traffic, None for anything else."""
    has_io = "input" in row or "output" in row
    kind = str(row.get("type") or "").upper()
    if kind and (pick(row, "traceId", "trace_id") or kind == "GENERATION"):
        return "generation"
    if pick(row, "traceId", "trace_id") and pick(row, *MODEL_FIELDS) and has_io:
        return "generation"
    trace_fields = ("htmlPath", "html_path", "observations", "sessionId", "session_id")
    if has_io and (any(f in row for f in trace_fields) or "timestamp" in row):
        return "trace"
    return None


def _parse_traffic(row: Row, kind: str) -> tuple[str | None, str | None, Answer | None]:
    """A trace or generation: grouped by the model that answered, keyed by its input."""
    if kind == "generation" and str(row.get("type") or "GENERATION").upper() in NOT_ANSWERS:
        return None, None, None
    last = _last_generation(row) if kind == "trace" else None
    model = pick(row, *MODEL_FIELDS) if kind == "generation" else None
    model = model or pick(row, "metadata.model") or (last and pick(last, *MODEL_FIELDS))
    output = row.get("output")
    if output is None and last is not None:
        output = last.get("output")
    # With no input to pair by, an answer can only pair through --key: never by "null".
    inputs = canonical(row.get("input")) if row.get("input") is not None else None
    error = None
    if pick(row, "level") == "ERROR":
        error = pick(row, "statusMessage", "status_message") or "ended at level ERROR"
    answer = Answer(
        inputs or f"no input: {row.get('id')}",
        prompt_of(row.get("input")),
        output_of(output),
        error=str(error).splitlines()[0][:200] if error else None,
        label=BY_INPUT + text_hash(inputs)[:16] if inputs else None,
    )
    if answer.output is None and answer.error is None:
        answer.error = "no output"
    answer.side = _meta(row) | {"trace_id": pick(row, "traceId", "trace_id") or row.get("id")}
    for name, field in (("trace_name", "name"), ("tags", "tags")):
        if kind == "trace" and row.get(field):
            answer.shared[name] = row[field]
    return (str(model) if model else None), (str(model) if model else None), answer


def _last_generation(trace: Row) -> Row | None:
    """The last generation among a full trace's observations (objects, not bare ids)."""
    found = [
        o
        for o in trace.get("observations") or []
        if isinstance(o, dict) and str(o.get("type") or "").upper() == "GENERATION"
    ]
    return max(found, key=lambda o: str(o.get("startTime") or ""), default=None)


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
        "cost": number(pick(row, *_COST)),
        "input_tokens": number(pick(row, *_tokens("input", "promptTokens"))),
        "output_tokens": number(pick(row, *_tokens("output", "completionTokens"))),
        "total_tokens": number(pick(row, *_tokens("total", "totalTokens"))),
        "scores": _scores(row.get("scores")) or None,
    }


_COST = (
    "totalCost",
    "total_cost",
    "calculatedTotalCost",
    "costDetails.total",
    "cost_details.total",
)


def _tokens(part: str, legacy: str) -> tuple[str, ...]:
    """Where a token count sits: dataset run items, v1 observations (``usage``,
    ``usageDetails``), v2 observations (``inputUsage``), snake_case exports."""
    snake = f"{part}_tokens"
    camel = f"{part}Tokens"
    return (
        f"usage.{part}",
        f"usageDetails.{part}",
        f"usage_details.{part}",
        f"{part}Usage",
        f"{part}_usage",
        camel,
        snake,
        f"usage.{legacy}",
    )


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
