"""What the review app's triage keys cost, off the UI thread, on a big comparison.

Builds (once) a database of N pairs with bench/bigdb.py (real texts, synthetic pairings),
then times what the app's workers and writer thread run: the first refit (computes and
caches every pair's features), grouping alike changes (the first `c`), the estimate of
regressions left (after every tag), the sample suggestion and its queue page (`S`),
"more like this" (`m`), and a group write with its undo and redo (one transaction each).

    python bench/triage_app.py [--db /tmp/sv-triage-app/20k.db] [--pairs 20000]
"""

from __future__ import annotations

import argparse
import queue as stdqueue
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from bigdb import build  # noqa: E402
from swapview import queue, reviews  # noqa: E402
from swapview.session import ReviewSession  # noqa: E402
from swapview.store import connect, open_db  # noqa: E402
from swapview.triage.clusters import build_clusters, more_like_this, tag_cluster  # noqa: E402
from swapview.triage.estimate import UNREVIEWED  # noqa: E402
from swapview.triage.ranking import Ranker  # noqa: E402
from swapview.triage.sampling import (  # noqa: E402
    band_statuses,
    estimate_remaining,
    suggest_sample,
)

ROWS: list[tuple[str, float]] = []


def timed(label: str, fn, repeat: int = 1):
    start = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    ROWS.append((label, (time.perf_counter() - start) / repeat * 1000))
    return out


def group_write(path: Path, label: str, write) -> None:
    outcomes: stdqueue.Queue = stdqueue.Queue()
    session = ReviewSession(path, "bench", outcomes.put)
    try:
        for step, call in [
            ("", lambda: session.group("tag_cluster", write)),
            (" undo", session.undo),
            (" redo", session.redo),
        ]:

            def run(call=call) -> None:
                call()
                session.wait_idle(600)
                assert outcomes.get().error is None

            timed(f"{label}{step}", run)
    finally:
        session.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/sv-triage-app/20k.db")
    ap.add_argument("--pairs", type=int, default=20_000)
    args = ap.parse_args()
    path = Path(args.db)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path, args.pairs)
    db = open_db(path)
    cid = db.execute("SELECT id FROM comparisons ORDER BY id").fetchone()[0]
    ranker = Ranker(open_db(path), cid)
    timed("first refit (computes features unless cached)", ranker.refit)
    timed("refit after a tag", ranker.refit, 3)
    timed("group alike changes (first c)", lambda: build_clusters(db, cid))
    timed("estimate, first (assigns bands)", lambda: estimate_remaining(db, cid))
    timed("estimate (after each tag)", lambda: estimate_remaining(db, cid), 5)
    suggestion = timed("suggest a sample (S)", lambda: suggest_sample(db, cid))
    pairs, status = band_statuses(db, cid)[suggestion.band]
    ids = tuple(pairs[status == UNREVIEWED][:50].tolist())
    conn = connect(path)
    spec = queue.QueueSpec(order="sample", comparison_id=cid, ids=ids, label="sample")
    timed(
        "sample queue: count + first page",
        lambda: queue.page_at(conn, spec, 0, 100, queue.shape(conn, spec)),
        5,
    )
    member = db.execute("SELECT pair_id FROM triage_cluster_members LIMIT 1").fetchone()[0]
    timed("more like this (m), 50 pairs", lambda: more_like_this(db, member, limit=50), 3)
    biggest, size = db.execute(
        "SELECT id, size FROM triage_clusters ORDER BY size DESC LIMIT 1"
    ).fetchone()
    db.close()
    group_write(
        path,
        f"tag the biggest cluster ({size} pairs)",
        lambda d, who: tag_cluster(d, biggest, who, "regression"),
    )
    some = list(range(1, min(10_000, args.pairs) + 1))
    group_write(
        path,
        f"group write of {len(some):,} pairs",
        lambda d, who: [reviews.record(d, p, who, tag="neutral") for p in some],
    )
    width = max(len(label) for label, _ in ROWS)
    print(f"{'step':<{width}}  ms")
    for label, ms in ROWS:
        print(f"{label:<{width}}  {ms:,.1f}")


if __name__ == "__main__":
    main()
