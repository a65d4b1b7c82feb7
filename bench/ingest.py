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
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from swapview.ingest import load_files
from swapview.store import INSERT_PAIR, content_hash, ensure_comparison, now, open_db

ROOT = Path(__file__).resolve().parent.parent
SCALE = (
    ROOT.parent
    / "shared"
    / "realdata"
    / "scale"
    / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
)
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
            out.write(
                json.dumps(
                    {
                        "id": f"bench-{i:07d}",
                        "prompt": a["prompt"],
                        "baseline_model": a["baseline_model"],
                        "candidate_model": b["candidate_model"],
                        "baseline_output": a["baseline_output"],
                        "candidate_output": cand,
                        "preference": a.get("preference"),
                        "source_subset": a.get("source_subset"),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


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
            batch.append((cid, d["id"], p, "text", b, c, meta, content_hash(p, b, c), stamp, stamp))
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


def run_phase(phase: str, src: Path, db_path: Path) -> dict:
    """One loader in a fresh process, so its peak memory is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--src", str(src), "--db", str(db_path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    result = json.loads(out.stdout)
    result["db_mb"] = db_path.stat().st_size / 1e6
    _drop(db_path)
    return result


def phase_main(phase: str, src: Path, db_path: Path) -> None:
    if phase == "raw":
        seconds, in_sqlite = raw_load(src, db_path)
        result = {"seconds": seconds, "in_sqlite": in_sqlite}
    else:
        seconds, loaded = swapview_load(src, db_path)
        result = {"seconds": seconds, "loaded": loaded}
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="alternate the two loaders this many times; report the best",
    )
    parser.add_argument("--work", type=Path, help="folder for the input (reused) and the dbs")
    parser.add_argument("--phase", choices=["raw", "swapview"], help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase_main(args.phase, args.src, args.db)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="swapview-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"recombined_{args.rows}.jsonl.gz"
    if not src.exists():
        t = time.perf_counter()
        build_input(args.rows, src)
        print(f"built {src} in {time.perf_counter() - t:.0f} s", flush=True)
    size = src.stat().st_size
    print(
        f"input: {args.rows:,} pairs recombined from rows of {SCALE.name}"
        f" ({size / 1e6:,.0f} MB gzip)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python"
        f" {platform.python_version()}",
        flush=True,
    )

    raw_runs, sv_runs = [], []
    for _ in range(args.repeat):  # alternating, so a busy neighbour hurts both alike
        raw_runs.append(run_phase("raw", src, work / "raw.db"))
        sv_runs.append(run_phase("swapview", src, work / "swapview.db"))
        assert sv_runs[-1]["loaded"] == args.rows, sv_runs[-1]
    raw = min(raw_runs, key=lambda r: r["seconds"])
    sv = min(sv_runs, key=lambda r: r["seconds"])
    if args.repeat > 1:
        print(f"best of {args.repeat} alternating runs")
    print("\n| loader | seconds | pairs/s | peak RSS MB |\n|---|---:|---:|---:|")
    print(
        f"| raw json.loads + executemany | {raw['seconds']:.1f} |"
        f" {args.rows / raw['seconds']:,.0f} | {raw['max_rss_mb']:.0f} |"
    )
    print(f"| (of which inside executemany + commit) | {raw['in_sqlite']:.1f} | | |")
    print(
        f"| swapview load | {sv['seconds']:.1f} | {args.rows / sv['seconds']:,.0f} |"
        f" {sv['max_rss_mb']:.0f} |"
    )
    print(
        f"\nratio swapview / raw: {sv['seconds'] / raw['seconds']:.2f}x (goal: at most 1.5x);"
        f" database {raw['db_mb']:,.0f} MB"
    )
    if not args.work:
        src.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
