"""`swapview shift`: a planted slice-level shift is found first, real migrations are
checked against a direct computation, the statistics against known values."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.scoring.runner import score_comparison
from swapview.shift import build_shift, stats, to_markdown
from swapview.store import PairRecord
from tests.support.shift_data import LOCALES, REFUSAL, planted_records
from tests.support.shift_data import answer as _answer
from tests.support.shift_data import load as _load


@pytest.fixture
def planted(db, static_embedder):
    comp = _load(db, "planted", planted_records())
    score_comparison(db, "planted", static_embedder)
    return comp


def test_planted_slice_shift_comes_first_and_is_said_plainly(db, planted):
    result = build_shift(db, planted)
    assert result.slice_fields == ["locale", "template"]  # request_id is an id, not a slice
    top = [r for r in result.rows if r.significant][:2]
    assert {r.measure for r in top} == {"refusal_rate", "json_failure_rate"}
    assert all(r.scope == "locale=de" for r in top)
    refusal = next(f for f in result.findings if f.startswith("refusal_rate"))
    assert "in locale=de, unchanged elsewhere: 0.0% -> 0.0%" in refusal
    # Nothing moved in another locale. (Every template holds some locale=de pairs, so
    # the templates move too, diluted: the finding names the slice with the biggest effect.)
    other = [r for r in result.rows if r.scope.startswith("locale=") and r.scope != "locale=de"]
    assert other and not any(r.significant and r.kind == "rate" for r in other)
    dilute = [r for r in result.rows if r.measure == "refusal_rate" and "template" in r.scope]
    assert all(abs(r.effect) < abs(top[0].effect) for r in dilute)
    assert "in locale=de" in to_markdown(result)


def test_no_change_is_said_plainly(db, static_embedder):
    records = [
        PairRecord(f"k{i}", "p", _answer(i), _answer(i), {"locale": LOCALES[i % 5]})
        for i in range(200)
    ]
    comp = _load(db, "same", records)
    score_comparison(db, "same", static_embedder)
    result = build_shift(db, comp)
    assert result.findings == [] and not result.changed
    assert "No measurable change" in to_markdown(result)


def test_cli_gates_json_and_by(db_path, db, planted):
    db.close()
    runner = CliRunner()
    args = ["--db", str(db_path), "shift", "--by", "locale"]
    ok = runner.invoke(main, [*args, "--json", "--fail-if", "shift.refusal_rate>+20pp"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["slice_fields"] == ["locale"]
    assert 0.04 < data["metrics"]["shift.refusal_rate"] < 0.08  # ~30% of one locale in five
    assert data["metrics"]["shift.refusal_rate.worst_slice"] > 0.2
    bad = runner.invoke(main, [*args, "--fail-if", "shift.refusal_rate.worst_slice>+2pp"])
    assert bad.exit_code == 3 and "FAILED" in bad.output
    unknown = runner.invoke(main, [*args, "--by", "nosuch"])
    assert unknown.exit_code == 1 and "nosuch" in unknown.output


def _realdata_records(path) -> list[PairRecord]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [
        PairRecord(
            str(r["id"]),
            r["prompt"],
            r["baseline_output"],
            r["candidate_output"],
            {"source_subset": r.get("source_subset")},
        )
        for r in rows
    ]


def test_realdata_three_measures_match_a_direct_computation(db, realdata, static_embedder):
    path = realdata / "pairs" / "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview.jsonl.gz"
    records = _realdata_records(path)
    comp = _load(db, "alpaca", records)
    score_comparison(db, "alpaca", static_embedder)
    result = build_shift(db, comp)
    overall = {r.measure: r for r in result.rows if r.scope == "all"}
    old_words = np.array([len((r.baseline_output or "").split()) for r in records], dtype=float)
    new_words = np.array([len((r.candidate_output or "").split()) for r in records], dtype=float)
    assert overall["words"].old == pytest.approx(old_words.mean())
    assert overall["words"].change == pytest.approx((new_words - old_words).mean())
    new_chars = np.array([len(r.candidate_output or "") for r in records], dtype=float)
    assert overall["chars"].new == pytest.approx(new_chars.mean())
    # much_shorter, directly: the candidate under half the baseline, 20+ characters shorter.
    short = sum(
        1
        for r in records
        if (r.candidate_output or "").strip()
        and len(r.candidate_output) < 0.5 * len(r.baseline_output or "")
        and len(r.baseline_output or "") - len(r.candidate_output) >= 20
    )
    assert overall["much_shorter_rate"].new == pytest.approx(short / len(records))
    # The slice table of source_subset covers all 805 pairs.
    assert result.slice_fields == ["source_subset"]
    words_rows = [r for r in result.rows if r.measure == "words" and r.scope != "all"]
    assert sum(r.n for r in words_rows) == len(records)


@pytest.mark.parametrize(("p_old", "p_new", "n"), [(0.05, 0.15, 60), (0.3, 0.3, 40)])
def test_newcombe_paired_interval_covers_at_its_nominal_rate(p_old, p_new, n):
    rng = np.random.default_rng(3)
    hits, runs = 0, 1500
    for _ in range(runs):
        u = rng.random(n)
        old, new = u < p_old, (u < p_new) ^ (rng.random(n) < 0.1)  # correlated sides
        truth = p_new + 0.1 * (1 - 2 * p_new) - p_old
        _, low, high = stats.paired_rate_diff(old, new)
        hits += low <= truth <= high
    assert 0.92 <= hits / runs <= 0.985


def test_benjamini_hochberg_and_binomial():
    assert stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx(
        [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]
    )
    assert stats.binomial_two_sided(0, 10) == pytest.approx(2 / 1024)
    assert stats.binomial_two_sided(5, 10) == 1.0


def test_report_has_a_shift_section_with_gates(db_path, db, planted):
    db.close()
    runner = CliRunner()
    out = runner.invoke(main, ["--db", str(db_path), "report"])
    assert out.exit_code == 0, out.output
    assert "## What shifted" in out.output and "in locale=de" in out.output
    gated = runner.invoke(
        main, ["--db", str(db_path), "report", "--fail-if", "shift.json_failure_rate>+2pp"]
    )
    assert gated.exit_code == 3, gated.output


def test_a_small_slice_with_a_big_change_is_the_long_tail(db, static_embedder):
    records = []
    for i in range(1200):
        locale = "is" if i % 40 == 0 else LOCALES[i % 4]  # "is": 30 pairs, 2.5%
        new = (
            "I'm sorry, but I can't help with that request."
            if locale == "is" and i % 80
            else _answer(i)
        )
        records.append(PairRecord(f"k{i}", "p", _answer(i), new, {"locale": locale}))
    comp = _load(db, "tail", records)
    score_comparison(db, "tail", static_embedder)
    result = build_shift(db, comp)
    tail = [r for r in result.rows if r.long_tail and r.measure == "refusal_rate"]
    assert [r.scope for r in tail] == ["locale=is"]
    assert "Long tail" in to_markdown(result)
    big = [r for r in result.rows if r.scope == "locale=en" and r.measure == "refusal_rate"]
    assert big and not big[0].long_tail


def test_untrusted_slice_values_render_as_text(db, static_embedder):
    hostile = "<img src=x>|**bold**"
    records = [
        PairRecord(f"k{i}", "p", _answer(i), REFUSAL if i % 2 else _answer(i), {"team": t})
        for i in range(80)
        for t in [hostile if i % 2 else "a"]
    ]
    comp = _load(db, "hostile", records)
    score_comparison(db, "hostile", static_embedder)
    text = to_markdown(build_shift(db, comp, by=("team",)))
    assert "<img" not in text.replace("\\<img", "") and "**bold" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "img" in line]
    assert rows and all(line.replace("\\|", "").count("|") == 9 for line in rows)
