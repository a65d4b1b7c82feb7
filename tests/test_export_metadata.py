"""Export: the pair's own metadata (human labels from the loaded file) in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.errors import SwapviewError
from swapview.export import FORMATS, Selection, export, select_cases
from swapview.export.pairmeta import MAX_VALUE_BYTES, exported_metadata, json_safe
from tests.support.export_data import STANDARD_CASES, Case, build

LABELS = {"Winner": "baseline", "Rating": 2, "human": {"preference": "model_a"}}


def _records(db, tmp_path: Path, fmt: str) -> dict[str, dict]:
    path = tmp_path / f"{fmt}.jsonl"
    export(db, Selection(comparison="m1"), fmt, str(path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return {_key(fmt, r): r for r in records}


def _key(fmt: str, record: dict) -> str:
    meta = record.get("metadata") or {}
    return (meta.get("swapview_id") or record["id"]).split("/", 1)[1]


def _carried(fmt: str, record: dict) -> dict:
    """Where each format keeps the pair's metadata."""
    if fmt == "swapview":
        return {"pair_metadata": record["pair_metadata"]}
    if fmt == "openai-evals":  # no metadata object in evals samples: extra keys at the top
        return {k: v for k, v in record.items() if k.startswith("pair_metadata")}
    return {k: v for k, v in record["metadata"].items() if k.startswith("pair_metadata")}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_carries_the_pairs_labels(db, tmp_path, fmt):
    build(db, STANDARD_CASES)
    records = _records(db, tmp_path, fmt)
    assert _carried(fmt, records["json"]) == {"pair_metadata": LABELS}
    # A pair without metadata gets no empty placeholder (the swapview format says null).
    assert _carried(fmt, records["better"]) in ({}, {"pair_metadata": None})
    if fmt != "swapview":  # swapview's own keys are still there, not overwritten
        meta = records["json"].get("metadata", {})
        assert fmt == "openai-evals" or meta["tag"] == "regression"


@pytest.mark.parametrize("fmt", ["inspect", "langsmith", "promptfoo", "openai-evals"])
def test_big_values_are_left_out_with_a_note(db, tmp_path, fmt):
    transcript = "x" * (MAX_VALUE_BYTES + 100)
    build(
        db,
        [
            Case(
                "a",
                "p",
                "old",
                "new",
                tag="regression",
                metadata={"transcript": transcript, "winner": "baseline"},
            )
        ],
    )
    record = _records(db, tmp_path, fmt)["a"]
    carried = _carried(fmt, record)
    assert carried["pair_metadata"] == {"winner": "baseline"}
    assert carried["pair_metadata_skipped"] == {"transcript": MAX_VALUE_BYTES + 102}
    # The generic format keeps every field.
    assert _records(db, tmp_path, "swapview")["a"]["pair_metadata"]["transcript"] == transcript


def test_output_is_strict_json_and_repeatable(db, tmp_path):
    build(
        db,
        [
            Case(
                "a",
                "p",
                "old",
                "new",
                tag="regression",
                metadata={"z": 1, "score": float("nan"), "a": {"y": 2, "b": 3}},
            )
        ],
    )
    first = (tmp_path / "one.jsonl", tmp_path / "two.jsonl")
    for path in first:
        export(db, Selection(comparison="m1"), "inspect", str(path))
    text = first[0].read_text()
    assert text == first[1].read_text()
    record = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert list(record["metadata"]["pair_metadata"]) == ["a", "score", "z"]
    assert record["metadata"]["pair_metadata"]["score"] is None


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (None, {}),
        ({}, {}),
        ({"b": [1.5, float("inf")], "a": "x"}, {"pair_metadata": {"a": "x", "b": [1.5, None]}}),
        (
            {"big": "é" * MAX_VALUE_BYTES},  # counted in UTF-8 bytes, not characters
            {"pair_metadata": {}, "pair_metadata_skipped": {"big": 2 * MAX_VALUE_BYTES + 2}},
        ),
    ],
)
def test_exported_metadata(meta, expected):
    assert exported_metadata(meta) == expected


def test_json_safe_sorts_nested_keys():
    assert json.dumps(json_safe({"b": {"d": 1, "c": 2}, "a": None})) == (
        '{"a": null, "b": {"c": 2, "d": 1}}'
    )


# --where: select by the pair's metadata ------------------------------------------------

WHERE_CASES = [
    Case(
        "a",
        "p1",
        "old a",
        "new a",
        tag="regression",
        metadata={"Winner": "baseline", "rating": 2, "human": {"Preference": "model_a"}},
    ),
    Case(
        "b",
        "p2",
        "old b",
        "new b",
        tag="improvement",
        metadata={"Winner": "candidate", "rating": 5, "flagged": True},
    ),
    Case(
        "c",
        "p3",
        "old c",
        "new c",
        tag="regression",
        metadata={"winner": "baseline", "rating": "5", "gen.model": "m-2"},
    ),
    Case("d", "p4", "old d", "new d", tag="neutral"),
]


def _where_keys(db, *where: str) -> list[str]:
    from swapview.export.where import parse_where

    sel = Selection(comparison="m1", where=parse_where(list(where)))
    return [c.key for c in select_cases(db, sel)]


@pytest.mark.parametrize(
    ("where", "keys"),
    [
        (("Winner=baseline",), ["a", "c"]),  # field names ignore case
        (("winner=baseline",), ["a", "c"]),
        (("WINNER=Baseline",), ["a", "c"]),  # values too, like the review app's filter
        (("winner=candidate",), ["b"]),
        (("rating=5",), ["b", "c"]),  # the number 5 and the string "5"
        (("flagged=true",), ["b"]),
        (("human.preference=model_a",), ["a"]),  # a dotted path into nested metadata
        (("gen.model=m-2",), ["c"]),  # a key that holds a dot
        (("winner=baseline", "rating=2"), ["a"]),  # repeated: all must hold
        (("missing=x",), []),
        (("winner=",), []),
    ],
)
def test_where_selects_by_pair_metadata(db, where, keys):
    build(db, WHERE_CASES)
    assert _where_keys(db, *where) == keys


@pytest.mark.parametrize("bad", ["winner", "=x", "human..preference=a", ".x=1"])
def test_where_needs_field_equals_value(bad):
    from swapview.export.where import parse_where

    with pytest.raises(SwapviewError, match="FIELD=VALUE"):
        parse_where([bad])


def test_where_through_the_cli(db, db_path, tmp_path):
    build(db, WHERE_CASES)
    out = tmp_path / "old-wins.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "export",
            "-f",
            "inspect",
            "-o",
            str(out),
            "--where",
            "winner=baseline",
            "--where",
            "RATING=5",
        ],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["m1/c"]


def test_where_matching_nothing_says_which_field_no_pair_has(db, db_path):
    build(db, WHERE_CASES)
    result = CliRunner().invoke(
        main, ["--db", str(db_path), "export", "--where", "winer=x", "--where", "winner=nobody"]
    )
    assert result.exit_code == 1
    assert "where winer=x, winner=nobody" in result.output
    assert "no exported pair has a metadata field 'winer'" in result.output
    assert "'winner'" not in result.output.split("no exported pair")[1]
