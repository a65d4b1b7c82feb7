"""The one coalescing gate behind the refit and estimate workers, alone (no app)."""

from __future__ import annotations

import threading

from swapview.tui.gate import CoalescingGate


def test_requests_during_a_run_fold_into_one_more_run():
    gate = CoalescingGate()
    assert gate.request() is True  # starts the worker
    assert gate.request() is False and gate.request() is False  # folded
    covered = gate.begin()
    assert gate.finish(covered) is True  # the run read after both: one run served them
    assert gate.request() is True


def test_a_worker_thread_serves_every_request_with_a_run_that_saw_it():
    gate, seen, served = CoalescingGate(), [], []
    latest = [0]

    def worker():
        while True:
            generation = gate.begin()
            served.append(latest[0])
            if gate.finish(generation):
                return

    threads = []
    for i in range(1, 200):
        latest[0] = i
        seen.append(i)
        if gate.request():
            t = threading.Thread(target=worker)
            t.start()
            threads.append(t)
    for t in threads:
        t.join(10)
    assert served[-1] == seen[-1]  # the last request always got a run that read it
    assert len(served) <= len(seen)
