"""Contracts on sample_data/: infer finds the planted breaks with no false alarms, check
stores them as `contract:NAME` signals that the queue, report, gates and export read."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from click.testing import CliRunner

from swapview import queue, reviews
from swapview.cli import main
from swapview.ingest import load_files
from swapview.scoring.runner import score_comparison
from swapview.store import open_db
from tests.conftest import SAMPLE_DATA

SUPPORT_KEYS = {"answer": str, "category": str, "escalate": bool}


def run(db_path, *args):
    return CliRunner().invoke(main, ["--db", str(db_path), *map(str, args)])


@pytest.fixture
def sample_db(db_path):
    db = open_db(db_path)
    load_files(db, [SAMPLE_DATA / "support_assistant.jsonl"])
    db.close()
    return db_path


@pytest.fixture
def answer_key():
    return {k["key"]: k for k in map(json.loads, (SAMPLE_DATA / "answer_key.jsonl").open())}


@pytest.fixture
def inferred(sample_db, tmp_path):
    path = tmp_path / "contracts.toml"
    result = run(sample_db, "contracts", "infer", "-o", path)
    assert result.exit_code == 0, result.output
    checked = run(sample_db, "contracts", "check", path, "--json")
    assert checked.exit_code == 3, checked.output
    return path, json.loads(checked.output)


def _broken(report) -> dict[str, set[str]]:
    """pair key -> contracts it broke."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in report["contracts"]:
        for key in c["broken_keys"]:
            out[key].add(c["name"])
    return out


def test_infer_gives_each_feature_its_own_contracts(inferred):
    path, _ = inferred
    text = path.read_text()
    assert "Slices by metadata field 'feature'" in text
    from swapview.contracts import load_contracts

    by_name = {c.name: c for c in load_contracts(path).contracts}
    schema = by_name["support_answer-json"].json_schema
    assert schema["required"] == ["answer", "category", "escalate"]
    assert schema["properties"]["escalate"] == {"type": "boolean"}
    assert by_name["support_answer-json"].where == {"feature": "support_answer"}
    # The prose feature is never held to the JSON's shape.
    assert not [c for c in by_name.values() if c.json_schema and "ticket" in c.name]
    assert by_name["ticket_summary-markdown"].markdown == "none"


@pytest.mark.parametrize(
    ("kind", "note", "contract"),
    [
        ("json_broke", "fenced JSON", "support_answer-json"),
        ("json_broke", "prose before the JSON", "support_answer-json"),
        ("json_keys_changed", None, "support_answer-json"),
        ("json_types_changed", None, "support_answer-json"),
        ("much_longer", None, "support_answer-words"),
        ("language_changed", None, "support_answer-language"),
    ],
)
def test_every_planted_break_is_found(inferred, answer_key, kind, note, contract):
    _, report = inferred
    broken = _broken(report)
    planted = [
        k
        for k, v in answer_key.items()
        if k.startswith("sup-") and v["kind"] == kind and note in (None, v["note"])
    ]
    assert planted
    assert [k for k in planted if contract not in broken[k]] == []


def test_no_false_alarms_on_either_feature(inferred, answer_key):
    _, report = inferred
    broken = _broken(report)
    alarms = {k: names for k, names in broken.items() if answer_key[k]["planted"] is None}
    assert alarms == {}
    prose = [k for k, v in answer_key.items() if k.startswith("sum-") and v["planted"] is None]
    assert len(prose) > 50 and not any(broken[k] for k in prose)


def _expected_schema_breaks() -> set[str]:
    """Independently of jsonschema: support candidates not exactly {answer, category, escalate}."""
    out = set()
    for line in (SAMPLE_DATA / "support_assistant.jsonl").open():
        row = json.loads(line)
        if row["feature"] != "support_answer":
            continue
        try:
            value = json.loads(row["candidate_output"])
        except ValueError:
            out.add(row["id"])
            continue
        ok = isinstance(value, dict) and set(value) == set(SUPPORT_KEYS)
        if not ok or not all(isinstance(value[k], t) for k, t in SUPPORT_KEYS.items()):
            out.add(row["id"])
    return out


def test_a_declared_schema_flags_exactly_its_violations(sample_db, tmp_path):
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": list(SUPPORT_KEYS),
        "additionalProperties": False,
        "properties": {
            "answer": {"type": "string"},
            "category": {"type": "string"},
            "escalate": {"type": "boolean"},
        },
    }
    (tmp_path / "support.schema.json").write_text(json.dumps(schema))
    path = tmp_path / "team.toml"
    path.write_text(
        '[[contracts]]\nname = "support-shape"\nwhere = { feature = "support_answer" }\n'
        'json_schema = "support.schema.json"\n'
    )
    result = run(sample_db, "contracts", "check", path, "--json")
    assert result.exit_code == 3
    (contract,) = json.loads(result.output)["contracts"]
    expected = _expected_schema_breaks()
    assert len(expected) > 20
    assert set(contract["broken_keys"]) == expected
    assert contract["applies"] == 208 and contract["baseline_pass_rate"] == 1.0


def test_check_prints_rates_and_exits_0_when_nothing_broke(sample_db, tmp_path):
    path = tmp_path / "loose.toml"
    path.write_text('[[contracts]]\nname = "not-empty"\nmin_words = 1\n')
    result = run(sample_db, "contracts", "check", path)
    assert result.exit_code == 0, result.output
    assert "not-empty: old 100.0%, new 100.0%, broken on 0 of 308" in result.output


def test_the_config_names_the_file(sample_db, tmp_path, monkeypatch):
    (tmp_path / "c.toml").write_text('[[contracts]]\nname = "short"\nmax_words = 60\n')
    (tmp_path / "config.toml").write_text('contracts = "c.toml"\n')
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(tmp_path / "config.toml"))
    result = run(sample_db, "contracts", "check", "--json")
    assert result.exit_code == 3 and json.loads(result.output)["contracts"][0]["name"] == "short"
    monkeypatch.delenv("SWAPVIEW_CONFIG")
    result = run(sample_db, "contracts", "check", "--config", tmp_path / "nothing.toml")
    assert result.exit_code == 1 and "no contracts file" in result.output


def test_changing_the_file_rechecks_only_what_changed(sample_db, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[[contracts]]\nname = "words"\nmax_words = 60\n\n'
        '[[contracts]]\nname = "md"\nmarkdown = "none"\nwhere = { feature = "ticket_summary" }\n'
    )
    first = json.loads(run(sample_db, "contracts", "check", path, "--json").output)
    assert first["checked"] == 308 + 100
    again = json.loads(run(sample_db, "contracts", "check", path, "--json").output)
    assert (again["checked"], again["reused"]) == (0, 408)
    path.write_text(
        '[[contracts]]\nname = "words"\nmax_words = 200\n\n'
        '[[contracts]]\nname = "md"\nmarkdown = "none"\nwhere = { feature = "ticket_summary" }\n'
    )
    edited = json.loads(run(sample_db, "contracts", "check", path, "--json").output)
    assert (edited["checked"], edited["reused"]) == (308, 100)
    assert {c["name"]: c["broken"] for c in edited["contracts"]}["words"] == 0
    path.write_text('[[contracts]]\nname = "md"\nmarkdown = "none"\n')
    dropped = json.loads(run(sample_db, "contracts", "check", path, "--json").output)
    assert dropped["removed"] == ["words"]
    db = open_db(sample_db)
    names = {n for (n,) in db.execute("SELECT DISTINCT name FROM signals")}
    assert names == {"contract:md"}


def test_signals_reach_queue_quirk_order_report_gates_and_export(
    inferred, sample_db, static_embedder, tmp_path
):
    db = open_db(sample_db)
    # Scoring after the check keeps the contract signals and counts them.
    score_comparison(db, "support_assistant", static_embedder)
    name = "contract:support_answer-words"
    pids = {p for (p,) in db.execute("SELECT pair_id FROM signals WHERE name = ?", [name])}
    assert len(pids) == 8
    cid = db.execute("SELECT id FROM comparisons").fetchone()[0]
    spec = queue.QueueSpec(comparison_id=cid, signal=name)
    rows = queue.page_after(db.conn, spec, None, 50)
    assert {r.pair_id for r in rows} == pids and all(name in r.signals for r in rows)
    counted = dict(db.execute("SELECT pair_id, signal_count FROM scores"))
    totals = dict(db.execute("SELECT pair_id, count(*) FROM signals GROUP BY pair_id"))
    assert all(counted[p] == totals.get(p, 0) for p in counted)
    quirk = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid, order="quirk"), None, 400)
    first_clean = next(i for i, r in enumerate(quirk) if not r.signals)
    assert all(not r.signals for r in quirk[first_clean:])

    gate = run(sample_db, "report", "--fail-if", f"signal.{name}>0", "--json")
    assert gate.exit_code == 3
    assert json.loads(gate.stdout)["metrics"][f"signal.{name}"] == 8
    assert run(sample_db, "report", "--fail-if", "signal.contract:nope>0").exit_code == 1

    for pid in pids:
        reviews.record(db, pid, "ana", tag="regression")
    out = tmp_path / "cases.jsonl"
    result = run(sample_db, "export", "-f", "promptfoo", "--signal", name, "-o", out)
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in out.open()]
    assert len(cases) == 8
    for case in cases:
        kinds = {a["type"] for a in case["assert"] if a.get("metric", "").startswith("contract:")}
        assert {"is-json", "javascript"} <= kinds
        schema = next(
            a["value"] for a in case["assert"] if a["type"] == "is-json" and "metric" in a
        )
        assert schema["required"] == ["answer", "category", "escalate"]
        assert case["metadata"]["contracts"][name.removeprefix("contract:")] == {
            "baseline": "kept",
            "candidate": "broken",
        }
    inspect = tmp_path / "inspect.jsonl"
    assert run(sample_db, "export", "-f", "inspect", "--signal", name, "-o", inspect).exit_code == 0
    meta = json.loads(inspect.read_text().splitlines()[0])["metadata"]
    assert meta["contracts"][name.removeprefix("contract:")]["candidate"] == "broken"


@pytest.mark.slow
def test_promptfoo_runs_the_contract_assertions(inferred, sample_db, tmp_path):
    """promptfoo itself: the old outputs pass the contracts' assertions, the new ones fail."""
    import os
    import subprocess

    from tests.support.eval_tools import PROMPTFOO, PROMPTFOO_ENV

    db = open_db(sample_db)
    names = ("contract:support_answer-json", "contract:support_answer-words")
    pids = [p for (p,) in db.execute("SELECT pair_id FROM signals WHERE name IN (?, ?)", names)]
    for pid in pids:
        reviews.record(db, pid, "ana", tag="regression")
    cases_path, config = tmp_path / "tests.jsonl", tmp_path / "promptfooconfig.yaml"
    args = ["export", "-f", "promptfoo", "-o", cases_path, "--promptfoo-config", config]
    assert run(sample_db, *args).exit_code == 0
    cases = [json.loads(line) for line in cases_path.open()]
    for case in cases:  # only the contracts' assertions: `similar` needs an embeddings server
        case["assert"] = [a for a in case["assert"] if a.get("metric", "").startswith("contract:")]
    cases_path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PROMPTFOO_"))}
    env |= PROMPTFOO_ENV | {"HOME": str(tmp_path), "PROMPTFOO_CONFIG_DIR": str(tmp_path / ".pf")}
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [str(PROMPTFOO), "eval", "-c", str(config), "-o", str(results), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 100, proc.stdout[-2000:] + proc.stderr[-2000:]
    outcome = {
        (r["testCase"]["metadata"]["key"], r["prompt"]["label"].split()[0]): r["success"]
        for r in json.loads(results.read_text())["results"]["results"]
    }
    assert len(outcome) == 2 * len(cases) > 40
    assert all(ok for (_, side), ok in outcome.items() if side == "baseline")
    assert not any(ok for (_, side), ok in outcome.items() if side == "candidate")


def test_an_interrupted_check_keeps_its_finished_chunks(sample_db, tmp_path):
    from swapview.contracts import load_contracts
    from swapview.contracts.run import check_comparison

    path = tmp_path / "c.toml"
    path.write_text('[[contracts]]\nname = "short"\nmax_words = 60\n')
    db = open_db(sample_db)

    def stop_after_two_chunks(done, total):
        if done >= 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_comparison(
            db,
            "support_assistant",
            load_contracts(path),
            chunk_pairs=50,
            progress=stop_after_two_chunks,
        )
    assert db.execute("SELECT count(*) FROM contract_results").fetchone()[0] == 100
    resumed = check_comparison(db, "support_assistant", load_contracts(path), chunk_pairs=50)
    assert (resumed.reused, resumed.checked) == (100, 208)


def test_scoring_keeps_current_contract_signals_and_drops_outdated_ones(
    db, tmp_path, static_embedder
):
    from swapview.contracts import load_contracts
    from swapview.contracts.run import check_comparison
    from swapview.store import (
        LoadReport,
        PairRecord,
        PairWriter,
        ensure_comparison,
        write_transaction,
    )

    def write(records):
        with write_transaction(db):
            PairWriter(db, ensure_comparison(db, "m"), LoadReport()).write(records)

    long = "one two three four five six"
    write([PairRecord("a", "p", "short one", long), PairRecord("b", "p", "short two", long)])
    path = tmp_path / "c.toml"
    path.write_text('[[contracts]]\nname = "short"\nmax_words = 3\n')
    check_comparison(db, "m", load_contracts(path))
    score_comparison(db, "m", static_embedder)

    def fired():
        return dict(
            db.execute(
                "SELECT p.key, count(g.name) FROM pairs p LEFT JOIN signals g"
                " ON g.pair_id = p.id AND g.name = 'contract:short' GROUP BY p.key"
            )
        )

    assert fired() == {"a": 1, "b": 1}
    write([PairRecord("a", "p", "short one", "now short")])  # a's outputs changed
    score_comparison(db, "m", static_embedder)
    assert fired() == {"a": 0, "b": 1}
    counts = dict(
        db.execute("SELECT p.key, s.signal_count FROM scores s JOIN pairs p ON p.id = s.pair_id")
    )
    assert counts["b"] >= 1
