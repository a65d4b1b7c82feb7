"""`swapview judge` against the fault-injecting OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview.cli.app import main
from swapview.judge.protocol import DEFAULT_RUBRIC, rubric_hash
from swapview.judge.verdicts import JudgeKey, combined_verdicts
from swapview.reviews import record
from swapview.store import open_db
from tests.support.judge_helpers import longer_is_better, seed_pairs
from tests.support.openai_server import FakeOpenAI

FAST = ["--timeout", "2", "--max-retries", "4", "-j", "2", "--no-progress"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SWAPVIEW_API_KEY", "SWAPVIEW_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SWAPVIEW_CONFIG", "/nonexistent/swapview.toml")


def judge(db: Path, srv: FakeOpenAI, *args: str) -> tuple[int, dict]:
    res = CliRunner().invoke(
        main,
        [
            "--db",
            str(db),
            "judge",
            "--base-url",
            srv.base_url,
            "-m",
            "judge-1",
            *FAST,
            "--json",
            *args,
        ],
    )
    try:
        out = json.loads(res.output[res.output.index("{") :])
    except ValueError:
        out = {"output": res.output}
    return res.exit_code, out


def test_both_orders_stored_identical_free_and_never_twice(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    cid = seed_pairs(open_db(db_path), 6, identical=2)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        code, out = judge(db_path, srv)
        assert code == 0, out
        assert (out["judged"], out["identical"], out["requests"]) == (4, 2, 8)
        body = srv.stats.bodies[0]
        code, again = judge(db_path, srv)
        assert (again["requests"], again["already"], again["judged"]) == (0, 6, 0)
    db = open_db(db_path)
    key = JudgeKey("judge-1", rubric_hash(DEFAULT_RUBRIC))
    verdicts = combined_verdicts(db, cid, key)
    by_key = {
        db.execute("SELECT key FROM pairs WHERE id=?", [p]).fetchone()[0]: v
        for p, v in verdicts.items()
    }
    # Even rows: the new answer is shorter, so the length-loving judge calls it worse in
    # both orders; odd rows better; identical ones "same" without a request.
    assert by_key["k0"].combined.verdict == "new_worse"
    assert by_key["k1"].combined.verdict == "new_better"
    assert by_key["k2"].combined.verdict == "new_worse"
    assert by_key["k5"].combined.verdict == "same"
    assert all(not v.combined.inconsistent for v in verdicts.values())
    rows = list(
        db.query("SELECT ask_order, status, choice, verdict FROM judge_verdicts WHERE pair_id = 1")
    )
    assert {(r["ask_order"], r["choice"], r["verdict"]) for r in rows} == {
        ("old_first", "A", "new_worse"),
        ("new_first", "B", "new_worse"),
    }
    assert body["response_format"]["type"] == "json_schema"
    assert body["logprobs"] is True and body["temperature"] == 0


def test_changed_rubric_judges_again_and_keeps_old(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 3)
    rubric = tmp_path / "rubric.txt"
    rubric.write_text("The new answer must cite the policy.")
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        judge(db_path, srv)
        code, out = judge(db_path, srv, "--rubric", str(rubric))
    assert code == 0 and out["requests"] == 6
    db = open_db(db_path)
    hashes = {r[0] for r in db.execute("SELECT DISTINCT rubric_hash FROM judge_verdicts")}
    assert hashes == {rubric_hash(DEFAULT_RUBRIC), rubric_hash(rubric.read_text())}


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("429", {"retry_after": 0.05}),
        ("500", {}),
        ("drop", {}),
        ("malformed", {}),
        ("error_body", {}),
    ],
)
def test_transient_faults_are_retried(tmp_path: Path, env: None, kind: str, kw: dict) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 3)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        srv.fail_next(2, kind, **kw)
        code, out = judge(db_path, srv, "--max-retries", "3")
    assert code == 0, out
    assert out["judged"] == 3 and out["failed"] == 0 and out["retried"] == 2
    statuses = {r[0] for r in open_db(db_path).execute("SELECT status FROM judge_verdicts")}
    assert statuses == {"ok"}


def test_faults_beyond_retries_are_failed_and_sent_again(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 2)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        srv.fail_when(lambda b: "question 0" in b["messages"][-1]["content"], "500")
        code, out = judge(db_path, srv, "--max-retries", "1")
        assert code == 0 and out["failed"] == 2 and out["judged"] == 1
        srv.clear_faults()
        code, out = judge(db_path, srv)
    assert out["requests"] == 2 and out["judged"] == 1 and out["already"] == 1


def test_non_verdict_answers_are_unparseable_not_verdicts(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    cid = seed_pairs(open_db(db_path), 2)

    def evasive(body: dict) -> str:
        if "question 0" in body["messages"][-1]["content"]:
            return "Both answers have merit; it depends on the user."
        return longer_is_better(body)

    with FakeOpenAI(chat_fn=evasive) as srv:
        code, out = judge(db_path, srv)
        assert code == 0 and out["unparseable"] == 2
        code, again = judge(db_path, srv)
        assert again["requests"] == 0  # paid once: kept as unparseable, not asked again
    db = open_db(db_path)
    rows = list(
        db.query("SELECT status, verdict, raw_answer FROM judge_verdicts WHERE pair_id = 1")
    )
    assert {r["status"] for r in rows} == {"unparseable"}
    assert all(r["verdict"] is None and "merit" in r["raw_answer"] for r in rows)
    verdicts = combined_verdicts(db, cid, JudgeKey("judge-1", rubric_hash(DEFAULT_RUBRIC)))
    assert 1 not in verdicts and 2 in verdicts


def test_limit_and_token_budget(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 8)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        _, out = judge(db_path, srv, "--limit", "3")
        assert out["judged"] == 3 and out["requests"] == 6
        _, out = judge(db_path, srv, "--max-tokens-total", "1", "-j", "1")
    assert out["judged"] == 1 and out["budget"]


def test_refused_key_stops_with_exit_1(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 5)
    with FakeOpenAI(chat_fn=longer_is_better, api_key="right") as srv:
        res = CliRunner().invoke(
            main,
            ["--db", str(db_path), "judge", "--base-url", srv.base_url, "-m", "j",
             "--api-key", "wrong-key-123456", *FAST],
        )  # fmt: skip
    assert res.exit_code == 1
    assert "refused" in res.output and "wrong-key-123456" not in res.output


def test_stats_against_the_reviewers_tags(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 6)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        judge(db_path, srv)
    db = open_db(db_path)
    # The reviewer agrees on k0..k3 and disagrees on k4 (calls a shorter answer fine).
    for key, tag in [("k0", "regression"), ("k1", "improvement"), ("k2", "regression"),
                     ("k3", "improvement"), ("k4", "neutral")]:  # fmt: skip
        pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
        record(db, pid, "ana", tag=tag)
    res = CliRunner().invoke(main, ["--db", str(db_path), "judge", "stats", "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.output)
    assert stats["both"] == 5 and stats["agreement"] == pytest.approx(0.8)
    assert stats["confusion"]["same"]["new_worse"] == 1
    assert [d["key"] for d in stats["disagreeing"]] == ["k4"]
    assert stats["kappa_low"] < stats["kappa"] < stats["kappa_high"]
    text = CliRunner().invoke(main, ["--db", str(db_path), "judge", "stats"]).output
    assert "kappa" in text and "k4" in text


@pytest.mark.slow
def test_resume_after_kill(tmp_path: Path, env: None) -> None:
    """Kill `swapview judge` mid-run: what was answered stays, the rerun sends the rest."""
    import os
    import signal
    import subprocess
    import sys
    import time

    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 10)
    with FakeOpenAI(chat_fn=longer_is_better, latency=0.15) as srv:
        cmd = [sys.executable, "-m", "swapview", "--db", str(db_path), "judge",
               "--base-url", srv.base_url, "-m", "judge-1", "-j", "1", "--no-progress"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=os.environ.copy(), stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            stored = open_db(db_path).execute("SELECT count(*) FROM judge_verdicts").fetchone()[0]
            if stored >= 5:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kept = open_db(db_path).execute("SELECT count(*) FROM judge_verdicts").fetchone()[0]
        assert 5 <= kept < 20
        before = srv.stats.requests["chat"]
        code, out = judge(db_path, srv)
    assert code == 0
    # Only the missing orders are sent: nothing answered before the kill is paid again.
    assert srv.stats.requests["chat"] - before == 20 - kept
    total = (
        open_db(db_path)
        .execute("SELECT count(*) FROM judge_verdicts WHERE status = 'ok'")
        .fetchone()[0]
    )
    assert total == 20


def test_report_section_and_kappa_gate(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 6)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        judge(db_path, srv)
    db = open_db(db_path)
    for key, tag in [("k0", "regression"), ("k1", "improvement"), ("k2", "regression"),
                     ("k3", "improvement"), ("k4", "neutral")]:  # fmt: skip
        pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
        record(db, pid, "ana", tag=tag)
    base = ["--db", str(db_path), "report"]
    res = CliRunner().invoke(main, [*base, "--json", "--fail-if", "judge.kappa<0.4"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    # po 0.8, pe 0.4: kappa (0.8 - 0.4) / 0.6
    assert data["metrics"]["judge.kappa"] == pytest.approx(2 / 3, abs=1e-3)
    assert any(s["key"] == "judge" for s in data["sections"])
    tripped = CliRunner().invoke(main, [*base, "--fail-if", "judge.kappa<0.7"])
    assert tripped.exit_code == 3
    assert "Cohen's kappa 0.67" in tripped.output and "| you \\ judge |" in tripped.output


def test_judge_field_is_used_as_stored_verdicts(tmp_path: Path, env: None) -> None:
    from swapview.judge.fields import field_judge
    from swapview.store import (
        LoadReport,
        PairRecord,
        PairWriter,
        ensure_comparison,
        write_transaction,
    )

    db = open_db(tmp_path / "s.db")
    values = ["baseline", {"verdict": "candidate", "p_regression": 0.1}, "tie", None]
    with write_transaction(db):
        cid = ensure_comparison(db, "cmp")
        records = [
            PairRecord(f"k{i}", "q", "a", f"b{i}", {"candidate": {"scores": {"grader": v}}})
            for i, v in enumerate(values)
        ]
        PairWriter(db, cid, LoadReport()).write(records)
    res = CliRunner().invoke(
        main,
        [
            "--db",
            str(tmp_path / "s.db"),
            "judge",
            "--judge-field",
            "candidate.scores.grader",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["candidate.scores.grader"] == {"stored": 3, "empty": 1}
    model, rubric = field_judge("candidate.scores.grader")
    got = combined_verdicts(open_db(tmp_path / "s.db"), cid, JudgeKey(model, rubric_hash(rubric)))
    assert [got[p].combined.verdict for p in sorted(got)] == ["new_worse", "new_better", "same"]
    assert got[2].combined.p_regression == pytest.approx(0.1)
    # A bad value names the pair and the field.
    with write_transaction(db):
        db.execute(
            "UPDATE pairs SET metadata = ? WHERE key = 'k3'",
            ['{"candidate": {"scores": {"grader": "meh"}}}'],
        )
    bad = CliRunner().invoke(
        main, ["--db", str(tmp_path / "s.db"), "judge", "--judge-field", "candidate.scores.grader"]
    )
    assert bad.exit_code == 1 and "k3" in bad.output and "candidate.scores.grader" in bad.output


def test_export_judged_worse_is_marked_judge_labelled(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 6)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        judge(db_path, srv)
    db = open_db(db_path)
    pid = db.execute("SELECT id FROM pairs WHERE key = 'k0'").fetchone()[0]
    record(db, pid, "ana", tag="neutral")  # reviewed: the reviewer's word is exported
    out = tmp_path / "cases.jsonl"
    res = CliRunner().invoke(
        main, ["--db", str(db_path), "export", "--judged", "worse", "-o", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["judge_labelled"] == 2  # k2, k4 (k0 was reviewed)
    cases = {c["key"]: c for c in map(json.loads, out.read_text().splitlines())}
    assert set(cases) == {"k0", "k2", "k4"}
    assert cases["k0"]["reviewer"] == "ana" and cases["k0"]["tag"] == "neutral"
    for key in ("k2", "k4"):
        c = cases[key]
        assert c["reviewer"] == "judge:judge-1" and c["tag"] == "regression"
        assert c["pair_metadata"]["swapview_judge"]["judge_labelled"] is True
        assert c["pair_metadata"]["swapview_judge"]["verdict"] == "new_worse"
    plain = CliRunner().invoke(
        main, ["--db", str(db_path), "export", "-o", str(tmp_path / "p.jsonl")]
    )
    assert plain.exit_code == 0
    assert len((tmp_path / "p.jsonl").read_text().splitlines()) == 1  # never mixed in unasked


def test_slow_answers_time_out_and_are_retried(tmp_path: Path, env: None) -> None:
    db_path = tmp_path / "s.db"
    seed_pairs(open_db(db_path), 2)
    with FakeOpenAI(chat_fn=longer_is_better) as srv:
        srv.fail_next(1, "slow", delay=1.5)
        code, out = judge(db_path, srv, "--timeout", "0.4")
    assert code == 0, out
    assert out["judged"] == 2 and out["retried"] == 1 and out["errors"] == {}
