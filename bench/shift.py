"""Time `swapview shift` on a large comparison: it reads stored outputs, scores, signals
and metadata, and re-scores nothing.

    python bench/shift.py [PAIRS] [DB] [--before OLD/src] [--refill]
    # default 200,000 pairs in /tmp/swapview-shift-PAIRS.db

--before times build_shift from another source tree on the same database (the code
before stored numbers: `git archive 7c80304 src | tar -x -C OLD`); --refill drops the
stored numbers first, to time what a database made before them pays once.

The database is built on first use from bench/bigdb.py's recombined real texts (real
answers and lengths, synthetic pairings) with metadata slices (locale of 6 values,
template of 4), per-side latency and token counts, and score rows on the pairs' real content
hashes with synthetic signals: about 5% of pairs carry one, and in locale=de a new refusal
is planted on 6% of pairs, so the findings have something to find.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigdb import SIGNALS, _groups, _records, _unit  # noqa: E402
from swapview.shift.analysis import analyse  # noqa: E402
from swapview.shift.data import load_pairs  # noqa: E402
from swapview.shift.measures import build_measures  # noqa: E402
from swapview.shift.result import build_shift  # noqa: E402
from swapview.shift.slices import find_slices  # noqa: E402
from swapview.store import (  # noqa: E402
    LoadReport,
    PairWriter,
    ensure_comparison,
    fill_facts,
    open_db,
    write_transaction,
)

LOCALES = ("en", "de", "fr", "es", "ja", "pt")


def _with_metadata(n: int):
    for i, rec in enumerate(_records(n, _groups())):
        rec.metadata |= {
            "locale": LOCALES[i % len(LOCALES)],
            "template": f"t{i % 4}",
            "baseline.latency_ms": 400 + int(_unit(i, "lat") * 800),
            "candidate.latency_ms": 380 + int(_unit(i, "lat2") * 800),
            "baseline.output_tokens": len((rec.baseline_output or "").split()) * 4 // 3,
            "candidate.output_tokens": len((rec.candidate_output or "").split()) * 4 // 3,
        }
        yield rec


def build(path: Path, n: int) -> None:
    t0 = time.perf_counter()
    db = open_db(path)
    with write_transaction(db):
        cid = ensure_comparison(db, "scale", baseline_model="many", candidate_model="many")
        PairWriter(db, cid, LoadReport()).write(_with_metadata(n))
    with write_transaction(db):
        rows = db.execute("SELECT id, content_hash, key FROM pairs").fetchall()
        scores, signals = [], []
        for pid, digest, key in rows:
            fired = []
            if _unit(pid, "q") < 0.05:
                fired.append(SIGNALS[pid % len(SIGNALS)])
            if int(key[1:]) % len(LOCALES) == 1 and _unit(pid, "de") < 0.06:
                fired.append("refusal_appeared")
            fired = sorted(set(fired))
            signals += [(pid, name) for name in fired]
            scores.append((pid, digest, "bench", "bench", _unit(pid, "s"), len(fired), "t"))
        db.conn.executemany(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " semantic_distance, signal_count, scored) VALUES (?, ?, ?, ?, ?, ?, ?)",
            scores,
        )
        db.conn.executemany("INSERT INTO signals (pair_id, name) VALUES (?, ?)", signals)
    fill_facts(db, cid)  # what `score` stores beside the scores it writes
    db.close()
    print(f"built {path} ({n:,} pairs) in {time.perf_counter() - t0:.0f} s", flush=True)


def timed(label: str, fn, rows: list):
    """Run ``fn``; record wall and CPU seconds (this process and its children)."""
    t0, c0 = time.perf_counter(), _cpu()
    out = fn()
    rows.append((label, time.perf_counter() - t0, _cpu() - c0))
    return out


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


BEFORE = """
import sys, time
from swapview.store import open_db
from swapview.shift.result import build_shift
db = open_db(sys.argv[1])
t0 = time.perf_counter()
result = build_shift(db, db["comparisons"].get(1))
print(result.pairs, len(result.rows), time.perf_counter() - t0)
"""


def run_before(src: Path, path: Path) -> None:
    """build_shift as another source tree has it (the code before stored numbers), in a
    child process on the same database."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", BEFORE, str(path)], env=env, check=True, capture_output=True
    )
    print(f"before ({src}): pairs, rows, seconds = {out.stdout.decode().strip()}", flush=True)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("pairs", type=int, nargs="?", default=200_000)
    args.add_argument("db", type=Path, nargs="?")
    args.add_argument("--before", type=Path, help="a src/ folder of older code to time too")
    args.add_argument("--refill", action="store_true", help="drop the stored numbers first")
    opts = args.parse_args()
    n, path = opts.pairs, opts.db or Path(f"/tmp/swapview-shift-{opts.pairs}.db")
    if not path.exists():
        build(path, n)
    print(f"load average {os.getloadavg()}", flush=True)
    rows: list[tuple[str, float, float]] = []
    if opts.before:
        timed(
            "build_shift before stored numbers (texts and JSON)",
            lambda: run_before(opts.before, path),
            rows,
        )
    db = open_db(path)
    cid = db["comparisons"].get(1)["id"]
    if opts.refill:
        with write_transaction(db):
            db.execute("DELETE FROM pair_fields")
            db.execute("DELETE FROM pair_facts")
    timed(
        "fill stored numbers (once; what an older database pays)",
        lambda: fill_facts(db, cid, _progress),
        rows,
    )
    data = timed("read numbers, signals, fields", lambda: load_pairs(db, cid), rows)
    measures = timed("measures", lambda: build_measures(data), rows)
    slices = timed("slices (found automatically)", lambda: find_slices(data), rows)
    table = timed("tests, intervals, BH", lambda: analyse(measures, slices, len(data)), rows)
    result = timed(
        "build_shift end to end", lambda: build_shift(db, db["comparisons"].get(1)), rows
    )
    print(
        f"\n{len(data):,} pairs, {len(measures)} measures, {len(slices)} slices,"
        f" {sum(r.p is not None for r in table)} tests; load average {os.getloadavg()}\n"
    )
    print("| step | s | CPU s |\n|---|---:|---:|")
    for label, seconds, cpu in rows:
        print(f"| {label} | {seconds:.1f} | {cpu:.1f} |")
    print("\n" + "\n".join(f"- {f}" for f in result.findings[:5]))


def _progress(done: int, total: int) -> None:
    if done == total or done % 100_000 < 5000:
        print(f"  filled {done:,} of {total:,}", flush=True)


if __name__ == "__main__":
    main()
