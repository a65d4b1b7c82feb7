"""OpenAI Batch API importer.

The Batch API cannot run here (it is OpenAI's hosted service), so these fixtures are
written from its documented formats: input lines ``{"custom_id", "method", "url",
"body"}``; output and error file lines ``{"id", "custom_id", "response": {"status_code",
"request_id", "body"}, "error": {"code", "message"} | null}``, the body being a chat
completion (or a Responses API response).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.errors import InputError, SwapviewError
from swapview.importers import import_files, run_import
from swapview.importers.base import side_metadata
from swapview.store import open_db

QUESTIONS = {"q1": "What is 2+2?", "q2": "Name a colour", "q3": "Say hi", "q4": "Tell a joke"}


def request(cid: str, model: str, question: str, system: str | None = None) -> dict[str, Any]:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": question}
    ]
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": messages, "max_tokens": 100},
    }


def output(
    cid: str, model: str, text: str, *, status: int = 200, finish: str = "stop"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"chatcmpl-{cid}",
        "object": "chat.completion",
        "created": 1711652795,
        "model": f"{model}-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 22, "completion_tokens": 2, "total_tokens": 24},
        "system_fingerprint": "fp_3ba",
    }
    if status != 200:
        body = {"error": {"message": "The server had an error", "type": "server_error"}}
    return {
        "id": f"batch_req_{cid}",
        "custom_id": cid,
        "response": {"status_code": status, "request_id": f"req_{cid}", "body": body},
        "error": None,
    }


def failed(cid: str) -> dict[str, Any]:
    return {
        "id": f"batch_req_{cid}",
        "custom_id": cid,
        "response": None,
        "error": {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        },
    }


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def batches(tmp_path: Path) -> list[Path]:
    """The same four requests sent to two models; the new batch lost two requests."""
    old_in = write(
        tmp_path / "old_input.jsonl",
        [request(c, "gpt-4o", q, "Be brief.") for c, q in QUESTIONS.items()],
    )
    old_out = write(
        tmp_path / "old_output.jsonl", [output(c, "gpt-4o", f"old answer {c}") for c in QUESTIONS]
    )
    new_in = write(
        tmp_path / "new_input.jsonl",
        [request(c, "gpt-4.1", q, "Be brief.") for c, q in QUESTIONS.items()],
    )
    new_out = write(
        tmp_path / "new_output.jsonl",  # q4 has no output line at all
        [
            output("q1", "gpt-4.1", "new answer q1", finish="length"),
            output("q3", "gpt-4.1", "", status=500),
        ],
    )
    new_err = write(tmp_path / "new_errors.jsonl", [failed("q2")])
    return [old_in, old_out, new_in, new_out, new_err]


def test_pairs_by_custom_id_and_reports_failures(batches: list[Path]) -> None:
    result = import_files("openai-batch", batches)
    assert (result.baseline_model, result.candidate_model) == ("gpt-4o", "gpt-4.1")
    [record] = result.records
    assert record.key == "q1"
    assert record.prompt == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
    ]
    assert (record.baseline_output, record.candidate_output) == ("old answer q1", "new answer q1")
    failures = "\n".join(sorted(result.failed))
    assert "q2: candidate failed: batch_expired: This request could not be executed" in failures
    assert "q3: candidate failed: HTTP 500: The server had an error" in failures
    assert "q4: candidate failed: no output line for this request" in failures
    assert not result.unmatched_baseline and not result.unmatched_candidate


def test_keeps_usage_finish_reason_and_ids(batches: list[Path]) -> None:
    meta = import_files("openai-batch", batches).records[0].metadata
    assert meta["source"] == "openai-batch" and meta["custom_id"] == "q1"
    new = side_metadata(meta, "candidate")
    assert new["model"] == "gpt-4.1" and new["resolved_model"] == "gpt-4.1-2024-08-06"
    assert new["finish_reason"] == "length"
    assert (new["input_tokens"], new["output_tokens"], new["total_tokens"]) == (22, 2, 24)
    assert (new["id"], new["request_id"]) == ("chatcmpl-q1", "req_q1")


def test_pairs_by_request_when_custom_ids_differ(tmp_path: Path) -> None:
    """Pipelines that number each batch afresh: the conversation is what stays the same."""
    old = [request(f"old-{i}", "gpt-4o", q) for i, q in enumerate(QUESTIONS.values())]
    new = [request(f"new-{i}", "gpt-4.1", q) for i, q in enumerate(reversed(QUESTIONS.values()))]
    new[0]["body"]["temperature"] = 0.2  # settings may change; the messages decide
    paths = [
        write(tmp_path / "a_in.jsonl", old),
        write(
            tmp_path / "a_out.jsonl",
            [
                output(r["custom_id"], "gpt-4o", "a " + r["body"]["messages"][0]["content"])
                for r in old
            ],
        ),
        write(tmp_path / "b_in.jsonl", new[:3]),
        write(
            tmp_path / "b_out.jsonl",
            [
                output(r["custom_id"], "gpt-4.1", "b " + r["body"]["messages"][0]["content"])
                for r in new[:3]
            ],
        ),
    ]
    result = import_files("openai-batch", paths)
    assert len(result.records) == 3
    for record in result.records:
        assert record.key.startswith("old-")  # named by the baseline's custom_id
        assert record.baseline_output == "a " + record.prompt
        assert record.candidate_output == "b " + record.prompt
        assert record.metadata["custom_id"].startswith("old-")
    assert result.unmatched_baseline == ["old-0"]  # "What is 2+2?" was not resent
    with pytest.raises(InputError, match="no pairs: 4 gpt-4o answers and 3 gpt-4.1 answers"):
        run_import(open_db(tmp_path / "x.db"), "openai-batch", paths, pair_by="custom_id")
    cli = CliRunner().invoke(
        main,
        [
            "--db",
            str(tmp_path / "y.db"),
            "load",
            "--from",
            "openai-batch",
            "--key",
            "request",
            "--json",
            *map(str, paths),
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["loaded"] == 3


def test_responses_api_batches(tmp_path: Path) -> None:
    def line(cid: str, model: str, text: str) -> dict[str, Any]:
        body = {
            "id": f"resp_{cid}",
            "object": "response",
            "model": model,
            "status": "completed",
            "output": [
                {"type": "reasoning", "summary": []},
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                },
            ],
            "usage": {"input_tokens": 9, "output_tokens": 3, "total_tokens": 12},
        }
        return {
            "id": "b",
            "custom_id": cid,
            "error": None,
            "response": {"status_code": 200, "request_id": "r", "body": body},
        }

    def req(cid: str, model: str) -> dict[str, Any]:
        return {
            "custom_id": cid,
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": model, "instructions": "Be brief.", "input": "Hello"},
        }

    paths = [
        write(tmp_path / "a_in.jsonl", [req("x", "o3")]),
        write(tmp_path / "a_out.jsonl", [line("x", "o3", "Hi there")]),
        write(tmp_path / "b_in.jsonl", [req("x", "gpt-5")]),
        write(tmp_path / "b_out.jsonl", [line("x", "gpt-5", "Hello!")]),
    ]
    [record] = import_files("openai-batch", paths).records
    assert record.prompt == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]
    assert (record.baseline_output, record.candidate_output) == ("Hi there", "Hello!")
    assert side_metadata(record.metadata, "baseline")["output_tokens"] == 3


def test_an_empty_error_file_means_no_failed_requests(batches: list[Path], tmp_path: Path) -> None:
    old_err, new_err = tmp_path / "old_err.jsonl", tmp_path / "new_err.jsonl"
    old_err.write_text("")
    new_err.write_text("\n")  # a blank line is as empty
    old_in, old_out, new_in, new_out, _ = batches
    new_out = write(
        tmp_path / "new_all.jsonl", [output(c, "gpt-4.1", f"new answer {c}") for c in QUESTIONS]
    )
    result = import_files("openai-batch", [old_in, old_out, old_err, new_in, new_out, new_err])
    assert len(result.records) == 4 and not result.failed
    alone = import_files("openai-batch", [old_out, old_err, new_out, new_err])
    assert len(alone.records) == 4 and not alone.failed
    cli = CliRunner().invoke(
        main,
        [
            "--db",
            str(tmp_path / "x.db"),
            "load",
            "--from",
            "openai-batch",
            *map(str, [old_in, old_out, old_err, new_in, new_out, new_err]),
        ],
    )
    assert cli.exit_code == 0 and "4 new" in cli.output, cli.output


def test_an_empty_file_where_a_batch_begins_is_an_error(
    batches: list[Path], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(
        InputError, match="empty.jsonl: empty file; a batch begins with its input or output JSONL"
    ):
        import_files("openai-batch", [empty, *batches])


def test_finish_reasons_under_the_flat_keys(batches: list[Path], tmp_path: Path) -> None:
    meta = import_files("openai-batch", batches).records[0].metadata
    assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == ("stop", "length")

    def line(cid: str, status: str, reason: str | None) -> dict[str, Any]:
        body = {
            "id": f"resp_{cid}",
            "object": "response",
            "model": "m",
            "status": status,
            "incomplete_details": {"reason": reason} if reason else None,
            "output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Once upon a", "annotations": []}],
                }
            ],
        }
        return {
            "id": "b",
            "custom_id": cid,
            "error": None,
            "response": {"status_code": 200, "request_id": "r", "body": body},
        }

    # the Responses API says why an answer stopped short in incomplete_details.reason
    paths = [
        write(tmp_path / "a_out.jsonl", [line("x", "completed", None)]),
        write(tmp_path / "b_out.jsonl", [line("x", "incomplete", "max_output_tokens")]),
    ]
    meta = (
        import_files("openai-batch", paths, baseline_model="o3", candidate_model="gpt-5")
        .records[0]
        .metadata
    )
    assert (meta["baseline.finish_reason"], meta["candidate.finish_reason"]) == (
        "completed",
        "max_output_tokens",
    )


def test_output_files_alone(batches: list[Path]) -> None:
    result = import_files("openai-batch", [batches[1], batches[3]])
    assert [r.key for r in result.records] == ["q1"] and result.records[0].prompt is None
    assert result.candidate_model == "gpt-4.1-2024-08-06"  # what the responses name


def test_one_model_in_both_batches(batches: list[Path]) -> None:
    with pytest.raises(
        InputError, match="a comparison needs two models; this input has only 'gpt-4o'"
    ):
        import_files("openai-batch", batches[:2] + batches[:2])
    renamed = import_files(
        "openai-batch", batches[:2] + batches[:2], baseline_model="run-1", candidate_model="run-2"
    )
    assert len(renamed.records) == 4


def test_bad_files(batches: list[Path], tmp_path: Path) -> None:
    text = batches[1].read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: len(text) - 40])
    with pytest.raises(InputError, match=r"cut.jsonl:4: not valid JSON.*looks truncated"):
        import_files("openai-batch", [batches[0], cut, batches[2], batches[3]])
    wrong = write(tmp_path / "promptfoo.jsonl", [{"results": {"version": 3}}])
    with pytest.raises(InputError, match=r"promptfoo.jsonl:1: not an OpenAI Batch API file"):
        import_files("openai-batch", [wrong, batches[1]])
    with pytest.raises(InputError, match="no custom_id here is in .*old_input.jsonl"):
        other = write(tmp_path / "other_out.jsonl", [output("z9", "gpt-4o", "?")])
        import_files("openai-batch", [batches[0], other, batches[2], batches[3]])
    with pytest.raises(InputError, match="expected two batches .* got 1"):
        import_files("openai-batch", batches[:2])
    with pytest.raises(InputError, match="expected two batches .* got 3"):
        import_files("openai-batch", batches[:4] + [batches[0], batches[1]])
    no_id = write(tmp_path / "no_id.jsonl", [{**output("q1", "m", "x"), "custom_id": 7}])
    with pytest.raises(InputError, match=r"no_id.jsonl:1: field 'custom_id'"):
        import_files("openai-batch", [batches[0], no_id, batches[2], batches[3]])
    no_text = write(
        tmp_path / "embed.jsonl",
        [
            {
                **output("q1", "m", "x"),
                "response": {
                    "status_code": 200,
                    "body": {"object": "list", "data": [{"embedding": [0.1]}]},
                },
            }
        ],
    )
    with pytest.raises(InputError, match=r"embed.jsonl:1: field 'response.body': no answer"):
        import_files("openai-batch", [batches[0], no_text, batches[2], batches[3]])
    with pytest.raises(SwapviewError, match="--key for --from openai-batch is one of auto,"):
        import_files("openai-batch", batches, pair_by="magic")
