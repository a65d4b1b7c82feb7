"""Refinement while the reviewer reads: the accurate model re-scores the head of the queue
in a background thread worker from the moment the app opens (a plain object).

The worker runs at a lower CPU priority than the app (its embedding threads inherit it),
so keys stay as quick as without it; each committed step is posted back as
``RefineStepped``. It stops when every pair is refined, when the model cannot be loaded
(said once), or when the app closes. Nothing is embedded twice: the steps go through the
embedding cache, and a later `swapview score --refine` resumes where it left off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.worker import get_current_worker

from ..errors import SwapviewError
from ..scoring.embeddings import make_embedder
from ..scoring.refine import RefineProgress, refine_progress, refine_step
from ..store import open_db
from .messages import RefineStepped
from .reads import WorkerHost, start_thread

NICE = 10  # of the worker's thread, and of the model's threads it starts
REFINED_ORDERS = ("semantic", "quirk")  # orders that read the refined distance
RESORT_S = 10.0  # refinement re-sorts the queue at most this often


def review_embedder(backend: str) -> Any:
    """The accurate model for refining under a reviewer: MiniLM on one thread, so a core
    stays free for the app (the same model, cache keys and distances as `score --refine`)."""
    if backend == "minilm":
        from ..scoring.embeddings.minilm import MiniLMEmbedder

        return MiniLMEmbedder(threads=1)
    return make_embedder(backend)


def lower_priority() -> None:
    """Make the calling thread (and threads it starts) yield the CPU to the app's."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):
        pass  # not Linux, or not allowed: refinement still runs, at normal priority


class BackgroundRefiner:
    """Starts and owns the refinement worker of one comparison."""

    def __init__(
        self,
        host: WorkerHost,
        db_path: str,
        backend: str,
        make: Callable[[str], Any] = review_embedder,
    ) -> None:
        self.host = host
        self.db_path = db_path
        self.backend = backend
        self._make = make
        self.comparison: str | None = None
        self._resorted_at = 0.0  # when refinement last re-sorted the queue

    def resort_due(
        self, before: RefineProgress | None, now: RefineProgress | None, order: str
    ) -> bool:
        """The refined head should re-sort the queue: it grew, the order reads the refined
        distance, and the last re-sort is RESORT_S old (or the run is done)."""
        grew = now is not None and (before is None or now.refined != before.refined)
        clock = time.monotonic()
        due = clock - self._resorted_at >= RESORT_S or (now is not None and now.done)
        if not (grew and due and order in REFINED_ORDERS):
            return False
        self._resorted_at = clock
        return True

    def start(self, comparison: str) -> None:
        """Refine ``comparison`` from its head down (a new call replaces the last run)."""
        self.comparison = comparison
        start_thread(self.host, lambda: self._run(comparison), "refine", exclusive=True)

    def _run(self, comparison: str) -> None:
        lower_priority()
        worker = get_current_worker()
        db = open_db(self.db_path, migrate=False)
        try:
            try:
                embedder = self._make(self.backend)
            except Exception as exc:  # a model that cannot load: say so, keep reviewing
                self.host.post_message(RefineStepped(comparison, None, f"{exc}"))
                return
            progress = refine_progress(db, comparison, embedder.name)
            if progress.total == 0:
                why = "nothing to refine: score the comparison first (swapview score)"
                self.host.post_message(RefineStepped(comparison, None, why))
                return
            self.host.post_message(RefineStepped(comparison, progress))
            while not progress.done and not worker.is_cancelled:
                try:
                    step = refine_step(db, comparison, embedder, total=progress.total)
                except SwapviewError as exc:  # unscored, or scored with this very model
                    self.host.post_message(RefineStepped(comparison, None, str(exc)))
                    return
                progress = step.progress
                self.host.post_message(RefineStepped(comparison, progress))
                if not step.refined:
                    return
        finally:
            db.close()
