"""The likely-regression order in the store: cached features, refit, stored scores.

``refit_and_store(db, comparison_id)`` is the one call a front end needs: it computes any
missing features (texts are read once per content hash), refits the model from the
current tags and rewrites ``triage_scores``. It is blocking and meant for a worker thread
with its own connection; the queue then pages ``triage_scores`` by (score DESC, pair_id).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from ..judge.verdicts import judge_scores
from ..store import now, write_transaction
from ..tagkinds import TagKinds, sql_marks, tags_of_kind
from .features import (
    FEATURE_NAMES,
    JUDGE_FEATURES,
    SCORE_NAMES,
    SIGNAL_NAMES,
    TEXT_FEATURES,
    signal_column,
    text_features,
)
from .learner import Model, fit_scaler, fit_tags
from .reasons import explain

FEATURES_VERSION = f"text-{len(TEXT_FEATURES)}-1"


def label_tags(kinds: TagKinds | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tags that label a regression, tags that carry no label), from what each counts as.

    Skip-kind tags carry no judgement: those pairs are left out of training and of the
    estimate.
    """
    return tags_of_kind("regression", kinds), tags_of_kind("skip", kinds)


CHUNK = 2000


@dataclass(frozen=True, slots=True)
class FeatureTable:
    """Every pair of a comparison with its raw feature row."""

    pair_ids: np.ndarray
    X: np.ndarray


@dataclass(frozen=True, slots=True)
class RefitReport:
    pairs: int
    tags: int
    regressions: int
    features_computed: int
    seconds: float


def _missing_ids(db: Database, comparison_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT p.id FROM pairs p LEFT JOIN triage_features f ON f.pair_id = p.id"
            " WHERE p.comparison_id = ? AND (f.pair_id IS NULL"
            " OR f.content_hash != p.content_hash OR f.version != ?) ORDER BY p.id",
            [comparison_id, FEATURES_VERSION],
        )
    ]


def refresh_features(db: Database, comparison_id: int) -> int:
    """Compute and cache text features for new or changed pairs; returns how many.

    Chunk by chunk (texts of CHUNK pairs in memory at a time), each chunk its own short
    write transaction, so a reviewer's tag never waits long for the lock.
    """
    missing = _missing_ids(db, comparison_id)
    for start in range(0, len(missing), CHUNK):
        ids = missing[start : start + CHUNK]
        marks = ",".join("?" * len(ids))
        batch = db.execute(
            "SELECT id, content_hash, prompt, baseline_output, candidate_output FROM pairs"
            f" WHERE id IN ({marks})",
            ids,
        ).fetchall()
        rows = [
            (pid, digest, FEATURES_VERSION, _blob(text_features(prompt, base, cand)))
            for pid, digest, prompt, base, cand in batch
        ]
        with write_transaction(db):
            db.conn.executemany(
                "INSERT INTO triage_features (pair_id, content_hash, version, vector)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(pair_id) DO UPDATE SET"
                " content_hash = excluded.content_hash, version = excluded.version,"
                " vector = excluded.vector",
                rows,
            )
    return len(missing)


def _blob(values: list[float]) -> bytes:
    return np.asarray(values, dtype="<f8").tobytes()


def load_features(db: Database, comparison_id: int) -> FeatureTable:
    """Raw feature rows (text features + current scores + signals) of every cached pair."""
    rows = db.execute(
        "SELECT f.pair_id, f.vector, s.semantic_distance, s.lexical_distance, s.signal_count"
        " FROM triage_features f JOIN pairs p ON p.id = f.pair_id"
        " LEFT JOIN scores s ON s.pair_id = p.id AND s.content_hash = p.content_hash"
        " WHERE p.comparison_id = ? AND f.version = ? ORDER BY f.pair_id",
        [comparison_id, FEATURES_VERSION],
    ).fetchall()
    n = len(rows)
    pair_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    X = np.full((n, len(FEATURE_NAMES)), np.nan)
    if n:
        text = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f8")
        X[:, : len(TEXT_FEATURES)] = text.reshape(n, len(TEXT_FEATURES))
        scored = np.array([r[2:5] for r in rows], dtype=object)
        X[:, len(TEXT_FEATURES) : len(TEXT_FEATURES) + len(SCORE_NAMES)] = np.where(
            scored == None,  # noqa: E711  (element-wise None test)
            np.nan,
            scored,
        ).astype(np.float64)
        _fill_signals(db, comparison_id, pair_ids, X)
        _fill_judge(db, comparison_id, pair_ids, X)
    return FeatureTable(pair_ids, X)


def _fill_judge(db: Database, comparison_id: int, pair_ids: np.ndarray, X: np.ndarray) -> None:
    """The latest judge's verdicts, as stored verdicts; NaN (neutral) where not judged."""
    first = len(FEATURE_NAMES) - len(JUDGE_FEATURES)
    X[:, first:] = np.nan
    position = {int(pid): i for i, pid in enumerate(pair_ids)}
    for pid, values in judge_scores(db, comparison_id).items():
        if pid in position:
            X[position[pid], first:] = values


def _fill_signals(db: Database, comparison_id: int, pair_ids: np.ndarray, X: np.ndarray) -> None:
    first = len(TEXT_FEATURES) + len(SCORE_NAMES)
    column = {name: first + i for i, name in enumerate(SIGNAL_NAMES)}
    position = {int(pid): i for i, pid in enumerate(pair_ids)}
    X[:, first : first + len(SIGNAL_NAMES)] = 0.0
    for pid, name in db.execute(
        "SELECT g.pair_id, g.name FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " WHERE p.comparison_id = ?",
        [comparison_id],
    ):
        col = column.get(signal_column(name))
        if col is not None and pid in position:
            X[position[pid], col] = 1.0


def labels(db: Database, comparison_id: int, kinds: TagKinds | None = None) -> dict[int, int]:
    """Current, non-stale judgements: 1 for a regression-kind tag, 0 for any other real tag."""
    positive, unlabelled = label_tags(kinds)
    rows = db.execute(
        "SELECT d.pair_id, d.tag FROM decisions d JOIN pairs p ON p.id = d.pair_id"
        f" WHERE p.comparison_id = ? AND d.tag IS NOT NULL AND d.stale = 0"
        f" AND d.tag NOT IN ({sql_marks(unlabelled)}) ORDER BY d.review_id",
        [comparison_id, *unlabelled],
    )
    return {pid: int(tag in positive) for pid, tag in rows}


def fit_tagged(table: FeatureTable, Z: np.ndarray, tagged: dict[int, int]) -> Model:
    """Fit on the tagged rows of a comparison's scaled features."""
    position = {int(p): i for i, p in enumerate(table.pair_ids)}
    # In tagging order (dict order = review order), so the CV folds interleave over time.
    rows = [position[p] for p in tagged if p in position]
    y = np.array([tagged[int(table.pair_ids[i])] for i in rows], dtype=np.float64)
    return fit_tags(Z, rows, y)


class Ranker:
    """One comparison's scaled features kept in memory between refits.

    A front end keeps one per comparison in its worker, so a refit after a tag costs the
    fit, the scoring and the write (about a second at 100k pairs), not re-reading every
    feature row. New pairs and scoring runs are noticed on their own; call
    ``invalidate()`` after a reload that changed outputs but was not re-scored.
    """

    def __init__(self, db: Database, comparison_id: int, kinds: TagKinds | None = None) -> None:
        self.db = db
        self.comparison_id = comparison_id
        self.kinds = kinds
        self._key: tuple | None = None
        self._table: FeatureTable | None = None
        self._Z: np.ndarray | None = None

    def invalidate(self) -> None:
        """Re-read features on the next refit: call after loading or scoring pairs."""
        self._key = None

    def _state(self) -> tuple:
        # Cheap guards against loads and scoring runs the front end did not announce: an
        # indexed count of the comparison's pairs, and the scores and signals tables'
        # size and latest stamp (small rows; milliseconds at 100k pairs). A reload that
        # only changes outputs is noticed once those pairs are re-scored.
        return (
            self.db.execute(
                "SELECT count(*), max(id) FROM pairs WHERE comparison_id = ?",
                [self.comparison_id],
            ).fetchone(),
            self.db.execute("SELECT count(*), max(scored) FROM scores").fetchone(),
            self.db.execute("SELECT count(*), max(rowid) FROM signals").fetchone(),
            self.db.execute("SELECT count(*), max(created) FROM judge_verdicts").fetchone(),
        )

    def refit(self) -> RefitReport:
        """Bring features up to date, refit from the current tags, rewrite stored scores."""
        start = time.perf_counter()
        key = self._state()
        computed = 0
        if key != self._key or self._table is None:
            computed = refresh_features(self.db, self.comparison_id)
            self._table = load_features(self.db, self.comparison_id)
            self._Z = fit_scaler(self._table.X).transform(self._table.X)
            self._key = key
        table, Z = self._table, self._Z
        assert Z is not None  # set together with _table above
        model = fit_tagged(table, Z, labels(self.db, self.comparison_id, self.kinds))
        reasons = explain(Z, table.X, model.weights)
        _store(self.db, self.comparison_id, table.pair_ids, model.score(Z), reasons, model)
        return RefitReport(
            len(table.pair_ids),
            model.n_tags,
            model.n_regressions,
            computed,
            time.perf_counter() - start,
        )


def refit_and_store(db: Database, comparison_id: int, kinds: TagKinds | None = None) -> RefitReport:
    """One-off refit (a CLI call); a long-lived front end keeps a ``Ranker`` instead."""
    return Ranker(db, comparison_id, kinds).refit()


def _store(
    db: Database,
    comparison_id: int,
    pair_ids: np.ndarray,
    scores: np.ndarray,
    reasons: list[str],
    model: Model,
) -> None:
    stamp = now()
    rows = [
        (int(p), comparison_id, float(s), r or None, model.version, stamp)
        for p, s, r in zip(pair_ids, scores, reasons, strict=True)
    ]
    # Stored as the stored scores' weights (the calibration's slope applied), so that
    # weights and intercept give back triage_scores.score for a reader without our code.
    shown = np.round(model.weights * model.slope, 4).tolist()
    weights = json.dumps(dict(zip(FEATURE_NAMES, shown, strict=True)))
    with write_transaction(db):
        db.execute("DELETE FROM triage_scores WHERE comparison_id = ?", [comparison_id])
        db.conn.executemany(
            "INSERT INTO triage_scores (pair_id, comparison_id, score, reason, model_version,"
            " updated) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute(
            "INSERT INTO triage_models (comparison_id, model_version, weights, intercept, n_tags,"
            " n_regressions, updated) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(comparison_id) DO UPDATE SET model_version = excluded.model_version,"
            " weights = excluded.weights, intercept = excluded.intercept,"
            " n_tags = excluded.n_tags, n_regressions = excluded.n_regressions,"
            " updated = excluded.updated",
            [
                comparison_id,
                model.version,
                weights,
                model.intercept,
                model.n_tags,
                model.n_regressions,
                stamp,
            ],
        )


def likely_regressions(
    db: Database, comparison_id: int, *, limit: int = 50, after: tuple[float, int] | None = None
) -> list[dict]:
    """One keyset page of unreviewed pairs, most likely regression first."""
    sql = (
        "SELECT t.pair_id, p.key, t.score, t.reason FROM triage_scores t"
        " JOIN pairs p ON p.id = t.pair_id"
        " LEFT JOIN decisions d ON d.pair_id = t.pair_id AND d.tag IS NOT NULL AND d.stale = 0"
        " WHERE t.comparison_id = ? AND d.pair_id IS NULL"
    )
    args: list = [comparison_id]
    if after is not None:
        sql += " AND (t.score, t.pair_id) < (?, ?)"
        args += [after[0], after[1]]
    sql += " ORDER BY t.score DESC, t.pair_id DESC LIMIT ?"
    return list(db.query(sql, [*args, limit]))
