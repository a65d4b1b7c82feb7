"""Parquet files, written by the real pyarrow: detected by magic bytes, read in batches."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow comes with the [test] extra")
pq = pytest.importorskip("pyarrow.parquet")

from swapview.errors import InputError  # noqa: E402
from swapview.ingest import LoadOptions, load_files  # noqa: E402
from swapview.store import decode_prompt  # noqa: E402

CHAT = [{"role": "system", "content": "terse"}, {"role": "user", "content": "hi"}]


def _write(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    return path


def _pairs(db):
    return {r["key"]: r for r in db.query("SELECT * FROM pairs")}


def test_parquet_rows_with_chat_prompts_and_timestamps(tmp_path, db):
    when = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
    rows = [
        {
            "id": f"r{i}",
            "messages": CHAT,
            "old": f"a{i}",
            "new": f"b{i}",
            "at": when,
            "score": 0.5 * i,
        }
        for i in range(5)
    ]
    path = _write(tmp_path / "pairs.data", rows)  # the name says nothing
    report = load_files(db, [path])
    assert report.loaded == 5
    pair = _pairs(db)["r3"]
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) == CHAT
    assert (pair["baseline_output"], pair["candidate_output"]) == ("a3", "b3")
    assert json.loads(pair["metadata"]) == {"at": "2026-11-26T09:30:00+00:00", "score": 1.5}


def test_parquet_names_the_comparison_without_its_extension(tmp_path, db):
    path = _write(
        tmp_path / "support-bot.parquet",
        [{"id": "1", "prompt": "p", "old": "a", "new": "b", "cost": float("nan")}],
    )
    assert load_files(db, [path]).comparison == "support-bot"
    assert json.loads(_pairs(db)["1"]["metadata"]) == {"cost": None}  # strict JSON: no NaN


def test_text_named_parquet_is_caught(tmp_path, db):
    path = tmp_path / "x.parquet"
    path.write_text('{"id": "1", "prompt": "p", "old": "a", "new": "b"}\n' * 2)
    with pytest.raises(InputError, match="named like PARQUET but the content looks like JSONL"):
        load_files(db, [path])


def test_parquet_bad_row_is_named_by_its_row_number(tmp_path, db):
    # Saved chat messages as the new side; row 4's message has no text.
    rows = [
        {
            "id": str(i),
            "prompt": "p",
            "old": "a",
            "new": {"role": "assistant", "content": None if i == 4 else f"b{i}"},
        }
        for i in range(1, 6)
    ]
    path = _write(tmp_path / "p.parquet", rows)
    with pytest.raises(InputError) as err:
        load_files(db, [path])
    assert (err.value.line, err.value.field) == (4, "new")
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0
    assert load_files(db, [path], LoadOptions(skip_bad=True)).loaded == 4
    assert _pairs(db)["5"]["candidate_output"] == "b5"


def test_two_parquet_files_one_per_model_join_on_the_key(tmp_path, db):
    _write(
        tmp_path / "gpt-4o.parquet",
        [
            {"question_id": 1, "question": "q1", "answer": "old one"},
            {"question_id": 2, "question": "q2", "answer": "old two"},
        ],
    )
    _write(
        tmp_path / "gpt-4.1.parquet",
        [
            {"question_id": 2, "question": "q2", "answer": "new two"},
            {"question_id": 1, "question": "q1", "answer": "new one"},
        ],
    )
    report = load_files(db, [tmp_path / "gpt-4o.parquet", tmp_path / "gpt-4.1.parquet"])
    assert report.loaded == 2
    assert _pairs(db)["1"]["candidate_output"] == "new one"


def test_gzipped_parquet_still_reads(tmp_path, db):
    path = _write(tmp_path / "p.parquet", [{"id": "1", "prompt": "p", "old": "a", "new": "b"}])
    gz = tmp_path / "p.parquet.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert load_files(db, [gz]).loaded == 1


def test_damaged_parquet_is_one_clear_error_and_stores_nothing(tmp_path, db):
    path = _write(tmp_path / "p.parquet", [{"id": "1", "prompt": "p", "old": "a", "new": "b"}])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut: the footer (the file's index) is gone
    with pytest.raises(InputError, match=r"p\.parquet: cannot read Parquet"):
        load_files(db, [path])
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0


def test_without_pyarrow_the_error_says_what_to_install(tmp_path, db, monkeypatch):
    path = _write(tmp_path / "p.parquet", [{"id": "1", "prompt": "p", "old": "a", "new": "b"}])
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(InputError, match=r"pip install 'swapview\[parquet\]'"):
        load_files(db, [path])
