"""The review screen's plain objects, tested without a screen: the detail cache, the
triage controller (its workers run inline on a real database), filters and keys."""

from __future__ import annotations

from typing import Any

import pytest
from textual.binding import Binding

from swapview import reviews
from swapview.config import Config
from swapview.queue import QueueSpec
from swapview.store import connect, open_db
from swapview.tui.detail_cache import DetailCache, diff_key
from swapview.tui.diff_view import SCROLL_BINDINGS
from swapview.tui.filters import apply_choice, cleared
from swapview.tui.keys import binding_ids, screen_bindings
from swapview.tui.messages import EstimateReady, TriageRefitted
from swapview.tui.pair_list import PairList
from swapview.tui.triage_controller import TriageController, cluster_default_tag


class InlineHost:
    """Runs each worker at once on the calling thread and keeps what it posts."""

    def __init__(self) -> None:
        self.posted: list[Any] = []
        self.notes: list[str] = []
        self.groups: list[str] = []

    def run_worker(self, work, name=None, group="default", **kwargs) -> None:
        self.groups.append(group)
        work()

    def post_message(self, message) -> bool:
        self.posted.append(message)
        return True

    def notify(self, message: str, *, timeout=None, markup=True) -> None:
        self.notes.append(message)


def _cid(path) -> int:
    db = open_db(path, migrate=False)
    cid = db.execute("SELECT id FROM comparisons").fetchone()[0]
    db.close()
    return cid


def test_detail_cache_is_bounded_by_characters_and_rereads_when_asked(review_db):
    conn = connect(str(review_db))
    ids = [r[0] for r in conn.execute("SELECT id FROM pairs ORDER BY id LIMIT 3")]
    one = DetailCache(conn).detail(ids[0])
    cache = DetailCache(conn, max_chars=one.size * 2 + 1)
    first = cache.detail(ids[0])
    assert cache.detail(ids[0]) is first  # cached
    cache.detail(ids[1])
    cache.detail(ids[2])  # over the bound: the least recently used goes
    assert cache.detail(ids[0]) is not first
    db = open_db(review_db, migrate=False)
    reviews.record(db, ids[2], "ana", note="seen")
    db.close()
    assert cache.detail(ids[2]).note is None  # still the cached copy
    assert cache.detail(ids[2], fresh=True).note == "seen"
    conn.close()


def test_detail_cache_keeps_the_latest_diffs(review_db):
    conn = connect(str(review_db))
    pid = conn.execute("SELECT id FROM pairs LIMIT 1").fetchone()[0]
    cache = DetailCache(conn, max_diffs=2)
    detail = cache.detail(pid)
    keys = [diff_key(detail, False), diff_key(detail, True), ("other", 1, False)]
    assert keys[0] != keys[1]  # ignoring whitespace is another diff
    for i, key in enumerate(keys):
        cache.remember_diff(key, f"diff {i}")  # type: ignore[arg-type]
    assert cache.diff(keys[0]) is None and cache.diff(keys[2]) == "diff 2"
    conn.close()


def test_controller_refits_only_in_the_learned_order(review_db):
    host = InlineHost()
    cid = _cid(review_db)
    triage = TriageController(host, str(review_db), Config().tag_kinds())
    conn = connect(str(review_db))
    triage.request_refit(QueueSpec(comparison_id=cid), conn)
    assert host.posted == []
    triage.request_refit(QueueSpec(comparison_id=cid, order="regression"), conn)
    assert [type(m) for m in host.posted] == [TriageRefitted]
    assert host.notes == ["learning the likely-regression order…"]
    # The first learned order sends the cursor to the top; later ones keep it.
    assert triage.refit_landed(cid) is True
    assert triage.refit_landed(cid) is False
    # The gate went idle: the next tag starts a new refit.
    triage.request_refit(QueueSpec(comparison_id=cid, order="regression"), conn)
    assert len(host.posted) == 2
    triage.close()
    conn.close()


def test_controller_estimates_after_the_first_refit(review_db):
    host = InlineHost()
    cid = _cid(review_db)
    triage = TriageController(host, str(review_db), Config().tag_kinds())
    learned = QueueSpec(comparison_id=cid, order="regression")
    assert triage.request_estimate(QueueSpec(comparison_id=None)) is False
    assert triage.request_estimate(learned) is True
    assert host.posted == []  # waits for the refit that computes the features
    triage.refit_landed(cid)
    triage.request_estimate(learned)
    (ready,) = host.posted
    assert isinstance(ready, EstimateReady) and ready.comparison_id == cid
    assert ready.estimate is not None
    # In the plain semantic order with no bands assigned, triage is not in use: no estimate.
    host.posted.clear()
    triage.request_estimate(QueueSpec(comparison_id=cid))
    assert host.posted and host.posted[0].estimate is not None  # bands exist now
    triage.close()


@pytest.mark.parametrize(
    ("current", "expected"),
    [(None, "regression"), ("improvement", "improvement"), ("skip", "regression")],
)
def test_cluster_confirmation_starts_on_the_pairs_own_tag(current, expected):
    assert cluster_default_tag(current, Config().all_tags()) == expected


@pytest.mark.parametrize(
    ("choice", "field", "value", "move"),
    [
        ("tag:regression", "tag", "regression", None),
        ("signal:refusal_appeared", "signal", "refusal_appeared", None),
        ("comparison:all", "comparison_id", None, None),
        ("comparison:3", "comparison_id", 3, None),
        ("clear", None, None, "clear"),
        ("untagged", None, None, "untagged"),
        ("meta", None, None, "ask_meta"),
    ],
)
def test_filter_choices_lead_to_queues(choice, field, value, move):
    spec = QueueSpec(comparison_id=7, untagged=True, search="x", ids=(1, 2))
    picked = apply_choice(spec, choice)
    assert picked.move == move
    if field is not None:
        assert picked.spec is not None and getattr(picked.spec, field) == value
    if choice == "tag:regression":
        assert picked.spec is not None and picked.spec.untagged is False


def test_clearing_keeps_order_and_comparison_only():
    spec = QueueSpec(order="lexical", comparison_id=2, untagged=True, tag="neutral")
    assert cleared(spec) == QueueSpec(order="lexical", comparison_id=2)


def test_every_key_has_one_owner_and_a_remappable_id():
    tags = Config().all_tags()
    movement = [b for b in PairList.BINDINGS if isinstance(b, Binding)]
    screen = screen_bindings(tags)
    ids = binding_ids(tags)
    assert {"next_pair", "last_pair", "diff_page_down", "tag_regression", "help"} <= ids
    assert all(b.id and b.description for b in [*movement, *screen])
    owned = [b.id for b in [*movement, *screen]]
    assert len(owned) == len(set(owned))  # no id bound twice
    assert not {b.action for b in movement} & {b.action for b in screen}
    assert all(b in screen for b in SCROLL_BINDINGS)


def test_no_two_review_keys_share_a_key():
    tags = Config().all_tags()
    every = [b for b in [*PairList.BINDINGS, *screen_bindings(tags)] if isinstance(b, Binding)]
    keys = [k.strip() for b in every for k in b.key.split(",")]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


class RecordingReads:
    """Stands in for ScreenReads' workers: records what would be read or written."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def read_claims(self) -> None:
        self.calls.append(("read",))

    def claim(self, pair_id: int) -> None:
        self.calls.append(("claim", pair_id))


def test_claims_are_renewed_at_half_their_time_and_say_who_is_on_a_pair():
    from swapview.reviews import CLAIM_SECONDS
    from swapview.tui.claims import ClaimKeeper

    now = [100.0]
    reads = RecordingReads()
    keeper = ClaimKeeper(reads, "ana", clock=lambda: now[0])  # type: ignore[arg-type]
    keeper.poll()
    assert reads.calls == [("read",)]  # nothing claimed yet: only the others' claims read
    keeper.claim(7)
    now[0] += CLAIM_SECONDS / 2 - 1
    keeper.poll()
    assert reads.calls[-1] == ("read",) and ("claim", 7) in reads.calls[:2]
    now[0] += 2
    keeper.poll()
    assert reads.calls[-1] == ("claim", 7)  # renewed: the cursor is still on it
    assert keeper.update({7: "bo"}, shown=7) is True  # the pair on screen changed hands
    assert keeper.update({7: "bo"}, shown=7) is False
    assert keeper.claimed_by(7) == "bo" and keeper.claimed_by(8) is None
    assert keeper.claimed_by(None) is None


def test_second_looks_hide_a_pair_only_in_their_queue_until_it_is_tagged(review_db):
    from swapview.detail import pair_detail
    from swapview.session import Outcome
    from swapview.tui.second_look import SECOND_LOOK_LABEL, SecondLooks

    db = open_db(review_db, migrate=False)
    pid = db.execute("SELECT id FROM pairs ORDER BY id LIMIT 1").fetchone()[0]
    reviews.record(db, pid, "ana", tag="regression", note="ana's note")
    ana = reviews.current(db, pid)
    db.close()
    conn = connect(review_db)
    detail = pair_detail(conn, pid)
    conn.close()
    looks = SecondLooks()
    looks.offer([pid, pid + 1])
    queue = QueueSpec(comparison_id=1, ids=(pid, pid + 1), label=SECOND_LOOK_LABEL)
    elsewhere = QueueSpec(comparison_id=1)
    assert looks.hides(queue, pid) and not looks.hides(elsewhere, pid)
    shown = looks.shown(queue, detail)
    assert (shown.tag, shown.reviewer, shown.note) == (None, None, None)
    assert looks.shown(elsewhere, detail) is detail
    assert looks.hidden_ids(elsewhere) == frozenset()
    said = looks.written(Outcome("second_look", pid, 9, ana, second_look=True, looked="neutral"))
    assert said == "ana said regression; you said neutral"
    assert not looks.hides(queue, pid) and looks.hidden_ids(queue) == {pid + 1}
    assert looks.progress_text().startswith("second look: 1 of 2 tagged")
    # A failed write, or a plain tag, reveals nothing.
    failed = Outcome("second_look", pid + 1, error="locked", second_look=True, looked="neutral")
    assert looks.written(failed) is None and looks.hides(queue, pid + 1)
    assert looks.written(Outcome("tag", pid + 1, 10, ana)) is None and looks.hides(queue, pid + 1)


class PickHost:
    """The screen as the pickers see it: the queue, modals pushed, slices opened."""

    def __init__(self, spec: QueueSpec) -> None:
        self.spec = spec
        self.pushed: list[Any] = []
        self.opened: list[tuple[list[int], str]] = []
        self.unfiltered: list[bool] = []
        self.notes: list[str] = []
        self.app = self

    def push_screen(self, screen, callback=None) -> None:
        self.pushed.append((screen, callback))

    def notify(self, message: str, **kwargs) -> None:
        self.notes.append(message)

    def open_subset(self, ids, label: str, *, unfiltered: bool = False) -> None:
        self.opened.append((list(ids), label))
        self.unfiltered.append(unfiltered)


def test_view_pickers_offer_a_blind_second_look_and_measure_a_shift_once(review_db):
    from swapview.tui.messages import SecondLookFound
    from swapview.tui.pickers import ViewPickers
    from swapview.tui.reads import ScreenReads
    from swapview.tui.second_look import SECOND_LOOK_LABEL, SecondLooks

    db = open_db(review_db, migrate=False)
    for (pid,) in db.execute("SELECT id FROM pairs").fetchall():
        reviews.record(db, pid, "ana", tag="regression")
    db.close()
    workers, host, looks = InlineHost(), PickHost(QueueSpec(comparison_id=1)), SecondLooks()
    views = ViewPickers(
        host, ScreenReads(workers, str(review_db), "bo"), looks,
        evals=[], share=0.3, tag_kinds={},
    )  # fmt: skip
    views.second_look()
    (found,) = [m for m in workers.posted if isinstance(m, SecondLookFound)]
    assert found.ids
    views.second_look_found(found)
    assert host.opened == [(list(found.ids), SECOND_LOOK_LABEL)] and host.unfiltered == [True]
    assert looks.blind == set(found.ids)  # blind before the queue is first drawn
    views.shift()
    views.shift()  # not built yet: asked again
    built = [m for m in workers.posted if type(m).__name__ == "ShiftBuilt"]
    assert len(built) == 2
    views.shift_built(built[-1])
    views.shift()  # built: picked from what was measured, no new read
    assert len([m for m in workers.posted if type(m).__name__ == "ShiftBuilt"]) == 2
    assert len(host.pushed) == 2  # the picker, each time it was built or asked
    views.blind_spots()
    assert any("no eval suite given" in n for n in host.notes)


def test_moving_on_after_a_tag_leaves_out_busy_passed_and_decided_pairs():
    from swapview.queue.paging import QueueRow
    from swapview.tui.moving_on import MovingOn

    def row(pid: int, tag: str | None = None) -> QueueRow:
        return QueueRow(pid, f"k{pid}", "", None, None, None, (), tag, None, False, False, ())

    spec = QueueSpec(comparison_id=1, order="regression")
    moving = MovingOn()
    moving.passed(spec, 2)
    moving.written(3, "neutral")
    rows = [(0, row(1, "regression")), (1, row(2)), (2, row(3)), (3, row(4)), (4, row(5))]
    move = moving.after_tag(spec, rows, 5, tagged=1, busy={4})
    assert (move.index, move.ask, move.all_decided) == (4, False, False)  # row 5, index 4
    moving.resort_due = True  # a refit landed: the database is asked, with what to skip
    move = moving.after_tag(spec, rows, 5, tagged=1, busy={4})
    assert move.ask and move.skip == {1, 2, 3, 4} and not moving.resort_due
    done = moving.after_tag(spec, rows[:1], 1, tagged=1, busy=set())
    assert done.index is None and done.all_decided
