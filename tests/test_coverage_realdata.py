"""Coverage on real traffic: AlpacaEval prompts come from named subsets, so a suite built
from some subsets must leave the others as the blind spots, and --fill-gaps must pick
from them first.

Of the five subsets, selfinstruct (templated "You are given..." tasks) is the one the
embedding tells apart from the rest (a prompt's nearest neighbour shares its subset 76%
of the time; koala, oasst and vicuna are all open chat and mix: 24 to 26%), so the tests
set selfinstruct against the chat subsets, both ways round.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.coverage import blind_spots, build_coverage, plan_fill, read_eval_cases
from swapview.coverage.fill import DUPLICATE_SHARE
from swapview.export import Selection, select_cases
from swapview.store import PairRecord
from tests.support.shift_data import load

FILE = "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview.jsonl.gz"
CHAT = ("helpful_base", "koala", "oasst", "vicuna")
SUITE_SIZE = 40  # a small suite against 805 prompts, as real suites are against traffic


def _rows(realdata: Path) -> list[dict]:
    with gzip.open(realdata / "pairs" / FILE, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _load(db, rows: list[dict]) -> dict:
    records = [
        PairRecord(str(r["id"]), r["prompt"], r["baseline_output"], r["candidate_output"])
        for r in rows
    ]
    return load(db, "alpaca", records)


def _suite(tmp_path: Path, rows: list[dict], subsets: tuple[str, ...], seed: int = 0) -> Path:
    """An inspect_ai dataset of SUITE_SIZE prompts drawn from ``subsets`` only."""
    pool = [r for r in rows if r["source_subset"] in subsets]
    picks = np.random.default_rng(seed).choice(len(pool), SUITE_SIZE, replace=False)
    path = tmp_path / "suite.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in sorted(picks):
            f.write(json.dumps({"id": pool[i]["id"], "input": pool[i]["prompt"]}) + "\n")
    return path


def _subset_by_pair(db, rows: list[dict]) -> dict[int, str]:
    subset = {str(r["id"]): r["source_subset"] for r in rows}
    return {pid: subset[key] for pid, key in db.execute("SELECT id, key FROM pairs")}


def _uncovered_share(cov, subsets: dict[int, str]) -> dict[str, float]:
    """Per source subset, the share of its pairs that fall in clusters with no eval case."""
    uncovered = {c.id for c in cov.report.clusters if not c.covered}
    counts: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for pid, cluster in zip(cov.prompts.pair_ids.tolist(), cov.pair_cluster.tolist(), strict=True):
        counts[subsets[pid]] += 1
        hits[subsets[pid]] += cluster in uncovered
    return {s: hits[s] / counts[s] for s in counts}


@pytest.mark.parametrize(
    ("suite_subsets", "blind_subsets"),
    [(CHAT, ("selfinstruct",)), (("selfinstruct",), CHAT)],
    ids=["chat-suite", "selfinstruct-suite"],
)
def test_subsets_left_out_of_the_suite_are_the_blind_spots(
    db, tmp_path, realdata, static_embedder, suite_subsets, blind_subsets
) -> None:
    rows = _rows(realdata)
    comp = _load(db, rows)
    cases = read_eval_cases([str(_suite(tmp_path, rows, suite_subsets))])
    cov = build_coverage(db, comp, cases, static_embedder)
    subsets = _subset_by_pair(db, rows)
    share = _uncovered_share(cov, subsets)
    sizes = Counter(subsets.values())

    def pooled(names: tuple[str, ...]) -> float:
        return sum(share[s] * sizes[s] for s in names) / sum(sizes[s] for s in names)

    # The left-out subsets' traffic is far more often in clusters with no case at all...
    assert pooled(blind_subsets) > 1.5 * pooled(suite_subsets)
    # ...and the worst blind spot is a cluster where left-out prompts are the largest
    # group and more common than in the traffic as a whole.
    worst = blind_spots(cov)[0]
    members = Counter(subsets[p] for p in worst.pair_ids)
    assert members.most_common(1)[0][0] in blind_subsets
    left_out = sum(members[s] for s in blind_subsets) / worst.cluster.pairs
    assert left_out > sum(sizes[s] for s in blind_subsets) / len(subsets)
    assert worst.cluster.pairs == len(worst.pair_ids) and worst.cluster.blind_score > 0


def test_fill_gaps_picks_from_the_blind_subsets_first(
    db, tmp_path, realdata, static_embedder
) -> None:
    rows = _rows(realdata)
    comp = _load(db, rows)
    # A reviewer tagged every fifth pair, whatever its subset.
    pairs = db.execute("SELECT id FROM pairs ORDER BY id").fetchall()
    for (pid,) in pairs[::5]:
        reviews.record(db, pid, "ana", tag="regression" if pid % 2 else "neutral")
    suite = _suite(tmp_path, rows, CHAT)
    cov = build_coverage(db, comp, read_eval_cases([str(suite)]), static_embedder)
    uncovered = [c for c in cov.report.clusters if not c.covered]
    assert uncovered, "the chat-only suite leaves some cluster without a case"
    n = len(uncovered) + 3
    plan = plan_fill(db, cov, select_cases(db, Selection(comparison="alpaca")), n)

    subsets = _subset_by_pair(db, rows)
    by_key = {key: pid for pid, key in db.execute("SELECT id, key FROM pairs")}
    picked = [by_key[k] for k in plan.keys]
    clusters = [int(cov.pair_cluster[np.searchsorted(cov.prompts.pair_ids, p)]) for p in picked]
    first = clusters[: plan.clusters_closed]
    assert set(first) <= {c.id for c in uncovered} and len(set(first)) == len(first)
    assert plan.uncovered_after < plan.uncovered_before
    # The first picks come mostly from the subset the suite left out (31% of all pairs).
    left_out = sum(subsets[p] == "selfinstruct" for p in picked[: plan.clusters_closed])
    assert left_out > plan.clusters_closed / 2
    # No two picks are near-duplicates of each other or of the suite.
    vectors = cov.prompts.vectors[cov.prompts.point[np.searchsorted(cov.prompts.pair_ids, picked)]]
    gaps = np.linalg.norm(vectors[:, None] - vectors[None], axis=2) + np.eye(len(picked)) * 9
    assert gaps.min() > DUPLICATE_SHARE * cov.typical_distance


def test_cli_coverage_gate_and_export_fill_gaps(db_path, tmp_path, realdata, static_embedder):
    from swapview.store import open_db

    rows = _rows(realdata)
    db = open_db(db_path)
    _load(db, rows)
    for (pid,) in db.execute("SELECT id FROM pairs ORDER BY id").fetchall()[::5]:
        reviews.record(db, pid, "ana", tag="regression")
    db.close()
    suite = str(_suite(tmp_path, rows, CHAT))
    runner = CliRunner()
    base = ["--db", str(db_path)]
    gate = ["--fail-if", "uncovered_regressions>0"]
    gated = runner.invoke(main, [*base, "coverage", "--evals", suite, "--json", *gate])
    data = json.loads(gated.stdout)
    assert data["uncovered_regressions"] > 0 and gated.exit_code == 3
    assert data["clusters"][0]["blind_score"] >= data["clusters"][-1]["blind_score"]

    out = tmp_path / "gaps.jsonl"
    args = [*base, "export", "-f", "inspect", "-o", str(out), "--fill-gaps", "5", "--evals", suite]
    done = runner.invoke(main, args)
    assert done.exit_code == 0, done.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    before, after = data["uncovered_traffic"], None
    line = next(x for x in done.stderr.splitlines() if x.startswith("Coverage:"))
    assert f"uncovered traffic {before:.0%} -> " in line
    after = int(line.split("-> ")[1].split("%")[0]) / 100
    assert after < before
    # The exported cases now count as part of the suite: the gap they closed is closed.
    both = ["--evals", suite, "--evals", str(out)]
    again = runner.invoke(main, [*base, "coverage", *both, "--json"])
    assert json.loads(again.stdout)["uncovered_traffic"] == pytest.approx(after, abs=0.006)
