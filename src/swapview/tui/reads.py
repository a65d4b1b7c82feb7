"""The review screen's reads that may be slow, run as thread workers (a plain object).

``ScreenReads`` owns them: each call starts one thread worker through the screen's
``run_worker`` and the result comes back as a message (``messages.py``) posted to the
screen. Each worker opens its own SQLite connection (connections belong to their thread;
WAL means these reads never wait on a writer), so the UI thread only ever applies results.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Collection
from concurrent.futures import Future
from contextlib import closing
from typing import Any, Protocol

from sqlite_utils import Database
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.worker import get_current_worker

from .. import queue
from ..coverage import build_coverage, read_eval_cases
from ..coverage.analysis import blind_spots
from ..diff import diff_texts
from ..errors import SwapviewError
from ..judge.stats import calibration
from ..judge.verdicts import latest_judge
from ..queue.search import search
from ..queue.window import QueueLoad, first_undecided, load_queue
from ..reviews import claim, claims_of_others
from ..scoring.embeddings import make_embedder
from ..shift.view import ShiftView
from ..store import connect, open_db
from ..triage.agreement import second_look
from .messages import (
    ClaimsRead,
    CoverageBuilt,
    DecisionsRefreshed,
    DiffReady,
    JudgeCalibrated,
    QueueLoaded,
    RowsLoaded,
    SearchDone,
    SecondLookFound,
    ShapeCounted,
    ShiftBuilt,
    ShiftProgressed,
)


class WorkerHost(Protocol):
    """What a worker owner needs of the screen: start a worker, send back a message."""

    def run_worker(
        self,
        work: Callable[[], None],
        name: str | None = "",
        group: str = "default",
        description: str = "",
        exit_on_error: bool = True,
        start: bool = True,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Any: ...

    def post_message(self, message: Message) -> bool: ...


class Notifies(Protocol):
    """A screen's notices, as the plain objects it holds call them."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


def start_thread(host: WorkerHost, run: Callable[[], None], group: str, exclusive: bool) -> None:
    """Run ``run`` in a thread worker of ``host``'s, named after its group; errors reach the
    screen's one Worker.StateChanged handler (never the app's exit)."""
    host.run_worker(
        run, thread=True, group=group, exclusive=exclusive, exit_on_error=False, name=group
    )


class ScreenReads:
    """Starts the screen's read workers; one group each, the latest wins where exclusive."""

    def __init__(self, host: WorkerHost, db_path: str, reviewer: str) -> None:
        self.host = host
        self.db_path = db_path
        self.reviewer = reviewer

    def _conn(self) -> closing[sqlite3.Connection]:
        return closing(connect(self.db_path))

    def _start(self, job: Callable[[], Message | None], group: str, exclusive: bool) -> None:
        def run() -> None:
            message = job()
            if message is not None:
                self.host.post_message(message)

        start_thread(self.host, run, group, exclusive)

    def load_queue(
        self,
        generation: int,
        spec: queue.QueueSpec,
        target: int | None,
        fallback: int,
        resume: bool = False,
        preloaded: Future[QueueLoad] | None = None,
    ) -> None:
        """Count and fill a queue; ``resume`` puts the cursor where the reviewer left off."""

        def job() -> Message:
            if preloaded is not None:
                # The CLI started this read before Textual was imported (see review_cmd).
                return QueueLoaded(generation, preloaded.result())
            with self._conn() as conn:
                reviewer = self.reviewer if resume else None
                load = load_queue(conn, spec, reviewer=reviewer, target=target, fallback=fallback)
            return QueueLoaded(generation, load)

        self._start(job, "queue", exclusive=True)

    def load_next_undecided(
        self, generation: int, spec: queue.QueueSpec, skip: Collection[int], fallback: int
    ) -> None:
        """The queue as it stands now, the cursor on its first undecided pair not in
        ``skip`` (moving on after a tag in an order that follows tags)."""

        def job() -> Message:
            with self._conn() as conn:
                # Pairs another reviewer is on are theirs for now: "next" leaves them.
                skipped = set(skip) | set(claims_of_others(conn, self.reviewer))
                target = first_undecided(conn, spec, skipped)
                load = load_queue(conn, spec, target=target, fallback=fallback)
            if target is None:
                load = dataclasses.replace(load, note="every pair of this queue is decided")
            return QueueLoaded(generation, load)

        self._start(job, "queue", exclusive=True)

    def claim(self, pair_id: int) -> None:
        """Claim the pair under the cursor for this reviewer (others' "next" skips it)."""

        def job() -> None:
            with self._conn() as conn:
                claim(Database(conn), self.reviewer, pair_id)

        self._start(job, "claim", exclusive=False)

    def read_claims(self) -> None:
        def job() -> Message:
            with self._conn() as conn:
                return ClaimsRead(claims_of_others(conn, self.reviewer))

        self._start(job, "claims", exclusive=True)

    def second_look(self, comparison_id: int, share: float) -> None:
        def job() -> Message:
            with self._conn() as conn:
                ids = second_look(Database(conn), comparison_id, self.reviewer, share)
            return SecondLookFound(comparison_id, ids)

        self._start(job, "second_look", exclusive=True)

    def count_shape(self, generation: int, spec: queue.QueueSpec) -> None:
        def job() -> Message:
            with self._conn() as conn:
                return ShapeCounted(generation, queue.shape(conn, spec))

        self._start(job, "shape", exclusive=True)

    def fetch_rows(
        self,
        generation: int,
        spec: queue.QueueSpec,
        shape: queue.Shape,
        start: int,
        count: int,
        before: queue.SortKey | None,
        after: queue.SortKey | None,
    ) -> None:
        """A page of rows, by keyset from a loaded neighbour where there is one."""

        def job() -> Message:
            with self._conn() as conn:
                if before is not None:
                    rows = queue.page_after(conn, spec, before, count, shape)
                elif after is not None:
                    rows = queue.page_before(conn, spec, after, count, shape)
                else:
                    rows = queue.page_at(conn, spec, start, count, shape)
            return RowsLoaded(generation, start, rows)

        self._start(job, "pages", exclusive=False)

    def refresh_decisions(
        self, pair_ids: list[int], comparison_id: int | None, total: int | None
    ) -> None:
        """Re-read the decisions of ``pair_ids`` and the progress (someone else wrote)."""

        def job() -> Message:
            with self._conn() as conn:
                states = queue.decisions_for(conn, pair_ids)
                prog = queue.progress(conn, comparison_id, total=total or None)
            return DecisionsRefreshed(pair_ids, states, prog)

        self._start(job, "refresh", exclusive=True)

    def search(self, query: str, comparison_id: int | None) -> None:
        def job() -> Message | None:
            worker = get_current_worker()
            with self._conn() as conn:
                result = search(conn, query, comparison_id, cancelled=lambda: worker.is_cancelled)
            return None if worker.is_cancelled else SearchDone(query, result)

        self._start(job, "search", exclusive=True)

    def judge_calibration(self, comparison_id: int, kinds: dict[str, str]) -> None:
        """The judge against the current tags: agreement and Cohen's kappa."""

        def job() -> Message:
            db = open_db(self.db_path, migrate=False)
            try:
                key = latest_judge(db, comparison_id)
                text = "" if key is None else calibration(db, comparison_id, key, kinds).summary()
            finally:
                db.close()
            return JudgeCalibrated(text)

        self._start(job, "judge", exclusive=True)

    def shift(self, comparison_id: int) -> None:
        """What shifted, per measure and slice (reads every pair's stored measures)."""

        shown = [0]  # tenths told so far: a notice per tenth, not per chunk

        def progress(done: int, total: int) -> None:
            if done * 10 // total > shown[0] or done == total:
                shown[0] = done * 10 // total
                self.host.post_message(ShiftProgressed(done, total))

        def job() -> Message:
            db = open_db(self.db_path, migrate=False)
            try:
                return ShiftBuilt(comparison_id, ShiftView.build(db, comparison_id, progress))
            finally:
                db.close()

        self._start(job, "shift", exclusive=True)

    def coverage(self, comparison_id: int, evals: list[str], kinds: dict[str, str]) -> None:
        """Where the eval suite is blind: the comparison's prompts clustered against the
        eval cases (embedded with the scoring model, cached)."""

        def job() -> Message:
            db = open_db(self.db_path, migrate=False)
            try:
                (comparison,) = db.query("SELECT * FROM comparisons WHERE id = ?", [comparison_id])
                cases = read_eval_cases(evals)
                cov = build_coverage(db, comparison, cases, make_embedder(), kinds=kinds)
                return CoverageBuilt(comparison_id, blind_spots(cov))
            except SwapviewError as exc:
                return CoverageBuilt(comparison_id, [], str(exc))
            finally:
                db.close()

        self._start(job, "coverage", exclusive=True)

    def diff(
        self, cache_key: tuple, old: str | None, new: str | None, ignore_whitespace: bool
    ) -> None:
        """Align a big pair's lines; hunks get their word diff when laid out."""

        def job() -> Message:
            diff = diff_texts(old, new, ignore_whitespace=ignore_whitespace, lazy=True)
            return DiffReady(cache_key, diff)

        self._start(job, "diff", exclusive=True)
