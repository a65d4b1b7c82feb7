"""Refinement: an accurate model re-scores pairs in the order a reviewer meets them.

After static scoring, ``refine_step`` takes the next batch: first a calibration sample
spread over the whole static range (so the line that puts both models on one scale is
not fitted on the head alone), then the unrefined pairs with the highest static
distance, which are the next ones the queue shows, since unrefined pairs keep their
static distance as their place; pairs whose texts are already cached come first and
free (``refinenext``). Each step stores the accurate distance beside the static one
(``scores.refined_*``), refits the line when the refined set has grown by a tenth, and
commits; an interrupted run keeps every finished step, and the next one resumes. Texts
go through the embedding cache, so nothing is embedded twice. How far the head is
settled: ``refinefit``'s stop rule.

Call it from one thread with its own connection (the review app: a thread worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..errors import SwapviewError
from ..store import get_comparison, now, write_transaction
from .embeddings.base import Embedder, is_blank
from .embeddings.cache import EmbeddingCache, embed_with_cache
from .refinefit import (
    IDENTITY,
    NEGLIGIBLE_Z,
    Fit,
    fit_line,
    head_ladder,
    intrusion_chance,
    settled_enough,
)
from .refinenext import CURRENT, MEANING, REFINED, UNREFINED, next_ids
from .runner import pair_distance

BATCH_PAIRS = 32  # about 5 s of MiniLM on 2 cores: the review app sees progress often
CALIBRATION_PAIRS = 32
REFIT_GROWTH = 1.1
SCAN_CHUNK = 500

# Per refined row, a primary-key probe: "pair_id IN (SELECT id ... comparison)" would
# first list every pair of the comparison.
_IN_COMPARISON = (
    "EXISTS (SELECT 1 FROM pairs p WHERE p.id = scores.pair_id AND p.comparison_id = ?)"
)


@dataclass(frozen=True, slots=True)
class RefineProgress:
    """How far refinement of one comparison has got, for a status line or a bar."""

    model: str
    total: int  # pairs with a current static distance
    refined: int  # of them, re-scored by the model
    head: int  # the queue's first `head` rows all carry the model's distance
    settled: int  # the stop rule: the first `settled` rows should not change any more
    calibrated: bool

    @property
    def done(self) -> bool:
        return self.refined >= self.total

    @property
    def phase(self) -> str:
        """calibrating, head (the first 100 not settled yet), rest, or done."""
        if self.done:
            return "done"
        if not self.calibrated:
            return "calibrating"
        return "head" if self.settled < min(100, self.total) else "rest"


@dataclass
class RefineReport:
    """What one refinement run did; the CLI prints it or dumps it with --json."""

    comparison: str
    model: str
    refined_now: int = 0
    texts_embedded: int = 0
    texts_cached: int = 0
    seconds: float = 0.0
    progress: RefineProgress | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "progress"}
        if self.progress is not None:
            p = self.progress
            out.update(refined=p.refined, total=p.total, head=p.head, settled=p.settled)
        return out


@dataclass(frozen=True, slots=True)
class StepResult:
    """One committed step: the progress after it, and what it did."""

    progress: RefineProgress
    refined: int  # pairs re-scored by this step (0: nothing was left)
    embedded: int  # texts sent to the model
    cached: int  # texts found in the embedding cache, or repeated in the batch


def refine_step(
    db: Database,
    comparison: str,
    embedder: Embedder,
    *,
    batch: int = BATCH_PAIRS,
    total: int | None = None,
    limit: int | None = None,
) -> StepResult:
    """Refine the next batch of the queue with the accurate model, and commit it.

    ``total`` is the last progress' total, passed back to skip recounting the pairs
    (a scan at 1M pairs); it changes only when pairs are scored anew. Pairs whose texts
    are all cached come on top of ``batch``; ``limit`` caps the step as a whole."""
    cid = get_comparison(db, comparison)["id"]
    args = {"cid": cid, "model": embedder.name}
    _check_models(db, args)
    fit = stored_fit(db, cid, embedder.name)
    if fit is None:
        _forget_other_models(db, cid, embedder.name)
        ids = calibration_ids(db, cid)
    else:
        ids = next_ids(db, args, EmbeddingCache(db, embedder.name), batch)
    refined, embedded, cached = _refine_ids(db, cid, embedder, ids[:limit], fit)
    state = refine_progress(db, comparison, embedder.name, total=total)
    return StepResult(state, refined, embedded, cached)


def refine(
    db: Database,
    comparison: str,
    embedder: Embedder,
    *,
    target: int | None = None,
    batch: int = BATCH_PAIRS,
    progress: Callable[[RefineProgress], None] | None = None,
) -> RefineReport:
    """Refine until ``target`` pairs carry the model's distance (None: all of them)."""
    started = time.perf_counter()
    report = RefineReport(comparison=comparison, model=embedder.name)
    state = refine_progress(db, comparison, embedder.name)
    if progress:
        progress(state)
    goal = state.total if target is None else min(target, state.total)
    while state.refined < goal:
        left = goal - state.refined
        result = refine_step(
            db,
            comparison,
            embedder,
            batch=min(batch, left),
            total=state.total,
            limit=left if state.calibrated else None,
        )
        state = result.progress
        report.refined_now += result.refined
        report.texts_embedded += result.embedded
        report.texts_cached += result.cached
        if progress:
            progress(state)
        if not result.refined:
            break
    report.progress = state
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def refine_progress(
    db: Database, comparison: str, model: str, *, total: int | None = None
) -> RefineProgress:
    """Counts, the refined head and the settled head (indexed queries, but for the total
    of pairs when not given)."""
    cid = get_comparison(db, comparison)["id"]
    args = {"cid": cid, "model": model}
    if total is None:
        total = _one(db, f"SELECT count(*) {CURRENT}", args)
    refined = _one(db, f"SELECT count(*) {REFINED}", args)
    fit = stored_fit(db, cid, model)
    return RefineProgress(
        model=model,
        total=total,
        refined=refined,
        head=refined_head(db, args, total),
        settled=settled_head(db, args, fit or IDENTITY, total),
        calibrated=fit is not None,
    )


def status_text(progress: RefineProgress) -> str:
    """The review app's status line: "meaning: first 400 of 805 refined by MiniLM, ..."."""
    who = model_label(progress.model)
    if progress.total == 0:
        return "meaning: nothing scored yet"
    if progress.done:
        return f"meaning: all {progress.total:,} refined by {who}"
    if progress.refined == 0:
        return f"meaning: static model ({who} refinement not started)"
    if not progress.calibrated:
        return f"meaning: calibrating {who} ({progress.refined:,} pairs)"
    text = f"meaning: first {progress.head:,} of {progress.total:,} refined by {who}"
    if progress.settled:
        text += f", first {progress.settled:,} settled"
    return text


def model_label(name: str | None) -> str:
    """A short name for a row or a status line: MiniLM, static, or the served model."""
    if not name:
        return "static"
    if name.startswith("swapview-static"):
        return "static"
    if "MiniLM" in name:
        return "MiniLM"
    return name


def stored_fit(db: Database, cid: int, model: str) -> Fit | None:
    row = db.execute(
        "SELECT slope, intercept, sigma, pairs FROM refine_fits"
        " WHERE comparison_id = ? AND model = ?",
        [cid, model],
    ).fetchone()
    return Fit(*row) if row else None


def calibration_ids(db: Database, cid: int, n: int = CALIBRATION_PAIRS) -> list[int]:
    """Pairs at evenly spaced ranks of the static distance: the fit sees every range."""
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT s.pair_id {UNREFINED} ORDER BY s.semantic_distance, s.pair_id", {"cid": cid}
        )
    ]
    if len(ids) <= n:
        return ids
    return [ids[int(i)] for i in np.linspace(0, len(ids) - 1, n)]


def refined_head(db: Database, args: dict[str, Any], total: int) -> int:
    """How many rows lead the queue before its first unrefined pair."""
    row = db.execute(
        f"SELECT s.semantic_distance {UNREFINED} ORDER BY s.semantic_distance DESC LIMIT 1", args
    ).fetchone()
    if row is None:
        return total
    top = row[0]
    return _one(db, f"SELECT count(*) {CURRENT} AND {MEANING} > :top", {**args, "top": top})


def settled_head(db: Database, args: dict[str, Any], fit: Fit, total: int) -> int:
    """The largest head on the ladder that the unrefined pairs are unlikely to enter."""
    settled = 0
    for k in head_ladder(total):
        row = db.execute(
            f"SELECT {MEANING} {CURRENT} ORDER BY {MEANING} DESC, s.pair_id DESC LIMIT 1 OFFSET :k",
            {**args, "k": k - 1},
        ).fetchone()
        if row is None or not settled_enough(expected_intruders(db, args, fit, row[0], k), k):
            break
        settled = k
    return settled


def expected_intruders(
    db: Database, args: dict[str, Any], fit: Fit, threshold: float, head: int
) -> float:
    """Expected count of unrefined pairs whose accurate distance sorts above threshold
    (stops early once the sum alone fails the head of ``head`` rows)."""
    total, after = 0.0, None
    while True:
        bound = "" if after is None else " AND (s.semantic_distance, s.pair_id) < (:d, :id)"
        rows = db.execute(
            f"SELECT s.semantic_distance, s.pair_id {UNREFINED}{bound}"
            " ORDER BY s.semantic_distance DESC, s.pair_id DESC LIMIT :n",
            {**args, "n": SCAN_CHUNK, "d": after and after[0], "id": after and after[1]},
        ).fetchall()
        if not rows:
            return total
        static = np.array([r[0] for r in rows])
        total += float(intrusion_chance(static, threshold, fit).sum())
        z_last = (threshold - static[-1]) / fit.static_sd
        if z_last > NEGLIGIBLE_Z or not settled_enough(total, head):
            return total
        after = rows[-1]


def _refine_ids(
    db: Database, cid: int, embedder: Embedder, ids: list[int], fit: Fit | None
) -> tuple[int, int, int]:
    """Embed and store the pairs' accurate distances: (pairs, texts embedded, cached)."""
    if not ids:
        return 0, 0, 0
    rows = db.execute(
        "SELECT id, baseline_output, candidate_output, content_hash FROM pairs"
        " WHERE id IN (SELECT value FROM json_each(?))",
        [_json_ids(ids)],
    ).fetchall()
    cache = EmbeddingCache(db, embedder.name)
    vectors, fresh = embed_with_cache(cache, embedder, [t for r in rows for t in r[1:3]])
    needed = sum(not is_blank(t) for r in rows for t in r[1:3])
    distances = [(pair_distance(vectors, r[1], r[2]), r[0], r[3]) for r in rows]
    with write_transaction(db):
        cache.put_many(fresh.items())
        db.conn.executemany(
            "UPDATE scores SET refined_model = ?, refined_distance = ?, refined_on_static = ?"
            " WHERE pair_id = ? AND content_hash = ?",
            [(embedder.name, d, (fit or IDENTITY).to_static(d), pid, h) for d, pid, h in distances],
        )
        _refit_if_due(db, cid, embedder.name, fit)
    return len(rows), len(fresh), needed - len(fresh)


def _refit_if_due(db: Database, cid: int, model: str, fit: Fit | None) -> None:
    args = {"cid": cid, "model": model}
    refined = _one(db, f"SELECT count(*) {REFINED}", args)
    if fit is not None and refined < fit.pairs * REFIT_GROWTH:
        return
    # Pairs whose two distances agree are the rule-defined ones (identical, or a blank
    # side: 0 and 1 for every model): they say nothing about the scale.
    points = db.execute(
        f"SELECT s.semantic_distance, s.refined_distance {REFINED}"
        " AND s.semantic_distance != s.refined_distance",
        args,
    ).fetchall()
    line = fit_line(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    line = Fit(line.slope, line.intercept, line.sigma, refined)
    db.execute(
        "UPDATE scores SET refined_on_static = (refined_distance - ?) / ?"
        f" WHERE refined_model = ? AND {_IN_COMPARISON}",
        [line.intercept, line.slope, model, cid],
    )
    db.execute(
        "INSERT OR REPLACE INTO refine_fits (comparison_id, model, static_model, slope,"
        " intercept, sigma, pairs, fitted) VALUES (:cid, :model, (SELECT"
        f" s.embedding_model {CURRENT} LIMIT 1), :slope, :intercept, :sigma, :pairs, :fitted)",
        {
            **args,
            "slope": line.slope,
            "intercept": line.intercept,
            "sigma": line.sigma,
            "pairs": refined,
            "fitted": now(),
        },
    )


def _check_models(db: Database, args: dict[str, Any]) -> None:
    # LIMIT 1 probes, not DISTINCT: a scan of every score would cost seconds per step.
    if db.execute(f"SELECT 1 {CURRENT} LIMIT 1", args).fetchone() is None:
        raise SwapviewError("nothing to refine: score the comparison first (swapview score)")
    other = f"SELECT 1 {CURRENT} AND s.embedding_model IS NOT :model LIMIT 1"
    if db.execute(other, args).fetchone() is None:
        raise SwapviewError(f"the pairs are already scored with {args['model']}: nothing to refine")


def _forget_other_models(db: Database, cid: int, model: str) -> None:
    """One accurate model per comparison: starting another drops the old one's rows."""
    with write_transaction(db):
        db.execute(
            "UPDATE scores SET refined_model = NULL, refined_distance = NULL,"
            " refined_on_static = NULL WHERE refined_model IS NOT NULL AND refined_model != ?"
            f" AND {_IN_COMPARISON}",
            [model, cid],
        )
        db.execute("DELETE FROM refine_fits WHERE comparison_id = ? AND model != ?", [cid, model])


def _json_ids(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _one(db: Database, sql: str, args: Any) -> int:
    return int(db.execute(sql, args).fetchone()[0])
