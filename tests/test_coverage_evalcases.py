"""Reading a team's eval cases: every format swapview writes, the tools' own files, and
bad files reported with file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swapview.coverage import read_eval_cases
from swapview.coverage.texts import input_text
from swapview.errors import InputError
from swapview.export import FORMATS, Selection, export
from tests.support.export_data import Case, build

CHAT = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Name three rivers in France."},
]
CASES = [
    Case("a", "Translate 'good morning' into German.", "Guten Morgen.", "Hallo.", tag="regression"),
    Case("b", CHAT, "Seine, Loire, Rhone.", "Seine.", tag="improvement"),
    Case("c", "What is 12 * 12?", "144", "144.", tag="neutral"),
]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_format_reads_back_as_the_pairs_inputs(db, tmp_path: Path, fmt: str) -> None:
    build(db, CASES)
    out = tmp_path / f"cases.{fmt}.jsonl"
    export(db, Selection(comparison="m1"), fmt, str(out))
    texts = [c.text for c in read_eval_cases([str(out)])]
    assert sorted(texts) == sorted(input_text(c.prompt) for c in CASES)
    assert input_text(CHAT) == "You are terse.\n\nName three rivers in France."


def test_promptfoo_config_follows_file_references_and_merges_default_vars(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "more.csv").write_text(
        "topic,__expected\nvolcanoes,contains:lava\n", encoding="utf-8"
    )
    (tmp_path / "tests" / "one.jsonl").write_text(
        json.dumps({"vars": {"question": "Why is the sky blue?"}}) + "\n", encoding="utf-8"
    )
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(
        "prompts: ['Answer in {{language}}: {{question}}']\n"
        "providers: [echo]\n"
        "defaultTest:\n  vars:\n    language: French\n"
        "tests:\n"
        "  - vars:\n      question: How do tides work?\n"
        "  - file://tests/one.jsonl\n"
        "  - file://tests/*.csv\n",
        encoding="utf-8",
    )
    cases = read_eval_cases([str(config)])
    assert [c.text for c in cases] == ["How do tides work?", "Why is the sky blue?", "volcanoes"]
    assert cases[0].line == 7 and cases[1].path.endswith("one.jsonl") and cases[1].line == 1


def test_tool_files_read_by_their_input_field(tmp_path: Path) -> None:
    inspect_csv = tmp_path / "inspect.csv"
    inspect_csv.write_text('input,target\n"Is 7 prime?",yes\n', encoding="utf-8")
    langsmith = tmp_path / "langsmith.jsonl"
    langsmith.write_text(
        json.dumps({"inputs": {"question": "Capital of Peru?"}, "outputs": {"answer": "Lima"}})
        + "\n",
        encoding="utf-8",
    )
    evals = tmp_path / "samples.jsonl"
    evals.write_text(
        json.dumps({"input": [{"role": "user", "content": "2+2?"}], "ideal": "4"}) + "\n",
        encoding="utf-8",
    )
    found = read_eval_cases([str(inspect_csv), str(langsmith), str(evals)])
    assert [c.text for c in found] == ["Is 7 prime?", "Capital of Peru?", "2+2?"]


@pytest.mark.parametrize(
    ("name", "content", "line", "field", "words"),
    [
        ("a.jsonl", '{"input": "ok"}\n{"vars": [1]}\n', 2, "vars", "must be an object"),
        ("b.jsonl", '{"input": "ok"}\n{"target": "x"}\n', 2, None, "no eval input"),
        ("c.jsonl", '{"input": "ok"}\n{"input": "ok"\n', 2, None, "not valid JSON"),
        ("d.jsonl", '{"input": "ok"}\n{"input": "  "}\n', 2, "input", "empty"),
        ("e.jsonl", '{"input": "ok"}\n{"input": 7}\n', 2, "input", "text or chat"),
        ("f.yaml", "tests:\n  - vars: {q: a}\n  - vars: [\n", 4, None, "not valid YAML"),
        ("g.yaml", "tests:\n  - vars: {q: a}\n  - vars: 3\n", 3, "vars", "must be an object"),
        ("h.yaml", "tests:\n  - file://missing.jsonl\n", None, "tests[0]", "no such file"),
    ],
)
def test_a_bad_file_names_file_line_and_field(
    tmp_path: Path, name: str, content: str, line: int | None, field: str | None, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_eval_cases([str(path)])
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), line, field)
    assert words in err.reason


def test_cli_reports_a_bad_eval_file_in_one_line(db, db_path: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from swapview.cli import main

    build(db, CASES)
    bad = tmp_path / "suite.jsonl"
    bad.write_text('{"input": "ok"}\n{"vars": "nope"}\n', encoding="utf-8")
    runner = CliRunner()
    base = ["--db", str(db_path), "coverage"]
    done = runner.invoke(main, [*base, "--evals", str(bad)])
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == [
        f"Error: {bad}:2: field 'vars': promptfoo vars must be an object"
    ]
    assert runner.invoke(main, base).exit_code == 2  # --evals is needed
    typo = runner.invoke(main, [*base, "--evals", str(bad), "--fail-if", "uncovred>0"])
    assert typo.exit_code == 1 and "unknown metric 'uncovred'" in typo.output
