"""A comparison with a planted slice-level shift: in locale=de the new model refuses
about 30% of requests and fences its JSON (a parser breaks) on another 30%; nothing
changes elsewhere but a harmless word. Used by the shift tests, the HTML page test and
scripts/shift_screenshot.py."""

from __future__ import annotations

import json
import random

from sqlite_utils import Database

from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction

LOCALES = ("en", "fr", "es", "de", "it")
REFUSAL = "I'm sorry, but I can't help with that request."


def answer(i: int) -> str:
    return json.dumps({"answer": f"Item {i} ships in {i % 7 + 1} days from our depot.", "id": i})


def planted_pair(i: int, locale: str, rng: random.Random) -> tuple[str, str]:
    old = answer(i)
    if locale != "de":
        return old, old.replace("depot", "warehouse") if i % 2 else old
    roll = rng.random()
    if roll < 0.3:
        return old, REFUSAL
    if roll < 0.6:
        return old, "```json\n" + old + "\n```"  # the JSON moved into a fence: a parser breaks
    return old, old


def load(db: Database, name: str, records: list[PairRecord]) -> dict:
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        PairWriter(db, cid, LoadReport(comparison=name)).write(records)
    return db["comparisons"].get(cid)


def planted_records(n: int = 1000, seed: int = 7) -> list[PairRecord]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        locale = LOCALES[i % len(LOCALES)]
        old, new = planted_pair(i, locale, rng)
        meta = {"locale": locale, "template": f"t{i % 3}", "request_id": f"r{i}"}
        records.append(PairRecord(f"k{i}", f"Where is item {i}?", old, new, meta))
    return records
