"""Refinement on real migrations: how soon the head of the queue agrees with all-MiniLM.

Per realdata/pairs file of 805 pairs: load it into a fresh SQLite file, score it with the
static default, then refine every pair with MiniLM (no embedding cache carried over: each
text goes through the model once, as on a first run), timing each step. After each step
the queue's first 100 and 200 rows are read as the review app would read them. Once
everything is refined, the queue is the all-MiniLM order, so the same run gives the
truth: agreement at time t is the share of the first K rows at t that are among the
first K of the final order. The stop rule is checked against the same truth: when the
status said "first k settled", how many of the first k were already final.

    PYTHONPATH=src python bench/refine.py [--files N] [--threads N] [--batch N]
    PYTHONPATH=src python bench/refine.py --scale 1000000   # step overhead at 1M pairs

--scale N measures what refinement's bookkeeping costs per step at N pairs: a synthetic
comparison (short texts, static distances from a seeded generator, stored as another
model's so the static model can play the accurate one and embed fast); the time per
step beyond embedding, and the progress query the status line runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from swapview import queue
from swapview.scoring.embeddings.distill import load_static_embedder
from swapview.scoring.embeddings.minilm import MiniLMEmbedder
from swapview.scoring.refine import refine_progress, refine_step
from swapview.scoring.runner import score_comparison
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, open_db

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
HEADS = (100, 200)
CHECKPOINTS = (0, 30, 60, 90, 120, 180)


def files_805() -> list[Path]:
    out = []
    for path in sorted((REALDATA / "pairs").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            if sum(1 for _ in fh) == 805:
                out.append(path)
    return out


def load_file(db, path: Path) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    records = [
        PairRecord(str(r["id"]), r["prompt"], r["baseline_output"], r["candidate_output"], {})
        for r in rows
    ]
    cid = ensure_comparison(db, "m", baseline_model="old", candidate_model="new")
    PairWriter(db, cid, LoadReport()).write(records)
    db.conn.commit()


def heads(db, k: int = 400) -> list[int]:  # 400: the largest settled head checked below
    cid = db.execute("SELECT id FROM comparisons WHERE name = 'm'").fetchone()[0]
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, k)
    return [r.pair_id for r in rows]


def run_file(path: Path, static, minilm, batch: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        load_file(db, path)
        score_comparison(db, "m", static)
        trace = [(0.0, 0, heads(db), refine_progress(db, "m", minilm.name))]
        started = time.perf_counter()
        texts = 0
        while True:
            step = refine_step(db, "m", minilm, batch=batch, total=trace[0][3].total)
            texts += step.embedded
            trace.append((time.perf_counter() - started, step.refined, heads(db), step.progress))
            if step.progress.done or not step.refined:
                break
        seconds = time.perf_counter() - started
        truth = heads(db, 10**9)
        db.close()
    return {"file": path.name, "trace": trace, "truth": truth, "seconds": seconds, "texts": texts}


def agreement(order: list[int], truth: list[int], k: int) -> float:
    return len(set(order[:k]) & set(truth[:k])) / k


def at_time(result: dict, t: float) -> tuple:
    """The last state reached by time t."""
    last = result["trace"][0]
    for entry in result["trace"]:
        if entry[0] <= t:
            last = entry
    return last


def report(results: list[dict]) -> None:
    print("\n| file | seconds | refined | first 100 | first 200 | status |")
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        for t in CHECKPOINTS:
            _, _, order, state = at_time(r, t)
            a100, a200 = (agreement(order, r["truth"], k) for k in HEADS)
            print(
                f"| {r['file'].removesuffix('.jsonl.gz')} | {t} | {state.refined} |"
                f" {a100:.2f} | {a200:.2f} | head {state.head}, settled {state.settled} |"
            )
    print("\n| file | refined | first 100 | first 200 | status |")
    print("|---|---:|---:|---:|---|")
    for r in results:
        for n in (0, 100, 200, 300, 400, 500, 600, 700):
            entry = next((e for e in r["trace"] if e[3].refined >= n), r["trace"][-1])
            _, _, order, state = entry
            a100, a200 = (agreement(order, r["truth"], k) for k in HEADS)
            print(
                f"| {r['file'].removesuffix('.jsonl.gz')} | {state.refined} |"
                f" {a100:.2f} | {a200:.2f} | head {state.head}, settled {state.settled} |"
            )
    print("\n| file | total seconds | texts embedded | texts/s |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['file'].removesuffix('.jsonl.gz')} | {r['seconds']:.0f} | {r['texts']} |"
            f" {r['texts'] / r['seconds']:.1f} |"
        )
    print("\nStop rule: agreement of the first k rows when the status first said k settled")
    print("| file | k | refined then | seconds | agreement of the first k |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        seen: set[int] = set()
        for t, _, order, state in r["trace"]:
            for k in (25, 50, 100, 200, 400):
                if k not in seen and state.settled >= k and not state.done:
                    seen.add(k)
                    a = agreement(order, r["truth"], k)
                    name = r["file"].removesuffix(".jsonl.gz")
                    print(f"| {name} | {k} | {state.refined} | {t:.0f} | {a:.2f} |")


def scale(n: int, steps: int = 20) -> None:
    import random

    static = load_static_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "scale.db")
        started = time.perf_counter()
        cid = ensure_comparison(db, "m", baseline_model="old", candidate_model="new")
        rng = random.Random(0)
        db.conn.executemany(
            "INSERT INTO pairs (id, comparison_id, key, prompt, baseline_output,"
            " candidate_output, metadata, content_hash, created, updated) VALUES"
            " (?, ?, ?, 'p', ?, ?, '{}', 'h', 'now', 'now')",
            (
                (i, cid, f"k{i}", f"old answer {i % 997}", f"new answer {i % 991}")
                for i in range(1, n + 1)
            ),
        )
        db.conn.executemany(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " semantic_distance, signal_count, scored)"
            " VALUES (?, 'h', '2', 'synthetic', ?, 0, 'now')",
            ((i, rng.random() * 0.6) for i in range(1, n + 1)),
        )
        db.conn.commit()
        print(f"built {n:,} pairs in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        step_s, progress_s = [], []
        total = refine_progress(db, "m", static.name).total
        refine_step(db, "m", static, total=total)  # the calibration sample: once
        for _ in range(steps):
            t = time.perf_counter()
            result = refine_step(db, "m", static, batch=32, total=total)
            step_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            refine_progress(db, "m", static.name, total=total)
            progress_s.append(time.perf_counter() - t)
        cid_ = db.execute("SELECT id FROM comparisons WHERE name = 'm'").fetchone()[0]
        t = time.perf_counter()
        queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid_), None, 50)
        page_ms = (time.perf_counter() - t) * 1000
        db.close()
    print(
        "\n| pairs | refined | step (32 pairs, static as the accurate model)"
        " | progress query | first page |"
    )
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {n:,} | {result.progress.refined:,} | {np.median(step_s):.2f} s median,"
        f" {max(step_s):.2f} s max | {np.median(progress_s) * 1000:.0f} ms |"
        f" {page_ms:.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--first", type=int, default=0, help="skip this many files")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--scale", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("SWAPVIEW_CACHE", str(ROOT / ".cache" / "models"))
    if args.scale:
        scale(args.scale)
        return
    static = load_static_embedder()
    minilm = MiniLMEmbedder(threads=args.threads)
    print(f"load average {os.getloadavg()[0]:.1f}, MiniLM threads {args.threads}", file=sys.stderr)
    # Each file's tables as soon as it is done: on a busy machine a file takes minutes.
    for path in files_805()[args.first : args.first + args.files]:
        result = run_file(path, static, minilm, args.batch)
        print(f"{path.name}: load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
        report([result])
        sys.stdout.flush()


if __name__ == "__main__":
    main()
