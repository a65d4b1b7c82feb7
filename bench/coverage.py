"""`swapview coverage`: cluster purity, blind-spot ranking, and time at scale.

1. Purity: the 805 AlpacaEval prompts (static embedder) clustered, each cluster's
   majority ``source_subset`` against the truth; baseline in the same run: the same
   cluster sizes with the prompts shuffled among them (what chance gives).
2. Blind spots: suites of 40 prompts drawn (8 seeds) from some subsets only; per seed,
   the mean coverage shortfall (1 - min(1, cases/expected) of a prompt's cluster) of the
   left-out subsets against the suite's, and the left-out share of the top 3 blind spots
   against their share of all traffic.
3. Time: N pairs (100,000 and 1,000,000) with distinct prompts made by recombining real
   AlpacaEval prompts two at a time ("A\\n\\nB", numbered past 805^2); their vectors are
   written to the embedding cache first (``--vectors synthetic``: a mixture of 40 groups in
   the static model's 384 dimensions, no model run; ``static``: the real static model,
   slow at 1M), so the timed runs have every embedding cached. Timed, per phase of
   ``build_coverage``: reading the prompts and their cached vectors, clustering, and
   ranking (change, regressions, coverage, labels); the baseline, in the same run: plain
   full-data Lloyd k-means on the same vectors (no sample fit), capped at 20 passes.

    PYTHONPATH=src python bench/coverage.py [--sizes 100000,1000000] [--vectors synthetic]
        [--dir FOLDER]   # keep the scale databases (1M: about 2.6 GB) and reuse them
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from swapview.coverage import blind_spots, build_coverage
from swapview.coverage.data import load_prompts
from swapview.coverage.evalcases import EvalCase
from swapview.coverage.kmeans import assign, default_k
from swapview.coverage.texts import input_text
from swapview.scoring.embeddings import make_embedder
from swapview.scoring.embeddings.cache import EmbeddingCache
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    text_hash,
    write_transaction,
)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
ALPACA = REALDATA / "pairs" / "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview.jsonl.gz"
CHAT = ("helpful_base", "koala", "oasst", "vicuna")


def rows() -> list[dict]:
    with gzip.open(ALPACA, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def load(db, name: str, records) -> dict:
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        PairWriter(db, cid, LoadReport(comparison=name)).write(records)
    return db["comparisons"].get(cid)


def realdata_db(folder: Path, data: list[dict]):
    db = open_db(folder / "alpaca.db")
    recs = [
        PairRecord(str(r["id"]), r["prompt"], r["baseline_output"], r["candidate_output"])
        for r in data
    ]
    return db, load(db, "alpaca", recs)


def purity(folder: Path, data: list[dict], embedder) -> None:
    db, comp = realdata_db(folder, data)
    subset = {str(r["id"]): r["source_subset"] for r in data}
    keys = dict(db.execute("SELECT id, key FROM pairs").fetchall())
    print("## Cluster purity against source_subset (805 AlpacaEval prompts)\n")
    print("| clusters | purity | shuffled baseline | ratio |")
    print("|---|---|---|---|")
    for k in (5, 10, default_k(len(data))):
        cov = build_coverage(db, comp, [], embedder, clusters=k)
        truth = np.array([subset[keys[int(p)]] for p in cov.prompts.pair_ids])
        ours = _purity(cov.pair_cluster, truth)
        rng = np.random.default_rng(0)
        chance = np.mean([_purity(rng.permutation(cov.pair_cluster), truth) for _ in range(20)])
        print(f"| {k} | {ours:.2f} | {chance:.2f} | {ours / chance:.2f}x |")
    print()


def _purity(labels: np.ndarray, truth: np.ndarray) -> float:
    return sum(Counter(truth[labels == c]).most_common(1)[0][1] for c in np.unique(labels)) / len(
        truth
    )


def ranking(folder: Path, data: list[dict], embedder, seeds: int = 8) -> None:
    db, comp = realdata_db(folder, data)
    subset = {str(r["id"]): r["source_subset"] for r in data}
    keys = dict(db.execute("SELECT id, key FROM pairs").fetchall())
    print("## Blind spots: suites of 40 prompts from some subsets only\n")
    print("| suite from | seed | shortfall left out | shortfall in suite | top-3 left-out share"
          " | left-out share of traffic |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for suite, left_out in ((CHAT, ("selfinstruct",)), (("selfinstruct",), CHAT)):
        pool = [r for r in data if r["source_subset"] in suite]
        for seed in range(seeds):
            picks = np.random.default_rng(seed).choice(len(pool), 40, replace=False)
            cases = [EvalCase("suite", int(i), pool[i]["prompt"]) for i in sorted(picks)]
            cov = build_coverage(db, comp, cases, embedder)
            short = {c.id: 1 - min(1.0, c.coverage_ratio) for c in cov.report.clusters}
            truth = np.array([subset[keys[int(p)]] for p in cov.prompts.pair_ids])
            out = np.isin(truth, left_out)
            value = np.array([short[c] for c in cov.pair_cluster.tolist()])
            top = np.isin(cov.pair_cluster, [s.cluster.id for s in blind_spots(cov)[:3]])
            print(
                f"| {'+'.join(suite)} | {seed} | {value[out].mean():.2f} |"
                f" {value[~out].mean():.2f} | {out[top].mean():.2f} | {out.mean():.2f} |"
            )
    print()


def recombined(prompts: list[str], n: int):
    m = len(prompts)
    for i in range(n):
        a, b, c = prompts[i % m], prompts[(i // m) % m], i // (m * m)
        yield f"{a}\n\n{b}" + (f"\n\n(variant {c})" if c else "")


def scale_db(folder: Path, n: int, prompts: list[str], embedder, vectors: str):
    path = folder / f"scale{n}-{vectors}.db"
    if path.exists():  # built by an earlier run with --dir: only the timings are redone
        db = open_db(path)
        return db, db["comparisons"].get(1)
    db = open_db(path)
    texts = enumerate(recombined(prompts, n))
    recs = (PairRecord(f"k{i}", p, "old answer", "new answer") for i, p in texts)
    t = time.perf_counter()
    comp = load(db, "scale", recs)
    print(f"  loaded {n:,} pairs in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    if vectors == "synthetic":
        _synthetic_cache(db, embedder, prompts, n)
    else:
        load_prompts(db, comp["id"], embedder)
    print(f"  {vectors} vectors cached in {time.perf_counter() - t:.0f} s", flush=True)
    return db, comp


def _synthetic_cache(db, embedder, prompts: list[str], n: int, groups: int = 40) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(groups, embedder.dim)).astype(np.float32)
    cache = EmbeddingCache(db, embedder.name)
    texts = recombined(prompts, n)
    done = 0
    while done < n:
        batch = [next(texts) for _ in range(min(50_000, n - done))]
        X = centres[rng.integers(0, groups, len(batch))] + rng.normal(
            scale=0.7, size=(len(batch), embedder.dim)
        ).astype(np.float32)
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        with write_transaction(db):
            cache.put_many((text_hash(input_text(t)), v) for t, v in zip(batch, X, strict=True))
        done += len(batch)


def lloyd_baseline(X: np.ndarray, w: np.ndarray, k: int, passes: int = 20) -> None:
    """Plain Lloyd on every point from a random start: the method without a sample fit."""
    rng = np.random.default_rng(0)
    C = X[rng.choice(len(X), k, replace=False)].copy()
    for _ in range(passes):
        labels, _ = assign(X, C)
        mass = np.bincount(labels, weights=w, minlength=k)
        for c in np.flatnonzero(mass):
            C[c] = (X[labels == c] * w[labels == c, None]).sum(axis=0) / mass[c]


def timing(folder: Path, sizes: list[int], data: list[dict], embedder, vectors: str) -> None:
    prompts = sorted({r["prompt"] for r in data})
    results = []
    for n in sizes:
        print(f"### {n:,} prompts", flush=True)
        db, comp = scale_db(folder, n, prompts, embedder, vectors)
        cases = [EvalCase("suite", i, t) for i, t in enumerate(recombined(prompts, 200))]
        cov = build_coverage(db, comp, cases, embedder)
        t = time.perf_counter()
        lloyd_baseline(cov.prompts.vectors, cov.prompts.weights, len(cov.report.clusters))
        naive = time.perf_counter() - t
        laps = cov.timings
        row = (n, laps["read"], laps["cluster"], laps["rank"], naive, len(cov.report.clusters))
        print(f"  {row}", flush=True)
        results.append(row)
        db.close()
    print("\n## Time with every embedding cached\n")
    print("| prompts | read prompts + cached vectors | cluster | rank + label"
          " | cluster + rank | baseline: full Lloyd, 20 passes | baseline / cluster |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for n, read, cluster, rank, naive, k in results:
        print(
            f"| {n:,} ({k} clusters) | {read:.1f} s | {cluster:.1f} s | {rank:.1f} s |"
            f" {cluster + rank:.1f} s | {naive:.1f} s | {naive / max(cluster, 1e-9):.1f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--vectors", choices=("synthetic", "static"), default="synthetic")
    parser.add_argument("--skip-realdata", action="store_true")
    parser.add_argument("--dir", help="Keep the scale databases here and reuse them.")
    args = parser.parse_args()
    embedder = make_embedder("static")
    data = rows()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.dir or tmp)
        if not args.skip_realdata:
            for sub in ("purity", "ranking"):
                (folder / sub).mkdir(exist_ok=True)
                (folder / sub / "alpaca.db").unlink(missing_ok=True)
            purity(folder / "purity", data, embedder)
            ranking(folder / "ranking", data, embedder)
        sizes = [int(s) for s in args.sizes.split(",") if s]
        if sizes:
            timing(folder, sizes, data, embedder, args.vectors)


if __name__ == "__main__":
    main()
