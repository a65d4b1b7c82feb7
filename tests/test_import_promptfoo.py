"""promptfoo importer, on results files written by the real promptfoo (0.121.20 from npm,
installed by scripts/install-test-tools) running an exec provider offline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swapview.errors import InputError
from swapview.importers import import_files
from swapview.importers.base import side_metadata
from tests.support.eval_tools import (
    PROMPTFOO,
    made_once,
    promptfoo_finish_reasons,
    promptfoo_results,
)

pytestmark = pytest.mark.slow  # each test reads files the real tool wrote this session


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not PROMPTFOO.exists():
        pytest.fail(f"promptfoo is not installed at {PROMPTFOO}: run scripts/install-test-tools")
    return made_once(tmp_path_factory, "promptfoo", promptfoo_results)


def test_one_file_with_two_providers(results: dict[str, Path]) -> None:
    result = import_files("promptfoo", [results["both"]])
    assert (result.baseline_model, result.candidate_model) == ("old-model", "new-model")
    # 3 tests x 2 prompts; the new model failed both "please fail" rows
    assert len(result.records) == 4 and len(result.failed) == 2
    assert all("candidate failed" in f for f in result.failed)
    assert not result.unmatched_baseline and not result.unmatched_candidate
    for record in result.records:
        assert record.baseline_output == "[old-model] " + record.prompt.upper()
        assert record.candidate_output == "[new-model] " + record.prompt.upper()
    prompts = sorted(r.prompt for r in result.records)
    assert prompts == [
        "Answer: name a colour",
        "Answer: what is 2+2",
        "Briefly: name a colour",
        "Briefly: what is 2+2",
    ]


def test_keeps_scores_latency_and_test_case(results: dict[str, Path]) -> None:
    result = import_files("promptfoo", [results["both"]])
    record = next(r for r in result.records if r.prompt == "Answer: what is 2+2")
    meta = record.metadata
    assert meta["source"] == "promptfoo"
    assert meta["vars"] == {"question": "what is 2+2"}
    assert meta["description"] == "arithmetic"
    assert meta["prompt_label"] == "Answer: {{question}}"
    for side in ("baseline", "candidate"):
        one = side_metadata(meta, side)
        assert one["passed"] is True and one["scores"] == {"contains": 1}
        assert one["latency_ms"] >= 0 and one["id"]
    assert meta["baseline.scores.contains"] == 1


def test_two_files(results: dict[str, Path]) -> None:
    """The old model's run, then the new model's (here picked from a two-provider run)."""
    result = import_files(
        "promptfoo", [results["old"], results["both"]], candidate_model="new-model"
    )
    assert (result.baseline_model, result.candidate_model) == ("old-model", "new-model")
    assert len(result.records) == 4 and len(result.failed) == 2
    same_keys = {r.key for r in import_files("promptfoo", [results["both"]]).records}
    assert {r.key for r in result.records} == same_keys


def test_providers_chosen_and_swapped(results: dict[str, Path]) -> None:
    result = import_files(
        "promptfoo", [results["both"]], baseline_model="new-model", candidate_model="old-model"
    )
    assert result.records[0].baseline_output.startswith("[new-model]")
    with pytest.raises(InputError, match="'gpt-9' is not in this input"):
        import_files("promptfoo", [results["both"]], baseline_model="gpt-9")


def test_only_one_provider_is_a_clear_error(results: dict[str, Path]) -> None:
    with pytest.raises(
        InputError,
        match=r"old.json: a comparison needs two providers; this"
        r" input has only 'old-model'",
    ):
        import_files("promptfoo", [results["old"]])
    with pytest.raises(InputError, match="the same file twice"):
        import_files("promptfoo", [results["old"], results["old"]])
    with pytest.raises(InputError, match="both.json: this file has 2 providers"):
        import_files("promptfoo", [results["both"], results["old"]])


def test_truncated_and_wrong_files(results: dict[str, Path], tmp_path: Path) -> None:
    text = results["both"].read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(InputError, match=r"cut.json:\d+: not valid JSON"):
        import_files("promptfoo", [cut])
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"custom_id": "a", "response": {}}))
    with pytest.raises(InputError, match="batch.json: field 'results.results': not a promptfoo"):
        import_files("promptfoo", [batch])
    doc = json.loads(text)
    doc["results"]["results"][3]["provider"] = None
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"field 'results.results\[3\].provider'"):
        import_files("promptfoo", [broken])
    doc["results"]["version"] = 2
    old = tmp_path / "v2.json"
    old.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="output version 2 is too old"):
        import_files("promptfoo", [old])


def test_a_prompt_changed_with_the_model_pairs_by_test_case(
    results: dict[str, Path], tmp_path: Path
) -> None:
    """Old run with prompt A, new run with prompt B (the real rows, split by provider and
    prompt): the test case alone pairs them."""
    doc = json.loads(results["both"].read_text())
    for name, (provider, label) in {
        "a": ("old-model", "terse"),
        "b": ("new-model", "Answer: {{question}}"),
    }.items():
        rows = [
            r
            for r in doc["results"]["results"]
            if r["provider"]["label"] == provider and r["prompt"]["label"] == label
        ]
        part = {
            **doc,
            "results": {
                **doc["results"],
                "results": rows,
                "prompts": [p for p in doc["results"]["prompts"] if p["provider"] == provider],
            },
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(part))
    result = import_files("promptfoo", [tmp_path / "a.json", tmp_path / "b.json"])
    assert "pairing by test case only" in result.warnings[0]
    assert sorted((r.baseline_output, r.candidate_output) for r in result.records) == [
        ("[old-model] BRIEFLY: NAME A COLOUR", "[new-model] ANSWER: NAME A COLOUR"),
        ("[old-model] BRIEFLY: WHAT IS 2+2", "[new-model] ANSWER: WHAT IS 2+2"),
    ]
    assert len(result.failed) == 1  # "please fail": the new model's call errored


def test_keeps_the_providers_finish_reason(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not PROMPTFOO.exists():
        pytest.fail(f"promptfoo is not installed at {PROMPTFOO}: run scripts/install-test-tools")
    path = made_once(tmp_path_factory, "promptfoo-finish", promptfoo_finish_reasons)
    records = {
        r.metadata["vars"]["question"]: r.metadata
        for r in import_files("promptfoo", [path]).records
    }
    assert (
        records["tell a long story"]["baseline.finish_reason"],
        records["tell a long story"]["candidate.finish_reason"],
    ) == ("stop", "length")
    assert records["say hi"]["candidate.finish_reason"] == "stop"


def test_a_model_swap_under_one_label_and_a_jsonl_run(results: dict[str, Path]) -> None:
    """Both runs call their provider `support-bot`; the new one was saved with
    `-o results.jsonl`. The files are the sides and the provider ids name the models."""
    result = import_files("promptfoo", [results["same_old"], results["same_new"]])
    assert result.baseline_model == "exec: python3 answer.py old-model"
    assert result.candidate_model == "exec: python3 answer.py new-model"
    assert len(result.records) == 4 and len(result.failed) == 2
    for record in result.records:
        assert record.baseline_output == "[old-model] " + record.prompt.upper()
        assert record.candidate_output == "[new-model] " + record.prompt.upper()
        assert record.metadata["baseline.provider_id"] == "exec: python3 answer.py old-model"
        assert record.metadata["candidate.provider_id"] == "exec: python3 answer.py new-model"
