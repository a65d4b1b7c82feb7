"""inspect_ai: two eval logs (``.eval`` or ``.json``) of one task, run with different models.

Logs are read only through ``inspect_ai.log.read_eval_log``: the log format is not frozen,
so parsing it by hand would break with the next release. inspect_ai is an optional
dependency (``pip install 'swapview[inspect]'``), imported only when this importer runs.
Samples pair by id and epoch; a sample that errored is reported, never loaded.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError, SwapviewError
from .base import Answer, ImportResult, Prompt, Sides, as_text, pair_answers


def import_logs(
    paths: list[str], baseline_model: str | None = None, candidate_model: str | None = None
) -> ImportResult:
    """inspect_ai: the old model's eval log, then the new model's (.eval or .json)."""
    if len(paths) != 2:
        raise InputError(
            paths[-1],
            f"--from inspect reads two eval logs (old model, new model); got {len(paths)}",
        )
    old_log, new_log = (_read(p) for p in paths)
    old = baseline_model or old_log.eval.model
    new = candidate_model or new_log.eval.model
    if old == new:
        raise InputError(
            paths[1],
            f"both logs ran model {old!r}; a comparison needs two"
            " models (or name them with --baseline-model/--candidate-model)",
        )
    result = ImportResult(
        "inspect", f"inspect_ai task {old_log.eval.task}: " + ", ".join(paths), old, new
    )
    if old_log.eval.task != new_log.eval.task:
        result.warnings.append(
            f"the logs are of different tasks ({old_log.eval.task!r} and"
            f" {new_log.eval.task!r}); samples still pair by id"
        )
    for path, log in zip(paths, (old_log, new_log), strict=True):
        if log.status != "success":
            result.warnings.append(f"{path}: the eval ended with status {log.status!r}")
    return pair_answers(result, _sides(old_log, old), _sides(new_log, new))


def _read(path: str) -> Any:
    log_api = _inspect_log_api()
    try:
        log = log_api.read_eval_log(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except Exception as exc:  # inspect raises many kinds for a bad log; all mean "unreadable"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"not a readable inspect_ai eval log ({first[:200]})") from None
    if log.samples is None:
        raise InputError(
            path,
            "the log holds no samples (was it written with --no-log-samples?)",
            field="samples",
        )
    return log


def _inspect_log_api() -> Any:
    try:
        import inspect_ai.log as log_api
    except ImportError:
        raise SwapviewError(
            "--from inspect needs inspect_ai: pip install 'swapview[inspect]'"
        ) from None
    return log_api


def _sides(log: Any, model: str) -> Sides:
    sides = Sides()
    for sample in log.samples:
        key = f"{sample.id}#{sample.epoch}"
        answer = Answer(
            key,
            _prompt(sample.input),
            None,
            model,
            shared={
                "sample_id": sample.id,
                "epoch": sample.epoch,
                "task": log.eval.task,
                "target": _target(sample.target),
            },
        )
        if sample.error is not None:
            answer.error = error_message(sample.error.message)
        elif sample.output is not None and (why := _failed_call(sample.output)):
            answer.error = why
        elif sample.output is not None:
            answer.output = sample.output.completion
            answer.side = _meta(sample, log)
        else:
            answer.error = "no output"
        sides.add(answer)
    return sides


# Stop reasons inspect gives a call the provider refused (context overflow, a content
# filter's 400): the "completion" is then the provider's error text, not an answer.
_REFUSED_CALL = {
    "model_length": "the prompt outran the model's context",
    "content_filter": "the provider's content filter refused the request",
}


def _failed_call(output: Any) -> str | None:
    """Why an output is a failed call rather than an answer: nothing was generated (no
    output tokens) and the stop reason says the provider refused the request."""
    why = _REFUSED_CALL.get(output.stop_reason)
    usage = output.usage
    generated = usage.output_tokens if usage is not None else None
    if why is None or generated:
        return None
    text = error_message(output.completion or "")
    return f"{why}: {text}" if text else why


_MESSAGE = re.compile(r"""['"]message['"]\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")


def error_message(text: str) -> str:
    """The server's own message from an error text (which may open with a dump of the
    request): a quoted `message` field where there is one, else the first line."""
    found = _MESSAGE.search(text)
    if found:
        return (found.group(1) or found.group(2) or "").strip()[:300]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else ""


def _meta(sample: Any, log: Any) -> dict[str, Any]:
    usage = list((sample.model_usage or {}).values())
    total = sum(u.total_cost for u in usage if u.total_cost) or None
    system = [m.text for m in sample.messages or [] if m.role == "system"]
    return {
        "id": sample.uuid,
        "run_id": log.eval.run_id,
        "latency_ms": round(sample.total_time * 1000) if sample.total_time else None,
        "input_tokens": sum(u.input_tokens for u in usage) if usage else None,
        "output_tokens": sum(u.output_tokens for u in usage) if usage else None,
        "total_tokens": sum(u.total_tokens for u in usage) if usage else None,
        "cost": total,
        "finish_reason": sample.output.stop_reason,
        "scores": {name: _score_value(s.value) for name, s in (sample.scores or {}).items()}
        or None,
        "system": "\n".join(system) or None,
    }


def _score_value(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else as_text(value)


def _target(target: Any) -> Any:
    if isinstance(target, list):
        return target[0] if len(target) == 1 else target
    return target or None


def _prompt(value: Any) -> Prompt:
    if isinstance(value, str):
        return value
    return [{"role": m.role, "content": m.text} for m in value]
