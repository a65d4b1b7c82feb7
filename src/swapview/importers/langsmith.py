"""LangSmith: two experiments' runs, paired by dataset example id.

Reads runs in LangSmith's documented Run format, one object per run (``id``, ``inputs``,
``outputs``, ``error``, ``reference_example_id``, ``session_id``, ``start_time``,
``end_time``, ``prompt_tokens``, ``completion_tokens``, ``total_tokens``, ``total_cost``,
``feedback_stats``, ``extra.metadata.ls_model_name``, ``trace_id``, ``parent_run_id``) as
JSONL or a JSON array: what ``client.list_runs(project_name=experiment)`` returns, dumped
one run a line, or a bulk export. The experiment CSV download works too: its dotted columns
(``inputs.question``, ``outputs.answer``, ``reference_outputs.answer``,
``feedback.correctness``...) are read as those objects.

So does the SDK's ``client.get_test_results(project_name=...).to_csv(path)``: pandas' index
column, ``reference.*`` (the example's outputs), ``input.*``, ``outputs.*``,
``execution_time``, ``error``, ``id`` and ``feedback.*``, lists in Python's repr. It drops
the example id (the frame's index, lost by ``json_normalize``), so its rows pair by their
inputs, which are the dataset example's; ``--key`` names a field to pair by instead.

Experiments are the runs' ``session_name`` or ``session_id``, else one per file (old first).
Only root runs pair; child runs (``parent_run_id`` set) only name the model. A run with an
``error`` is reported, never loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import InputError
from ..store import text_hash
from .base import Answer, ImportResult, canonical
from .experiments import Row, RowFields, number, output_of, pair_experiments, pick, prompt_of
from .langchain_outputs import langchain_finish_reason

MODEL_FIELDS = (
    "extra.metadata.ls_model_name",
    "extra.invocation_params.model",
    "extra.invocation_params.model_name",
    "metadata.ls_model_name",
    "model",
)


def import_runs(
    paths: list[str],
    baseline_model: str | None = None,
    candidate_model: str | None = None,
    prompt_field: str | None = None,
    output_field: str | None = None,
    key_field: str | None = None,
) -> ImportResult:
    """LangSmith: runs of two experiments (JSONL, JSON or CSV), paired by example id."""
    fields = RowFields(prompt_field, output_field, key_field)
    result = pair_experiments(
        "langsmith", paths, _parse, baseline_model, candidate_model, fields=fields
    )
    if key_field is None and any(r.key.startswith(BY_INPUT) for r in result.records):
        result.warnings.append(
            "no dataset example ids (get_test_results().to_csv() leaves them out):"
            " runs paired by their inputs"
        )
    return result


# The stored key of a pair joined by its inputs: a hash, as the inputs may be long.
BY_INPUT = "in-"


def _parse(path: str, line: int, row: Row) -> tuple[str | None, str | None, Answer | None]:
    sdk_row = "input" in row and "execution_time" in row  # get_test_results' columns
    if "inputs" not in row and "outputs" not in row and not sdk_row:
        raise InputError(
            path,
            "not a LangSmith run: it has neither inputs nor outputs"
            f" (fields: {', '.join(sorted(row)[:8])})",
            line=line or None,
            field="inputs",
        )
    experiment = pick(row, "session_name", "experiment_name", "experiment", "session_id")
    model = pick(row, *MODEL_FIELDS)
    if pick(row, "parent_run_id") is not None or row.get("is_root") is False:
        return experiment, model, None
    inputs = row.get("input") if sdk_row else row.get("inputs")
    example = pick(row, "reference_example_id", "example_id")
    label = None
    if example is None and sdk_row and isinstance(inputs, dict):
        # get_test_results' rows (``input.*``): always an experiment's, their ids dropped
        example = canonical(inputs)
        label = BY_INPUT + text_hash(example)[:16]
    if example is None:
        raise InputError(
            path,
            "this run is not from an experiment (no dataset example id)",
            line=line or None,
            field="reference_example_id",
        )
    error = pick(row, "error")
    answer = Answer(
        str(example),
        prompt_of(inputs),
        output_of(row.get("outputs")),
        error=str(error).splitlines()[0][:200] if error else None,
        label=label,
    )
    target = pick(row, "reference_outputs", "reference")
    if target is not None:
        answer.shared["target"] = output_of(target)
    answer.side = _meta(row)
    return experiment, model, answer


def _meta(row: Row) -> dict[str, Any]:
    return {
        "id": pick(row, "id", "run_id"),
        "trace_id": pick(row, "trace_id"),
        "latency_ms": _latency_ms(row),
        "input_tokens": number(pick(row, "prompt_tokens")),
        "output_tokens": number(pick(row, "completion_tokens")),
        "total_tokens": number(pick(row, "total_tokens")),
        "cost": number(pick(row, "total_cost")),
        "scores": _scores(row) or None,
        "status": pick(row, "status"),
        "finish_reason": langchain_finish_reason(row.get("outputs")),
    }


def _latency_ms(row: Row) -> int | None:
    seconds = number(pick(row, "latency", "execution_time"))
    if seconds is not None:
        return round(seconds * 1000)
    start, end = pick(row, "start_time"), pick(row, "end_time")
    try:
        delta = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    return round(delta.total_seconds() * 1000)


def _scores(row: Row) -> dict[str, Any]:
    stats = row.get("feedback_stats")
    if isinstance(stats, dict):
        return {k: v.get("avg") if isinstance(v, dict) else v for k, v in stats.items()}
    feedback = row.get("feedback")
    if isinstance(feedback, dict):
        return {k: number(v) if number(v) is not None else v for k, v in feedback.items()}
    return {}
