"""Clusters of alike changes in the store: build, look up, tag a whole cluster, undo it.

``build_clusters`` reads each pair once (a worker's job: tens of seconds at 100k pairs) and
rewrites the comparison's clusters. Tagging a cluster writes one ``reviews.record`` per
pair inside one transaction and returns the review ids, which ``undo_group`` reverts as one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from .. import reviews
from ..errors import NotFoundError
from ..store import now, text_hash, write_transaction
from .learner import fit_scaler
from .ranking import load_features, refresh_features
from .signature import (
    changed_shingles,
    common_run,
    lsh_keys,
    minhash,
    refusal_phrase,
    signal_keys,
    similarity,
)

MIN_SIMILARITY = 0.5
LABEL_SAMPLE = 20
# Embedding shifts: a pair whose vectors moved less than MIN_SHIFT did not change meaning
# enough to group by; two shifts within MIN_SHIFT_COSINE point the same way.
MIN_SHIFT = 0.3
MIN_SHIFT_COSINE = 0.8
SHIFT_TABLES, SHIFT_BITS = 6, 12


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:  # path compression keeps later finds flat
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _pairs(db: Database, comparison_id: int) -> Iterator[tuple[int, str, str]]:
    cursor = db.execute(
        "SELECT id, coalesce(baseline_output, ''), coalesce(candidate_output, '')"
        " FROM pairs WHERE comparison_id = ? ORDER BY id",
        [comparison_id],
    )
    while batch := cursor.fetchmany(2000):
        yield from batch


def _signals(db: Database, comparison_id: int) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for pid, name, detail in db.execute(
        "SELECT g.pair_id, g.name, g.detail FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " WHERE p.comparison_id = ? ORDER BY g.pair_id, g.name",
        [comparison_id],
    ):
        out[pid].append((name, detail))
    return out


def group_changes(
    items: Iterator[tuple[int, str, str]],
    signals: dict[int, list[tuple[str, str | None]]],
    shifts: dict[int, np.ndarray] | None = None,
) -> list[tuple[str, str | None, list[int]]]:
    """(kind, label, pair ids) for every group of two or more alike changes.

    ``shifts`` (unit vectors of candidate minus baseline embedding, when embeddings exist)
    group pairs whose meaning moved the same way though their words differ. Labels of the
    text-similarity groups are None here: the caller reads a few members to write them.
    """
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
    sigs: dict[int, np.ndarray] = {}
    for pid, base, cand in items:
        phrase = refusal_phrase(base, cand)
        keys = signal_keys(signals.get(pid, ()))
        if phrase:
            keyed[("refusal", phrase)].append(pid)
        elif keys:
            keyed[("signal", keys[0])].append(pid)
        elif (sig := minhash(changed_shingles(base, cand))) is not None:
            sigs[pid] = sig
    groups: list[tuple[str, str | None, list[int]]] = [
        (kind, label, ids) for (kind, label), ids in keyed.items() if len(ids) > 1
    ]
    similar = _near_duplicates(sigs)
    groups += [("similar", None, ids) for ids in similar]
    if shifts:
        placed = {p for _, _, ids in groups for p in ids}
        rest = {p: v for p, v in shifts.items() if p not in placed}
        groups += [("meaning", None, ids) for ids in _same_direction(rest)]
    return groups


def _same_direction(shifts: dict[int, np.ndarray]) -> list[list[int]]:
    """Groups of pairs whose embedding moved the same way (random-hyperplane LSH)."""
    if not shifts:
        return []
    ids = list(shifts)
    vectors = np.vstack([shifts[p] for p in ids])
    planes = np.random.default_rng(7).normal(size=(SHIFT_TABLES, SHIFT_BITS, vectors.shape[1]))
    bits = np.einsum("tbd,nd->tnb", planes, vectors) > 0
    uf = _UnionFind()
    for table in range(SHIFT_TABLES):
        first: dict[bytes, int] = {}
        for row, code in enumerate(np.packbits(bits[table], axis=1)):
            head = first.setdefault(code.tobytes(), row)
            if head != row and float(vectors[row] @ vectors[head]) >= MIN_SHIFT_COSINE:
                uf.union(ids[row], ids[head])
    members: dict[int, list[int]] = defaultdict(list)
    for pid in ids:
        members[uf.find(pid)].append(pid)
    return [sorted(group) for group in members.values() if len(group) > 1]


def embedding_shifts(db: Database, comparison_id: int) -> dict[int, np.ndarray]:
    """Unit (candidate - baseline) embedding per pair whose meaning moved, if embedded."""
    row = db.execute(
        "SELECT s.embedding_model FROM scores s JOIN pairs p ON p.id = s.pair_id"
        " WHERE p.comparison_id = ? AND s.embedding_model IS NOT NULL LIMIT 1",
        [comparison_id],
    ).fetchone()
    if row is None:
        return {}
    model = row[0]
    out: dict[int, np.ndarray] = {}
    for pid, base, cand in _pairs(db, comparison_id):
        vectors = [_vector(db, model, text) for text in (base, cand)]
        if vectors[0] is None or vectors[1] is None:
            continue
        shift = vectors[1] - vectors[0]
        norm = float(np.linalg.norm(shift))
        if norm >= MIN_SHIFT:
            out[pid] = shift / norm
    return out


def _vector(db: Database, model: str, text: str) -> np.ndarray | None:
    if not text.strip():
        return None
    row = db.execute(
        "SELECT vector FROM embeddings WHERE model = ? AND content_hash = ?",
        [model, text_hash(text)],
    ).fetchone()
    return np.frombuffer(row[0], dtype=np.float32).astype(np.float64) if row else None


def _near_duplicates(sigs: dict[int, np.ndarray]) -> list[list[int]]:
    """Groups of pairs whose changed bigrams overlap (MinHash LSH, checked per bucket)."""
    uf = _UnionFind()
    first: dict[bytes, int] = {}
    for pid, sig in sigs.items():
        for key in lsh_keys(sig):
            head = first.setdefault(key, pid)
            if head != pid and similarity(sig, sigs[head]) >= MIN_SIMILARITY:
                uf.union(pid, head)
    members: dict[int, list[int]] = defaultdict(list)
    for pid in sigs:
        members[uf.find(pid)].append(pid)
    return [sorted(ids) for ids in members.values() if len(ids) > 1]


def _texts(db: Database, ids: list[int]) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(ids))
    return [
        (base[:4000], cand[:4000])
        for base, cand in db.execute(
            "SELECT coalesce(baseline_output, ''), coalesce(candidate_output, '')"
            f" FROM pairs WHERE id IN ({marks}) ORDER BY id",
            ids,
        )
    ]


def _label(texts: list[tuple[str, str]]) -> str:
    """What most members added or dropped, e.g. 'added "please remember that this"'."""
    counts = Counter(s for base, cand in texts for s in changed_shingles(base, cand))
    common = {s for s, n in counts.items() if n >= max(2, len(texts) / 2)}
    base, cand = texts[0]
    if added := common_run(cand, common, "+"):
        return f'added "{added}"'
    if dropped := common_run(base, common, "-"):
        return f'dropped "{dropped}"'
    return ", ".join(s for s, _ in counts.most_common(3))


def build_clusters(db: Database, comparison_id: int) -> int:
    """Regroup a comparison's pairs by alike changes; returns the number of clusters."""
    groups = group_changes(
        _pairs(db, comparison_id),
        _signals(db, comparison_id),
        embedding_shifts(db, comparison_id),
    )
    groups = [
        (kind, label or _label(_texts(db, ids[:LABEL_SAMPLE])), ids) for kind, label, ids in groups
    ]
    stamp = now()
    with write_transaction(db):
        db.execute(
            "DELETE FROM triage_cluster_members WHERE cluster_id IN"
            " (SELECT id FROM triage_clusters WHERE comparison_id = ?)",
            [comparison_id],
        )
        db.execute("DELETE FROM triage_clusters WHERE comparison_id = ?", [comparison_id])
        for kind, label, ids in sorted(groups, key=lambda g: -len(g[2])):
            cur = db.execute(
                "INSERT INTO triage_clusters (comparison_id, kind, label, size, created)"
                " VALUES (?, ?, ?, ?, ?)",
                [comparison_id, kind, label, len(ids), stamp],
            )
            db.conn.executemany(
                "INSERT INTO triage_cluster_members (pair_id, cluster_id) VALUES (?, ?)",
                [(pid, cur.lastrowid) for pid in ids],
            )
    return len(groups)


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of pairs whose changes are alike, as the CLI, the review app and the report
    show it."""

    id: int
    kind: str  # refusal, signal, meaning, similar
    label: str
    size: int

    def shared(self) -> str:
        """What the members have in common, in words ("new refusal 'i cannot'")."""
        if self.kind == "refusal":
            return f"new refusal '{self.label}'"
        if self.kind == "signal":
            return f"signal {self.label}"
        if self.kind == "meaning":
            return f"meaning moved the same way ({self.label})"
        return self.label

    def describe(self) -> str:
        """The one-line rendering: "cluster #4 (12): new refusal 'i cannot'"."""
        return f"cluster #{self.id} ({self.size}): {self.shared()}"


_CLUSTER_COLUMNS = "c.id, c.kind, c.label, c.size"


def cluster_of(db: Database, pair_id: int) -> Cluster | None:
    """The cluster a pair belongs to, if any."""
    row = db.execute(
        f"SELECT {_CLUSTER_COLUMNS} FROM triage_cluster_members m"
        " JOIN triage_clusters c ON c.id = m.cluster_id WHERE m.pair_id = ?",
        [pair_id],
    ).fetchone()
    return Cluster(*row) if row else None


def top_clusters(db: Database, comparison_id: int, limit: int) -> list[Cluster]:
    """The comparison's biggest clusters, biggest first."""
    rows = db.execute(
        f"SELECT {_CLUSTER_COLUMNS} FROM triage_clusters c WHERE c.comparison_id = ?"
        " ORDER BY c.size DESC, c.id LIMIT ?",
        [comparison_id, limit],
    )
    return [Cluster(*r) for r in rows]


def cluster_members(db: Database, cluster_id: int, *, unreviewed_only: bool = False) -> list[int]:
    sql = "SELECT m.pair_id FROM triage_cluster_members m"
    if unreviewed_only:
        sql += (
            " LEFT JOIN decisions d ON d.pair_id = m.pair_id AND d.tag IS NOT NULL"
            " AND d.stale = 0 WHERE m.cluster_id = ? AND d.pair_id IS NULL"
        )
    else:
        sql += " WHERE m.cluster_id = ?"
    return [r[0] for r in db.execute(sql + " ORDER BY m.pair_id", [cluster_id])]


def cluster_exists(db: Database, cluster_id: int) -> bool:
    return (
        db.execute("SELECT 1 FROM triage_clusters WHERE id = ?", [cluster_id]).fetchone()
        is not None
    )


def tag_cluster(
    db: Database, cluster_id: int, reviewer: str, tag: str, *, unreviewed_only: bool = True
) -> list[int]:
    """Tag every (unreviewed) pair of a cluster in one transaction; returns the review ids."""
    if not cluster_exists(db, cluster_id):
        raise NotFoundError(f"no cluster with id {cluster_id}")
    with write_transaction(db):
        ids = cluster_members(db, cluster_id, unreviewed_only=unreviewed_only)
        return [reviews.record(db, pid, reviewer, tag=tag) for pid in ids]


def undo_group(db: Database, review_ids: list[int], reviewer: str) -> list[int]:
    """Undo a cluster tag (or any group of reviews) as one step; returns the undo rows."""
    with write_transaction(db):
        return [reviews.undo(db, rid, reviewer) for rid in reversed(review_ids)]


def more_like_this(db: Database, pair_id: int, *, limit: int = 20) -> list[int]:
    """Unreviewed pairs most like this one: its cluster first, then nearest in features."""
    row = db.execute("SELECT comparison_id FROM pairs WHERE id = ?", [pair_id]).fetchone()
    if row is None:
        raise NotFoundError(f"no pair with id {pair_id}")
    found = cluster_of(db, pair_id)
    same = cluster_members(db, found.id, unreviewed_only=True) if found else []
    out = [p for p in same if p != pair_id][:limit]
    if len(out) < limit:
        out += [p for p in _nearest(db, row[0], pair_id, limit + len(out)) if p not in out]
    return out[:limit]


def _nearest(db: Database, comparison_id: int, pair_id: int, limit: int) -> list[int]:
    refresh_features(db, comparison_id)
    table = load_features(db, comparison_id)
    Z = fit_scaler(table.X).transform(table.X)
    where = np.flatnonzero(table.pair_ids == pair_id)
    if not len(where):
        return []
    done = {
        r[0]
        for r in db.execute(
            "SELECT d.pair_id FROM decisions d JOIN pairs p ON p.id = d.pair_id"
            " WHERE p.comparison_id = ? AND d.tag IS NOT NULL AND d.stale = 0",
            [comparison_id],
        )
    }
    distance = ((Z - Z[where[0]]) ** 2).sum(axis=1)
    order = np.argsort(distance, kind="stable")
    return [int(p) for p in table.pair_ids[order] if int(p) != pair_id and int(p) not in done][
        :limit
    ]
