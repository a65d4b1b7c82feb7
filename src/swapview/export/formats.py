"""Export formats, each named after the tool that runs it, and the promptfoo config."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..textsafe import json_visible
from .assertions import draft_assertions, similarity_threshold
from .models import (
    ExportCase,
    InspectSample,
    LangSmithExample,
    OpenAIEvalsSample,
    PromptfooTestCase,
)
from .pairmeta import exported_metadata


@dataclass(frozen=True)
class Format:
    """How one tool wants a case, and where its records keep swapview's case id."""

    name: str
    help: str
    to_record: Callable[[ExportCase], BaseModel]
    record_id: Callable[[dict[str, Any]], Any]


def _target(case: ExportCase) -> str | list[str]:
    return case.acceptable[0] if len(case.acceptable) == 1 else list(case.acceptable)


def to_swapview(case: ExportCase) -> BaseModel:
    return case


def to_openai_evals(case: ExportCase) -> BaseModel:
    # Evals samples have no metadata object; their readers (Match, model-graded templates)
    # take the keys they name and ignore the rest, as they already do with `id`.
    return OpenAIEvalsSample(
        input=case.chat_messages(),
        ideal=_target(case),
        id=case.id,
        **case.contract_metadata(),
        **exported_metadata(case.pair_metadata),
    )


def _metadata(case: ExportCase, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """swapview's trace keys, then the format's own, then the pair's metadata nested under
    its own key so a column named `tag` or `note` cannot overwrite the review's."""
    return case.short_metadata() | (extra or {}) | exported_metadata(case.pair_metadata)


def to_inspect(case: ExportCase) -> BaseModel:
    metadata = _metadata(
        case,
        {
            "baseline_output": case.baseline_output,
            "candidate_output": case.candidate_output,
        },
    )
    return InspectSample(
        id=case.id,
        input=case.prompt if isinstance(case.prompt, list) else (case.prompt or ""),
        target=_target(case),
        metadata=metadata,
    )


def to_promptfoo(case: ExportCase) -> BaseModel:
    variables: dict[str, Any] = {
        "prompt": case.prompt_as_text(),
        "baseline_output": case.baseline_output or "",
        "candidate_output": case.candidate_output or "",
    }
    if case.corrected_output is not None:
        variables["corrected_output"] = case.corrected_output
    # Every case, text or chat, carries its chat form: a live run's prompt
    # `{{ messages | dump }}` renders a JSON message list, which promptfoo's chat providers
    # send as messages (a system prompt stays a system message, content parts stay parts).
    variables["messages"] = case.chat_messages()
    threshold, why = similarity_threshold(case)
    metadata = _metadata(case, {"similar_threshold": threshold, "similar_basis": why})
    return PromptfooTestCase(
        description=f"{case.tag}: {case.id}",
        vars=variables,
        assert_=draft_assertions(case),
        metadata=metadata,
    )


# LangSmith example ids are UUIDs; one derived from the case id (comparison and pair key)
# is the same in every export, so uploading a file again updates examples, never adds them.
LANGSMITH_ID_NAMESPACE = uuid.UUID("0b6f3f0e-5c1a-4f9e-9a51-7d2c2f1e5a10")


def langsmith_example_id(case_id: str) -> str:
    return str(uuid.uuid5(LANGSMITH_ID_NAMESPACE, case_id))


def to_langsmith(case: ExportCase) -> BaseModel:
    # One input shape for every case, so one target function reads them all: the chat
    # messages (a text prompt as one user message) and the prompt as text.
    inputs: dict[str, Any] = {"messages": case.chat_messages(), "prompt": case.prompt_as_text()}
    outputs: dict[str, Any] = {"output": case.ideal}
    if len(case.acceptable) > 1:
        outputs["acceptable"] = list(case.acceptable)
    return LangSmithExample(
        id=langsmith_example_id(case.id), inputs=inputs, outputs=outputs, metadata=_metadata(case)
    )


def _top_id(record: dict[str, Any]) -> Any:
    return record.get("id")


def _metadata_id(record: dict[str, Any]) -> Any:
    meta = record.get("metadata")
    return meta.get("swapview_id") if isinstance(meta, dict) else None


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("swapview", "generic JSONL with every field", to_swapview, _top_id),
        Format("openai-evals", 'openai/evals samples {"input", "ideal"}', to_openai_evals, _top_id),
        Format("inspect", "inspect_ai json_dataset samples", to_inspect, _top_id),
        Format(
            "promptfoo", "promptfoo test cases (vars, assert, metadata)", to_promptfoo, _metadata_id
        ),
        Format(
            "langsmith",
            "LangSmith examples (inputs, outputs, metadata)",
            to_langsmith,
            _metadata_id,
        ),
    )
}


# Keys that only one format's records hold together: how `--append` tells what a file
# holds from its first record. promptfoo cases written by hand may lack `vars` or `assert`.
SHAPES: dict[str, tuple[frozenset[str], ...]] = {
    "swapview": (frozenset({"ideal_source", "acceptable"}),),
    "openai-evals": (frozenset({"input", "ideal"}),),
    "inspect": (frozenset({"input", "target"}),),
    "promptfoo": (frozenset({"vars"}), frozenset({"assert"})),
    "langsmith": (frozenset({"inputs", "outputs"}),),
}


def detect_format(record: Any) -> str | None:
    """The format a record is in, or None when its shape is not one of ours."""
    if not isinstance(record, dict):
        return None
    keys = set(record)
    found = [name for name, shapes in SHAPES.items() if any(s <= keys for s in shapes)]
    return found[0] if len(found) == 1 else None


def record_line(fmt: Format, case: ExportCase) -> str:
    """One JSONL line (no newline) for a case."""
    data = fmt.to_record(case).model_dump(mode="json", by_alias=True)
    # Same data for every JSON reader, but no raw escape or invisible character for a
    # terminal showing the file (`-o -`, `cat`, `less`).
    return json_visible(json.dumps(data, ensure_ascii=False))


# The promptfoo prompt that sends a case as its chat messages (a text prompt is one user
# message), which a chat provider receives as a message list, never flattened to text.
LIVE_PROMPT = "{{ messages | dump }}"


def promptfoo_config(config_path: str, tests_path: str, comparison: str) -> str:
    """A promptfoo config that replays both stored outputs through the drafted assertions.

    JSON is valid YAML, so no YAML library is needed. For a live run, swap the prompts for
    ``LIVE_PROMPT`` (the case's chat messages; ``{{prompt}}`` holds the text) and `echo`
    for your provider.
    """
    rel = os.path.relpath(tests_path, os.path.dirname(os.path.abspath(config_path)) or ".")
    config: dict[str, Any] = {
        "description": f"swapview export of {comparison}: stored outputs replayed",
        "prompts": [
            {"raw": "{{baseline_output}}", "label": "baseline (stored)"},
            {"raw": "{{candidate_output}}", "label": "candidate (stored)"},
        ],
        "providers": ["echo"],
        "tests": f"file://{rel}",
    }
    header = (
        "# Written by `swapview export --format promptfoo`. Replays the stored outputs through\n"
        "# the drafted assertions: regressions should fail on the candidate and pass on the\n"
        "# baseline. `similar` needs an embeddings endpoint (e.g. OPENAI_BASE_URL).\n"
        f"# For a live run, use the prompt {LIVE_PROMPT!r} (each case's chat messages,\n"
        "# system prompt included) with your provider instead of the two stored ones.\n"
    )
    return header + json_visible(json.dumps(config, indent=2, ensure_ascii=False)) + "\n"
