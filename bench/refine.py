"""Refinement on real migrations: how soon the head of the queue agrees with all-MiniLM.

Per realdata pair file (805 pairs by default): the all-MiniLM truth comes from a
database kept under /work/scratch/refine/truth (the file scored static and refined in
full; built by the first run, which then goes to the end). Each timed run loads the file
into a fresh SQLite file (no embedding cache carried over: every text goes through the
model once, as on a first run), scores it with the static default, then refines step by
step, recording after each step the wall seconds, the CPU seconds of this process (the
model's threads included) and the queue's first rows as the review app reads them, and
stops past --cpu CPU-s. Agreement is the share of the first K rows that are among the
truth's first K. CPU-s are the figure to read on a loaded machine: "2 minutes on 2
cores" is 240 CPU-s. The stop rule is checked against the same truth: when the status
said "first k settled", how many of the first k were final.

    PYTHONPATH=src python bench/refine.py [--files N] [--first N] [--cpu 300] [--size 805]
    PYTHONPATH=OLD/src python bench/refine.py --label before   # an older checkout's code
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
from swapview.scoring.refine import refine, refine_progress, refine_step
from swapview.scoring.runner import score_comparison
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, open_db

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SCRATCH = Path(os.environ.get("SWAPVIEW_REFINE_SCRATCH", "/work/scratch/refine"))
HEADS = (100, 200)
GOALS = (0.95, 0.90)
# 240 CPU-s: "2 minutes on 2 cores" on a quiet machine.
CPU_CHECKPOINTS = (0, 60, 120, 180, 240, 300)


def realdata_files(size: int | None = 805) -> list[Path]:
    """The realdata pair files of ``size`` pairs (None: every file)."""
    out = []
    for path in sorted((REALDATA / "pairs").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            if size is None or sum(1 for _ in fh) == size:
                out.append(path)
    return out


def truth_path(path: Path) -> Path:
    return SCRATCH / "truth" / (path.name.removesuffix(".jsonl.gz") + ".db")


def truth_db(path: Path, static, minilm) -> Path:
    """The file scored and refined in full, kept under SCRATCH: its embeddings table is
    the all-MiniLM truth and a MiniLM cache, so experiments never re-embed."""
    out = truth_path(path)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = open_db(partial)
    load_file(db, path)
    score_comparison(db, "m", static)
    refine(db, "m", minilm)
    db.close()
    partial.rename(out)
    return out


def truth_order(path: Path, static, minilm) -> list[str]:
    """Pair keys in the all-MiniLM order (pair ids differ between databases)."""
    db = open_db(truth_db(path, static, minilm))
    keys = dict(db.execute("SELECT id, key FROM pairs").fetchall())
    order = [keys[i] for i in heads(db, 10**9)]
    db.close()
    return order


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


def heads(db, k: int = 800) -> list[int]:  # 400: the largest settled head checked below
    cid = db.execute("SELECT id FROM comparisons WHERE name = 'm'").fetchone()[0]
    rows = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, k)
    return [r.pair_id for r in rows]


def run_file(
    path: Path,
    static,
    minilm,
    batch: int,
    policy: str,
    truth: list[str] | None,
    cpu_limit: float,
    keep: Path | None = None,
) -> dict:
    """One timed refinement of a fresh copy of the file (no embedding cache carried over):
    after each step, wall and CPU seconds of this process (MiniLM's threads included).
    With no truth yet, the run goes to the end, its final order is the truth, and the
    database is kept at ``keep`` (the truth database, a cache for later runs)."""
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        db_file = Path(tmp) / "bench.db"
        db = open_db(db_file)
        load_file(db, path)
        score_comparison(db, "m", static)
        keys = dict(db.execute("SELECT id, key FROM pairs").fetchall())
        first = refine_progress(db, "m", minilm.name)
        trace = [(0.0, 0.0, [keys[i] for i in heads(db)], first)]
        wall, cpu = time.perf_counter(), time.process_time()
        load = [os.getloadavg()[0]]
        while True:
            step = refine_step(db, "m", minilm, batch=batch, total=first.total)
            t, c = time.perf_counter() - wall, time.process_time() - cpu
            trace.append((t, c, [keys[i] for i in heads(db)], step.progress))
            load.append(os.getloadavg()[0])
            if step.progress.done or not step.refined or (truth is not None and c > cpu_limit):
                break
        if truth is None:
            truth = [keys[i] for i in heads(db, 10**9)]
        db.close()
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            db_file.rename(keep)
    return {"file": path.name, "policy": policy, "trace": trace, "truth": truth, "load": load}


def agreement(order: list, truth: list, k: int) -> float:
    return len(set(order[:k]) & set(truth[:k])) / k


def at(result: dict, column: int, budget: float) -> tuple:
    """The last state reached within ``budget`` wall (column 0) or CPU (1) seconds."""
    last = result["trace"][0]
    for entry in result["trace"]:
        if entry[column] <= budget:
            last = entry
    return last


def report(results: list[dict]) -> None:
    print(
        "\n| file | policy | CPU-s budget | wall s | CPU-s | refined | first 100 | first 200"
        " | status |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        name = r["file"].removesuffix(".jsonl.gz")
        for budget in CPU_CHECKPOINTS:
            t, c, order, state = at(r, 1, budget)
            a100, a200 = (agreement(order, r["truth"], k) for k in HEADS)
            print(
                f"| {name} | {r['policy']} | {budget} | {t:.0f} | {c:.0f} | {state.refined} |"
                f" {a100:.2f} | {a200:.2f} | head {state.head}, settled {state.settled} |"
            )
    print(
        "\n| file | policy | refined to 0.95 @100 | CPU-s | refined to 0.90 @200 | CPU-s |"
        " load during run |"
    )
    print("|---|---|---:|---:|---:|---:|---|")
    for r in results:
        name = r["file"].removesuffix(".jsonl.gz")
        cells = []
        for k, goal in zip(HEADS, GOALS, strict=True):
            entry = reached(r, k, goal)
            cells += [str(entry[3].refined), f"{entry[1]:.0f}"]
        lo, hi = min(r["load"]), max(r["load"])
        print(f"| {name} | {r['policy']} | {' | '.join(cells)} | {lo:.1f} to {hi:.1f} |")
    print("\nStop rule: agreement of the first k rows when the status first said k settled")
    print("| file | policy | k | refined then | agreement of the first k |")
    print("|---|---|---:|---:|---:|")
    for r in results:
        seen: set[int] = set()
        for _, _, order, state in r["trace"]:
            for k in (25, 50, 100, 200, 400):
                if k not in seen and state.settled >= k and not state.done:
                    seen.add(k)
                    a = agreement(order, r["truth"], k)
                    name = r["file"].removesuffix(".jsonl.gz")
                    print(f"| {name} | {r['policy']} | {k} | {state.refined} | {a:.2f} |")


def reached(result: dict, k: int, goal: float) -> tuple:
    """The first state from which the first k agree at ``goal`` or more to the end."""
    last = result["trace"][-1]
    for entry in reversed(result["trace"]):
        if agreement(entry[2], result["truth"], k) < goal:
            break
        last = entry
    return last


def scale(n: int, steps: int = 20) -> None:
    import random

    static = load_static_embedder()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
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


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--first", type=int, default=0, help="skip this many files")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--scale", type=int, default=0)
    parser.add_argument("--truth", action="store_true", help="build every file's truth")
    parser.add_argument(
        "--label", default="shipped", help="names the code measured (a run of an older checkout)"
    )
    parser.add_argument("--cpu", type=float, default=300, help="stop a run after CPU-s")
    parser.add_argument("--size", type=int, default=805, help="files of this many pairs")
    args = parser.parse_args()
    os.environ.setdefault("SWAPVIEW_CACHE", str(ROOT / ".cache" / "models"))
    if args.scale:
        scale(args.scale)
        return
    if args.truth:
        static, minilm = load_static_embedder(), MiniLMEmbedder(threads=args.threads)
        for path in realdata_files(None):
            cpu = time.process_time()
            print(path.name, truth_db(path, static, minilm), file=sys.stderr)
            print(f"  {time.process_time() - cpu:.0f} CPU-s, {_load()}", file=sys.stderr)
        return
    static = load_static_embedder()
    minilm = MiniLMEmbedder(threads=args.threads)
    print(f"{_load()}, MiniLM threads {args.threads}", file=sys.stderr)
    # Each file's tables as soon as it is done: on a busy machine a file takes minutes.
    for path in realdata_files(args.size)[args.first : args.first + args.files]:
        results = []
        truth = truth_order(path, static, minilm) if truth_path(path).exists() else None
        if truth is None:  # no truth yet: this run goes to the end, and gives it
            keep = truth_path(path)
            results.append(run_file(path, static, minilm, args.batch, args.label, None, 0, keep))
        else:
            results.append(run_file(path, static, minilm, args.batch, args.label, truth, args.cpu))
        print(f"{path.name} {args.label}: {_load()}", file=sys.stderr)
        report(results)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
