"""`swapview triage ...` and the report's remaining-regressions section, through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from swapview.cli import main
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)


def _load(db_path: Path) -> None:
    db = open_db(db_path)
    cid = ensure_comparison(db, "m", baseline_model="old", candidate_model="new")
    records = [
        PairRecord(
            f"k{i}",
            f"question {i}",
            "A complete answer. " * (2 + i % 6),
            "I'm sorry, but I cannot answer that." if i % 5 == 0 else "Short.",
        )
        for i in range(30)
    ]
    with write_transaction(db):
        PairWriter(db, cid, LoadReport()).write(records)
    db.close()


def _run(db_path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db_path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_refit_clusters_tag_and_estimate(db_path: Path) -> None:
    _load(db_path)
    out = json.loads(_run(db_path, "triage", "refit", "--top", "3", "--json"))
    assert out["refit"]["pairs"] == 30 and len(out["queue"]) == 3
    assert all(row["reason"].startswith("shorter by") for row in out["queue"])
    assert all(row["reason"].count("short") == 1 for row in out["queue"])
    keys = {f"k{i}" for i in range(30)}
    assert all(row["key"] in keys for row in out["queue"])  # keys, as `alike` takes them
    text = _run(db_path, "triage", "refit", "--top", "2").splitlines()
    assert text[1].split()[0] == out["queue"][0]["key"] and text[1].split()[1].endswith("%")
    for args in (["refit", "--top", "-1"], ["sample", "--size", "0"], ["clusters", "--top", "0"]):
        bad = CliRunner().invoke(main, ["--db", str(db_path), "triage", *args])
        assert bad.exit_code == 2 and "is not in the range" in bad.output
    listing = _run(db_path, "triage", "clusters")
    # The refusals, and the 24 answers that all dropped the same repeated sentence.
    assert listing.startswith("2 clusters") and "i m sorry but i cannot" in listing
    line = next(x for x in listing.splitlines() if "refusal" in x)
    cluster_id = line.split("#")[1].split()[0]
    bogus = CliRunner().invoke(
        main, ["--db", str(db_path), "triage", "tag-cluster", cluster_id, "regresion", "--yes"]
    )
    assert bogus.exit_code == 2 and "'regresion' is not a tag" in bogus.output
    assert "tagged 6 pairs as regression" in _run(
        db_path, "triage", "tag-cluster", cluster_id, "regression", "--yes"
    )
    assert "nothing to tag" in _run(
        db_path, "triage", "tag-cluster", cluster_id, "neutral", "--yes"
    )
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM decisions WHERE tag = 'regression'").fetchone() == (6,)
    alike = _run(db_path, "triage", "alike", "k0", "--limit", "3").splitlines()
    assert alike[0].startswith(f"cluster #{cluster_id} (6)") and len(alike) == 4
    est = json.loads(_run(db_path, "triage", "estimate", "--json"))
    assert est["unreviewed"] == 24 and est["found"] == 6 and est["suggest"]["pair_ids"]
    # No random sample yet in some band: bounds only, never another band's rate.
    text = _run(db_path, "triage", "estimate")
    assert est["remaining"] is None and est["unsampled_bands"] >= 1
    assert f"{est['unsampled_bands']} of {len(est['bands'])} bands have no random sample" in text


def test_report_has_the_remaining_section(db_path: Path) -> None:
    _load(db_path)
    report = json.loads(_run(db_path, "report", "--json"))
    section = next(s for s in report["sections"] if s["key"] == "remaining")
    assert section["data"]["unreviewed"] == 30
    assert section["metrics"]["estimated_regressions_remaining_high"] == 30  # nothing sampled
    markdown = _run(db_path, "report")
    assert "Estimated regressions remaining" in markdown
    assert "No estimate yet" in markdown
