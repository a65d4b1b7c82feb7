"""Long answers on real data: what reading three windows changes, and what MiniLM costs.

1. speed: MiniLM texts/s and CPU seconds per text on real outputs, in the same run: the
   session as it was (pool threads spinning, first 256 tokens only), the same work with
   sleeping pool threads, and the windowed model (reads up to three 256-token windows).
   Runs interleaved, median of --reps.
2. long: per realdata/pairs file of 805 pairs, a seeded sample of pairs whose both sides
   pass 256 tokens: Spearman of static vs MiniLM distances, head-only and windowed.
3. heads: real pairs whose first 256 tokens are identical on both sides but whose texts
   differ: the head-only distance is 0 for both models; what the windowed ones say.

    PYTHONPATH=src python bench/windows.py [--only speed,long,heads] [--sample N] [--reps N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from pathlib import Path

import numpy as np

from swapview.scoring.embeddings.base import cosine_distance, is_blank
from swapview.scoring.embeddings.distill import load_static_embedder
from swapview.scoring.embeddings.minilm import MiniLMEmbedder
from swapview.scoring.embeddings.static import StaticEmbedder

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"


def rows_805() -> list[tuple[str, list[dict]]]:
    out = []
    for path in sorted((REALDATA / "pairs").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        if len(rows) == 805:
            out.append((path.name.removesuffix(".jsonl.gz"), rows))
    return out


def distances(embedder, pairs: list[tuple[str, str]]) -> np.ndarray:
    vectors = embedder.embed([t for p in pairs for t in p])
    return np.array(
        [
            cosine_distance(vectors[2 * i], vectors[2 * i + 1], blank_a=False, blank_b=False)
            for i in range(len(pairs))
        ]
    )


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def real_texts() -> list[str]:
    sides = ("baseline_output", "candidate_output")
    return [r[side] for _, rows in rows_805() for r in rows for side in sides]


def static_speed(static, reps: int) -> None:
    texts = [
        t
        for _, rows in rows_805()
        for r in rows
        for t in (r["baseline_output"], r["candidate_output"])
    ]
    texts = [t for t in texts if not is_blank(t)][:4000]
    models = {
        "first 256 tokens": StaticEmbedder(static.vectors, "head", windows=1),
        "three windows": static,
    }
    rates: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(reps):
        for name, model in models.items():
            started = time.perf_counter()
            model.embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    load = os.getloadavg()[0]
    print(f"\nStatic model on {len(texts)} real outputs, median of {reps}, load {load:.1f}")
    print("| static model | texts/s |")
    print("|---|---:|")
    for name in models:
        print(f"| {name} | {np.median(rates[name]):,.0f} |")


def speed(reps: int) -> None:
    texts = [
        t
        for _, rows in rows_805()
        for r in rows
        for t in (r["baseline_output"], r["candidate_output"])
    ]
    texts = [t for t in texts if not is_blank(t)]
    random.Random(2).shuffle(texts)
    texts = texts[:96]
    models = {
        "before: spinning pool, first 256 tokens": MiniLMEmbedder(windows=1, spinning=True),
        "sleeping pool, first 256 tokens": MiniLMEmbedder(windows=1),
        "sleeping pool, three windows (read to the end)": MiniLMEmbedder(),
    }
    wall: dict[str, list[float]] = {k: [] for k in models}
    cpu: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(reps):
        for name, model in models.items():
            w, c = time.perf_counter(), time.process_time()
            for start in range(0, len(texts), 64):  # as refinement calls it: 32 pairs
                model.embed(texts[start : start + 64])
            wall[name].append(len(texts) / (time.perf_counter() - w))
            cpu[name].append((time.process_time() - c) / len(texts))
    base = np.median(wall[next(iter(models))])
    print(f"\nMiniLM on {len(texts)} real outputs, median of {reps}, load {os.getloadavg()[0]:.1f}")
    print("| session | texts/s | vs before | CPU s per text |")
    print("|---|---:|---:|---:|")
    for name in models:
        w = float(np.median(wall[name]))
        print(f"| {name} | {w:.1f} | {w / base:.2f}x | {np.median(cpu[name]):.3f} |")


def long_pairs(static, sample: int) -> None:
    minilm = MiniLMEmbedder()
    head_static = StaticEmbedder(static.vectors, "head", windows=1)
    head_minilm = MiniLMEmbedder(windows=1)
    tok = minilm.tokenizer
    print(f"\nPairs whose both sides pass 256 tokens, {sample} per file (seeded)")
    print("| file | long pairs | Spearman static vs MiniLM, first 256 tokens | three windows |")
    print("|---|---:|---:|---:|")
    for name, rows in rows_805():
        pairs = [
            (r["baseline_output"], r["candidate_output"])
            for r in rows
            if not is_blank(r["baseline_output"])
            and not is_blank(r["candidate_output"])
            and r["baseline_output"] != r["candidate_output"]
            and min(len(tok.encode(t).ids) for t in (r["baseline_output"], r["candidate_output"]))
            > 256
        ]
        n_long = len(pairs)
        pairs = random.Random(3).sample(pairs, min(sample, len(pairs)))
        head = spearman(distances(head_static, pairs), distances(head_minilm, pairs))
        full = spearman(distances(static, pairs), distances(minilm, pairs))
        print(f"| {name} | {n_long} | {head:.2f} | {full:.2f} |")


def same_heads(static) -> None:
    minilm = MiniLMEmbedder()
    tok = minilm.tokenizer
    print("\nReal pairs with identical first 256 tokens and different texts")
    print("| file | pairs | static windowed distance (median, max) | MiniLM windowed |")
    print("|---|---:|---:|---:|")
    for name, rows in rows_805():
        pairs = []
        for r in rows:
            a, b = r["baseline_output"] or "", r["candidate_output"] or ""
            if a == b or is_blank(a) or is_blank(b):
                continue
            ia, ib = tok.encode(a).ids, tok.encode(b).ids
            if ia[1:255] == ib[1:255] and len(ia) > 256:
                pairs.append((a, b))
        if not pairs:
            print(f"| {name} | 0 | | |")
            continue
        ds, dm = distances(static, pairs), distances(minilm, pairs)
        print(
            f"| {name} | {len(pairs)} | {np.median(ds):.3f}, {ds.max():.3f} |"
            f" {np.median(dm):.3f}, {dm.max():.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="speed,long,heads")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SWAPVIEW_CACHE", str(ROOT / ".cache" / "models"))
    only = set(args.only.split(","))
    static = load_static_embedder()
    if "speed" in only:
        static_speed(static, args.reps)
        speed(args.reps)
    if "long" in only:
        long_pairs(static, args.sample)
    if "heads" in only:
        same_heads(static)


if __name__ == "__main__":
    main()
