"""Peak memory of `swapview export` on a large tagged comparison: streamed against held.

    python bench/export_memory.py [PAIRS] [DB]   # default 100,000 pairs in /tmp
    python bench/export_memory.py [PAIRS] [DB] --judged [--before-src DIR]

The database is built on first use from bench/bigdb.py's recombined real texts (real
answers and lengths, synthetic pairings; see its docstring), every pair tagged (a review
row and a decision each, written in one transaction as reviews.record would, one by one).

Each measurement runs in a fresh process and reports its peak RSS (ru_maxrss) and time:

* floor: swapview imported and the database opened, nothing exported;
* held (the baseline): every case selected into one list first, then written, as export
  did before it streamed (select_cases, then write_atomic over the list);
* streamed: export() as it is, cases rendered a page at a time.

``--judged`` measures ``export --judged worse`` instead, on a database (``-judged`` in its
default name) where a quarter of the pairs are tagged and every pair has a judge verdict
from both orders: half of all pairs "new_worse" and unreviewed, so half the cases are
judge-labelled. ``--before-src DIR`` names the ``src/`` folder of an earlier swapview
(``git archive main src | tar -x -C DIR/..``): its export runs in the same way, as
"before", and the two files are compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
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


def build_judged(path: Path, n: int) -> None:
    """Pairs, a quarter tagged, and a judge's verdict from both orders on every pair."""
    from bigdb import _groups, _records
    from swapview.store import LoadReport, PairWriter, ensure_comparison, now, open_db
    from swapview.store import write_transaction as wt

    db = open_db(path)
    with wt(db):
        cid = ensure_comparison(db, "scale", baseline_model="many", candidate_model="many")
        PairWriter(db, cid, LoadReport()).write(_records(n, _groups()))
    stamp = now()
    with wt(db):
        db.execute("INSERT INTO judge_rubrics (hash, text, created) VALUES ('r', 'rubric', ?)",
                   [stamp])  # fmt: skip
        for pid, pair_hash in db.execute("SELECT id, content_hash FROM pairs").fetchall():
            verdict = "new_worse" if pid % 4 in (1, 2) else "new_better"
            for order in ("old_first", "new_first"):
                db.execute(
                    "INSERT INTO judge_verdicts (pair_id, judge_model, rubric_hash, ask_order,"
                    " status, verdict, rationale, pair_hash, created)"
                    " VALUES (?, 'bench-judge', 'r', ?, 'ok', ?, ?, ?, ?)",
                    [pid, order, verdict, f"The {order} answer reads better. " * 4, pair_hash,
                     stamp],
                )  # fmt: skip
            if pid % 4 == 0:
                review = db.execute(
                    "INSERT INTO reviews (pair_id, reviewer, action, tag, pair_hash, created)"
                    " VALUES (?, 'bench', 'tag', 'neutral', ?, ?)",
                    [pid, pair_hash, stamp],
                ).lastrowid
                db.execute(
                    "INSERT INTO decisions (pair_id, tag, reviewer, review_id, pair_hash,"
                    " updated) VALUES (?, 'neutral', 'bench', ?, ?, ?)",
                    [pid, review, pair_hash, stamp],
                )
    db.close()


def child(mode: str, db_path: str, fmt: str, out: str, src: str = "-") -> None:
    if src != "-":
        sys.path.insert(0, src)  # an earlier swapview, before any of it is imported
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
    elif mode == "judged":
        export(db, Selection(comparison="scale", judged="new_worse"), fmt, out)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mib": peak_mib, "seconds": elapsed}))


def measure(mode: str, db: Path, fmt: str, out: Path, src: Path | None = None) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(db), fmt, str(out), str(src or "-")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=int, default=100_000)
    parser.add_argument("db", nargs="?", type=Path)
    parser.add_argument("--judged", action="store_true", help="measure export --judged worse")
    parser.add_argument(
        "--before-src",
        type=Path,
        metavar="DIR",
        help="src/ of an earlier swapview, measured as 'before' (with --judged)",
    )
    args = parser.parse_args()
    n = args.pairs
    kind = "-judged" if args.judged else ""
    db = args.db or Path(f"/tmp/swapview-export{kind}-{n}.db")
    if not db.exists():
        t0 = time.perf_counter()
        (build_judged if args.judged else build)(db, n)
        print(f"built {n:,} pairs in {time.perf_counter() - t0:.0f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        floor = measure("floor", db, "inspect", Path(tmp) / "none.jsonl")
        print(f"floor (imports, database open): {floor['peak_mib']:.0f} MiB")
        if args.judged:
            _judged_table(db, Path(tmp), args.before_src)
        else:
            _held_table(db, Path(tmp))


def _held_table(db: Path, tmp: Path) -> None:
    print(f"{'format':<10} {'held MiB':>9} {'streamed MiB':>13} {'ratio':>6}"
          f" {'held s':>7} {'streamed s':>11} {'file MB':>8}")  # fmt: skip
    for fmt in FORMATS:
        out = tmp / f"{fmt}.jsonl"
        held = measure("held", db, fmt, out)
        streamed = measure("streamed", db, fmt, out)
        size = out.stat().st_size / 1e6
        ratio = held["peak_mib"] / streamed["peak_mib"]
        print(
            f"{fmt:<10} {held['peak_mib']:>9.0f} {streamed['peak_mib']:>13.0f} {ratio:>6.1f}"
            f" {held['seconds']:>7.1f} {streamed['seconds']:>11.1f} {size:>8.0f}"
        )


def _judged_table(db: Path, tmp: Path, before_src: Path | None) -> None:
    """export --judged worse: this tree's against an earlier one's, and the same bytes."""
    print(f"{'format':<10} {'before MiB':>10} {'now MiB':>8} {'ratio':>6} {'before s':>8}"
          f" {'now s':>6} {'file MB':>8} {'same file':>9}")  # fmt: skip
    for fmt in FORMATS:
        now_out, before_out = tmp / f"{fmt}.jsonl", tmp / f"{fmt}.before.jsonl"
        after = measure("judged", db, fmt, now_out)
        size = now_out.stat().st_size / 1e6
        if before_src is None:
            print(f"{fmt:<10} {'-':>10} {after['peak_mib']:>8.0f} {'-':>6} {'-':>8}"
                  f" {after['seconds']:>6.1f} {size:>8.0f} {'-':>9}")  # fmt: skip
            continue
        before = measure("judged", db, fmt, before_out, before_src)
        same = _digest(now_out) == _digest(before_out)
        print(
            f"{fmt:<10} {before['peak_mib']:>10.0f} {after['peak_mib']:>8.0f}"
            f" {before['peak_mib'] / after['peak_mib']:>6.1f} {before['seconds']:>8.1f}"
            f" {after['seconds']:>6.1f} {size:>8.0f} {'yes' if same else 'NO':>9}"
        )


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


if __name__ == "__main__":
    main()
