"""Peak memory of `swapview export` on a large tagged comparison: streamed against held.

    python bench/export_memory.py [PAIRS] [DB]   # default 100,000 pairs in /tmp

The database is built on first use from bench/bigdb.py's recombined real texts (real
answers and lengths, synthetic pairings; see its docstring), every pair tagged (a review
row and a decision each, written in one transaction as reviews.record would, one by one).

Each measurement runs in a fresh process and reports its peak RSS (ru_maxrss) and time:

* floor: swapview imported and the database opened, nothing exported;
* held (the baseline): every case selected into one list first, then written, as export
  did before it streamed (select_cases, then write_atomic over the list);
* streamed: export() as it is, cases rendered a page at a time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FORMATS = ("inspect", "promptfoo")
TAGS = ("regression", "improvement", "neutral")


def build(path: Path, n: int) -> None:
    from bigdb import _groups, _records
    from swapview.store import LoadReport, PairWriter, ensure_comparison, now, open_db
    from swapview.store import write_transaction as wt

    db = open_db(path)
    with wt(db):
        cid = ensure_comparison(db, "scale", baseline_model="many", candidate_model="many")
        PairWriter(db, cid, LoadReport()).write(_records(n, _groups()))
    stamp = now()
    with wt(db):
        rows = db.execute("SELECT id, content_hash FROM pairs").fetchall()
        for pid, pair_hash in rows:
            tag = TAGS[pid % len(TAGS)]
            review = db.execute(
                "INSERT INTO reviews (pair_id, reviewer, action, tag, pair_hash, created)"
                " VALUES (?, 'bench', 'tag', ?, ?, ?)",
                [pid, tag, pair_hash, stamp],
            ).lastrowid
            db.execute(
                "INSERT INTO decisions (pair_id, tag, reviewer, review_id, pair_hash, updated)"
                " VALUES (?, ?, 'bench', ?, ?, ?)",
                [pid, tag, review, pair_hash, stamp],
            )
    db.close()


def child(mode: str, db_path: str, fmt: str, out: str) -> None:
    from swapview.export import Selection, export, select_cases
    from swapview.export.formats import FORMATS as ALL
    from swapview.export.formats import record_line
    from swapview.export.writer import write_atomic
    from swapview.store import open_db

    db = open_db(db_path)
    started = time.perf_counter()
    sel = Selection(comparison="scale")
    if mode == "held":
        cases = select_cases(db, sel)
        write_atomic(Path(out), [record_line(ALL[fmt], c) for c in cases])
    elif mode == "streamed":
        export(db, sel, fmt, out)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mib": peak_mib, "seconds": elapsed}))


def measure(mode: str, db: Path, fmt: str, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(db), fmt, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:6])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    db = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"/tmp/swapview-export-{n}.db")
    if not db.exists():
        t0 = time.perf_counter()
        build(db, n)
        print(f"built {n:,} tagged pairs in {time.perf_counter() - t0:.0f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        floor = measure("floor", db, "inspect", Path(tmp) / "none.jsonl")
        print(f"floor (imports, database open): {floor['peak_mib']:.0f} MiB")
        print(f"{'format':<10} {'held MiB':>9} {'streamed MiB':>13} {'ratio':>6}"
              f" {'held s':>7} {'streamed s':>11} {'file MB':>8}")  # fmt: skip
        for fmt in FORMATS:
            out = Path(tmp) / f"{fmt}.jsonl"
            held = measure("held", db, fmt, out)
            streamed = measure("streamed", db, fmt, out)
            size = out.stat().st_size / 1e6
            ratio = held["peak_mib"] / streamed["peak_mib"]
            print(
                f"{fmt:<10} {held['peak_mib']:>9.0f} {streamed['peak_mib']:>13.0f} {ratio:>6.1f}"
                f" {held['seconds']:>7.1f} {streamed['seconds']:>11.1f} {size:>8.0f}"
            )


if __name__ == "__main__":
    main()
