"""Ingest benchmark: swapview's load path against a raw sqlite3.executemany loader.

The input is 1,000,000 pairs of real length, made by RECOMBINING rows of
../shared/realdata/scale/alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz: each
pair takes a prompt and two outputs that real models gave to that prompt (no text is
invented). Both loaders read the same gzip JSONL into a fresh database with the same schema
and pragmas (swapview's open_db) in one transaction, in the same run.

    python bench/ingest.py               # 1,000,000 pairs (about 4 GB of JSON, minutes)
    python bench/ingest.py --rows 20000  # a quick run
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from swapview.ingest import load_files
from swapview.store import INSERT_PAIR, content_hash, ensure_comparison, now, open_db

ROOT = Path(__file__).resolve().parent.parent
SCALE = (ROOT.parent / "shared" / "realdata" / "scale"
         / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz")
BATCH = 2000


def build_input(rows: int, path: Path) -> None:
    """Write ``rows`` recombined pairs to a gzip JSONL file."""
    by_prompt: dict[str, list[dict]] = defaultdict(list)
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            by_prompt[row["prompt"]].append(row)
    groups = list(by_prompt.values())
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for i in range(rows):
            group = groups[i % len(groups)]
            j = i // len(groups)
            a = group[j % len(group)]
            b = group[(j // len(group) + j + 1) % len(group)]
            # baseline: one model's answer; candidate: another row's answer to the same prompt
            # (the shared candidate model's, or a second baseline model's on later rounds).
            cand = b["candidate_output"] if j < len(group) else b["baseline_output"]
            out.write(json.dumps({
                "id": f"bench-{i:07d}", "prompt": a["prompt"],
                "baseline_model": a["baseline_model"], "candidate_model": b["candidate_model"],
                "baseline_output": a["baseline_output"], "candidate_output": cand,
                "preference": a.get("preference"), "source_subset": a.get("source_subset"),
            }, ensure_ascii=False) + "\n")


def raw_load(src: Path, db_path: Path) -> tuple[float, float]:
    """The minimal hand-written loader: json.loads, the same row values, executemany."""
    db = open_db(db_path)
    conn = db.conn
    start = time.perf_counter()
    in_sqlite = 0.0
    conn.execute("BEGIN IMMEDIATE")
    cid = ensure_comparison(db, "raw")
    stamp = now()
    batch = []
    used = {"id", "prompt", "baseline_output", "candidate_output"}
    with gzip.open(src, "rb") as f:
        for line in f:
            d = json.loads(line)
            meta = json.dumps({k: v for k, v in d.items() if k not in used}, ensure_ascii=False)
            p, b, c = d["prompt"], d["baseline_output"], d["candidate_output"]
            batch.append((cid, d["id"], p, "text", b, c, meta, content_hash(p, b, c),
                          stamp, stamp))
            if len(batch) >= BATCH:
                t = time.perf_counter()
                conn.executemany(INSERT_PAIR, batch)
                in_sqlite += time.perf_counter() - t
                batch = []
    t = time.perf_counter()
    conn.executemany(INSERT_PAIR, batch)
    conn.commit()
    in_sqlite += time.perf_counter() - t
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed, in_sqlite


def swapview_load(src: Path, db_path: Path) -> tuple[float, int]:
    db = open_db(db_path)
    start = time.perf_counter()
    report = load_files(db, [src])
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed, report.loaded


def _drop(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate the two loaders this many times; report the best")
    parser.add_argument("--work", type=Path, help="folder for the input (reused) and the dbs")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="swapview-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"recombined_{args.rows}.jsonl.gz"
    if not src.exists():
        t = time.perf_counter()
        build_input(args.rows, src)
        print(f"built {src} in {time.perf_counter() - t:.0f} s")
    size = src.stat().st_size
    print(f"input: {args.rows:,} pairs recombined from rows of {SCALE.name}"
          f" ({size / 1e6:.0f} MB gzip)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python"
          f" {platform.python_version()}")

    raw_db, sv_db = work / "raw.db", work / "swapview.db"
    raw_runs, sv_runs = [], []
    for _ in range(args.repeat):  # alternating, so a busy neighbour hurts both alike
        raw_runs.append(raw_load(src, raw_db))
        db_mb = raw_db.stat().st_size / 1e6
        _drop(raw_db)
        sv_s, loaded = swapview_load(src, sv_db)
        _drop(sv_db)
        assert loaded == args.rows, loaded
        sv_runs.append(sv_s)
    raw_s, raw_sql = min(raw_runs)
    sv_s = min(sv_runs)

    if args.repeat > 1:
        print(f"best of {args.repeat} alternating runs")
    print("\n| loader | seconds | pairs/s |\n|---|---:|---:|")
    print(f"| raw json.loads + executemany | {raw_s:.1f} | {args.rows / raw_s:,.0f} |")
    print(f"| (of which inside executemany) | {raw_sql:.1f} | |")
    print(f"| swapview load | {sv_s:.1f} | {args.rows / sv_s:,.0f} |")
    print(f"\nratio swapview / raw: {sv_s / raw_s:.2f}x (goal: at most 1.5x); db {db_mb:,.0f} MB")
    if not args.work:
        src.unlink()
        work.rmdir()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
