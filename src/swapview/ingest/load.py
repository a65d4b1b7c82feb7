"""The load pipeline: any pair source, all or nothing in short transactions, one report."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Protocol

from sqlite_utils import Database

from .. import writelock
from ..errors import InputError, StoreError
from ..store import (
    LOADING_PREFIX,
    LoadReport,
    PairRecord,
    PairWriter,
    db_file,
    ensure_comparison,
    write_transaction,
)
from .fields import FieldMap
from .files import BadRows, PairFile, SideFile
from .join import JoinedFiles, OneSide
from .readers import file_stem
from .streams import Progress

DROP_BATCH = 5000


class PairSource(Protocol):
    """Anything that yields pairs: our file readers, and importers for other tools' formats."""

    source: str

    def records(self) -> Iterator[PairRecord]: ...

    def models(self) -> tuple[str | None, str | None]: ...

    def default_name(self) -> str: ...


@dataclass
class LoadOptions:
    """What the user told us about the files: field names, format, model names."""

    fields: FieldMap = field(default_factory=FieldMap)
    fmt: str | None = None
    baseline_model: str | None = None
    candidate_model: str | None = None
    skip_bad: bool = False
    progress: Progress | None = None
    only_side: str | None = None  # "baseline" or "candidate": one model's file, other side later


class SingleFile:
    """A pair source over one file that holds both outputs per row."""

    def __init__(self, path: str | Path, options: LoadOptions, report: LoadReport) -> None:
        self.report = report
        self.reader = PairFile(
            path,
            options.fields,
            BadRows(options.skip_bad, report),
            fmt=options.fmt,
            progress=options.progress,
        )
        self.options = options
        self.source = str(path)

    def records(self) -> Iterator[PairRecord]:
        yield from self.reader.records()
        self.report.warnings.extend(self.reader.warnings())

    def models(self) -> tuple[str | None, str | None]:
        baseline, candidate = self.reader.models()
        return (self.options.baseline_model or baseline, self.options.candidate_model or candidate)

    def default_name(self) -> str:
        return file_stem(self.source) or "comparison"


def file_source(paths: list[str], options: LoadOptions, report: LoadReport) -> PairSource:
    """One file with both sides, one model's file (``only_side``), or two files to join."""
    if options.only_side and len(paths) == 1:
        reader = SideFile(
            paths[0],
            options.fields,
            BadRows(options.skip_bad, report),
            fmt=options.fmt,
            progress=options.progress,
        )
        model = options.baseline_model if options.only_side == "baseline" else None
        model = model or (options.candidate_model if options.only_side == "candidate" else None)
        return OneSide(reader, options.only_side, report, model=model)
    if len(paths) == 1:
        return SingleFile(paths[0], options, report)
    if len(paths) != 2:
        raise InputError(
            ", ".join(paths),
            "expected one file with both outputs, or two files (baseline then candidate)",
        )
    bad = BadRows(options.skip_bad, report)
    sides = [
        SideFile(p, options.fields, bad, fmt=options.fmt, progress=options.progress) for p in paths
    ]
    return JoinedFiles(
        sides[0],
        sides[1],
        report,
        baseline_model=options.baseline_model,
        candidate_model=options.candidate_model,
    )


def load(
    db: Database,
    source: PairSource,
    report: LoadReport,
    comparison: str | None = None,
    *,
    on_wait: Callable[[str], None] | None = None,
) -> LoadReport:
    """Write every pair of ``source`` into one comparison, all or nothing.

    Rows commit in batches under a hidden comparison (other writers, a reviewer's tag
    first of all, wait one batch at most) and are published in one short last
    transaction; a load that fails or is killed leaves the visible database as it was,
    and its hidden rows are swept by the next load. One load runs per database file:
    a second one waits, telling ``on_wait`` what it waits for.
    """
    if db.conn.in_transaction:  # a caller's transaction: all in it, as before
        return _load_in(db, source, report, comparison, None)
    with writelock.held(db_file(db), f"a load of {source.source}", on_wait=on_wait):
        sweep_stale_loads(db)
        # Checkpoint once at the end, not every 4 MB: each checkpoint syncs the file, and
        # with a commit per batch that made the load 1.5x slower than one transaction.
        (every,) = db.execute("PRAGMA wal_autocheckpoint").fetchone()
        db.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            name = f"{LOADING_PREFIX}{uuid.uuid4().hex}"
            known = {r[0] for r in db.execute("SELECT name FROM comparisons")}
            _load_in(db, source, report, comparison, name)
            if comparison is None and report.comparison not in known:
                report.warnings.extend(_looks_like_a_newer_version(db, report.comparison))
            return report
        finally:
            db.execute(f"PRAGMA wal_autocheckpoint = {int(every)}")
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _load_in(
    db: Database,
    source: PairSource,
    report: LoadReport,
    comparison: str | None,
    shadow_name: str | None,
) -> LoadReport:
    records = iter(source.records())
    first = next(records, None)
    if first is None:
        raise InputError(source.source, _why_no_pairs(report, getattr(source, "join_field", "")))
    report.comparison = comparison or source.default_name()
    baseline, candidate = source.models()
    _same_models(db, report.comparison, baseline, candidate, source.source)
    if shadow_name is None:
        cid = ensure_comparison(
            db,
            report.comparison,
            baseline_model=baseline,
            candidate_model=candidate,
            source=source.source,
        )
        PairWriter(db, cid, report).write(chain([first], records))
        _finish(db, report.comparison, source)
        return report
    row = db.execute("SELECT id FROM comparisons WHERE name = ?", [report.comparison]).fetchone()
    with write_transaction(db):
        shadow = ensure_comparison(db, shadow_name, source=source.source)
    try:
        writer = PairWriter(db, row[0] if row else shadow, report, shadow=shadow)
        writer.write(chain([first], records))
        with write_transaction(db):
            _publish(db, writer, report.comparison, shadow, existing=row is not None)
            _finish(db, report.comparison, source)
    except BaseException:
        _drop_comparison(db, shadow)
        raise
    return report


def _publish(db: Database, writer: PairWriter, name: str, shadow: int, *, existing: bool) -> None:
    now_there = db.execute("SELECT id FROM comparisons WHERE name = ?", [name]).fetchone()
    if not existing:
        if now_there is not None:
            raise StoreError(
                f"comparison {name!r} was created by another writer during this load;"
                " load again to merge into it"
            )
        db.execute("UPDATE comparisons SET name = ? WHERE id = ?", [name, shadow])
        return
    writer.publish()
    db.execute("DELETE FROM comparisons WHERE id = ?", [shadow])


def _finish(db: Database, name: str, source: PairSource) -> None:
    baseline, candidate = source.models()  # a source may learn them late
    _same_models(db, name, baseline, candidate, source.source)
    ensure_comparison(
        db, name, baseline_model=baseline, candidate_model=candidate, source=source.source
    )


SAME_KEYS_SHARE = 0.5  # most of the new comparison's keys are in the other one


def _looks_like_a_newer_version(db: Database, name: str) -> list[str]:
    """A file named differently from last time ("results-v2.jsonl") makes a second
    comparison, after which every command asks for -c: when one with the same models holds
    most of these keys, say so and name the -c that would have updated it."""
    new = db.execute(
        "SELECT id, baseline_model, candidate_model FROM comparisons WHERE name = ?", [name]
    ).fetchone()
    total = db.execute("SELECT count(*) FROM pairs WHERE comparison_id = ?", [new[0]]).fetchone()
    for cid, other, base, cand in db.execute(
        "SELECT id, name, baseline_model, candidate_model FROM comparisons"
        " WHERE id != ? AND name NOT LIKE ? ORDER BY id DESC",
        [new[0], LOADING_PREFIX + "%"],
    ).fetchall():
        if (new[1] and base and new[1] != base) or (new[2] and cand and new[2] != cand):
            continue
        (shared,) = db.execute(
            "SELECT count(*) FROM pairs a JOIN pairs b ON b.comparison_id = ? AND b.key = a.key"
            " WHERE a.comparison_id = ?",
            [cid, new[0]],
        ).fetchone()
        if total[0] and shared >= SAME_KEYS_SHARE * total[0]:
            return [
                f"this made a new comparison {name!r}, but {shared} of its {total[0]} keys and"
                f" its models match {other!r}: if this file is a newer version of that one,"
                f" load it with -c {shlex.quote(other)} to update it instead"
            ]
    return []


def sweep_stale_loads(db: Database) -> None:
    """Remove the hidden rows of loads that died (called holding the load lock, so no
    hidden comparison belongs to a live load)."""
    stale = db.execute(
        "SELECT id FROM comparisons WHERE name LIKE ?", [LOADING_PREFIX + "%"]
    ).fetchall()
    for (cid,) in stale:
        _drop_comparison(db, cid)


def _drop_comparison(db: Database, cid: int) -> None:
    """Delete a hidden comparison and its pairs in short transactions."""
    if db.conn.in_transaction:
        db.conn.rollback()
    while True:
        with write_transaction(db):
            cur = db.execute(
                "DELETE FROM pairs WHERE id IN"
                " (SELECT id FROM pairs WHERE comparison_id = ? LIMIT ?)",
                [cid, DROP_BATCH],
            )
            if cur.rowcount < DROP_BATCH:
                db.execute("DELETE FROM comparisons WHERE id = ?", [cid])
                return


def _why_no_pairs(report: LoadReport, join_field: str = "") -> str:
    old, new = report.unmatched_baseline, report.unmatched_candidate
    if old and new:
        if join_field == "prompt text":  # keys made from the prompts: no use to show them
            return (
                f"no pairs: the {len(old)} old and {len(new)} new rows share no prompt;"
                " if the files have a common id field, join on it with --key FIELD"
            )
        return (
            f"no pairs: the {len(old)} old and {len(new)} new rows share no key (old"
            f" {_first_two(old)}; new {_first_two(new)}); check --key, or leave it out to"
            " join on the prompt"
        )
    if report.skipped:
        return f"no pairs to load: every row was bad ({len(report.skipped)} skipped)"
    if old or new:
        return f"no pairs: only one side has rows ({len(old) or len(new)})"
    return "no pairs to load"


def _first_two(keys: list[str]) -> str:
    return ", ".join(keys[:2]) + (", ..." if len(keys) > 2 else "")


def _same_models(
    db: Database, name: str, baseline: str | None, candidate: str | None, where: str
) -> None:
    """Refuse to pour another migration into a comparison: its pairs would replace this
    one's under the same keys and every review would go stale."""
    row = db.execute(
        "SELECT baseline_model, candidate_model FROM comparisons WHERE name = ?", [name]
    ).fetchone()
    if row is None:
        return
    for side, stored, given in (("old", row[0], baseline), ("new", row[1], candidate)):
        if stored and given and stored != given and not _many(stored) and not _many(given):
            raise InputError(
                where,
                f"comparison {name!r} holds {row[0]} -> {row[1]}, but the {side} model"
                f" here is {given}; name another comparison with --comparison (or set"
                " --baseline-model/--candidate-model if the names are wrong)",
            )


def _many(model: str) -> bool:
    """The name a file with several models per side gets ("12 models")."""
    count, _, word = model.partition(" ")
    return count.isdigit() and word == "models"


def load_files(
    db: Database,
    paths: list[str],
    options: LoadOptions | None = None,
    comparison: str | None = None,
) -> LoadReport:
    """Load one pair file, or a baseline and a candidate file, into ``db``."""
    report = LoadReport()
    source = file_source([str(p) for p in paths], options or LoadOptions(), report)
    return load(db, source, report, comparison)
