"""Set-up for the judge tests: a seeded comparison and a fake judge that reads the prompt."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlite_utils import Database

from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction


def seed_pairs(db: Database, n: int, *, identical: int = 0, name: str = "cmp") -> int:
    """n pairs: even rows' new answer is shorter (the fake judge calls it worse), odd longer.

    The last ``identical`` pairs have the same answer on both sides.
    """
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        records = []
        for i in range(n):
            old = f"old answer {i} with some detail here"
            new = f"new {i}" if i % 2 == 0 else f"new answer {i} with a great deal more detail"
            if i >= n - identical:
                new = old
            records.append(PairRecord(f"k{i}", f"question {i}", old, new, {"row": i}))
        PairWriter(db, cid, LoadReport()).write(records)
    return cid


def answers(body: dict[str, Any]) -> tuple[str, str]:
    user = body["messages"][-1]["content"]
    a = re.search(r"## Answer A\n(.*?)\n\n## Answer B", user, re.S)
    b = re.search(r"## Answer B\n(.*?)\n\nReply with JSON", user, re.S)
    assert a and b, user
    return a.group(1), b.group(1)


def longer_is_better(body: dict[str, Any]) -> str:
    """A judge that prefers the longer answer, whatever order it is shown in."""
    a, b = answers(body)
    better = "A" if len(a) > len(b) else "B" if len(b) > len(a) else "same"
    return json.dumps({"better": better, "rationale": f"{better} says more"})
