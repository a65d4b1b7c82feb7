"""The files LangSmith's and Langfuse's Python SDKs write, loaded as they come (#15).

Neither service runs here, so each file is built the way the SDK builds it, from reading
its source:

* LangSmith ``Client.get_test_results(project_name=...)`` (langsmith-sdk, python/langsmith/
  client.py): one row per root run with ``input.<k>`` (singular), ``outputs.<k>``,
  ``execution_time``, ``error``, ``id`` and ``feedback.<k>`` (averages); the example's
  outputs as ``reference.<k>`` columns merged in front; the example id is the frame's index
  and ``to_dict(orient="records")`` drops it before ``pd.json_normalize`` flattens nested
  objects into dotted columns. ``DataFrame.to_csv()`` then writes an unnamed index column,
  empty cells for None, ``True``/``False``, and lists as their Python repr.
* Langfuse SDK 5 ``api.experiments.list_items(...)``: ``ExperimentItemsResponse`` pages
  (``{"data": [ExperimentItem...], "meta": {...}}``), dumped by alias (camelCase) or by
  field name (snake_case); ``experimentItemId`` is the dataset item id or, for local data,
  the first 16 hex digits of the input's sha256 (langfuse/_client/client.py run_experiment).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.errors import InputError
from swapview.importers import import_files
from swapview.importers.base import side_metadata
from swapview.store import decode_prompt, open_db

QUESTIONS = {
    "e1": "What is 2+2?",
    "e2": "Capital of France?",
    "e3": 'Quote "this", please',
}
REFERENCE = {"e1": "4", "e2": "Paris", "e3": '"this"'}


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """What pd.json_normalize does to one record: nested objects become dotted keys."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def pandas_cell(value: Any) -> str:
    """How DataFrame.to_csv writes a cell: None empty, lists and bools by str()."""
    if value is None:
        return ""
    return str(value)


def test_results_csv(path: Path, runs: list[dict[str, Any]]) -> Path:
    """An experiment's get_test_results().to_csv(path), from runs in LangSmith's shape."""
    records = []
    for run in runs:
        example = run["reference_example_id"]
        row = {
            **{f"reference.{k}": v for k, v in {"answer": REFERENCE[example]}.items()},
            **{f"input.{k}": v for k, v in run["inputs"].items()},
            **{f"outputs.{k}": v for k, v in (run["outputs"] or {}).items()},
            "execution_time": run["execution_time"],
            "error": run["error"],
            "id": run["id"],
            **{f"feedback.{k}": v["avg"] for k, v in run["feedback_stats"].items()},
        }
        records.append(flatten(row))
    columns = list(dict.fromkeys(k for r in records for k in r))
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["", *columns])
        for index, record in enumerate(records):
            writer.writerow([index, *(pandas_cell(record.get(c)) for c in columns)])
    return path


test_results_csv.__test__ = False  # type: ignore[attr-defined]  (a helper, not a test)


def ls_run(example: str, model: str, answer: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{model}-{example}",
        "reference_example_id": example,
        "inputs": {"question": QUESTIONS[example], "history": [{"role": "user", "content": "hi"}]},
        "outputs": None if answer is None else {"answer": answer},
        "error": None,
        "execution_time": 0.75,
        "feedback_stats": {"correctness": {"n": 1, "avg": 1.0 if answer == "4" else 0.0}},
        **extra,
    }


@pytest.fixture
def sdk_csvs(tmp_path: Path) -> list[Path]:
    old = [ls_run("e1", "old", "4"), ls_run("e2", "old", "Paris"), ls_run("e3", "old", "this")]
    new = [  # runs come back in any order
        ls_run("e3", "new", "that"),
        ls_run("e1", "new", "four"),
        ls_run("e2", "new", None, error="RateLimitError('429')"),
    ]
    return [
        test_results_csv(tmp_path / "old-experiment.csv", old),
        test_results_csv(tmp_path / "new-experiment.csv", new),
    ]


def test_langsmith_sdk_csv_pairs_by_inputs(sdk_csvs: list[Path]) -> None:
    header = sdk_csvs[0].read_text().splitlines()[0]
    assert header.startswith(",reference.answer,input.question,input.history,outputs.answer")
    result = import_files("langsmith", sdk_csvs)
    assert (result.baseline_model, result.candidate_model) == ("old-experiment", "new-experiment")
    by_output = {r.baseline_output: r for r in result.records}
    assert sorted(by_output) == ["4", "this"]
    first = by_output["4"]
    assert first.candidate_output == "four"
    assert json.loads(first.prompt) == {  # both inputs, the history list read back
        "question": "What is 2+2?",
        "history": [{"role": "user", "content": "hi"}],
    }
    assert json.loads(by_output["this"].prompt)["question"] == 'Quote "this", please'
    assert first.metadata["target"] == "4"
    assert side_metadata(first.metadata, "baseline")["scores"] == {"correctness": 1}
    assert side_metadata(first.metadata, "candidate")["latency_ms"] == 750
    assert side_metadata(first.metadata, "candidate")["id"] == "new-e1"
    assert [f.split(": ", 1)[1] for f in result.failed] == [
        "candidate failed: RateLimitError('429')"
    ]
    assert any("paired by their inputs" in w for w in result.warnings)
    assert "example_id" not in first.metadata  # none was there to keep


def test_langsmith_sdk_csv_keys_are_stable_across_exports(
    sdk_csvs: list[Path], tmp_path: Path
) -> None:
    """Re-exported (rows reordered), the same examples get the same stored keys."""
    keys = sorted(r.key for r in import_files("langsmith", sdk_csvs).records)
    rows = sdk_csvs[1].read_text().splitlines()
    again = tmp_path / "new-again.csv"
    again.write_text("\n".join([rows[0], *reversed(rows[1:])]) + "\n")
    assert sorted(r.key for r in import_files("langsmith", [sdk_csvs[0], again]).records) == keys
    assert all(k.startswith("in-") for k in keys)


def load(db_path: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--db", str(db_path), "load", "--from", *args])


def stored(db_path: Path) -> list[tuple[Any, ...]]:
    db = open_db(db_path)
    try:
        sql = "SELECT key, prompt, prompt_format, baseline_output, candidate_output FROM pairs"
        return sorted((k, decode_prompt(p, f), old, new) for k, p, f, old, new in db.execute(sql))
    finally:
        db.close()


def test_load_from_langsmith_with_field_flags(tmp_path: Path) -> None:
    def run(example: str, model: str, answer: str) -> dict[str, Any]:
        outputs = {"answer": answer, "trace": {"model": model, "steps": 2}}
        return {**ls_run(example, model, answer), "outputs": outputs}

    paths = [
        test_results_csv(tmp_path / f"{m}.csv", [run("e1", m, "4"), run("e3", m, "x")])
        for m in ("old", "new")
    ]
    db_path = tmp_path / "db.sqlite"
    result = load(
        db_path,
        "langsmith",
        *map(str, paths),
        "--prompt-field",
        "input.question",
        "--output-field",
        "outputs.trace.model",
        "--key",
        "input.question",
    )
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ('Quote "this", please', 'Quote "this", please', "old", "new"),
        ("What is 2+2?", "What is 2+2?", "old", "new"),
    ]


def test_load_from_langsmith_chat_inputs_become_turns(tmp_path: Path) -> None:
    def run(example: str, model: str, answer: str) -> dict[str, Any]:
        messages = [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": QUESTIONS[example]},
        ]
        return {**ls_run(example, model, answer), "inputs": {"messages": messages}}

    paths = [
        test_results_csv(tmp_path / "a.csv", [run("e1", "old", "4")]),
        test_results_csv(tmp_path / "b.csv", [run("e1", "new", "four")]),
    ]
    db_path = tmp_path / "db.sqlite"
    assert load(db_path, "langsmith", *map(str, paths)).exit_code == 0
    [(_key, prompt, old, new)] = stored(db_path)
    assert prompt == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "What is 2+2?"},
    ]
    assert (old, new) == ("4", "four")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--prompt-field", "input.nope"], "--prompt-field 'input.nope': this row has no such"),
        (["--baseline-field", "x"], "--baseline-field does not apply to --from langsmith"),
        (["--key", "custom_id"], "--key 'custom_id': this row has no such field"),
    ],
)
def test_load_from_langsmith_bad_field_flags(
    sdk_csvs: list[Path], tmp_path: Path, flags: list[str], message: str
) -> None:
    db_path = tmp_path / "db.sqlite"
    result = load(db_path, "langsmith", *map(str, sdk_csvs), *flags)
    assert result.exit_code == 1 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    if message.startswith("--prompt"):
        assert "old-experiment.csv:2: field 'input.nope'" in result.output


def local_item_id(value: Any) -> str:
    """Langfuse's experimentItemId for local data: sha256 of the serialised input, 16 hex."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def experiment_item(
    name: str, model: str, question: str, output: Any, *, level: str = "DEFAULT"
) -> dict[str, Any]:
    """An ExperimentItem as model_dump(by_alias=True, mode="json") writes it."""
    data = {"question": question}
    return {
        "id": f"obs-{name}-{question[:4]}",
        "traceId": f"trace-{name}-{question[:4]}",
        "startTime": "2026-05-01T10:00:00.000Z",
        "endTime": "2026-05-01T10:00:02.500Z",
        "level": level,
        "environment": "sdk-experiment",
        "experimentId": f"exp-{name}",
        "experimentName": name,
        "experimentItemId": local_item_id(data),
        "experimentDatasetId": None,
        "input": data,
        "output": output,
        "expectedOutput": {"answer": question.upper()},
        "metadata": None,
        "experimentMetadata": {"model": model},
        "scores": [
            {
                "dataType": "NUMERIC",
                "value": 0.5 if output else 0.0,
                "id": "s1",
                "projectId": "p",
                "name": "accuracy",
                "source": "EVAL",
                "timestamp": "2026-05-01T10:00:03Z",
                "environment": "sdk-experiment",
                "createdAt": "2026-05-01T10:00:03Z",
                "updatedAt": "2026-05-01T10:00:03Z",
            },
            {
                "dataType": "BOOLEAN",
                "value": bool(output),
                "id": "s2",
                "projectId": "p",
                "name": "answered",
                "source": "EVAL",
                "timestamp": "2026-05-01T10:00:03Z",
                "environment": "sdk-experiment",
                "createdAt": "2026-05-01T10:00:03Z",
                "updatedAt": "2026-05-01T10:00:03Z",
            },
        ],
    }


def snake(item: dict[str, Any]) -> dict[str, Any]:
    """The same item by field name (model_dump() without by_alias)."""
    names = {
        "traceId": "trace_id",
        "startTime": "start_time",
        "endTime": "end_time",
        "experimentId": "experiment_id",
        "experimentName": "experiment_name",
        "experimentItemId": "experiment_item_id",
        "experimentDatasetId": "experiment_dataset_id",
        "expectedOutput": "expected_output",
        "experimentMetadata": "experiment_metadata",
    }
    return {names.get(k, k): v for k, v in item.items()}


def test_langfuse_sdk5_experiment_items(tmp_path: Path) -> None:
    old = [
        experiment_item("v1", "gpt-4o", "capital of france", "Paris"),
        experiment_item("v1", "gpt-4o", "capital of italy", "Rome"),
    ]
    new = [
        experiment_item("v2", "gpt-4.1", "capital of italy", None, level="ERROR"),
        experiment_item("v2", "gpt-4.1", "capital of france", {"text": "Paris."}),
    ]
    page = tmp_path / "items.json"  # one page holding both experiments, newest first
    page.write_text(json.dumps({"data": new + old, "meta": {"cursor": None}}))
    result = import_files("langfuse", [page], baseline_model="gpt-4o")
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    [record] = result.records
    assert record.key == local_item_id({"question": "capital of france"})
    assert (record.prompt, record.baseline_output, record.candidate_output) == (
        "capital of france",
        "Paris",
        "Paris.",
    )
    assert record.metadata["target"] == "CAPITAL OF FRANCE"
    old_side = side_metadata(record.metadata, "baseline")
    assert old_side["scores"] == {"accuracy": 0.5, "answered": True}
    assert old_side["latency_ms"] == 2500 and old_side["trace_id"] == "trace-v1-capi"
    assert result.failed == [
        f"{local_item_id({'question': 'capital of italy'})}: candidate failed:"
        " the task ended at level ERROR"
    ]


def test_langfuse_sdk5_snake_case_pages_as_jsonl(tmp_path: Path) -> None:
    pages = [
        {"data": [snake(experiment_item("v1", "m1", "q one", "A1"))], "meta": {"cursor": "c"}},
        {"data": [snake(experiment_item("v1", "m1", "q two", "B1"))], "meta": {"cursor": None}},
    ]
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps(p) + "\n" for p in pages))
    new = tmp_path / "new.jsonl"  # rows one a line, as a script dumping items would write
    new.write_text(
        "".join(
            json.dumps(snake(experiment_item("v2", "m2", q, a))) + "\n"
            for q, a in (("q two", "B2"), ("q one", "A2"))
        )
    )
    result = import_files("langfuse", [old, new])
    assert (result.baseline_model, result.candidate_model) == ("m1", "m2")
    assert sorted((r.prompt, r.baseline_output, r.candidate_output) for r in result.records) == [
        ("q one", "A1", "A2"),
        ("q two", "B1", "B2"),
    ]


def test_langfuse_item_without_an_id_names_the_fields(tmp_path: Path) -> None:
    bad = tmp_path / "items.json"
    item = experiment_item("v1", "m", "q", "a")
    del item["experimentItemId"]
    bad.write_text(json.dumps({"data": [item], "meta": {}}))
    with pytest.raises(
        InputError, match="not a Langfuse dataset run item, trace or generation: no dataset item id"
    ):
        import_files("langfuse", [bad])
