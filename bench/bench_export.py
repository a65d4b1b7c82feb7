"""Export and report timings on real data: the 20k-pair AlpacaEval scale file.

Pairs are loaded with PairWriter; the judge's preference stands in for a reviewer
(baseline preferred: regression, candidate: improvement, tie: neutral), so every pair
with a label is tagged. Prints one row per format: cases, seconds, MB written.

    PYTHONPATH=src python bench/bench_export.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from pathlib import Path

from swapview import reviews
from swapview.export import FORMATS, Selection, export
from swapview.report import build_report, to_markdown
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SCALE = REALDATA / "scale" / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
TAGS = {"baseline": "regression", "candidate": "improvement", "tie": "neutral"}


def load(db, limit: int) -> list[tuple[str, str]]:
    rows = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            rows.append(json.loads(line))
    with write_transaction(db):
        cid = ensure_comparison(db, "scale", baseline_model="many", candidate_model="gpt4")
        PairWriter(db, cid, LoadReport()).write(
            PairRecord(r["id"], r["prompt"], r["baseline_output"], r["candidate_output"])
            for r in rows
        )
    return [(r["id"], TAGS[r["preference"]]) for r in rows if r.get("preference") in TAGS]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        tagged = load(db, args.limit)
        ids = dict(db.execute("SELECT key, id FROM pairs"))
        t1 = time.perf_counter()
        for key, tag in tagged:
            reviews.record(db, ids[key], "judge", tag=tag)
        t2 = time.perf_counter()
        print(
            f"loaded {len(ids)} pairs in {t1 - t0:.1f} s; tagged {len(tagged)} in"
            f" {t2 - t1:.1f} s (one transaction per tag, as the review screen does)"
        )
        print(f"{'format':<14}{'cases':>8}{'seconds':>10}{'MB':>8}")
        for name in FORMATS:
            out = Path(tmp) / f"{name}.jsonl"
            start = time.perf_counter()
            result = export(db, Selection(comparison="scale"), name, str(out))
            took = time.perf_counter() - start
            print(f"{name:<14}{result.written:>8}{took:>10.2f}{out.stat().st_size / 1e6:>8.1f}")
        start = time.perf_counter()
        again = export(
            db,
            Selection(comparison="scale"),
            "promptfoo",
            str(Path(tmp) / "promptfoo.jsonl"),
            append=True,
        )
        print(f"{'--append noop':<14}{again.written:>8}{time.perf_counter() - start:>10.2f}")
        start = time.perf_counter()
        to_markdown(build_report(db, "scale"))
        print(f"{'report':<14}{'':>8}{time.perf_counter() - start:>10.2f}")


if __name__ == "__main__":
    main()
