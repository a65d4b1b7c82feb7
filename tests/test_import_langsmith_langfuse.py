"""LangSmith and Langfuse importers.

Neither server can be installed here, so the fixtures are written from the documented
formats: LangSmith's Run data format (runs as ``client.list_runs`` returns them, one per
line) and its experiment CSV download (dotted ``inputs.*``/``outputs.*`` columns); Langfuse's
DatasetRunItem object (``datasetRunName``, ``datasetItemId``, ``traceId``...) with its
trace's input, output, scores, latency and cost, as the dataset run export writes it
(JSON in camelCase, JSONL in the blob export's snake_case, CSV).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from swapview.errors import InputError
from swapview.importers import import_files
from swapview.importers.base import side_metadata

EXAMPLES = {"ex-1": "What is 2+2?", "ex-2": "Capital of France?", "ex-3": "Say hi"}


def run(
    example: str, session: str, model: str, answer: str | None, *, error: str | None = None
) -> list[dict[str, Any]]:
    """A root chain run and its child LLM run, in LangSmith's Run format."""
    root = {
        "id": f"run-{session}-{example}",
        "name": "Target",
        "run_type": "chain",
        "trace_id": f"trace-{session}-{example}",
        "parent_run_id": None,
        "session_id": session,
        "reference_example_id": example,
        "inputs": {"question": EXAMPLES[example]},
        "outputs": None if answer is None else {"answer": answer},
        "error": error,
        "start_time": "2025-03-01T10:00:00.000000",
        "end_time": "2025-03-01T10:00:01.250000",
        "status": "error" if error else "success",
        "prompt_tokens": 20,
        "completion_tokens": 5,
        "total_tokens": 25,
        "total_cost": 0.0004,
        "feedback_stats": {"correctness": {"n": 1, "avg": 1.0 if answer else 0.0}},
        "extra": {"metadata": {"num_repetitions": 1}},
    }
    child = {
        **root,
        "id": root["id"] + "-llm",
        "name": "ChatOpenAI",
        "run_type": "llm",
        "parent_run_id": root["id"],
        "reference_example_id": None,
        "extra": {"metadata": {"ls_model_name": model, "ls_provider": "openai"}},
    }
    return [root, child]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def experiments(tmp_path: Path) -> list[Path]:
    old = (
        run("ex-1", "exp-old", "gpt-4o", "4")
        + run("ex-2", "exp-old", "gpt-4o", "Paris")
        + run("ex-3", "exp-old", "gpt-4o", "Hi!")
    )
    new = run("ex-1", "exp-new", "gpt-4.1", "four") + run(
        "ex-2", "exp-new", "gpt-4.1", None, error="RateLimitError: 429 Too Many Requests"
    )
    return [write_jsonl(tmp_path / "old.jsonl", old), write_jsonl(tmp_path / "new.jsonl", new)]


def test_langsmith_runs_pair_by_example(experiments: list[Path]) -> None:
    result = import_files("langsmith", experiments)
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    [record] = result.records
    assert (record.key, record.prompt) == ("ex-1", "What is 2+2?")
    assert (record.baseline_output, record.candidate_output) == ("4", "four")
    assert result.failed == ["ex-2: candidate failed: RateLimitError: 429 Too Many Requests"]
    assert result.unmatched_baseline == ["ex-3"]
    meta = record.metadata
    assert meta["example_id"] == "ex-1" and meta["source"] == "langsmith"
    old = side_metadata(meta, "baseline")
    assert old["latency_ms"] == 1250 and old["cost"] == 0.0004
    assert (old["input_tokens"], old["output_tokens"]) == (20, 5)
    assert old["scores"] == {"correctness": 1.0} and old["trace_id"] == "trace-exp-old-ex-1"


def test_langsmith_one_file_two_experiments_chosen_by_model(
    experiments: list[Path], tmp_path: Path
) -> None:
    both = tmp_path / "both.jsonl"
    both.write_text(experiments[1].read_text() + experiments[0].read_text())
    result = import_files("langsmith", [both])  # order of appearance: new first
    assert result.baseline_model == "gpt-4.1"
    result = import_files("langsmith", [both], baseline_model="gpt-4o", candidate_model="exp-new")
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    assert result.records[0].baseline_output == "4"


def ai_message(content: Any, **kwargs: Any) -> dict[str, Any]:
    """An AIMessage as LangChain's ``dumpd`` serialises it (how LangSmith stores outputs)."""
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "AIMessage"],
        "kwargs": {
            "content": content,
            "type": "ai",
            "id": "run-abc",
            "response_metadata": {"finish_reason": "stop"},
            "tool_calls": [],
            "invalid_tool_calls": [],
            **kwargs,
        },
    }


def llm_result(generation: dict[str, Any]) -> dict[str, Any]:
    """An LLM run's outputs: LangChain's LLMResult, one prompt, one generation."""
    return {
        "generations": [[{"generation_info": {"finish_reason": "stop"}, **generation}]],
        "llm_output": {"model_name": "m", "token_usage": {"total_tokens": 9}},
        "run": None,
        "type": "LLMResult",
    }


LANGCHAIN_OUTPUTS = [  # (old outputs, new outputs, old text, new text)
    ({"output": ai_message("old one")}, {"output": ai_message("new one")}, "old one", "new one"),
    (
        llm_result({"text": "old two", "type": "Generation"}),
        llm_result({"text": "new two", "type": "Generation"}),
        "old two",
        "new two",
    ),
    (
        llm_result(
            {"text": "old three", "type": "ChatGeneration", "message": ai_message("old three")}
        ),
        llm_result(
            {
                "text": "",
                "type": "ChatGeneration",
                "message": ai_message(
                    [
                        {"type": "text", "text": "new "},
                        {"type": "text", "text": "three"},
                        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
                    ],
                    tool_calls=[
                        {"name": "lookup", "args": {"q": "x"}, "id": "t1", "type": "tool_call"}
                    ],
                ),
            }
        ),
        "old three",
        'new three\n[tool call: lookup({"q": "x"})]',
    ),
    (
        {
            "output": ai_message(
                "",
                additional_kwargs={
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                        }
                    ]
                },
            )
        },
        {
            "messages": [
                {
                    "lc": 1,
                    "type": "constructor",
                    "id": ["langchain", "schema", "messages", "HumanMessage"],
                    "kwargs": {"content": "hi", "type": "human"},
                },
                ai_message("final answer"),
            ]
        },
        '[tool call: weather({"city": "Paris"})]',
        "final answer",
    ),
]


@pytest.mark.parametrize(
    ("old_out", "new_out", "old_text", "new_text"),
    LANGCHAIN_OUTPUTS,
    ids=["message", "llm-result", "chat-generation", "tool-calls"],
)
def test_langsmith_langchain_outputs_are_text(
    tmp_path: Path, old_out: Any, new_out: Any, old_text: str, new_text: str
) -> None:
    # written from LangChain's serialisation (dumpd, LLMResult): LangSmith cannot run here
    old, new = run("ex-1", "exp-old", "gpt-4o", "x"), run("ex-1", "exp-new", "gpt-4.1", "x")
    old[0]["outputs"], new[0]["outputs"] = old_out, new_out
    result = import_files(
        "langsmith",
        [write_jsonl(tmp_path / "old.jsonl", old), write_jsonl(tmp_path / "new.jsonl", new)],
    )
    [record] = result.records
    assert (record.baseline_output, record.candidate_output) == (old_text, new_text)


def test_langsmith_finish_reason_from_langchain_outputs(tmp_path: Path) -> None:
    old, new = run("ex-1", "exp-old", "claude", "x"), run("ex-1", "exp-new", "gpt", "x")
    old[0]["outputs"] = {
        "output": ai_message(
            "short", response_metadata={"stop_reason": "max_tokens", "model": "claude-sonnet-4"}
        )
    }  # Anthropic's word
    new[0]["outputs"] = llm_result(
        {"text": "done", "type": "Generation", "generation_info": {"finish_reason": "length"}}
    )
    [record] = import_files(
        "langsmith",
        [write_jsonl(tmp_path / "old.jsonl", old), write_jsonl(tmp_path / "new.jsonl", new)],
    ).records
    meta = record.metadata
    assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == (
        "max_tokens",
        "length",
    )


def test_langsmith_experiment_csv(tmp_path: Path) -> None:
    def write(name: str, rows: list[dict[str, str]]) -> Path:
        path = tmp_path / name
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    def row(example: str, answer: str, score: str) -> dict[str, str]:
        return {
            "example_id": example,
            "inputs.question": EXAMPLES[example],
            "inputs.context": 'a, "quoted"\nmultiline context',
            "outputs.answer": answer,
            "reference_outputs.answer": "4",
            "feedback.correctness": score,
            "error": "",
            "latency": "0.8",
            "total_tokens": "31",
            "run_id": f"r-{example}",
        }

    old = write("baseline-experiment.csv", [row("ex-1", "4", "1"), row("ex-2", "Paris", "1")])
    new = write("candidate-experiment.csv", [row("ex-1", "four", "0"), row("ex-2", "Paris", "1")])
    result = import_files("langsmith", [old, new])
    assert (result.baseline_model, result.candidate_model) == (
        "baseline-experiment",
        "candidate-experiment",
    )
    first = result.records[0]
    assert json.loads(first.prompt) == {
        "question": "What is 2+2?",
        "context": 'a, "quoted"\nmultiline context',
    }
    assert (first.baseline_output, first.candidate_output) == ("4", "four")
    assert first.metadata["target"] == "4"
    assert side_metadata(first.metadata, "candidate")["scores"] == {"correctness": 0}
    assert side_metadata(first.metadata, "candidate")["latency_ms"] == 800


def test_langsmith_bad_inputs(experiments: list[Path], tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match="a comparison needs two experiments; this input has only 'exp-old'"
    ):
        import_files("langsmith", [experiments[0]])
    text = experiments[0].read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[:-100])
    with pytest.raises(InputError, match=r"cut.jsonl:6: not valid JSON"):
        import_files("langsmith", [cut, experiments[1]])
    tracing = write_jsonl(
        tmp_path / "project.jsonl",
        [{**run("ex-1", "p", "m", "x")[0], "reference_example_id": None}],
    )
    with pytest.raises(
        InputError,
        match="project.jsonl:1: field 'reference_example_id': this run is not from an experiment",
    ):
        import_files("langsmith", [tracing, experiments[1]])
    langfuse = write_jsonl(tmp_path / "langfuse.jsonl", [item("run-a", "i1", "x")])
    with pytest.raises(InputError, match="langfuse.jsonl:1: field 'inputs': not a LangSmith"):
        import_files("langsmith", [langfuse, experiments[1]])


def item(run_name: str, item_id: str, output: Any, **extra: Any) -> dict[str, Any]:
    """One dataset run item with its trace's data, as Langfuse's UI export writes it."""
    return {
        "id": f"dri-{run_name}-{item_id}",
        "datasetRunName": run_name,
        "datasetRunId": f"run-{run_name}",
        "datasetItemId": item_id,
        "traceId": f"trace-{run_name}-{item_id}",
        "observationId": None,
        "input": {"country": item_id.title()},
        "output": output,
        "expectedOutput": {"capital": f"capital of {item_id}"},
        "scores": [{"name": "exact_match", "value": 1, "dataType": "NUMERIC"}],
        "latency": 1.5,
        "totalCost": 0.002,
        "createdAt": "2025-03-01T10:00:00.000Z",
        **extra,
    }


def test_langfuse_json_export_two_runs_in_one_file(tmp_path: Path) -> None:
    meta_old = {"datasetRunMetadata": {"model": "gpt-4o"}}
    meta_new = {"datasetRunMetadata": {"model": "gpt-4.1"}}
    rows = [
        item("prompt-v1", "france", {"role": "assistant", "content": "Paris"}, **meta_old),
        item("prompt-v1", "italy", "Rome", **meta_old),
        item("prompt-v2", "france", "Paris.", **meta_new),
        item("prompt-v2", "italy", None, error="Timeout after 30s", **meta_new),
        item("prompt-v2", "spain", "Madrid", **meta_new),
    ]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(rows))
    result = import_files("langfuse", [path])
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    [record] = result.records
    assert (record.key, record.prompt) == ("france", "France")
    assert (record.baseline_output, record.candidate_output) == ("Paris", "Paris.")
    assert record.metadata["target"] == "capital of france"
    assert side_metadata(record.metadata, "baseline")["scores"] == {"exact_match": 1}
    assert side_metadata(record.metadata, "baseline")["latency_ms"] == 1500
    assert side_metadata(record.metadata, "baseline")["trace_id"] == "trace-prompt-v1-france"
    assert result.failed == ["italy: candidate failed: Timeout after 30s"]
    assert result.unmatched_candidate == ["spain"]


def test_langfuse_snake_case_jsonl_and_csv(tmp_path: Path) -> None:
    def snake(run_name: str, item_id: str, output: str) -> dict[str, Any]:
        return {
            "id": f"x-{item_id}",
            "dataset_run_name": run_name,
            "dataset_item_id": item_id,
            "trace_id": "t",
            "dataset_item_input": {"q": item_id},
            "output": output,
            "dataset_item_expected_output": "y",
            "scores": {"quality": 0.5},
        }

    jsonl = write_jsonl(tmp_path / "old.jsonl", [snake("old", "a", "A1"), snake("old", "b", "B1")])
    new = tmp_path / "new.csv"
    with new.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["datasetRunName", "datasetItemId", "input", "output", "scores.quality", "latency"]
        )
        writer.writerow(["new", "a", '{"q": "a"}', "A2", "0.9", "0.25"])
        writer.writerow(["new", "b", '{"q": "b"}', '{"text": "B2"}', "1", ""])
    result = import_files("langfuse", [jsonl, new])
    assert [(r.key, r.prompt, r.baseline_output, r.candidate_output) for r in result.records] == [
        ("a", "a", "A1", "A2"),
        ("b", "b", "B1", "B2"),
    ]
    assert side_metadata(result.records[0].metadata, "candidate")["scores"] == {"quality": 0.9}
    assert side_metadata(result.records[0].metadata, "baseline")["scores"] == {"quality": 0.5}


def test_langfuse_rows_with_a_nested_trace_object(tmp_path: Path) -> None:
    # Written from Langfuse's documented trace fields (input, output) nested under "trace".
    def nested(run: str, item_id: str, output: str | None) -> dict[str, Any]:
        return {
            "datasetRunName": run,
            "datasetItemId": item_id,
            "trace": {"id": f"t-{run}-{item_id}", "input": {"question": item_id}, "output": output},
        }

    rows = [
        nested("old", "a", "A1"),
        nested("new", "a", "A2"),
        nested("old", "b", "B1"),
        nested("new", "b", None),
    ]
    path = write_jsonl(tmp_path / "runs.jsonl", rows)
    result = import_files("langfuse", [path])
    [record] = result.records
    assert (record.key, record.baseline_output, record.candidate_output) == ("a", "A1", "A2")
    assert result.failed == [
        "b: candidate failed: no output (neither output nor trace.output holds one)"
    ]


def test_langfuse_bad_inputs(tmp_path: Path, experiments: list[Path]) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps([item("only-run", "a", "x"), item("only-run", "b", "y")]))
    with pytest.raises(
        InputError,
        match="one.json: a comparison needs two experiments; this input has only 'only-run'",
    ):
        import_files("langfuse", [one])
    with pytest.raises(InputError, match=r"old.jsonl:1: field 'datasetItemId': not a Langfuse"):
        import_files("langfuse", [experiments[0], one])
    cut = tmp_path / "cut.json"
    cut.write_text(one.read_text()[:-30])
    with pytest.raises(InputError, match=r"cut.json:1: not valid JSON"):
        import_files("langfuse", [cut])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("datasetRunName,datasetItemId,output\nr,a,x\nr,b,y,extra,cells\n")
    with pytest.raises(InputError, match=r"ragged.csv:3: 5 cells, the header has 3"):
        import_files("langfuse", [ragged])


def _load_from(db_path: Path, tool: str, *paths: Path):
    from click.testing import CliRunner

    from swapview.cli import main

    args = ["--db", str(db_path), "load", "--from", tool, *map(str, paths)]
    return CliRunner().invoke(main, args)


def _pairs(db_path: Path) -> list[tuple[str, str, str]]:
    from swapview.store import open_db

    db = open_db(db_path)
    try:
        sql = "SELECT key, baseline_output, candidate_output FROM pairs ORDER BY key"
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


@pytest.mark.parametrize("encode", ["gzip", "utf-16", "utf-16-gzip"])
def test_load_from_langsmith_reads_files_as_plain_load_does(
    experiments: list[Path], tmp_path: Path, encode: str
) -> None:
    """Importers open input through the one opener: gzip and UTF-16 exports load."""
    import gzip

    paths = []
    for path in experiments:
        data = path.read_text().encode("utf-16" if "utf-16" in encode else "utf-8")
        if "gzip" in encode:
            data = gzip.compress(data)
        paths.append(tmp_path / (path.stem + (".jsonl.gz" if "gzip" in encode else ".jsonl")))
        paths[-1].write_bytes(data)
    result = _load_from(tmp_path / "db.sqlite", "langsmith", *paths)
    assert result.exit_code == 0, result.output
    assert _pairs(tmp_path / "db.sqlite") == [("ex-1", "4", "four")]


def test_load_from_langsmith_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "runs.jsonl"
    bad.write_bytes(b'{"id": "caf\xe9"}\n')
    result = _load_from(tmp_path / "db.sqlite", "langsmith", bad)
    assert result.exit_code == 1
    assert "runs.jsonl" in result.output and "not UTF-8" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
