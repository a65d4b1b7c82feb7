"""One dotted metadata path: load's --*-field, export --where and the review filter agree."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swapview import metapath, reviews
from swapview.cli import main
from swapview.queue import QueueSpec
from swapview.queue.paging import page_after
from swapview.queue.spec import with_meta_filter
from swapview.store import open_db

NESTED = {"human": {"Rating": 5}, "responses": {"gpt-4.1": "x"}, "choices": [{"t": "a"}]}


@pytest.mark.parametrize(
    "path, found",
    [
        ("human.Rating", 5),
        ("human.rating", 5),  # ignoring case
        ("HUMAN.RATING", 5),
        ("responses.gpt-4.1", "x"),  # a key holding a dot
        ("choices.0.t", "a"),  # a list index
        ("choices.1.t", metapath.MISSING),
        ("human.rating.x", metapath.MISSING),
        ("nothing", metapath.MISSING),
    ],
)
def test_resolve(path, found):
    assert metapath.resolve(NESTED, path) == found


@pytest.mark.parametrize(
    "path, sql",
    [
        ("human.rating", '$."human"."Rating"'),
        ("responses.gpt-4.1", '$."responses"."gpt-4.1"'),
        ("choices.0.t", '$."choices"[0]."t"'),
    ],
)
def test_sql_path_uses_the_datas_spelling(path, sql):
    assert metapath.sql_path(metapath.resolve_keys(NESTED, path)) == sql


def _rows(*ratings):
    return "".join(
        json.dumps({"id": f"k{i}", "prompt": f"p{i}", "baseline": "a", "candidate": f"b{i}"} | r)
        + "\n"
        for i, r in enumerate(ratings)
    )


def test_export_where_and_review_filter_match_the_same_pair(tmp_path, db_path):
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        _rows({"human": {"Rating": 5}}, {"human": {"Rating": 3}}, {"human": {"rating": "5"}})
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db_path), "load", str(data)]).exit_code == 0
    db = open_db(db_path)
    try:
        for pid in [r[0] for r in db.execute("SELECT id FROM pairs")]:
            reviews.record(db, pid, "me", tag="regression")
        spec = with_meta_filter(db.conn, QueueSpec(order="key"), "human.rating", "5")
        in_queue = [r.key for r in page_after(db.conn, spec, None, 50)]
    finally:
        db.close()
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        main,
        ["--db", str(db_path), "export", "--where", "human.rating=5", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    exported = sorted(
        json.loads(line)["id"].split("/", 1)[1] for line in out.read_text().splitlines()
    )
    assert in_queue == ["k0", "k2"]
    assert exported == in_queue


def test_load_baseline_field_ignores_case(tmp_path, db_path):
    data = tmp_path / "pairs.jsonl"
    row = {"id": "k1", "prompt": "p", "old": {"Answer": "before"}, "new": {"Answer": "after"}}
    data.write_text(json.dumps(row) + "\n")
    args = ["--baseline-field", "old.answer", "--candidate-field", "new.answer"]
    result = CliRunner().invoke(main, ["--db", str(db_path), "load", str(data), *args])
    assert result.exit_code == 0, result.output
    db = open_db(db_path)
    try:
        got = db.execute("SELECT baseline_output, candidate_output FROM pairs").fetchone()
    finally:
        db.close()
    assert tuple(got) == ("before", "after")
