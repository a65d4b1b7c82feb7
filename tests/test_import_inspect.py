"""inspect_ai importer, on two real eval logs made per session by inspect_ai (from PyPI)
with its mockllm model: the old model's as ``.eval``, the new model's as ``.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from swapview.errors import InputError, SwapviewError
from swapview.importers import import_files, run_import
from swapview.importers.base import side_metadata
from swapview.store import open_db
from tests.support.eval_tools import (
    inspect_failing_logs,
    inspect_logs,
    inspect_overflow_logs,
    made_once,
)

pytestmark = pytest.mark.slow  # each test reads files the real tool wrote this session


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return made_once(tmp_path_factory, "inspect", lambda d: [str(p) for p in inspect_logs(d)])


def test_pairs_samples_by_id_and_epoch(logs: list[Path]) -> None:
    assert [p.suffix for p in logs] == [".eval", ".json"]
    result = import_files("inspect", logs)
    assert (result.baseline_model, result.candidate_model) == (
        "mockllm/old-model",
        "mockllm/new-model",
    )
    records = {r.key: r for r in result.records}
    assert sorted(records) == ["2#1", "2#2", "q1#1", "q1#2"]
    assert records["q1#2"].baseline_output == "4 (epoch 2)"
    assert records["q1#2"].candidate_output == "four (epoch 2)"
    assert records["2#1"].prompt == "Capital of France?"
    assert sorted(result.unmatched_baseline) == ["only-old#1", "only-old#2"]
    assert not result.unmatched_candidate
    assert sorted(result.failed) == [
        "boom#1: candidate failed: RuntimeError('sample boom exploded')",
        "boom#2: candidate failed: RuntimeError('sample boom exploded')",
    ]


def test_keeps_scores_usage_and_target(logs: list[Path]) -> None:
    record = next(r for r in import_files("inspect", logs).records if r.key == "q1#1")
    meta = record.metadata
    assert (meta["source"], meta["sample_id"], meta["epoch"], meta["task"]) == (
        "inspect",
        "q1",
        1,
        "qa",
    )
    assert meta["target"] == "4"
    old, new = side_metadata(meta, "baseline"), side_metadata(meta, "candidate")
    assert old["scores"] == {"includes": "C"} and new["scores"] == {"includes": "I"}
    assert (old["input_tokens"], old["output_tokens"]) == (12, 3)
    assert old["system"] == "Be brief." and old["finish_reason"] == "stop"
    assert old["id"] and old["run_id"] != new["run_id"]


def test_the_same_model_twice_is_a_clear_error(logs: list[Path]) -> None:
    with pytest.raises(InputError, match="both logs ran model 'mockllm/old-model'"):
        import_files("inspect", [logs[0], logs[0]])
    renamed = import_files("inspect", [logs[0], logs[0]], baseline_model="v1", candidate_model="v2")
    assert len(renamed.records) == 8  # a log against itself: every sample pairs


def test_bad_logs(logs: list[Path], tmp_path: Path) -> None:
    for log in logs:
        cut = tmp_path / f"cut{log.suffix}"
        data = log.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(InputError, match=f"cut{log.suffix}: not a readable inspect_ai"):
            import_files("inspect", [cut, logs[1]])
    wrong = tmp_path / "results.json"
    wrong.write_text(json.dumps({"results": {"version": 3, "results": []}}))
    with pytest.raises(InputError, match="results.json: not a readable inspect_ai eval log"):
        import_files("inspect", [logs[0], wrong])
    with pytest.raises(InputError, match="reads two eval logs"):
        import_files("inspect", [logs[0]])


def test_missing_inspect_ai_says_how_to_install(
    logs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "inspect_ai.log", None)  # makes the import fail
    with pytest.raises(SwapviewError, match=r"pip install 'swapview\[inspect\]'"):
        import_files("inspect", logs)


def test_when_every_sample_failed_the_error_says_so(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    logs = made_once(
        tmp_path_factory, "inspect-failing", lambda d: [str(p) for p in inspect_failing_logs(d)]
    )
    result = import_files("inspect", logs, baseline_model="old", candidate_model="new")
    assert not result.records
    assert (result.answers, result.failures) == ((6, 3), (6, 3))
    assert len(result.failed) == 6 and not result.unmatched_baseline  # failed, not unmatched
    with pytest.raises(InputError) as caught:
        run_import(
            open_db(tmp_path / "x.db"), "inspect", logs, baseline_model="old", candidate_model="new"
        )
    message = str(caught.value)
    assert "no pairs: all 6 old answers and all 3 new answers failed" in message
    assert "first error: ConnectionError('Connection refused: could not reach" in message
    assert len(message) < len(str(logs[0])) + 200  # the error is shortened


def test_the_load_report_counts_failures_per_side(logs: list[Path], tmp_path: Path) -> None:
    report = run_import(open_db(tmp_path / "x.db"), "inspect", logs)
    assert report.loaded == 4 and len(report.skipped) == 2
    assert (
        "0 of 8 mockllm/old-model answers and 2 of 6 mockllm/new-model answers failed;"
        " first error: RuntimeError('sample boom exploded')"
    ) in report.warnings


def test_the_stop_reason_is_the_finish_reason(logs: list[Path]) -> None:
    records = {r.key: r for r in import_files("inspect", logs).records}
    for key, expected in (("2#1", "max_tokens"), ("q1#1", "stop")):
        meta = records[key].metadata  # flat keys: what the truncated signal reads
        assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == (
            "stop",
            expected,
        )


def test_a_context_overflow_is_a_failure_with_its_message(tmp_path: Path) -> None:
    old, new = inspect_overflow_logs(tmp_path)
    result = import_files("inspect", [str(old), str(new)])
    assert [r.key for r in result.records] == ["short#1"]  # never loaded as an answer
    assert len(result.failed) == 1 and "long#1" in result.failed[0]
    assert "outran the model's context" in result.first_error
    assert "maximum context length is 4096 tokens" in result.first_error


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "Error code: 400 - {'error': {'message': \"This model's maximum context length is"
            " 4096 tokens.\", 'type': 'invalid_request_error'}}",
            "This model's maximum context length is 4096 tokens.",
        ),
        (
            'POST /v1/chat {"model": "m", "messages": [...]}\n{"message": "rate limited"}',
            "rate limited",
        ),
        ("\n  plain failure\nwith detail", "plain failure"),
    ],
)
def test_the_servers_message_not_the_request_dump(text: str, message: str) -> None:
    from swapview.importers.inspect_logs import error_message

    assert error_message(text) == message
