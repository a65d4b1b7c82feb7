"""How many static-ordered pairs hold 90% of MiniLM's first K, as K becomes a smaller share
of the comparison: what the 1M goal of issue 19 (the first 1,000 of 1,000,000) needs.

Reads the all-MiniLM truths ``bench/refine.py`` keeps under /work/scratch/refine/truth
(every pair scored static and refined by MiniLM). Refined pairs sort by their accurate
distance, so the share of the static order that holds 90% of the true first K bounds how
many pairs refinement must reach before the first K agree at 0.9.

    PYTHONPATH=src python bench/refine_head_share.py [TRUTH_DIR]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import numpy as np

TRUTH = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/scratch/refine/truth")
SHARES = (0.0125, 0.03, 0.06, 0.125, 0.25)
RECALL = 0.9


def needed_share(static: np.ndarray, accurate: np.ndarray, share: float) -> tuple[int, float]:
    """(K, share of the static order that holds RECALL of the accurate first K)."""
    n = len(static)
    k = max(3, round(share * n))
    position = np.empty(n, int)
    position[np.argsort(-static, kind="stable")] = np.arange(n)
    ranks = np.sort(position[np.argsort(-accurate, kind="stable")[:k]])
    return k, (ranks[int(np.ceil(RECALL * k)) - 1] + 1) / n


def main() -> None:
    print("| file | pairs | " + " | ".join(f"first {s:.1%}" for s in SHARES) + " |")
    print("|---|---:|" + "---:|" * len(SHARES))
    for db in sorted(TRUTH.glob("*.db")):
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT semantic_distance, refined_distance FROM scores"
                " WHERE refined_distance IS NOT NULL"
            ).fetchall()
        d = np.array(rows, dtype=float)
        cells = [needed_share(d[:, 0], d[:, 1], s) for s in SHARES]
        print(
            f"| {db.stem} | {len(d)} | "
            + " | ".join(f"{share:.0%} (K={k})" for k, share in cells)
            + " |"
        )


if __name__ == "__main__":
    main()
