"""Refinement orders simulated on cached all-MiniLM truths: pairs refined to agreement.

Reads the truth databases ``bench/refine.py --truth`` keeps under /work/scratch/refine
(every pair scored static and refined by MiniLM) and replays refinement offline: each
policy picks the next batch of 32 pairs from what it knows (the features every score
row stores, and the accurate distances of the pairs it refined so far), the queue is
ordered as the review app orders it (refined pairs at their accurate distance on the
static scale, unrefined at their static distance), and agreement of the first K rows
with the all-MiniLM first K is recorded after every batch. Cost is counted in pairs
refined and in texts embedded (a text already embedded for an earlier pair, a blank
side or an identical output costs nothing).

    PYTHONPATH=src python bench/refine_sim.py
"""

from __future__ import annotations

import math
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from refinepick import (  # bench/: the predictor the policies below try
    Features,
    expected_misplaced,
    fit_predictor,
    head_thresholds,
    misplacement_chance,
)
from swapview.scoring.embeddings.windows import WINDOWS
from swapview.scoring.refinefit import (
    NEGLIGIBLE_Z,
    fit_line,
    head_ladder,
    intrusion_chance,
    settled_enough,
)
from swapview.scoring.refinenext import FREE_PER_STEP

TRUTH = Path("/work/scratch/refine/truth")
BATCH = 32
CALIBRATION = 32
GOALS = ((100, 0.95), (200, 0.90))


CHARS_PER_TOKEN = 4.0  # English prose through a WordPiece vocabulary, roughly
WINDOW_TOKENS = 256


def text_cost(chars: np.ndarray) -> np.ndarray:
    """What embedding a text costs the model, in tokens, from its length in characters:
    a text past one window is read as WINDOWS full windows."""
    tokens = np.asarray(chars, dtype=float) / CHARS_PER_TOKEN + 2.0
    return np.where(tokens <= WINDOW_TOKENS, tokens, WINDOWS * WINDOW_TOKENS)


def pick_order(
    predicted: np.ndarray,
    sd: np.ndarray | float,
    shown_rank: np.ndarray,
    known: np.ndarray,
    heads: Sequence[int],
    cost: np.ndarray | None = None,
) -> np.ndarray:
    """Unrefined pairs (indexes into ``predicted``) in the order to refine them: highest
    chance of being misplaced in any of ``heads`` per unit of ``cost`` first (a budget
    of model time buys the most correct rows so), then highest prediction."""
    if predicted.size == 0:
        return np.zeros(0, dtype=int)
    thresholds = head_thresholds(known, predicted, sd, heads)
    chance = np.zeros(predicted.shape[0])
    for k, t in zip(heads, thresholds, strict=True):
        chance = np.maximum(chance, misplacement_chance(predicted, sd, shown_rank, k, t))
    # Below this, the chance is noise (z beyond NEGLIGIBLE_Z): order those by prediction.
    floor = 0.5 * math.erfc(NEGLIGIBLE_Z / math.sqrt(2.0)) + 2e-7  # the erfc's error too
    chance = np.where(chance > floor, chance, 0.0)
    if cost is not None:
        chance = chance / np.maximum(np.asarray(cost, dtype=float), 1.0)
    return np.lexsort((-predicted, -chance))


@dataclass
class Data:
    name: str
    ids: np.ndarray
    static: np.ndarray
    accurate: np.ndarray
    features: Features
    texts: list[tuple[str | None, str | None]]  # hashes, None for a blank side
    chars: dict[str, int]  # by hash


def load(path: Path) -> Data:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT s.pair_id, s.semantic_distance, s.lexical_distance, s.length_change,"
        " s.signal_count, s.refined_distance, p.baseline_output, p.candidate_output"
        " FROM scores s JOIN pairs p ON p.id = s.pair_id ORDER BY s.pair_id"
    ).fetchall()
    conn.close()
    from swapview.scoring.embeddings.base import is_blank
    from swapview.store import text_hash

    def h(t):
        return None if is_blank(t) else text_hash(t)

    return Data(
        name=path.stem,
        ids=np.array([r[0] for r in rows]),
        static=np.array([r[1] for r in rows], dtype=float),
        accurate=np.array([r[5] for r in rows], dtype=float),
        features=Features(
            static=np.array([r[1] for r in rows], dtype=float),
            lexical=np.array([r[2] for r in rows], dtype=float),
            length_change=np.array([r[3] for r in rows], dtype=float),
            signals=np.array([r[4] for r in rows], dtype=float),
        ),
        texts=[(h(r[6]), h(r[7])) for r in rows],
        chars={h(t): len(t) for r in rows for t in r[6:8] if h(t)},
    )


def display_order(d: Data, refined: np.ndarray) -> np.ndarray:
    """Pair indexes in queue order: the static line puts refined pairs on one scale."""
    mask = refined
    rule = d.static != d.accurate
    sel = mask & rule
    line = fit_line(d.static[sel], d.accurate[sel])
    meaning = np.where(mask, (d.accurate - line.intercept) / line.slope, d.static)
    return np.lexsort((-d.ids, -meaning))


def agreement(order: np.ndarray, truth: np.ndarray, k: int) -> float:
    return len(set(order[:k].tolist()) & set(truth[:k].tolist())) / k


def calibration(d: Data) -> list[int]:
    idx = np.argsort(d.static, kind="stable")
    return [int(idx[int(i)]) for i in np.linspace(0, len(idx) - 1, CALIBRATION)]


def policy_static(d: Data, refined: np.ndarray, cached: set, free: bool) -> list[int]:
    todo = np.flatnonzero(~refined)
    order = todo[np.lexsort((-d.ids[todo], -d.static[todo]))]
    return _with_free(d, order, cached, free)


def pair_cost(d: Data, todo: np.ndarray, cached: set) -> np.ndarray:
    return np.array(
        [
            sum(float(text_cost(d.chars[t])) for t in set(d.texts[i]) if t and t not in cached)
            for i in todo
        ]
    )


def policy_predicted(
    d: Data, refined: np.ndarray, cached: set, free: bool, heads: str, costed: bool = False
) -> list[int]:
    todo = np.flatnonzero(~refined)
    done = np.flatnonzero(refined)
    predictor = fit_predictor(d.features.take(done), d.accurate[done])
    mu, sigma = predictor.predict(d.features.take(todo))
    if heads == "none":
        order = todo[np.argsort(-mu, kind="stable")]
        return _with_free(d, order, cached, free)
    rank = shown_ranks(d, refined)[todo]
    ladder = [k for k in head_ladder(len(d.ids)) if k < len(d.ids)]
    if heads == "target":
        wrong = expected_misplaced(mu, sigma, rank, d.accurate[done], ladder)
        open_ = [k for k, w in zip(ladder, wrong, strict=True) if not settled_enough(w, k)]
        ladder = [k for k in ladder if not open_ or k <= open_[0]]
    cost = pair_cost(d, todo, cached) if costed else None
    order = pick_order(mu, sigma, rank, d.accurate[done], ladder, cost)
    return _with_free(d, todo[order], cached, free)


def shown_ranks(d: Data, refined: np.ndarray) -> np.ndarray:
    display = display_order(d, refined)
    rank = np.empty(len(display), dtype=int)
    rank[display] = np.arange(len(display))
    return rank


def _with_free(d: Data, order: np.ndarray, cached: set, free: bool) -> list[int]:
    """Free pairs (every text cached) first and on top of the batch, as ``next_ids`` does."""
    if not free:
        return order.tolist()[:BATCH]
    costless = [int(i) for i in order if all(t is None or t in cached for t in d.texts[i])]
    costly = [int(i) for i in order if not all(t is None or t in cached for t in d.texts[i])]
    return costless[:FREE_PER_STEP] + costly[:BATCH]


def simulate(d: Data, pick) -> list[tuple[int, int, float, float]]:
    truth = np.lexsort((-d.ids, -d.accurate))
    refined = np.zeros(len(d.ids), dtype=bool)
    cached: set = set()
    texts = 0
    tokens = 0.0
    trace = []
    first = calibration(d)
    claims: dict = {}
    simulate.claims = claims  # type: ignore[attr-defined]
    while True:
        order = display_order(d, refined)
        trace.append(
            (int(refined.sum()), texts, *(agreement(order, truth, k) for k, _ in GOALS), tokens)
        )
        if refined.any() and not refined.all():
            for rule, k in zip(("line", "predictor"), settled(d, refined), strict=True):
                for head in head_ladder(len(d.ids)):
                    if head <= k and (rule, head) not in claims:
                        claims[(rule, head)] = (int(refined.sum()), agreement(order, truth, head))
        if refined.all():
            return trace
        batch = first if not refined.any() else pick(d, refined, cached)
        for i in batch:
            for t in d.texts[i]:
                if t is not None and t not in cached:
                    cached.add(t)
                    texts += 1
                    tokens += float(text_cost(d.chars[t]))
            refined[i] = True


def settled(d: Data, refined: np.ndarray) -> tuple[int, int]:
    """The settled head by the static line's rule (shipped before) and the predictor's."""
    todo, done = np.flatnonzero(~refined), np.flatnonzero(refined)
    rule = d.static[done] != d.accurate[done]
    line = fit_line(d.static[done][rule], d.accurate[done][rule])
    order = display_order(d, refined)
    meaning = np.where(refined, (d.accurate - line.intercept) / line.slope, d.static)[order]
    ladder = [k for k in head_ladder(len(d.ids)) if k < len(d.ids)]
    by_line = 0
    for k in ladder:
        if not settled_enough(
            float(intrusion_chance(d.static[todo], meaning[k - 1], line).sum()), k
        ):
            break
        by_line = k
    predictor = fit_predictor(d.features.take(done), d.accurate[done])
    mu, sigma = predictor.predict(d.features.take(todo))
    wrong = expected_misplaced(mu, sigma, shown_ranks(d, refined)[todo], d.accurate[done], ladder)
    by_predictor = 0
    for k, w in zip(ladder, wrong, strict=True):
        if not settled_enough(w, k):
            break
        by_predictor = k
    return by_line, by_predictor


def reached(trace, col: int, goal: float) -> tuple[int, int, float]:
    """(pairs, texts, tokens) from which agreement stays at the goal or above."""
    last = trace[-1]
    for entry in reversed(trace):
        if entry[col] < goal:
            break
        last = entry
    return last[0], last[1], last[4] / 1000


POLICIES = {
    "static": lambda d, r, c: policy_static(d, r, c, False),
    "static+free": lambda d, r, c: policy_static(d, r, c, True),
    "predicted": lambda d, r, c: policy_predicted(d, r, c, False, "none"),
    "misplaced-all": lambda d, r, c: policy_predicted(d, r, c, False, "all"),
    "misplaced-target": lambda d, r, c: policy_predicted(d, r, c, False, "target"),
    "misplaced-target+free": lambda d, r, c: policy_predicted(d, r, c, True, "target"),
}


def main() -> None:
    paths = sorted(TRUTH.glob("*.db"))
    names = sys.argv[1:] or list(POLICIES)
    print(
        "| file | policy | pairs to 0.95 @100 | texts | k tokens | pairs to 0.90 @200 | texts"
        " | k tokens | settled k: pairs/agreement |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for path in paths:
        d = load(path)
        for name in names:
            trace = simulate(d, POLICIES[name])
            p1, t1, c1 = reached(trace, 2, GOALS[0][1])
            p2, t2, c2 = reached(trace, 3, GOALS[1][1])
            claims = " ".join(
                f"{rule[0]}{k}:{n}/{a:.2f}" for (rule, k), (n, a) in sorted(simulate.claims.items())
            )
            print(
                f"| {d.name} | {name} | {p1} | {t1} | {c1:.0f} | {p2} | {t2} | {c2:.0f}"
                f" | {claims} |"
            )
        sys.stdout.flush()


def _static_only(d: Data) -> Data:
    zero = np.zeros_like(d.static)
    features = Features(d.static, zero, zero, zero)
    return Data(d.name, d.ids, d.static, d.accurate, features, d.texts, d.chars)


POLICIES["misplaced-target-staticonly"] = lambda d, r, c: policy_predicted(
    _static_only(d), r, c, False, "target"
)
POLICIES["misplaced-all-staticonly"] = lambda d, r, c: policy_predicted(
    _static_only(d), r, c, False, "all"
)


POLICIES["costed-target-staticonly"] = lambda d, r, c: policy_predicted(
    _static_only(d), r, c, True, "target", True
)
POLICIES["costed-target"] = lambda d, r, c: policy_predicted(d, r, c, True, "target", True)


if __name__ == "__main__":
    main()
