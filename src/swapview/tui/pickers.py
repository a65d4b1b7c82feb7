"""The review screen's "open a modal, act on the choice" flows, as two plain objects.

- ``QueuePickers``: the queue's order (o), its filters (f, and a metadata filter), the
  search (/) and a jump to a key (:). Each choice becomes another queue spec.
- ``ViewPickers``: the views that open a slice of the queue from a pick: what shifted
  (d), the eval suite's blind spots (B), the second look (A), and the judge's agreement
  with the reviewers (V). Each starts its read in a worker (``ScreenReads``); when the
  result comes back (the screen forwards the message) it is shown in a ``Picker`` or a
  notification, and a choice opens a queue of its pairs that escape leaves.

The screen keeps the keys and forwards them, and the messages its workers send back;
these objects only ask through ``PickerHost``, so each is tested without a screen.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from textual.app import App

from .. import queue
from ..coverage.result import blind_spot_line
from ..judge.pairs import disagreement_map
from ..queue import status as facets
from ..queue.spec import with_meta_filter
from ..shift.view import ShiftView, ViewRow, shift_line
from . import filters
from .messages import CoverageBuilt, JudgeCalibrated, SearchDone, SecondLookFound, ShiftBuilt
from .modals import AskLine, Picker
from .reads import Notifies, ScreenReads
from .second_look import SECOND_LOOK_LABEL, SecondLooks

SHIFT_TITLE = "What shifted: old ▕ new, per slice (* significant, ◆ long tail); enter: its pairs"
BLIND_SPOT_TITLE = "Blind spots: traffic the eval suite does not cover; enter: its pairs"
SEARCH_PROMPT = "Fuzzy search in keys, prompts and outputs (empty clears)"


class PickerHost(Notifies, Protocol):
    """What the pickers need of the screen: the queue, modals, notifications, and moves."""

    @property
    def spec(self) -> queue.QueueSpec: ...

    @property
    def app(self) -> App[Any]: ...

    def show_queue(
        self,
        spec: queue.QueueSpec,
        *,
        target: int | None = None,
        keep: bool = True,
        fallback: int = 0,
    ) -> None: ...

    def reload(
        self,
        *,
        target: int | None = None,
        keep: bool = True,
        fallback: int | None = None,
        resume: bool = False,
    ) -> None: ...

    def open_subset(self, ids: Sequence[int], label: str, *, unfiltered: bool = False) -> None: ...

    def action_clear_filters(self) -> None: ...

    def action_toggle_untagged(self) -> None: ...


class QueuePickers:
    """Order, filters, search and jump: a modal each, whose answer is another queue."""

    def __init__(
        self,
        host: PickerHost,
        conn: sqlite3.Connection,
        reads: ScreenReads,
        tags: Sequence[Any],
        tag_kinds: dict[str, str],
        comparisons: list[tuple[int, str, str | None, str | None]],
    ) -> None:
        self.host = host
        self.conn = conn
        self.reads = reads
        self.tags = list(tags)
        self.tag_kinds = tag_kinds
        self.comparisons = comparisons

    def pick_order(self) -> None:
        spec = self.host.spec
        choices = [(o.name, f"{o.name}: {o.label}") for o in queue.available_orders(self.conn)]

        def chosen(name: str | None) -> None:
            if name:
                self.host.show_queue(self.host.spec.with_(order=name), keep=False)

        self.host.app.push_screen(Picker("Order the queue by", choices, spec.order), chosen)

    def pick_filter(self) -> None:
        choices = filters.filter_choices(self.conn, self.host.spec, self.tags, self.comparisons)
        self.host.app.push_screen(Picker("Filter the queue", choices), self._filter_chosen)

    def _filter_chosen(self, choice: str | None) -> None:
        if not choice:
            return
        agrees = disagreement_map([t.name for t in self.tags], self.tag_kinds)
        picked = filters.apply_choice(self.host.spec, choice, agrees)
        if picked.spec is not None:
            self.host.show_queue(picked.spec)
        elif picked.move == "clear":
            self.host.action_clear_filters()
        elif picked.move == "untagged":
            self.host.action_toggle_untagged()
        else:
            self._ask_meta_filter()

    def _ask_meta_filter(self) -> None:
        fields = ", ".join(facets.metadata_fields(self.conn, self.host.spec.comparison_id)[:8])
        hint = f"e.g. {fields}" if fields else "lang=en"
        self.host.app.push_screen(AskLine("Metadata filter: field=value", hint), self._meta_chosen)

    def _meta_chosen(self, text: str | None) -> None:
        if not text:
            return
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            self.host.notify("write it as field=value", severity="warning", markup=False)
            return
        spec = with_meta_filter(self.conn, self.host.spec, name.strip(), value.strip())
        self.host.show_queue(spec)

    def search(self) -> None:
        def asked(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.host.show_queue(self.host.spec.with_(ids=None, search=None))
                return
            self.host.notify("searching…", markup=False, timeout=2)
            self.reads.search(text.strip(), self.host.spec.comparison_id)

        value = self.host.spec.search or ""
        self.host.app.push_screen(AskLine(SEARCH_PROMPT, value=value), asked)

    def search_done(self, msg: SearchDone) -> None:
        query, result = msg.query, msg.result
        if not result.ids:
            self.host.notify(
                f"no match for {query!r} in {result.scanned:,} pairs",
                markup=False,
                severity="warning",
            )
            return
        more = "" if result.complete else " (first matches; narrow the search for more)"
        self.host.notify(f"{len(result.ids):,} matches for {query!r}{more}", markup=False)
        self.host.show_queue(self.host.spec.with_(ids=result.ids, search=query))

    def jump(self) -> None:
        self.host.app.push_screen(AskLine("Jump to key (or a key prefix)"), self._jump_to)

    def _jump_to(self, key: str | None) -> None:
        if not key:
            return
        spec = self.host.spec
        pid = queue.find_key(self.conn, spec.comparison_id, key.strip())
        if pid is None:
            self.host.notify(f"no key {key!r}", severity="warning", markup=False)
        elif queue.row_for(self.conn, spec, pid) is None:
            self.host.notify(
                f"{key!r} is not in this queue (filter: "
                f"{spec.describe_filters()}); F clears filters",
                severity="warning",
                markup=False,
            )
        else:
            self.host.reload(target=pid)


class ViewPickers:
    """What shifted, blind spots, second look, judge agreement: read, pick, open."""

    def __init__(
        self,
        host: PickerHost,
        reads: ScreenReads,
        looks: SecondLooks,
        *,
        evals: list[str],
        share: float,
        tag_kinds: dict[str, str],
    ) -> None:
        self.host = host
        self.reads = reads
        self.looks = looks
        self.evals = evals
        self.share = share
        self.tag_kinds = tag_kinds
        self._shift: tuple[int, ShiftView] | None = None  # built on first use, per comparison

    def forget(self) -> None:
        """The data may have changed (a reload): measure again on next use."""
        self._shift = None

    # ----- what shifted (d)
    def shift(self) -> None:
        cid = self.host.spec.comparison_id
        if cid is None:
            return
        if self._shift is not None and self._shift[0] == cid:
            self._pick_shift_row(self._shift[1])
            return
        self.host.notify("measuring what shifted…", markup=False, timeout=3)
        self.reads.shift(cid)

    def shift_built(self, msg: ShiftBuilt) -> None:
        self._shift = (msg.comparison_id, msg.view)
        if msg.comparison_id == self.host.spec.comparison_id:
            self._pick_shift_row(msg.view)

    def _pick_shift_row(self, view: ShiftView) -> None:
        if not view.rows:
            self.host.notify("nothing to measure: no scored pairs", markup=False)
            return
        choices = [(str(i), shift_line(row)) for i, row in enumerate(view.rows)]

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self._show_shift_pairs(view, view.rows[int(choice)])

        self.host.app.push_screen(Picker(SHIFT_TITLE, choices), chosen)

    def _show_shift_pairs(self, view: ShiftView, row: ViewRow) -> None:
        ids = view.pair_ids(row)
        if not ids:
            self.host.notify(f"no pair behind {row.measure} in {row.scope}", markup=False)
            return
        label = f"shift: {row.measure}" + ("" if row.scope == "all" else f" in {row.scope}")
        self.host.open_subset(ids, label)
        self.host.notify(f"{len(ids):,} pairs behind {label}; escape goes back", markup=False)

    # ----- where the eval suite is blind (B)
    def blind_spots(self) -> None:
        cid = self.host.spec.comparison_id
        if cid is None:
            return
        if not self.evals:
            self.host.notify(
                "no eval suite given: review --evals FILE (or evals = [...] in the config)",
                severity="warning",
                markup=False,
            )
            return
        self.host.notify("clustering the prompts against the eval cases…", markup=False, timeout=4)
        self.reads.coverage(cid, self.evals, self.tag_kinds)

    def blind_spots_built(self, msg: CoverageBuilt) -> None:
        if msg.problem is not None:
            self.host.notify(msg.problem, severity="error", markup=False)
            return
        if msg.comparison_id != self.host.spec.comparison_id:
            return
        if not msg.spots:
            self.host.notify(
                "no blind spot: every cluster holds its share of eval cases", markup=False
            )
            return
        choices = [(str(i), blind_spot_line(s.cluster)) for i, s in enumerate(msg.spots)]

        def chosen(choice: str | None) -> None:
            if choice is not None:
                spot = msg.spots[int(choice)]
                self.host.open_subset(spot.pair_ids, f"blind spot {spot.cluster.id}")

        self.host.app.push_screen(Picker(BLIND_SPOT_TITLE, choices), chosen)

    # ----- a second look, for the agreement between reviewers (A)
    def second_look(self) -> None:
        if self.host.spec.comparison_id is not None:
            self.reads.second_look(self.host.spec.comparison_id, self.share)

    def second_look_found(self, msg: SecondLookFound) -> None:
        if msg.comparison_id != self.host.spec.comparison_id:
            return
        if not msg.ids:
            self.host.notify("no pair waits for your second look", markup=False)
            return
        self.looks.offer(msg.ids)  # blind from the first frame the queue is drawn in
        # Exactly the offered pairs: "untagged only" would hide them all (others tagged
        # them), and a tag filter would tell their first tag.
        self.host.open_subset(msg.ids, SECOND_LOOK_LABEL, unfiltered=True)
        self.host.notify(
            f"{len(msg.ids):,} pairs others tagged, for your own tag (agreement in the"
            " report); escape goes back",
            markup=False,
            timeout=4,
        )

    # ----- the judge against the reviewers (V)
    def judge_agreement(self) -> None:
        if self.host.spec.comparison_id is not None:
            self.reads.judge_calibration(self.host.spec.comparison_id, self.tag_kinds)

    def judge_calibrated(self, msg: JudgeCalibrated) -> None:
        text = msg.summary or "no judge has judged this comparison (swapview judge --help)"
        self.host.notify(text, markup=False, timeout=10)
