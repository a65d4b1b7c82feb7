"""Triage in the review screen: tag a whole cluster, "more like this", what is left.

- ``c`` reads the current pair's cluster in a worker (grouping the comparison first if it
  never was), asks for confirmation, then tags every unreviewed member through the
  writer session as one group: one transaction, and one undo / redo step.
- ``m`` narrows the queue to the pair and its alike pairs (``more_like_this``); escape,
  or clearing the filters, goes back to the queue before, on the same pair.
- The estimate of what is left and its sample (``S``): ``triage_estimate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.message import Message

from .. import queue
from ..session import Outcome
from ..store import open_db
from ..triage.clusters import (
    Cluster,
    build_clusters,
    cluster_members,
    cluster_of,
    more_like_this,
    tag_cluster,
)
from ..triage.stored import has_clusters, pair_comparison
from .cluster_modal import ConfirmClusterTag
from .pair_list import Columns
from .triage_estimate import REGRESSION_ORDER, SAMPLE_TITLE, EstimateMixin

if TYPE_CHECKING:
    from .review_screen import ReviewScreen

ALIKE_LIMIT = 50

TRIAGE_BINDINGS = [
    Binding("c", "tag_cluster", "Tag this cluster", id="tag_cluster", show=False),
    Binding("m", "more_like_this", "More like this", id="more_like_this", show=False),
    Binding("escape", "queue_back", "Back to the previous queue", id="queue_back", show=False),
    Binding("S", "sample_band", SAMPLE_TITLE, id="sample_band", show=False),
]


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


class TriageActionsMixin(EstimateMixin):
    """Mixed into ReviewScreen (before ActionsMixin); ``self`` is the screen. Handlers
    go by name (``on_cluster_read``): ``@on`` registers only in MessagePump classes."""

    # ----- the list's columns
    def list_columns(self: ReviewScreen, spec: queue.QueueSpec) -> Columns:
        clusters = has_clusters(self.conn, spec.comparison_id)
        return Columns(likely=spec.order == REGRESSION_ORDER, clusters=clusters)

    # ----- tag a whole cluster
    def action_tag_cluster(self: ReviewScreen) -> None:
        row = self.pair_list.cursor_row
        if row is not None:
            self.cluster_worker(row.pair_id)

    @work(thread=True, exclusive=True, group="cluster", exit_on_error=False)
    def cluster_worker(self: ReviewScreen, pair_id: int) -> None:
        db = open_db(self.db_path, migrate=False)
        try:
            cid = pair_comparison(db, pair_id)
            built = cid is not None and not has_clusters(db, cid)
            if built and cid is not None:
                self.app.call_from_thread(
                    self.notify, "grouping alike changes (once per comparison)…", timeout=8
                )
                build_clusters(db, cid)
            found = cluster_of(db, pair_id)
            todo = cluster_members(db, found.id, unreviewed_only=True) if found else []
        finally:
            db.close()
        self.post_message(ClusterRead(pair_id, found, todo, built))

    def on_cluster_read(self: ReviewScreen, msg: ClusterRead) -> None:
        if msg.built:
            self._details.clear()  # pair lines now show their cluster
            self.reload(keep=True)
        found = msg.cluster
        if found is None:
            self.notify("this pair is in no cluster: no other pair changed alike", markup=False)
            return
        if not msg.todo:
            self.notify(f"all {found.size:,} pairs of this cluster are reviewed", markup=False)
            return
        row = self.pair_list.cursor_row
        current = row.tag if row is not None and row.pair_id == msg.pair_id else None
        names = [t.name for t in self.tags]
        tag = (
            current
            if current in names and current != "skip"
            else ("regression" if "regression" in names else names[0])
        )
        keys = {t.name: t.key for t in self.tags}
        for shown, b in self._key_bindings():
            if b.action.startswith("tag('") and b.action != "tag('')":
                keys[b.action[5:-2]] = shown
        modal = ConfirmClusterTag(
            len(msg.todo),
            found.size - len(msg.todo),
            found.shared(),
            tag,
            self.tags,
            keys,
        )
        self.app.push_screen(
            modal, lambda chosen: self._tag_cluster_confirmed(found.id, msg.todo, chosen)
        )

    def _tag_cluster_confirmed(
        self: ReviewScreen, cluster_id: int, todo: list[int], tag: str | None
    ) -> None:
        if tag is None:
            return
        for pid in todo:
            self.pair_list.set_pending(pid, tag)
        if self.detail is not None and self.detail.pair_id in todo:
            self._show_detail(self.detail)
        self.session.group(
            "tag_cluster",
            lambda db, who: tag_cluster(db, cluster_id, who, tag),
            token=tuple(todo),
        )

    def group_written(self: ReviewScreen, o: Outcome) -> bool:
        """Apply a group write (or its undo / redo); False when ``o`` is not one."""
        if not o.group and o.action != "tag_cluster":
            return False
        for pid in o.token if isinstance(o.token, tuple) else ():
            self.pair_list.clear_pending(pid)
        if o.error and not o.group:
            self.notify(o.error, severity="warning", markup=False)
            self.refresh_bindings()
            return True
        for pid, decision in o.group:
            self._apply_decision(pid, decision)
        n = len(o.group)
        if o.action == "tag_cluster":
            tag = o.group[0][1].tag if o.group[0][1] else None
            self.notify(f"tagged {n:,} pairs as {tag}", markup=False, timeout=3)
        else:
            ids = [pid for pid, _ in o.group]
            here = self.pair_list.cursor_row
            if here is None or here.pair_id not in ids:
                found = [i for i in map(self.pair_list.index_of, ids) if i is not None]
                if found:
                    self.pair_list.set_cursor(min(found))
            verb = "undone" if o.action == "undo" else "redone"
            self.notify(f"{verb}: a cluster tag on {n:,} pairs", markup=False, timeout=3)
        if o.error:
            self.notify(o.error, severity="warning", markup=False)
        self.refresh_worker([], self.spec.comparison_id, self.progress.total)
        self.request_refit()
        self.request_estimate()
        self.refresh_bindings()
        return True

    # ----- more like this one, and back
    def action_more_like_this(self: ReviewScreen) -> None:
        row = self.pair_list.cursor_row
        if row is not None:
            self.notify("finding alike pairs…", timeout=2)
            self.alike_worker(row.pair_id, row.key)

    @work(thread=True, exclusive=True, group="alike", exit_on_error=False)
    def alike_worker(self: ReviewScreen, pair_id: int, key: str) -> None:
        db = open_db(self.db_path, migrate=False)
        try:
            ids = more_like_this(db, pair_id, limit=ALIKE_LIMIT)
        finally:
            db.close()
        self.post_message(AlikeFound(pair_id, key, ids))

    def on_alike_found(self: ReviewScreen, msg: AlikeFound) -> None:
        if not msg.ids:
            self.notify("no unreviewed pair is like this one", markup=False)
            return
        self._push_back()
        spec = queue.QueueSpec(
            order=self.spec.order,
            seed=self.spec.seed,
            comparison_id=self.spec.comparison_id,
            ids=(msg.pair_id, *msg.ids),
            label=f"like {msg.key}",
        )
        self.notify(
            f"{len(msg.ids)} unreviewed pairs like {msg.key}; escape goes back",
            markup=False,
            timeout=3,
        )
        self.spec = spec
        self.reload(target=msg.pair_id, keep=False)
        self.request_refit()

    def action_queue_back(self: ReviewScreen) -> None:
        place = self._ui().back.pop()
        if place is None:
            return
        spec, pair_id, index = place
        self.spec = spec
        self.reload(target=pair_id, keep=False, fallback=index)
        self.request_refit()
        self.request_estimate()

    def action_clear_filters(self: ReviewScreen) -> None:
        # Leaving "more like this" or a band's sample is going back, not to all pairs.
        if self._ui().back and self.spec.label is not None:
            self.action_queue_back()
        else:
            super().action_clear_filters()

    def set_spec(self: ReviewScreen, spec: queue.QueueSpec, keep: bool = True) -> None:
        if spec.ids is None and spec.label is not None:
            spec = spec.with_(label=None)  # the pairs it named are gone from the queue
        super().set_spec(spec, keep)
        self.request_estimate()

    # ----- keys that apply, and the command palette
    def check_action(self: ReviewScreen, action: str, parameters: tuple) -> bool | None:
        if action in ("tag_cluster", "more_like_this"):
            return (self.pair_list.cursor_row is not None) or None
        if action == "sample_band":
            return (self.spec.comparison_id is not None) or None
        if action == "queue_back":
            return bool(self._ui().back) or None
        return super().check_action(action, parameters)
