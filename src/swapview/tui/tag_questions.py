"""The questions asked before a tag reaches past the reader's own decision on the pair on
screen: tagging over another reviewer's decision (``ConfirmOverwrite``), and tagging a
whole cluster (``ConfirmClusterTag``).

``TagQuestions`` (a plain object the screen holds) decides whether to ask, opens the
modal, and on a yes hands the write back to the screen (``tag_row``, ``tag_pairs``),
which marks the rows pending and sends it through the reviewer's session.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.app import App

from .. import queue
from ..config import TagConfig
from ..session import GroupWrite
from ..textsafe import visible
from . import keys
from .cluster_modal import ConfirmClusterTag
from .messages import ClusterRead
from .modals import ConfirmOverwrite, overwrite_question
from .pair_list import PairList
from .reads import Notifies
from .second_look import SecondLooks
from .triage_controller import cluster_default_tag, cluster_write


class QuestionHost(Notifies, Protocol):
    """What the questions need of the screen: the queue on it, modals, and the writes."""

    @property
    def spec(self) -> queue.QueueSpec: ...

    @property
    def app(self) -> App[Any]: ...

    @property
    def pair_list(self) -> PairList: ...

    def bound_keys(self) -> keys.Bound: ...

    def tag_row(self, row: queue.QueueRow, tag: str | None) -> None: ...

    def tag_pairs(self, todo: list[int], tag: str, write: GroupWrite) -> None: ...


class TagQuestions:
    """Asks before overwriting someone else's tag, and before tagging a cluster."""

    def __init__(
        self, host: QuestionHost, reviewer: str, looks: SecondLooks, tags: list[TagConfig]
    ) -> None:
        self.host = host
        self.reviewer = reviewer
        self.looks = looks
        self.tags = tags

    def before_tag(self, row: queue.QueueRow, tag: str | None) -> bool:
        """Ask (True: asked, the tag waits) before replacing another reviewer's tag."""
        theirs, who = row.tag, row.reviewer
        if theirs is None or who is None or who == self.reviewer or tag == theirs:
            return False
        if self.looks.hides(self.host.spec, row.pair_id):
            return False  # a blind second look is the reviewer's own label, not an overwrite
        question = overwrite_question(visible(row.key), theirs, who, tag)

        def answered(yes: bool | None) -> None:
            current = self.host.pair_list.cursor_row
            if yes and current is not None and current.pair_id == row.pair_id:
                self.host.tag_row(current, tag)

        self.host.app.push_screen(ConfirmOverwrite(question), answered)
        return True

    def cluster(self, msg: ClusterRead) -> None:
        """The cluster of the pair was read: say why there is nothing to tag, or ask."""
        found = msg.cluster
        if found is None:
            self.host.notify(
                "this pair is in no cluster: no other pair changed alike", markup=False
            )
            return
        if not msg.todo:
            self.host.notify(f"all {found.size:,} pairs of this cluster are reviewed", markup=False)
            return
        row = self.host.pair_list.cursor_row
        current = row.tag if row is not None and row.pair_id == msg.pair_id else None
        modal = ConfirmClusterTag(
            len(msg.todo),
            found.size - len(msg.todo),
            found.shared(),
            cluster_default_tag(current, self.tags),
            self.tags,
            keys.tag_keys(self.host.bound_keys(), self.tags),
        )

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self.host.tag_pairs(msg.todo, tag, cluster_write(found.id, tag))

        self.host.app.push_screen(modal, chosen)
