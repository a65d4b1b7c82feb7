"""Bands, random samples and the remaining-regressions estimate, in the store.

``estimate_remaining(db, comparison_id)`` is what ``swapview report`` and the review screen
show; ``suggest_sample(db, comparison_id)`` names the band whose random sample would tighten
the estimate most, and the pairs to tag for it. Both assign bands on first use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from ..store import now, write_transaction
from ..tagkinds import TagKinds, sql_marks
from .estimate import (
    CONFIDENCE,
    NEGATIVE,
    REGRESSION,
    SKIPPED,
    UNREVIEWED,
    BandEstimate,
    band_estimate,
    combine,
    prefix_sample,
    sample_gain,
)
from .learner import MODEL_VERSION, fit_scaler, prior_model
from .ranking import label_tags, load_features, refresh_features

BANDS = 5
SAMPLE_SIZE = 10


@dataclass(frozen=True, slots=True)
class Suggestion:
    band: int | None
    pair_ids: list[int]
    reason: str


def _prior_scores(db: Database, comparison_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Prior (label-free) score per pair: the band basis, fixed once assigned."""
    refresh_features(db, comparison_id)
    table = load_features(db, comparison_id)
    scores = prior_model().score(fit_scaler(table.X).transform(table.X))
    return table.pair_ids, scores


def assign_bands(
    db: Database, comparison_id: int, *, bands: int = BANDS, rng: np.random.Generator | None = None
) -> int:
    """Give every pair without a band one (quantiles of the prior score); returns how many."""
    rng = rng or np.random.default_rng()
    pending = db.execute(
        "SELECT count(*) FROM pairs p LEFT JOIN triage_bands b ON b.pair_id = p.id"
        " WHERE p.comparison_id = ? AND b.pair_id IS NULL",
        [comparison_id],
    ).fetchone()[0]
    if not pending:
        return 0
    pair_ids, scores = _prior_scores(db, comparison_id)
    edges = _edges(db, comparison_id, scores, bands)
    have = {
        r[0]
        for r in db.execute(
            "SELECT pair_id FROM triage_bands WHERE comparison_id = ?", [comparison_id]
        )
    }
    new = np.array([p not in have for p in pair_ids.tolist()], dtype=bool)
    rows = [
        (int(p), comparison_id, int(b), float(k))
        for p, b, k in zip(
            pair_ids[new],
            np.searchsorted(edges, scores[new], side="right"),
            rng.random(int(new.sum())),
            strict=True,
        )
    ]
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO triage_bands (pair_id, comparison_id, band, sample_key)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _edges(db: Database, comparison_id: int, scores: np.ndarray, bands: int) -> np.ndarray:
    """The band edges of a comparison: fixed at first use so bands never move."""
    row = db.execute(
        "SELECT edges FROM triage_strata WHERE comparison_id = ?", [comparison_id]
    ).fetchone()
    if row:
        return np.asarray(json.loads(row[0]), dtype=np.float64)
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, bands + 1)[1:-1]))
    with write_transaction(db):
        db.execute(
            "INSERT INTO triage_strata (comparison_id, basis, edges, created) VALUES (?, ?, ?, ?)",
            [comparison_id, f"prior score ({MODEL_VERSION})", json.dumps(edges.tolist()), now()],
        )
    return edges


def band_statuses(
    db: Database, comparison_id: int, kinds: TagKinds | None = None
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{band: (pair ids, statuses)} in sample_key order."""
    status, args = _status_sql(kinds)
    rows = db.execute(
        f"SELECT b.band, b.pair_id, {status}"
        " FROM triage_bands b LEFT JOIN decisions d ON d.pair_id = b.pair_id"
        " WHERE b.comparison_id = ? ORDER BY b.band, b.sample_key",
        [*args, comparison_id],
    ).fetchall()
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if not rows:
        return out
    data = np.array(rows, dtype=np.int64)
    for band in np.unique(data[:, 0]):
        part = data[data[:, 0] == band]
        out[int(band)] = (part[:, 1], part[:, 2])
    return out


def _status_sql(kinds: TagKinds | None) -> tuple[str, list[object]]:
    """The SQL expression (over decisions ``d``) giving a pair's status, and its arguments."""
    positive, unlabelled = label_tags(kinds)
    sql = (
        "CASE WHEN d.tag IS NULL OR d.stale = 1 THEN ?"
        f" WHEN d.tag IN ({sql_marks(unlabelled)}) THEN ?"
        f" WHEN d.tag IN ({sql_marks(positive)}) THEN ? ELSE ? END"
    )
    return sql, [UNREVIEWED, *unlabelled, SKIPPED, *positive, REGRESSION, NEGATIVE]


def unbanded_statuses(
    db: Database, comparison_id: int, kinds: TagKinds | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(pair ids, statuses) of the pairs not yet given a band, by pair id."""
    status, args = _status_sql(kinds)
    rows = db.execute(
        f"SELECT p.id, {status} FROM pairs p LEFT JOIN triage_bands b ON b.pair_id = p.id"
        " LEFT JOIN decisions d ON d.pair_id = p.id"
        " WHERE p.comparison_id = ? AND b.pair_id IS NULL ORDER BY p.id",
        [*args, comparison_id],
    ).fetchall()
    data = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return data[:, 0], data[:, 1]


def unsampled_band(status: np.ndarray) -> BandEstimate:
    """Pairs with no band as one pseudo-band (-1): no random sample, so no point estimate."""
    total = int((status != SKIPPED).sum())
    unreviewed = int((status == UNREVIEWED).sum())
    found = int((status == REGRESSION).sum())
    if not unreviewed:
        return BandEstimate(-1, total, 0, 0, 0, found, 0.0, 0.0)
    return BandEstimate(-1, total, unreviewed, 0, 0, found, math.nan, math.inf)


def estimate_remaining(
    db: Database,
    comparison_id: int,
    *,
    confidence: float = CONFIDENCE,
    assign: bool = True,
    kinds: TagKinds | None = None,
) -> dict:
    """Regressions still among the unreviewed pairs: point, interval, per band, next sample.

    Keys: unreviewed, found, remaining, low, high, confidence, complete (every band with
    unreviewed pairs has a sample), bands (list of per-band dicts), suggest (band, pair_ids,
    reason). ``assign=False`` (for a quick report) leaves pairs without a band as they are:
    they count as a band with no sample (band -1), so the interval stays honest. ``kinds``
    says which tags count as regressions (the config's counts_as).
    """
    if assign:
        assign_bands(db, comparison_id)
    statuses = band_statuses(db, comparison_id, kinds)
    bands = [band_estimate(b, st) for b, (_, st) in statuses.items()]
    bands += _unassigned(db, comparison_id, kinds)
    result = combine(bands, confidence)
    suggestion = _suggest(statuses, SAMPLE_SIZE)
    result["comparison_id"] = comparison_id
    result["suggest"] = {
        "band": suggestion.band,
        "pair_ids": suggestion.pair_ids,
        "reason": suggestion.reason,
    }
    return result


def _unassigned(
    db: Database, comparison_id: int, kinds: TagKinds | None = None
) -> list[BandEstimate]:
    """Pairs with no band yet, as one unsampled pseudo-band (-1), if there are any."""
    positive, unlabelled = label_tags(kinds)
    total, unreviewed, found = db.execute(
        "SELECT count(*), coalesce(sum(d.tag IS NULL OR d.stale = 1), 0),"
        f" coalesce(sum(d.tag IN ({sql_marks(positive)}) AND d.stale = 0), 0) FROM pairs p"
        " LEFT JOIN triage_bands b ON b.pair_id = p.id"
        " LEFT JOIN decisions d ON d.pair_id = p.id"
        f" WHERE p.comparison_id = ? AND b.pair_id IS NULL"
        f" AND (d.tag IS NULL OR d.tag NOT IN ({sql_marks(unlabelled)}))",
        [*positive, comparison_id, *unlabelled],
    ).fetchone()
    if not total:
        return []
    if not unreviewed:
        return [BandEstimate(-1, total, 0, 0, 0, found, 0.0, 0.0)]
    return [BandEstimate(-1, total, unreviewed, 0, 0, found, math.nan, math.inf)]


def suggest_sample(
    db: Database, comparison_id: int, *, size: int = SAMPLE_SIZE, kinds: TagKinds | None = None
) -> Suggestion:
    """The band whose next ``size`` random pairs would tighten the estimate most."""
    assign_bands(db, comparison_id)
    return _suggest(band_statuses(db, comparison_id, kinds), size)


def _suggest(statuses: dict[int, tuple[np.ndarray, np.ndarray]], size: int) -> Suggestion:
    best: tuple[float, int, list[int]] | None = None
    for band, (ids, status) in statuses.items():
        gain, positions = sample_gain(status, size)
        if positions and (best is None or gain > best[0]):
            best = (gain, band, ids[positions].tolist())
    if best is None or best[0] <= 0:
        return Suggestion(None, [], "every band is fully reviewed or sampled")
    n, _ = prefix_sample(statuses[best[1]][1])
    reason = (
        f"band {best[1]} has no random sample yet"
        if n == 0
        else f"band {best[1]} (sample of {n}) narrows the interval most"
    )
    return Suggestion(best[1], best[2], reason)
