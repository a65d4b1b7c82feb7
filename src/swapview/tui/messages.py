"""What the review screen's workers and writer send back: one dataclass per result.

Workers run in threads with their own SQLite connection and only ever post one of
these; the screen applies it on the UI thread. ``generation`` ties a result to the
queue it was read for, so a late answer for a queue that is gone is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from .. import queue
from ..coverage.analysis import BlindSpot
from ..diff import Diff
from ..queue.search import SearchResult
from ..queue.status import DecisionState
from ..queue.window import QueueLoad
from ..scoring.refine import RefineProgress
from ..scoring.runner import ScoreReport
from ..session import Outcome
from ..shift.view import ShiftView
from ..triage.clusters import Cluster
from ..triage.ranking import RefitReport
from ..triage.sampling import Suggestion


@dataclass
class QueueLoaded(Message):
    generation: int
    load: QueueLoad


@dataclass
class ShapeCounted(Message):
    generation: int
    shape: queue.Shape

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ShapeCounted)  # only the latest count matters


@dataclass
class RowsLoaded(Message):
    generation: int
    start: int
    rows: list[queue.QueueRow]


@dataclass
class DecisionsRefreshed(Message):
    """Fresh decisions of the pairs in ``checked`` (absent from ``states`` = undecided)."""

    checked: list[int]
    states: dict[int, DecisionState]
    progress: queue.Progress


@dataclass
class SearchDone(Message):
    query: str
    result: SearchResult


@dataclass
class DiffReady(Message):
    cache_key: tuple
    diff: Diff


@dataclass
class JudgeCalibrated(Message):
    """How far the judge agrees with the tags ('' when no judge judged the comparison)."""

    summary: str


@dataclass
class ShiftBuilt(Message):
    """The comparison's shift analysis, kept for picking a row's pairs."""

    comparison_id: int
    view: ShiftView


@dataclass
class ShiftProgressed(Message):
    """The shift worker is storing per-pair numbers a database made before them lacks."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ShiftProgressed)  # only the latest matters


@dataclass
class RefineStepped(Message):
    """Refinement committed a step (or could not start: ``problem``)."""

    comparison: str
    progress: RefineProgress | None
    problem: str | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefineStepped) and message.problem is None


@dataclass
class CoverageBuilt(Message):
    """The blind spots of the eval suite in this comparison's traffic (``problem``: none)."""

    comparison_id: int
    spots: list[BlindSpot]
    problem: str | None = None


@dataclass
class WriteDone(Message):
    """The reviewer's writer thread committed (or failed) one write."""

    outcome: Outcome


@dataclass
class TriageRefitted(Message):
    comparison_id: int
    report: RefitReport


@dataclass
class EstimateReady(Message):
    comparison_id: int
    estimate: dict | None

    def can_replace(self, message: Message) -> bool:
        # A newer estimate of the same comparison makes a queued one moot.
        return isinstance(message, EstimateReady) and message.comparison_id == self.comparison_id


@dataclass
class ClusterRead(Message):
    """The current pair's cluster (None: in none) and its unreviewed members."""

    pair_id: int
    cluster: Cluster | None
    todo: list[int]
    built: bool


@dataclass
class AlikeFound(Message):
    pair_id: int
    key: str
    ids: list[int]


@dataclass
class SampleSuggested(Message):
    comparison_id: int
    suggestion: Suggestion
    ids: list[int]


@dataclass
class ClaimsRead(Message):
    """The live claims of the other reviewers: {pair id: reviewer}."""

    claims: dict[int, str]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ClaimsRead)  # only the latest matters


@dataclass
class SecondLookFound(Message):
    """Pairs other reviewers tagged that wait for this reviewer's second look."""

    comparison_id: int
    ids: list[int]


@dataclass
class UnscoredCounted(Message):
    """Pairs with no score yet, per comparison name (empty: every pair is scored)."""

    comparison_id: int | None
    unscored: dict[str, int]


@dataclass
class ScoringProgressed(Message):
    text: str  # "scoring support: 512/1,000"

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScoringProgressed)  # only the latest matters


@dataclass
class ScoringFinished(Message):
    """A scoring run from the review app ended (``error``: why it stopped)."""

    reports: list[ScoreReport] = field(default_factory=list)
    error: str | None = None
