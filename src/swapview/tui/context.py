"""What the review screen is given by its caller (the CLI, a browser tab or a test), and
where its cursor lands in the next queue."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

from .. import queue
from ..config import Config
from ..queue.window import QueueLoad


@dataclass
class ReviewContext:
    """Everything the screen needs, gathered by the caller (CLI or test)."""

    db_path: str
    reviewer: str
    spec: queue.QueueSpec
    config: Config = field(default_factory=Config)
    resume: bool = True
    comparisons: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    preloaded: Future[QueueLoad] | None = None  # the first load, started by the caller
    refine: str | None = None  # the accurate model refining the queue meanwhile (minilm)
    evals: list[str] = field(default_factory=list)  # the eval suite, for the blind spots (B)


@dataclass(frozen=True)
class Arrival:
    """Where the cursor lands in the next queue: on ``target``, else (with ``keep``) on
    the pair it is on if the queue has it, else at row ``fallback``."""

    target: int | None = None
    keep: bool = True
    fallback: int = 0
