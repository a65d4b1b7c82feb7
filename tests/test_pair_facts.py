"""The per-pair numbers shift reads (pair_facts, pair_fields): stored by score (and replay)
from the pair row, never stale after a change, filled on first need for pairs without
them (databases made before them too), and giving the same shift either way."""

from __future__ import annotations

import json
import math
import sqlite3

import pytest
from click.testing import CliRunner

from swapview import pairfacts
from swapview.cli import main
from swapview.ingest.load import load_files
from swapview.metapath import as_text
from swapview.replay.records import save_answer
from swapview.scoring.runner import score_comparison
from swapview.shift import build_shift
from swapview.store import PairRecord, fill_facts, open_db, write_transaction
from tests.support.shift_data import LOCALES, REFUSAL
from tests.support.shift_data import load as _load


def _meta(i: int) -> dict:
    """Metadata of every shape shift reads: input fields (a bool, an int with nulls, a
    nested one, a key in another case), per-side numbers under each spelling, reasons in
    mixed case, a list (never a field) and a replay block."""
    meta: dict = {
        "flag": i % 3 == 0,
        "tier": None if i % 11 == 0 else i % 3,
        "nested": {"team": f"t{i % 2}"},
        "tags": ["a", "b"],
        "baseline": {"latency_ms": 100 + i, "finish_reason": "stop" if i % 4 else "length"},
        "candidate_latency_ms": 90.5 + i % 17,
        "candidate": {"finish_reason": "Stop " if i % 5 else "LENGTH"},
        "baseline_tokens": i * 2,
        "candidate_tokens": None if i % 9 == 0 else i * 3,
        "replay": {"candidate": {"total_tokens": i + 1, "usage": {"deep": 1}}},
    }
    meta["Locale" if i % 7 == 0 else "locale"] = LOCALES[i % len(LOCALES)]
    return meta


def _records(n: int = 240) -> list[PairRecord]:
    out = []
    for i in range(n):
        old = f"Item {i} ships in {i % 7 + 1} days from the depot."
        new = REFUSAL if LOCALES[i % len(LOCALES)] == "de" and i % 3 else old + " Thanks!" * (i % 4)
        pending = i % 13 == 0  # the new side not answered yet
        out.append(PairRecord(f"k{i}", f"Where is {i}?", old, None if pending else new, _meta(i)))
    return out


def _facts(db) -> dict[int, tuple]:
    return {r[0]: r[1:] for r in db.execute("SELECT * FROM pair_facts")}


def _fields(db, pair_id: int) -> dict[tuple[str, str], tuple]:
    rows = db.execute(
        "SELECT side, field, type, number, text FROM pair_fields WHERE pair_id = ?", [pair_id]
    )
    return {(side, name): (kind, number, text) for side, name, kind, number, text in rows}


def _all_fields(db) -> list[tuple]:
    return db.execute("SELECT * FROM pair_fields ORDER BY 1, 2, 3, 4").fetchall()


def _shifts(db, comp) -> list[dict]:
    return [
        build_shift(db, comp, by).model_dump(mode="json")
        for by in ((), ("locale",), ("nested.team", "Locale"), ("candidate.finish_reason",))
    ]


def _make_old_style(path) -> None:
    """The database as a swapview before m120 left it: no stored numbers, no triggers."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DROP TRIGGER pair_facts_outdated; DROP TRIGGER pair_facts_moved;
        DROP TRIGGER pair_facts_deleted; DROP TABLE pair_fields; DROP TABLE pair_facts;
        DELETE FROM _sqlite_migrations WHERE name = 'm120_create_pair_facts';
        """
    )
    conn.commit()
    conn.close()


def test_each_pairs_numbers_are_computed_from_its_row(db):
    comp = _load(db, "facts", _records(40))
    assert fill_facts(db, comp["id"]) == 40
    stored = _facts(db)
    pairs = db.execute("SELECT id, baseline_output, candidate_output FROM pairs").fetchall()
    assert len(stored) == len(pairs) == 40
    for pid, old, new in pairs:
        cid, _digest, w_old, w_new, c_old, c_new = stored[pid]
        assert cid == comp["id"]
        assert (w_old, c_old) == (len(old.split()), len(old))
        assert (w_new, c_new) == ((None, None) if new is None else (len(new.split()), len(new)))
    first = db.execute("SELECT id FROM pairs WHERE key = 'k1'").fetchone()[0]
    fields = _fields(db, first)
    assert fields[("baseline", "latency_ms")] == ("integer", 101.0, "101")
    assert fields[("candidate", "latency_ms")] == ("real", 91.5, "91.5")
    assert fields[("candidate", "total_tokens")] == ("integer", 2.0, "2")
    assert ("candidate", "usage.deep") not in fields  # deeper than flatten reads
    assert fields[("candidate", "finish_reason")] == ("text", None, "Stop ")
    assert fields[("", "flag")] == ("false", None, "false")
    assert fields[("", "nested.team")] == ("text", None, "t1")
    assert ("", "tags") not in fields and ("", "replay.candidate.total_tokens") not in fields
    nulls = _fields(db, db.execute("SELECT id FROM pairs WHERE key = 'k0'").fetchone()[0])
    assert nulls[("", "tier")] == ("null", None, "null")  # an input's null is a value
    assert ("candidate", "tokens") not in nulls  # a side's null is not


def test_a_change_by_any_writer_drops_the_numbers_and_a_fill_puts_them_back(db):
    _load(db, "facts", _records(30))
    fill_facts(db, 1)
    pid = db.execute("SELECT id FROM pairs WHERE key = 'k2'").fetchone()[0]
    with write_transaction(db):
        db.execute("UPDATE pairs SET candidate_output = 'one two three' WHERE id = ?", [pid])
    assert pid not in _facts(db)  # a writer that knows nothing of them cannot leave them stale
    assert pairfacts.missing(db, 1) == [pid]
    assert fill_facts(db, 1) == 1
    assert _facts(db)[pid][3:6] == (3, len("Item 2 ships in 3 days from the depot."), 13)
    with write_transaction(db):
        db.execute('UPDATE pairs SET metadata = \'{"locale": "xx"}\' WHERE id = ?', [pid])
    assert _fields(db, pid) == {}
    fill_facts(db, 1)
    assert _fields(db, pid) == {("", "locale"): ("text", None, "xx")}
    with write_transaction(db):
        db.execute("DELETE FROM pairs WHERE id = ?", [pid])
    assert pid not in _facts(db) and _fields(db, pid) == {}


def test_replay_stores_the_answered_sides_numbers(db):
    _load(db, "facts", [PairRecord("r", "p", "a b", None, {"locale": "en"})])
    (pid,) = db.execute("SELECT id FROM pairs WHERE key = 'r'").fetchone()
    fill_facts(db, 1)
    assert _facts(db)[pid][3] is None  # pending side: no words yet
    info = {"latency_ms": 812.5, "usage": {"completion_tokens": 4}, "finish_reason": "stop"}
    assert save_answer(db, pid, "candidate", "four words right here", info)
    assert _facts(db)[pid][3] == 4
    fields = _fields(db, pid)
    assert fields[("candidate", "latency_ms")] == ("real", 812.5, "812.5")
    assert fields[("candidate", "finish_reason")] == ("text", None, "stop")
    assert pairfacts.missing(db, 1) == []


def test_a_merged_reload_keeps_no_stale_numbers(tmp_path, db):
    def write(name: str, texts: dict[str, str]) -> str:
        path = tmp_path / name
        rows = [
            {"id": k, "prompt": f"p{k}", "baseline": "a b", "candidate": v, "locale": "en"}
            for k, v in texts.items()
        ]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return str(path)

    load_files(db, [write("one.jsonl", {"1": "x", "2": "y", "3": "z"})], comparison="m")
    cid = db.execute("SELECT id FROM comparisons WHERE name = 'm'").fetchone()[0]
    fill_facts(db, cid)
    load_files(db, [write("two.jsonl", {"1": "x", "2": "y y y", "4": "w"})], comparison="m")
    by_id = dict(db.execute("SELECT id, key FROM pairs WHERE comparison_id = ?", [cid]))
    # The merge moved the unchanged pairs' numbers and dropped the changed one's.
    assert sorted(by_id[i] for i in pairfacts.missing(db, cid)) == ["2", "4"]
    assert fill_facts(db, cid) == 2
    words = dict(
        db.execute(
            "SELECT p.key, f.candidate_words FROM pairs p JOIN pair_facts f ON f.pair_id = p.id"
            " WHERE f.comparison_id = ?",
            [cid],
        ).fetchall()
    )
    assert words == {"1": 1, "2": 3, "3": 1, "4": 1}


def test_shift_is_identical_on_a_database_backfilled_from_the_old_style(
    db_path, db, static_embedder
):
    comp = _load(db, "facts", _records())
    score_comparison(db, "facts", static_embedder)
    written = _shifts(db, comp)
    assert any(r["significant"] for r in written[0]["rows"])  # something to get wrong
    measures = {r["measure"] for r in written[0]["rows"]}
    assert {"latency_ms", "tokens", "finish_reason=stop"} <= measures
    assert "total_tokens" not in measures  # one side only: nothing to compare
    assert written[2]["slice_fields"] == ["Locale", "nested.team"]
    facts, fields = _facts(db), _all_fields(db)
    db.close()
    _make_old_style(db_path)
    old = open_db(db_path)  # upgrades: empty tables, filled on first need
    assert _facts(old) == {} and len(pairfacts.missing(old, comp["id"])) == len(facts)
    calls: list[tuple[int, int]] = []
    first = build_shift(old, comp, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (len(facts), len(facts))
    assert _shifts(old, comp) == written and first.model_dump(mode="json") == written[0]
    assert _facts(old) == facts
    assert _all_fields(old) == fields
    old.close()


def test_score_stores_every_pairs_numbers(db, static_embedder):
    comp = _load(db, "facts", _records(60))
    assert len(pairfacts.missing(db, comp["id"])) == 60  # load leaves them to score
    score_comparison(db, "facts", static_embedder)
    assert pairfacts.missing(db, comp["id"]) == []  # the pending pairs too
    with write_transaction(db):  # a pair scored before whose numbers a change dropped
        db.execute("DELETE FROM pair_facts WHERE pair_id = (SELECT min(id) FROM pairs)")
    score_comparison(db, "facts", static_embedder)  # nothing to re-score, one to fill
    assert pairfacts.missing(db, comp["id"]) == []


def test_an_interrupted_fill_keeps_what_it_stored(db_path, db):
    comp = _load(db, "facts", _records(100))
    before = build_shift(db, comp).model_dump(mode="json")
    db.close()
    _make_old_style(db_path)
    old = open_db(db_path)

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fill_facts(old, comp["id"], stop, chunk=30)
    assert len(_facts(old)) == 30 and len(pairfacts.missing(old, comp["id"])) == 70
    assert build_shift(old, comp).model_dump(mode="json") == before
    old.close()


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -5,
        10**30,
        1.0,
        -0.0,
        1e300,
        1.5e-7,
        0.1 + 0.2,
        math.nan,
        math.inf,
        -math.inf,
        [1, {"b": 2, "a": 1}],
        {"z": None},
    ],
)
def test_as_text_spells_scalars_as_json_does(value):
    # Its fast path for scalars must keep the spelling filters and slices compare by.
    assert as_text(value) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )


def test_shift_and_report_on_an_old_style_database_fill_the_numbers_first(db_path, db):
    comp = _load(db, "facts", _records(60))
    expected = build_shift(db, comp).model_dump(mode="json")
    db.close()
    _make_old_style(db_path)
    runner = CliRunner()
    shift = runner.invoke(main, ["--db", str(db_path), "shift", "--json"])
    assert shift.exit_code == 0, shift.output
    got = json.loads(shift.output)
    assert {k: got[k] for k in expected} == expected
    _make_old_style(db_path)
    report = runner.invoke(main, ["--db", str(db_path), "report", "--json"])
    assert report.exit_code == 0, report.output
    reopened = open_db(db_path)
    assert len(_facts(reopened)) == 60 and pairfacts.missing(reopened, comp["id"]) == []
    reopened.close()
