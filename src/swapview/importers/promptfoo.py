"""promptfoo: the JSON results of ``promptfoo eval -o results.json`` (output version 3+).

One results file with two providers, or two files with one provider each (the old model's
first). Rows pair by test case (its vars) and prompt (its label), so a prompt template run
against both providers pairs with itself. Rows whose provider call errored are reported,
never loaded; failed assertions are not errors and load with their scores.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import InputError
from ..ingest.streams import open_text
from ..store import text_hash
from .base import (
    Answer,
    ImportResult,
    Prompt,
    Sides,
    as_dict,
    as_text,
    canonical,
    pair_answers,
    pick_two,
    read_json,
    read_jsonl,
    type_name,
)

EXPECT = 'a promptfoo results file ({"results": {"version": 3, "results": [...]}})'
ERROR_REASON = 2  # promptfoo's ResultFailureReason.ERROR: the provider call failed


def import_results(
    paths: list[str], baseline_model: str | None = None, candidate_model: str | None = None
) -> ImportResult:
    """promptfoo: one results.json with two providers, or two with one each."""
    if len(paths) > 2:
        raise InputError(
            paths[2],
            "--from promptfoo reads one results file with two"
            f" providers or two files; got {len(paths)}",
        )
    if len(paths) == 2 and os.path.realpath(paths[0]) == os.path.realpath(paths[1]):
        raise InputError(paths[1], "the same file twice; give the old run, then the new one")
    files = [(p, _rows(p)) for p in paths]
    if len(files) == 1:
        path, rows = files[0]
        old, new = pick_two(
            path, _providers(rows, path), baseline_model, candidate_model, "providers"
        )
        old_rows = new_rows = rows
    else:
        (path_a, old_rows), (path_b, new_rows) = files
        old = _only_provider(path_a, old_rows, baseline_model)
        new = _only_provider(path_b, new_rows, candidate_model)
    old_side, new_side = _side(old_rows, old), _side(new_rows, new)
    if len(files) == 2 and old == new:
        # The usual model swap keeps its label (`label: support-bot`) in both runs: the
        # files are the sides, and the provider ids (openai:chat:old-model) name the models.
        old, new = _run_names(files, old)
    result = ImportResult("promptfoo", "promptfoo " + ", ".join(paths), old, new)
    labels = [
        {a.shared.get("prompt_label") for a in side.answers.values()}
        for side in (old_side, new_side)
    ]
    if labels[0] != labels[1] and len(labels[0]) == len(labels[1]) == 1:
        # one prompt each, changed along with the model: the test case alone pairs them
        result.warnings.append(
            f"the prompts differ ({labels[0].pop()!r} and"
            f" {labels[1].pop()!r}); pairing by test case only"
        )
        old_side, new_side = _by_vars(old_side), _by_vars(new_side)
    return pair_answers(result, old_side, new_side)


def _run_names(
    files: list[tuple[str, list[tuple[str, dict[str, Any]]]]], label: str
) -> tuple[str, str]:
    ids = [_provider_id(rows) for _path, rows in files]
    if ids[0] and ids[1] and ids[0] != ids[1]:
        return ids[0], ids[1]
    return f"{label} (old run)", f"{label} (new run)"


def _provider_id(rows: list[tuple[str, dict[str, Any]]]) -> str | None:
    for where, row in rows:
        provider = row.get("provider")
        if where != "results.prompts" and isinstance(provider, dict):
            return provider.get("id") if isinstance(provider.get("id"), str) else None
    return None


def _by_vars(side: Sides) -> Sides:
    out = Sides()
    out.duplicates = side.duplicates
    for answer in side.answers.values():
        answer.key = canonical(answer.shared.get("vars"))
        answer.label = "t-" + text_hash(answer.key)[:16]
        out.add(answer)
    return out


def _rows(path: str) -> list[tuple[str, dict[str, Any]]]:
    if _is_jsonl(path):
        # `promptfoo eval -o results.jsonl`: one result row per line, no envelope.
        return [(f"line {n}", row) for n, row in read_jsonl(path)]
    doc = read_json(path, EXPECT)
    results = as_dict(as_dict(doc).get("results"))
    rows = results.get("results")
    if not isinstance(rows, list):
        raise InputError(
            path, f"not {EXPECT}; `promptfoo eval -o` writes it", field="results.results"
        )
    version = results.get("version")
    if not isinstance(version, int) or version < 3:
        raise InputError(
            path,
            f"promptfoo output version {version!r} is too old (need 3 or"
            " newer: re-run with a current promptfoo)",
            field="results.version",
        )
    if not rows:
        raise InputError(path, "the eval has no results", field="results.results")
    # the config's provider order (rows finish in any order): results.prompts lists each
    # prompt once per provider, in that order
    out = [
        ("results.prompts", {"provider": p["provider"]})
        for p in results.get("prompts") or []
        if isinstance(p, dict) and isinstance(p.get("provider"), str)
    ]
    for i, row in enumerate(rows):
        where = f"results.results[{i}]"
        if not isinstance(row, dict):
            raise InputError(path, f"expected an object, got {type_name(row)}", field=where)
        out.append((where, row))
    return out


def _is_jsonl(path: str) -> bool:
    """A file of one result object per line: its first line is a whole object with a
    provider (the envelope of results.json opens with metadata, never a result)."""
    with open_text(path) as stream:
        first = stream.readline()
    try:
        row = json.loads(first)
    except ValueError:
        return False
    return isinstance(row, dict) and "provider" in row and "results" not in row


def _provider(path: str, where: str, row: dict[str, Any]) -> str:
    provider = row.get("provider")
    if isinstance(provider, dict):
        provider = provider.get("label") or provider.get("id")
    if not isinstance(provider, str) or not provider:
        raise InputError(path, "missing provider id or label", field=f"{where}.provider")
    return provider


def _providers(rows: list[tuple[str, dict[str, Any]]], path: str) -> list[str]:
    return list(dict.fromkeys(_provider(path, w, r) for w, r in rows))


def _only_provider(path: str, rows: list[tuple[str, dict[str, Any]]], chosen: str | None) -> str:
    found = _providers(rows, path)
    if chosen is not None:
        if chosen not in found:
            raise InputError(
                path,
                f"provider {chosen!r} is not in this file; it has "
                + ", ".join(repr(p) for p in found),
            )
        return chosen
    if len(found) != 1:
        raise InputError(
            path,
            f"this file has {len(found)} providers ("
            + ", ".join(repr(p) for p in found)
            + "); name the one to use with --baseline-model/--candidate-model",
        )
    return found[0]


def _side(rows: list[tuple[str, dict[str, Any]]], provider: str) -> Sides:
    sides = Sides()
    for where, row in rows:
        if where != "results.prompts" and _provider("", where, row) == provider:
            sides.add(_answer(row, provider))
    return sides


def _answer(row: dict[str, Any], provider: str) -> Answer:
    prompt = as_dict(row.get("prompt"))
    label = prompt.get("label") or row.get("promptId") or ""
    test = as_dict(row.get("testCase"))
    variables = row.get("vars") if isinstance(row.get("vars"), dict) else test.get("vars")
    join = canonical([variables, label])
    response = as_dict(row.get("response"))
    answer = Answer(
        join,
        _prompt(prompt.get("raw")),
        as_text(response.get("output")),
        provider,
        label="t-" + text_hash(join)[:16],
    )
    answer.shared = {
        "vars": variables,
        "description": test.get("description"),
        "prompt_label": label or None,
        "test_metadata": test.get("metadata"),
    }
    answer.shared = {k: v for k, v in answer.shared.items() if v}
    answer.error = _error(row, response)
    answer.side = _meta(row, response)
    if isinstance(row.get("provider"), dict) and row["provider"].get("label"):
        answer.side["provider_id"] = row["provider"].get("id")  # the label hides it
    return answer


def _error(row: dict[str, Any], response: dict[str, Any]) -> str | None:
    # row["error"] also holds the reason an assertion failed; only failureReason 2 (or an
    # error on the response itself) means the provider call failed
    err = response.get("error") or (
        row.get("error") if row.get("failureReason") == ERROR_REASON else None
    )
    if err or row.get("failureReason") == ERROR_REASON:
        return str(err or "the provider call failed").splitlines()[0][:160]
    if response.get("output") is None:
        return "no output"
    return None


def _meta(row: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    usage = row.get("tokenUsage") or response.get("tokenUsage") or {}
    grading = as_dict(row.get("gradingResult"))
    return {
        "id": row.get("id"),
        "latency_ms": row.get("latencyMs"),
        "cost": row.get("cost") or None,
        "input_tokens": usage.get("prompt") or None,
        "output_tokens": usage.get("completion") or None,
        "total_tokens": usage.get("total") or None,
        "finish_reason": response.get("finishReason"),
        "score": row.get("score"),
        "passed": row.get("success"),
        "scores": _scores(row, grading) or None,
        "reason": grading.get("reason") if grading.get("pass") is False else None,
    }


def _scores(row: dict[str, Any], grading: dict[str, Any]) -> dict[str, Any]:
    scores = dict(row.get("namedScores") or {})
    for part in grading.get("componentResults") or []:
        assertion = part.get("assertion") if isinstance(part, dict) else None
        if isinstance(assertion, dict) and assertion.get("type"):
            name = assertion.get("metric") or assertion["type"]
            scores.setdefault(name, part.get("score"))
    return scores


def _prompt(raw: Any) -> Prompt:
    """The rendered prompt; a chat prompt renders to a JSON message list."""
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        try:
            messages = json.loads(raw)
        except json.JSONDecodeError:
            return raw
        if isinstance(messages, list) and all(
            isinstance(m, dict) and "role" in m for m in messages
        ):
            return messages
    return as_text(raw)
