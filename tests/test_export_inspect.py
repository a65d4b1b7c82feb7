"""The inspect export, loaded and run by inspect_ai itself (from PyPI, no network)."""

from __future__ import annotations

import gzip
import json

import pytest

from swapview.export import Selection, export
from swapview.export.models import (
    ExportCase,
    InspectSample,
    LangSmithExample,
    OpenAIEvalsSample,
    PromptfooTestCase,
)
from tests.support.export_data import STANDARD_CASES, Case, build

pytestmark = pytest.mark.slow  # each test loads our exports with the real inspect_ai

FORMAT_MODELS = {
    "swapview": ExportCase,
    "openai-evals": OpenAIEvalsSample,
    "inspect": InspectSample,
    "promptfoo": PromptfooTestCase,
    "langsmith": LangSmithExample,
}


@pytest.fixture
def dataset_path(db, tmp_path, monkeypatch):
    # inspect_ai keeps data and caches under XDG folders: keep them inside the test.
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    build(db, STANDARD_CASES)
    path = tmp_path / "inspect.jsonl"
    export(db, Selection(comparison="m1"), "inspect", str(path))
    return path


def test_json_dataset_reads_our_export(dataset_path):
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser

    samples = {s.id: s for s in json_dataset(str(dataset_path))}
    assert sorted(samples) == [
        "m1/better",
        "m1/fixed",
        "m1/json",
        "m1/refusal",
        "m1/same",
        "m1/short",
    ]
    json_case = samples["m1/json"]
    assert json_case.input == "Return the user as JSON with keys name and age."
    assert json_case.target == '{"name": "Ada Lovelace", "age": 36}'
    assert json_case.metadata["tag"] == "regression"
    assert json_case.metadata["note"] == "JSON became prose"
    # The file's own labels ride along, nested, under their own key.
    assert json_case.metadata["pair_metadata"]["Winner"] == "baseline"
    assert json_case.metadata["pair_metadata"]["human"] == {"preference": "model_a"}
    chat = samples["m1/same"]
    assert isinstance(chat.input[0], ChatMessageSystem)
    assert isinstance(chat.input[1], ChatMessageUser)
    assert chat.input[1].text == "What is 2 + 2?"
    assert chat.target == ["2 + 2 = 4.", "It is 4."]  # neutral: either answer is right
    assert samples["m1/fixed"].target.startswith("Prince Hamlet avenges")


def test_inspect_eval_scores_replayed_outputs(dataset_path, tmp_path):
    """A real inspect eval: a solver replays each stored output, `exact` scores it."""
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ModelOutput
    from inspect_ai.scorer import exact
    from inspect_ai.solver import solver

    @solver
    def replay(side: str):
        async def solve(state, generate):
            state.output = ModelOutput.from_content("replay", state.metadata[f"{side}_output"])
            return state

        return solve

    tasks = [
        Task(
            dataset=json_dataset(str(dataset_path)), solver=replay(side), scorer=exact(), name=side
        )
        for side in ("baseline", "candidate")
    ]
    logs = inspect_eval(
        tasks, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none"
    )
    scores = {log.eval.task: {s.id: s.scores["exact"].value for s in log.samples} for log in logs}
    assert all(log.status == "success" for log in logs)
    for key in ("json", "refusal", "short"):  # regressions: old passes, new fails
        assert scores["baseline"][f"m1/{key}"] == "C"
        assert scores["candidate"][f"m1/{key}"] == "I"
    assert (scores["baseline"]["m1/better"], scores["candidate"]["m1/better"]) == ("I", "C")
    assert scores["baseline"]["m1/same"] == scores["candidate"]["m1/same"] == "C"
    # The reviewer's corrected answer is the target: neither model wrote it.
    assert scores["baseline"]["m1/fixed"] == scores["candidate"]["m1/fixed"] == "I"


def test_real_pairs_export_loads_whole(db, realdata, tmp_path):
    """Real outputs (braces, unicode, empty answers) survive every format and load back."""
    from inspect_ai.dataset import json_dataset

    tags = {"baseline": "regression", "candidate": "improvement", "tie": "neutral"}
    path = realdata / "pairs" / "arena_bench_v1__gpt-3.5-turbo__gpt-3.5-turbo-1106.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    cases = [
        Case(
            r["id"],
            r["prompt"],
            r["baseline_output"],
            r["candidate_output"],
            tag=tags.get(r["preference"]),
            scored=False,
        )
        for r in rows
    ]
    build(db, cases)
    tagged = sum(c.tag is not None for c in cases)
    for name, model in FORMAT_MODELS.items():
        out = tmp_path / f"{name}.jsonl"
        export(db, Selection(comparison="m1"), name, str(out))
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == tagged
        for line in lines:
            model.model_validate_json(line)
    samples = list(json_dataset(str(tmp_path / "inspect.jsonl")))
    assert len(samples) == tagged and len({s.id for s in samples}) == tagged


def test_cases_from_inspect_logs_carry_the_system_prompt(tmp_path_factory, tmp_path, monkeypatch):
    """Real logs (solver system_message("Be brief.")), loaded, tagged, exported, and read
    back by json_dataset: the input is the system message, then the question (#15)."""
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser

    from swapview import reviews
    from swapview.importers import run_import
    from swapview.store import open_db
    from tests.support.eval_tools import inspect_logs, made_once

    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    logs = made_once(tmp_path_factory, "inspect", lambda d: [str(p) for p in inspect_logs(d)])
    db = open_db(tmp_path / "db.sqlite")
    run_import(db, "inspect", logs, "qa")
    for (pair_id,) in db.execute("SELECT id FROM pairs").fetchall():
        reviews.record(db, pair_id, "ana", tag="regression")
    out = tmp_path / "cases.jsonl"
    export(db, Selection(comparison="qa"), "inspect", str(out))
    samples = list(json_dataset(str(out)))
    assert samples
    for sample in samples:
        system, user = sample.input
        assert isinstance(system, ChatMessageSystem) and system.text == "Be brief."
        assert isinstance(user, ChatMessageUser) and user.text.endswith("?")
