"""llm importer, on logs databases written by the real llm CLI.

The new-format database is made per session by llm 0.32+ (installed from PyPI) logging
answers of two OpenAI-compatible models served by tests/support/openai_server.py on
127.0.0.1; the old format is tests/data/llm-0.31-logs.sqlite, written by llm 0.31.1
(see tests/data/make_llm_0_31_logs.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from swapview.errors import InputError
from swapview.importers import import_files, run_import
from swapview.importers.base import side_metadata
from tests.support.eval_tools import llm_logs, made_once
from tests.support.openai_server import FakeOpenAI

OLD_DB = Path(__file__).parent / "data" / "llm-0.31-logs.sqlite"


def _calls(context: Path) -> list[list[str]]:
    both = [
        ["What is 2+2?"],
        ["-s", "Answer in French.", "Name a colour"],
        ["-f", str(context), "What colour is the sky?"],
        ["Tell me a joke"],
        ["-c", "Another one"],
    ]
    calls = [["-m", m, *args] for m in ("old-model", "new-model") for args in both]
    calls += [
        ["-m", "new-model", "Name a colour"],  # no system prompt: pairs with nothing
        ["-m", "old-model", "Only the old model saw this"],
        ["-m", "old-model", "What is 2+2?"],
    ]  # asked twice of the old model
    return calls


@pytest.fixture(scope="session")
def llm_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def make(folder: Path) -> str:
        folder.mkdir(parents=True)
        context = folder / "context.txt"
        context.write_text("The sky is blue.\n")
        with FakeOpenAI() as srv:
            return str(llm_logs(folder, srv.base_url, _calls(context)))

    return made_once(tmp_path_factory, "llm", make)


@pytest.mark.slow
def test_the_real_database_uses_the_new_tables(llm_db: Path) -> None:
    conn = sqlite3.connect(llm_db)
    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM turns").fetchone()[0] == 13


@pytest.mark.slow
@pytest.mark.parametrize(("which", "only_old", "only_new"), [("new", 2, 1), ("old", 1, 1)])
def test_pairs_same_prompt_and_system_across_models(
    which: str, only_old: int, only_new: int, llm_db: Path
) -> None:
    result = import_files("llm", [llm_db if which == "new" else OLD_DB])
    assert (result.baseline_model, result.candidate_model) == ("old-model", "new-model")
    by_prompt = {str(r.prompt): r for r in result.records}
    assert len(result.records) == 5
    for record in result.records:
        assert record.baseline_output.startswith("[old-model] answer to:")
        assert record.candidate_output.startswith("[new-model] answer to:")
    sky = by_prompt["The sky is blue.\n\nWhat colour is the sky?"]  # fragment expanded
    assert "The sky is blue." in sky.candidate_output
    french = next(
        r
        for r in result.records
        if isinstance(r.prompt, list)
        and r.prompt[0] == {"role": "system", "content": "Answer in French."}
    )
    assert french.prompt[1] == {"role": "user", "content": "Name a colour"}
    conversation = next(
        r
        for r in result.records
        if isinstance(r.prompt, list) and r.prompt[-1] == {"role": "user", "content": "Another one"}
    )
    assert conversation.prompt[0] == {"role": "user", "content": "Tell me a joke"}
    # a prompt only one model saw, a prompt asked twice of one model (its 2nd is "~2"),
    # the same prompt without the system prompt
    assert len(result.unmatched_baseline) == only_old
    assert len(result.unmatched_candidate) == only_new
    assert any(k.endswith("~2") for k in result.unmatched_baseline + result.unmatched_candidate)


@pytest.mark.slow
def test_keeps_what_llm_knew_as_metadata(llm_db: Path) -> None:
    record = import_files("llm", [llm_db]).records[0]
    old = side_metadata(record.metadata, "baseline")
    assert record.metadata["source"] == "llm"
    assert old["model"] == "old-model" and old["id"]
    assert old["input_tokens"] > 0 and old["output_tokens"] > 0
    assert old["latency_ms"] >= 0 and old["finish_reason"] == "stop"


@pytest.mark.slow
def test_keys_are_stable_across_reloads(llm_db: Path, db) -> None:
    first = run_import(db, "llm", [llm_db])
    again = run_import(db, "llm", [llm_db])
    assert (first.loaded, again.loaded, again.unchanged) == (5, 0, 5)


@pytest.mark.slow
def test_upgraded_database_and_a_third_model(tmp_path: Path) -> None:
    """llm 0.32+ upgrading a 0.31 database: old answers stay in responses, new go to turns."""
    shutil.copy(OLD_DB, tmp_path / "logs.db")
    calls = [["-m", m, "What is 2+2?"] for m in ("old-model", "new-model", "third-model")]
    with FakeOpenAI() as srv:
        db = llm_logs(tmp_path, srv.base_url, calls, ("old-model", "new-model", "third-model"))
    with pytest.raises(InputError, match="has 3 models .*name them with --baseline-model"):
        import_files("llm", [db])
    both_eras = import_files("llm", [db], baseline_model="old-model", candidate_model="new-model")
    assert len(both_eras.records) == 6  # 5 from 0.31 (2+2 asked twice), 1 from 0.36
    third = import_files("llm", [db], baseline_model="third-model", candidate_model="new-model")
    assert [r.baseline_output for r in third.records] == ["[third-model] answer to: What is 2+2?"]
    assert third.unmatched_candidate  # the new model's other answers
    with pytest.raises(InputError, match="--candidate-model 'gpt-9' is not in this input"):
        import_files("llm", [db], candidate_model="gpt-9")


@pytest.mark.slow
def test_a_length_stop_is_kept(tmp_path: Path) -> None:
    calls = [
        ["-m", "old-model", "Tell me a story"],
        ["-m", "new-model", "-o", "max_tokens", "2", "Tell me a story"],
    ]
    with FakeOpenAI() as srv:  # answers past max_tokens are cut, finish_reason "length"
        db = llm_logs(tmp_path, srv.base_url, calls)
    meta = import_files("llm", [db]).records[0].metadata
    assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == ("stop", "length")


# response_json as llm's plugins log it (written from each provider's documented response):
# llm-anthropic keeps the message (stop_reason); llm-gemini the chunks streamed (a list) or
# the response (candidates[].finishReason); OpenAI streamed, llm's combined chunk.
RESPONSE_JSON = [
    ({"id": "msg_1", "type": "message", "stop_reason": "max_tokens"}, "max_tokens"),
    (
        [
            {"candidates": [{"content": {"parts": [{"text": "a"}]}}]},
            {"candidates": [{"finishReason": "MAX_TOKENS"}], "usageMetadata": {}},
        ],
        "MAX_TOKENS",
    ),
    ({"candidates": [{"finishReason": "STOP"}]}, "STOP"),
    ({"content": "x", "finish_reason": "length", "model": "gpt-4o"}, "length"),
]


@pytest.mark.parametrize(
    ("response_json", "expected"),
    RESPONSE_JSON,
    ids=["anthropic", "gemini-stream", "gemini", "openai-stream"],
)
def test_finish_reason_from_each_plugins_response_json(
    tmp_path: Path, response_json: object, expected: str
) -> None:
    db = tmp_path / "logs.db"
    shutil.copy(OLD_DB, db)  # llm 0.31's responses table, which also keeps response_json
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE responses SET response_json = ? WHERE model = 'new-model'",
            [json.dumps(response_json)],
        )
    meta = import_files("llm", [db]).records[0].metadata
    assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == ("stop", expected)


def test_only_one_model_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "logs.db"
    shutil.copy(OLD_DB, db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM responses WHERE model = 'new-model'")
    with pytest.raises(
        InputError,
        match=r"logs.db: a comparison needs two models; this input"
        r" has only 'old-model'",
    ):
        import_files("llm", [db])


@pytest.mark.slow
def test_bad_inputs(tmp_path: Path, llm_db: Path) -> None:
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(llm_db.read_bytes()[:5000])
    with pytest.raises(InputError, match="truncated.db: "):
        import_files("llm", [truncated])
    wrong = tmp_path / "results.json"
    wrong.write_text('{"results": {"version": 3, "results": []}}')
    with pytest.raises(InputError, match="results.json: not an llm logs database"):
        import_files("llm", [wrong])
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE pairs (id INTEGER)")
    with pytest.raises(InputError, match="other.db: not an llm logs database"):
        import_files("llm", [other])
    with pytest.raises(InputError, match="reads one logs.db"):
        import_files("llm", [llm_db, llm_db])


@pytest.mark.slow
def test_llm_logs_json_loads_as_the_database_does(llm_db: Path, tmp_path: Path) -> None:
    """`llm logs --json` (llm's own output, from the same real logs.db) pairs the same."""
    env = {**os.environ, "LLM_USER_PATH": str(Path(llm_db).parent)}
    llm = Path(sys.executable).with_name("llm")
    out = subprocess.run(
        [str(llm), "logs", "--json", "-n", "0"], env=env, capture_output=True, text=True, check=True
    ).stdout
    as_json = tmp_path / "logs.json"
    as_json.write_text(out)
    from_db = import_files("llm", [str(llm_db)])
    from_json = import_files("llm", [str(as_json)])
    assert len(from_json.records) == len(from_db.records) > 0
    by_key = {r.key: r for r in from_db.records}
    for record in from_json.records:
        twin = by_key[record.key]
        assert (record.prompt, record.baseline_output, record.candidate_output) == (
            twin.prompt,
            twin.baseline_output,
            twin.candidate_output,
        )


def test_a_json_file_that_is_not_llm_logs_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "logs.json"
    bad.write_text('{"not": "a list"}')
    with pytest.raises(InputError, match="nor `llm logs --json` output"):
        import_files("llm", [str(bad)])
    bad.write_text('[{"id": "x", "model": "m"}]')
    with pytest.raises(InputError, match=r"\[0\]\.response"):
        import_files("llm", [str(bad)])
