"""Export: selection, expected answers, each format's schema, atomic writes, --append, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.errors import InputError, SwapviewError
from swapview.export import FORMATS, Selection, export, select_cases
from swapview.export.assertions import count_words
from swapview.export.formats import detect_format
from swapview.export.models import (
    InspectSample,
    LangSmithExample,
    OpenAIEvalsSample,
    PromptfooTestCase,
)
from swapview.export.writer import write_atomic
from swapview.store import LoadReport, PairRecord, PairWriter, write_transaction
from tests.support.export_data import STANDARD_CASES, Case, build


@pytest.fixture
def ids(db):
    return build(db, STANDARD_CASES)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _keys(db, **kw) -> list[str]:
    return [c.key for c in select_cases(db, Selection(comparison="m1", **kw))]


def test_default_selection_is_every_tag_but_skip_in_key_order(db, ids):
    assert _keys(db) == ["better", "fixed", "json", "refusal", "same", "short"]
    assert _keys(db, tags=("skip",)) == ["skipped"]
    assert _keys(db, tags=("regression", "neutral")) == [
        "fixed",
        "json",
        "refusal",
        "same",
        "short",
    ]


@pytest.mark.parametrize(
    ("kw", "keys"),
    [
        ({"reviewers": ("bo",)}, ["fixed", "same"]),
        ({"signals": ("much_shorter",)}, ["refusal", "short"]),
        ({"signals": ("json_broke", "truncated")}, ["json", "short"]),
        ({"tags": ("improvement",), "reviewers": ("bo",)}, []),
    ],
)
def test_filters(db, ids, kw, keys):
    assert _keys(db, **kw) == keys


def test_stale_decisions_left_out_unless_asked(db, ids):
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(
            [
                PairRecord(
                    "json",
                    "Return the user as JSON with keys name and age.",
                    '{"name": "Ada Lovelace", "age": 36}',
                    "Reworded answer.",
                )
            ]
        )
    assert "json" not in _keys(db)
    cases = select_cases(db, Selection(comparison="m1", include_stale=True))
    stale = next(c for c in cases if c.key == "json")
    # The scores were computed on the old outputs: not exported as if current.
    assert stale.stale and stale.scores is None and stale.signals == []


@pytest.mark.parametrize(
    ("key", "source", "ideal", "acceptable", "rejected"),
    [
        (
            "json",
            "baseline",
            '{"name": "Ada Lovelace", "age": 36}',
            1,
            "The user is Ada Lovelace, aged 36.",
        ),
        (
            "better",
            "candidate",
            "The capital of Australia is Canberra, not Sydney, which is the largest city.",
            1,
            "The capital of Australia is Sydney.",
        ),
        ("same", "both", "2 + 2 = 4.", 2, None),
        (
            "fixed",
            "corrected",
            "Prince Hamlet avenges his father's murder by his uncle, and almost everyone dies.",
            1,
            "A meh summary.",
        ),
    ],
)
def test_expected_answer_follows_the_decision(db, ids, key, source, ideal, acceptable, rejected):
    case = next(c for c in select_cases(db, Selection(comparison="m1")) if c.key == key)
    assert (case.ideal_source, case.ideal, len(case.acceptable)) == (source, ideal, acceptable)
    assert case.rejected == ([rejected] if rejected else [])


def test_custom_tag_policy(db, ids):
    reviews.record(db, ids["untagged"], "ana", tag="hallucination")
    sel = Selection(comparison="m1", tags=("hallucination",))
    assert select_cases(db, sel)[0].ideal_source == "both"
    sel = Selection(comparison="m1", tags=("hallucination",), policy={"hallucination": "baseline"})
    case = select_cases(db, sel)[0]
    assert (case.ideal, case.rejected) == ("old words", ["new words"])


def _export_all(db, tmp_path, name) -> list[dict]:
    out = tmp_path / f"{name}.jsonl"
    export(db, Selection(comparison="m1"), name, str(out))
    return _read(out)


def test_swapview_format_has_every_field(db, ids, tmp_path):
    rows = _export_all(db, tmp_path, "swapview")
    row = next(r for r in rows if r["key"] == "refusal")
    for field in (
        "id",
        "prompt",
        "baseline_output",
        "candidate_output",
        "baseline_model",
        "candidate_model",
        "tag",
        "note",
        "reviewer",
        "decided",
        "scores",
        "signals",
        "ideal",
        "corrected_output",
    ):
        assert field in row
    assert row["id"] == "m1/refusal" and row["scores"]["embedding_model"] == "hashed-bow-64"
    assert {s["name"] for s in row["signals"]} == {"refusal_appeared", "much_shorter"}


def test_openai_evals_format(db, ids, tmp_path):
    rows = {r["id"]: r for r in _export_all(db, tmp_path, "openai-evals")}
    for row in rows.values():
        OpenAIEvalsSample.model_validate(row)
        assert all({"role", "content"} <= set(m) for m in row["input"])
    assert rows["m1/json"]["input"] == [
        {"role": "user", "content": "Return the user as JSON with keys name and age."}
    ]
    assert rows["m1/same"]["input"][0] == {"role": "system", "content": "Answer briefly."}
    assert rows["m1/same"]["ideal"] == ["2 + 2 = 4.", "It is 4."]


def test_langsmith_format(db, ids, tmp_path):
    rows = {r["metadata"]["swapview_id"]: r for r in _export_all(db, tmp_path, "langsmith")}
    for row in rows.values():
        LangSmithExample.model_validate(row)
        assert set(row) == {"id", "inputs", "outputs", "metadata"}
        assert set(row["inputs"]) == {"messages", "prompt"}  # one shape, text or chat
    assert rows["m1/json"]["outputs"] == {"output": '{"name": "Ada Lovelace", "age": 36}'}
    assert rows["m1/same"]["inputs"]["messages"][1]["content"] == "What is 2 + 2?"
    assert rows["m1/json"]["inputs"]["messages"] == [
        {"role": "user", "content": rows["m1/json"]["inputs"]["prompt"]}
    ]
    assert rows["m1/json"]["metadata"]["note"] == "JSON became prose"


def test_langsmith_example_ids_are_stable_uuids(db, ids, tmp_path):
    import uuid

    first = {r["metadata"]["swapview_id"]: r["id"] for r in _export_all(db, tmp_path, "langsmith")}
    assert len(set(first.values())) == len(first)
    assert all(uuid.UUID(v).version == 5 for v in first.values())
    reviews.record(db, ids["json"], "bo", tag="improvement", note="changed my mind")
    again = tmp_path / "again"
    again.mkdir()
    second = {r["metadata"]["swapview_id"]: r["id"] for r in _export_all(db, again, "langsmith")}
    assert second == first  # a new decision, the same example


def test_a_system_prompt_kept_apart_goes_into_every_format(db, tmp_path):
    """inspect keeps the solver's system message beside the input (SIDE.system)."""
    build(
        db,
        [
            Case("q1", "What is 2+2?", "4", "four", "regression",
                 metadata={"baseline.system": "Be brief.", "candidate.system": "Be brief."}),
            Case("q2", [{"role": "system", "content": "Own."}, {"role": "user", "content": "Hi"}],
                 "hi", "hello", "regression", metadata={"baseline.system": "Be brief."}),
        ],
    )  # fmt: skip
    expected = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
    ]
    inputs = {
        "inspect": lambda r: r["input"],
        "openai-evals": lambda r: r["input"],
        "promptfoo": lambda r: r["vars"]["messages"],
        "langsmith": lambda r: r["inputs"]["messages"],
        "swapview": lambda r: r["prompt"],
    }
    for name, read in inputs.items():
        rows = _export_all(db, tmp_path, name)
        assert [read(r) for r in rows] == [
            expected,
            [{"role": "system", "content": "Own."}, {"role": "user", "content": "Hi"}],
        ], name


def test_inspect_format_schema(db, ids, tmp_path):
    rows = {r["id"]: r for r in _export_all(db, tmp_path, "inspect")}
    for row in rows.values():
        InspectSample.model_validate(row)
        assert set(row) == {"id", "input", "target", "metadata"}
    assert rows["m1/better"]["target"].startswith("The capital of Australia is Canberra")


def _asserts(rows: dict, key: str) -> dict[str, dict]:
    return {a["type"]: a for a in rows[f"m1/{key}"]["assert"]}


def test_promptfoo_assertions_drafted_from_the_decision(db, ids, tmp_path):
    rows = {r["metadata"]["swapview_id"]: r for r in _export_all(db, tmp_path, "promptfoo")}
    for row in rows.values():
        PromptfooTestCase.model_validate(row)
        assert {"vars", "assert", "metadata"} <= set(row)
    json_case = _asserts(rows, "json")
    assert json_case["similar"]["value"] == "{{baseline_output}}"
    assert "is-json" in json_case
    # Halfway between the ideal (similarity 1) and the rejected answer.
    d = rows["m1/json"]["metadata"]["semantic_distance"]
    assert json_case["similar"]["threshold"] == pytest.approx(1 - d / 2, abs=1e-3)
    assert _asserts(rows, "refusal")["not-icontains"]["value"] == "I'm sorry, but I"
    bound = _asserts(rows, "short")["word-count"]["value"]["min"]
    short = next(c for c in STANDARD_CASES if c.key == "short")
    assert count_words(short.candidate) < bound <= count_words(short.baseline)
    assert _asserts(rows, "better")["similar"]["value"] == "{{candidate_output}}"
    assert _asserts(rows, "same")["similar"]["value"] == [
        "{{baseline_output}}",
        "{{candidate_output}}",
    ]
    fixed = _asserts(rows, "fixed")
    assert fixed["similar"]["value"] == "{{corrected_output}}"
    assert rows["m1/fixed"]["metadata"]["similar_basis"].startswith("default")
    # Outputs are referenced through vars, never pasted into a (templated) value.
    assert not any("Ada" in json.dumps(r["assert"]) for r in rows.values())


def test_output_is_deterministic(db, ids, tmp_path):
    for name in FORMATS:
        first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
        export(db, Selection(comparison="m1"), name, str(first))
        export(db, Selection(comparison="m1"), name, str(second))
        assert first.read_bytes() == second.read_bytes()


def test_append_adds_only_new_ids(db, ids, tmp_path):
    out = tmp_path / "cases.jsonl"
    first = export(db, Selection(comparison="m1", tags=("regression",)), "promptfoo", str(out))
    assert first.written == 4
    before = out.read_text()
    again = export(db, Selection(comparison="m1"), "promptfoo", str(out), append=True)
    assert (again.written, again.already_present) == (2, 4)
    text = out.read_text()
    assert text.startswith(before)
    ids_in_file = [r["metadata"]["swapview_id"] for r in _read(out)]
    assert len(ids_in_file) == len(set(ids_in_file)) == 6
    third = export(db, Selection(comparison="m1"), "promptfoo", str(out), append=True)
    assert third.written == 0 and out.read_text() == text


def test_append_keeps_hand_written_cases(db, ids, tmp_path):
    out = tmp_path / "tests.jsonl"
    mine = '{"vars": {"prompt": "hand written"}, "assert": [{"type": "contains", "value": "x"}]}'
    out.write_text(mine)  # no final newline either
    result = export(db, Selection(comparison="m1"), "promptfoo", str(out), append=True)
    lines = out.read_text().splitlines()
    assert result.written == 6 and lines[0] == mine and len(lines) == 7


@pytest.mark.parametrize("existing", list(FORMATS))
def test_append_refuses_a_file_of_another_format(db, ids, tmp_path, existing):
    out = tmp_path / "cases.jsonl"
    export(db, Selection(comparison="m1", tags=("regression",)), existing, str(out))
    before = out.read_text()
    assert detect_format(json.loads(before.splitlines()[0])) == existing
    for name in FORMATS:
        if name == existing:
            continue
        with pytest.raises(SwapviewError) as err:
            export(db, Selection(comparison="m1"), name, str(out), append=True)
        assert str(err.value) == (
            f"{out}: holds {existing} records, cannot append {name} ones"
            f" (use --format {existing}, or another file)"
        )
        assert out.read_text() == before
    again = export(db, Selection(comparison="m1"), existing, str(out), append=True)
    assert (again.written, again.already_present) == (2, 4)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('{"vars": {"q": 1}}', "promptfoo"),
        ('{"assert": [{"type": "contains", "value": "x"}]}', "promptfoo"),
        ('{"input": "q", "target": "a"}', "inspect"),
        ('{"input": [], "ideal": "a"}', "openai-evals"),
        ('{"inputs": {}, "outputs": {}}', "langsmith"),
        ('{"id": "m1/json"}', None),  # a hand-written record of no known shape
        ('{"input": "q", "target": "a", "ideal": "a"}', None),  # two shapes: no guess
        ("[1, 2]", None),
    ],
)
def test_detect_format(line, found):
    assert detect_format(json.loads(line)) == found


def test_cli_append_mismatch_is_one_line(db_path, ids, tmp_path):
    out = tmp_path / "tests.jsonl"
    runner = CliRunner()
    args = ["--db", str(db_path), "export", "-o", str(out)]
    assert runner.invoke(main, [*args, "-f", "promptfoo"]).exit_code == 0
    before = out.read_text()
    result = runner.invoke(main, [*args, "-f", "inspect", "--append"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out}: holds promptfoo records, cannot append inspect"
        " ones (use --format promptfoo, or another file)\n"
    )
    assert out.read_text() == before


def test_append_to_a_file_that_is_not_jsonl_fails_cleanly(db, ids, tmp_path):
    out = tmp_path / "cases.jsonl"
    out.write_text('{"id": "m1/json"}\nnot json\n')
    with pytest.raises(InputError, match=r"cases.jsonl:2"):
        export(db, Selection(comparison="m1"), "inspect", str(out), append=True)
    assert out.read_text() == '{"id": "m1/json"}\nnot json\n'


def test_failure_mid_write_leaves_old_file_intact(tmp_path):
    out = tmp_path / "cases.jsonl"
    out.write_text("old content\n")
    os.chmod(out, 0o640)

    def lines():
        yield "line 1"
        raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError):
        write_atomic(out, lines())
    assert out.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["cases.jsonl"]  # no temporary file left behind
    write_atomic(out, ["a", "b"])
    assert out.read_text() == "a\nb\n"
    assert os.stat(out).st_mode & 0o777 == 0o640  # the file's mode survives the rename


def test_os_error_during_write_is_a_clean_error(tmp_path, monkeypatch):
    out = tmp_path / "cases.jsonl"
    out.write_text("old\n")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(SwapviewError, match="No space left"):
        write_atomic(out, ["new"])
    assert out.read_text() == "old\n" and os.listdir(tmp_path) == ["cases.jsonl"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "nope"], "no comparison named 'nope'"),
        (["-c", "m1", "--tag", "nonesuch"], "no tagged cases match"),
        (["-c", "m1", "-o", "missing/dir/x.jsonl"], "does not exist"),
        (
            ["-c", "m1", "-f", "inspect", "--promptfoo-config", "p.yaml", "-o", "x.jsonl"],
            "only goes with --format promptfoo",
        ),
        (["-c", "m1", "--append"], "not stdout"),
        (["-c", "m1", "--ideal", "hallucination=old"], "TAG=baseline"),
    ],
)
def test_cli_bad_selections_leave_files_untouched(
    db_path, ids, tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    Path("x.jsonl").write_text("keep me\n")
    result = CliRunner().invoke(main, ["--db", str(db_path), "export", *args])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert Path("x.jsonl").read_text() == "keep me\n"
    assert not Path("p.yaml").exists()


def test_cli_stdout_and_file(db_path, ids, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["--db", str(db_path), "export", "-f", "openai-evals", "--tag", "regression"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["m1/fixed", "m1/json", "m1/refusal", "m1/short"]
    out, cfg = tmp_path / "t.jsonl", tmp_path / "promptfooconfig.yaml"
    result = runner.invoke(
        main,
        [
            "--db",
            str(db_path),
            "export",
            "-f",
            "promptfoo",
            "-o",
            str(out),
            "--promptfoo-config",
            str(cfg),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["written"] == 6 and summary["tags"]["regression"] == 4
    body = [line for line in cfg.read_text().splitlines() if not line.startswith("#")]
    config = json.loads("\n".join(body))  # JSON under a comment header
    assert config["tests"] == "file://t.jsonl" and config["providers"] == ["echo"]


def test_cli_json_summary_goes_to_stderr_when_cases_go_to_stdout(db_path, ids):
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "export", "-f", "inspect", "-o", "-", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert len([json.loads(line) for line in result.stdout.splitlines()]) == 6
    summary = json.loads(result.stderr)
    assert (summary["output"], summary["written"], summary["tags"]["regression"]) == ("-", 6, 4)


def test_append_counts_what_was_written(db_path, ids, tmp_path):
    out = tmp_path / "t.jsonl"
    args = ["--db", str(db_path), "export", "-o", str(out)]
    runner = CliRunner()
    assert runner.invoke(main, [*args, "--tag", "regression"]).exit_code == 0
    result = runner.invoke(main, [*args, "--append"])
    assert result.stderr == (
        f"Wrote 2 swapview cases to {out} (improvement 1, neutral 1, 4 already in the file)\n"
    )
    summary = json.loads(runner.invoke(main, [*args, "--append", "--json"]).stdout)
    assert (summary["written"], summary["already_present"], summary["tags"]) == (0, 6, {})
    result = runner.invoke(main, [*args, "--append"])
    assert result.stderr == f"Wrote 0 swapview cases to {out} (6 already in the file)\n"


@pytest.mark.parametrize("command", [["report"], ["export"], ["stats"], ["stats", "--json"]])
def test_read_only_commands_do_not_create_a_missing_database(tmp_path, command):
    missing = tmp_path / "nonexist.db"
    result = CliRunner().invoke(main, ["--db", str(missing), *command])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {missing}: no such database; load pairs into it first"
        " (swapview --db PATH load FILE) or pass another --db\n"
    )
    assert os.listdir(tmp_path) == []


def test_cli_needs_comparison_when_several(db_path, db, ids):
    build(db, [Case("a", "p", "x", "y", tag="regression")], comparison="m2")
    result = CliRunner().invoke(main, ["--db", str(db_path), "export"])
    assert result.exit_code == 1 and "several comparisons" in result.output
    result = CliRunner().invoke(main, ["--db", str(db_path), "export", "-c", "m2"])
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "m2/a"


@pytest.mark.parametrize("name", list(FORMATS))
def test_paged_export_writes_what_one_page_would(db, ids, tmp_path, monkeypatch, name):
    """Cases stream a page at a time: pages of two give the same file and counts."""
    from swapview.export import select

    whole = tmp_path / "whole.jsonl"
    one = export(db, Selection(comparison="m1"), name, str(whole))
    monkeypatch.setattr(select, "PAGE", 2)
    paged = tmp_path / "paged.jsonl"
    many = export(db, Selection(comparison="m1"), name, str(paged))
    assert paged.read_text() == whole.read_text()
    assert (many.selected, many.written, many.tags) == (one.selected, one.written, one.tags)
    again = export(db, Selection(comparison="m1"), name, str(paged), append=True)
    assert (again.selected, again.written, again.already_present) == (one.selected, 0, one.selected)
