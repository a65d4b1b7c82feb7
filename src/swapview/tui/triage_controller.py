"""Triage in the review app, as a plain object the screen holds: refits, the estimate,
clusters, "more like this", a band's sample, and where escape goes back to.

- While the queue is in the learned ("regression") order, every committed tag asks for
  a refit. One refit runs at a time in a thread worker with its own connection (a
  ``Ranker`` keeps the comparison's features in memory); tags that arrive meanwhile fold
  into one more refit (``CoalescingGate``: no tag is left without a refit covering it).
- The estimate of regressions left among the unreviewed pairs ("~23 left (12-41)") is
  recomputed the same way after every committed write. It appears once triage is in use
  (the learned or sample order, or bands already assigned): assigning bands reads every
  pair's features.
- ``c`` reads the current pair's cluster (grouping the comparison first if it never
  was), ``m`` finds its alike pairs, ``S`` the next random pairs of the band that would
  tighten the estimate most.

Results come back to the screen as messages (``messages.py``); the screen decides what
they change. The controller never touches widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlite_utils import Database

from .. import queue
from ..config import TagConfig
from ..store import open_db
from ..triage.clusters import (
    build_clusters,
    cluster_members,
    cluster_of,
    more_like_this,
    tag_cluster,
)
from ..triage.estimate import UNREVIEWED, describe_remaining
from ..triage.ranking import Ranker
from ..triage.sampling import band_statuses, estimate_remaining, suggest_sample
from ..triage.stored import has_bands, has_clusters, has_scores, pair_comparison
from .gate import CoalescingGate
from .history import QueueHistory
from .messages import AlikeFound, ClusterRead, EstimateReady, SampleSuggested, TriageRefitted
from .reads import Notifies, WorkerHost, start_thread

REGRESSION_ORDER = "regression"
SAMPLE_ORDER = "sample"
SAMPLE_QUEUE = 50  # pairs of a band's sample put in the queue at once
ALIKE_LIMIT = 50


class TriageHost(WorkerHost, Notifies, Protocol):
    """What the controller needs of the screen: workers, messages and notices."""


def estimate_text(est: dict | None) -> str:
    """'~23 left (12-41)': regressions left among the unreviewed pairs, 90% interval."""
    return describe_remaining(est, short=True)


def cluster_default_tag(current: str | None, tags: list[TagConfig]) -> str:
    """The tag a cluster confirmation starts on: the pair's own, else regression."""
    names = [t.name for t in tags]
    if current in names and current != "skip":
        return current
    return "regression" if "regression" in names else names[0]


def cluster_write(cluster_id: int, tag: str) -> Callable[[Database, str], Any]:
    """The session's group write that tags every unreviewed member of a cluster."""
    return lambda db, who: tag_cluster(db, cluster_id, who, tag)


class TriageController:
    """Starts the triage workers and keeps what they share between runs."""

    def __init__(self, host: TriageHost, db_path: str, tag_kinds: dict[str, str]) -> None:
        self.host = host
        self.db_path = db_path
        self.tag_kinds = tag_kinds
        self.back = QueueHistory()
        self.refit_gate = CoalescingGate()
        self.estimate_gate = CoalescingGate()
        self._rankers: dict[int, Ranker] = {}
        self._seen: set[int] = set()  # comparisons whose first refit was asked for
        self._fresh: set[int] = set()  # ... and had no learned order before it
        self._refitted: set[int] = set()  # comparisons with features computed
        self._estimate_next: tuple[int, bool] | None = None  # the latest request

    def _start(self, run: Callable[[], None], group: str, exclusive: bool = False) -> None:
        start_thread(self.host, run, group, exclusive)

    def _db(self) -> Database:
        return open_db(self.db_path, migrate=False)

    # ----- the learned order
    def request_refit(self, spec: queue.QueueSpec, conn: Any) -> None:
        """Refit soon, if the queue is in the learned order of one comparison."""
        cid = spec.comparison_id
        if cid is None or spec.order != REGRESSION_ORDER:
            return
        if not self.refit_gate.request():
            return  # the running worker will refit again
        if cid not in self._seen:
            self._seen.add(cid)
            if not has_scores(conn, cid):  # no learned order yet: start at its top
                self._fresh.add(cid)
                self.host.notify("learning the likely-regression order…", timeout=3)
        self._start(lambda: self._refit_loop(cid), "triage")

    def _refit_loop(self, comparison_id: int) -> None:
        gate = self.refit_gate
        try:
            while True:
                generation = gate.begin()
                ranker = self._rankers.get(comparison_id)
                if ranker is None:
                    ranker = Ranker(open_db(self.db_path), comparison_id, self.tag_kinds)
                    self._rankers[comparison_id] = ranker
                self.host.post_message(TriageRefitted(comparison_id, ranker.refit()))
                if gate.finish(generation):
                    return
        except BaseException:
            gate.abort()
            raise

    def refit_landed(self, comparison_id: int) -> bool:
        """Note a refit; True when it was the comparison's first learned order (the
        queue then starts at its top rather than staying on the pair)."""
        self._refitted.add(comparison_id)
        if comparison_id in self._fresh:
            self._fresh.discard(comparison_id)
            return True
        return False

    # ----- what is left
    def request_estimate(self, spec: queue.QueueSpec) -> bool:
        """Recompute the estimate soon; False when this queue has none to show."""
        cid = spec.comparison_id
        if cid is None:
            return False
        if spec.order == REGRESSION_ORDER and cid not in self._refitted:
            return True  # the first refit computes the features, then asks (no double work)
        self._estimate_next = (cid, spec.order in (REGRESSION_ORDER, SAMPLE_ORDER))
        if self.estimate_gate.request():
            self._start(self._estimate_loop, "estimate")
        return True

    def _estimate_loop(self) -> None:
        gate = self.estimate_gate
        try:
            while True:
                generation = gate.begin()
                job = self._estimate_next
                if job is not None:
                    self.host.post_message(EstimateReady(job[0], self._estimate(*job)))
                if gate.finish(generation):
                    return
        except BaseException:
            gate.abort()
            raise

    def _estimate(self, comparison_id: int, wanted: bool) -> dict | None:
        db = self._db()
        try:
            # Bands are assigned on first use (it reads every pair's features): only once
            # the reviewer is triaging, not on every review.
            if not (wanted or has_bands(db, comparison_id)):
                return None
            return estimate_remaining(db, comparison_id, kinds=self.tag_kinds)
        finally:
            db.close()

    # ----- clusters, alike pairs, a band's sample
    def read_cluster(self, pair_id: int) -> None:
        def run() -> None:
            db = self._db()
            try:
                cid = pair_comparison(db, pair_id)
                built = cid is not None and not has_clusters(db, cid)
                if built and cid is not None:
                    self.host.notify("grouping alike changes (once per comparison)…", timeout=8)
                    build_clusters(db, cid)
                found = cluster_of(db, pair_id)
                todo = cluster_members(db, found.id, unreviewed_only=True) if found else []
            finally:
                db.close()
            self.host.post_message(ClusterRead(pair_id, found, todo, built))

        self._start(run, "cluster", exclusive=True)

    def find_alike(self, pair_id: int, key: str) -> None:
        def run() -> None:
            db = self._db()
            try:
                ids = more_like_this(db, pair_id, limit=ALIKE_LIMIT)
            finally:
                db.close()
            self.host.post_message(AlikeFound(pair_id, key, ids))

        self._start(run, "alike", exclusive=True)

    def suggest_sample(self, comparison_id: int) -> None:
        def run() -> None:
            db = self._db()
            try:
                suggestion = suggest_sample(db, comparison_id, kinds=self.tag_kinds)
                ids: list[int] = []
                if suggestion.band is not None:
                    # The band's next unreviewed pairs in sample order: a short queue, so
                    # it pages as fast at a million pairs as at a hundred.
                    statuses = band_statuses(db, comparison_id, self.tag_kinds)
                    pairs, status = statuses[suggestion.band]
                    ids = pairs[status == UNREVIEWED][:SAMPLE_QUEUE].tolist()
            finally:
                db.close()
            self.host.post_message(SampleSuggested(comparison_id, suggestion, ids))

        self._start(run, "sample", exclusive=True)

    def close(self) -> None:
        for ranker in self._rankers.values():
            ranker.db.close()


def alike_spec(spec: queue.QueueSpec, pair_id: int, key: str, ids: list[int]) -> queue.QueueSpec:
    """The short queue of a pair and the pairs alike to it ("more like this")."""
    return queue.QueueSpec(
        order=spec.order,
        seed=spec.seed,
        comparison_id=spec.comparison_id,
        ids=(pair_id, *ids),
        label=f"like {key}",
    )


def sample_spec(
    spec: queue.QueueSpec, comparison_id: int, band: int, ids: list[int]
) -> queue.QueueSpec:
    """The short queue of a band's next random pairs, in sample order."""
    return queue.QueueSpec(
        order=SAMPLE_ORDER,
        seed=spec.seed,
        comparison_id=comparison_id,
        ids=tuple(ids),
        label=f"band {band} sample",
    )
