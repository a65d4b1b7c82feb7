"""`contracts check`: check both sides of every pair, in chunks committed as they finish.

Only what changed is checked again: a pair whose content moved on, a contract whose
definition (or parser source) changed, a contract new to the file. Contracts dropped from
the file lose their results and signals. An interrupted run keeps every finished chunk.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import InputError
from ..store import get_comparison, write_transaction
from . import store
from .checks import Compiled, Output, compile_contract
from .model import ContractsFile, find_module
from .promptfoo import promptfoo_assertions
from .worker import ParserUnavailable, PythonCheck

CHUNK_PAIRS = 1000
Progress = Callable[[int, int], None]  # (pairs done, pairs in the comparison)


@dataclass
class Plan:
    """The contracts of one run, compiled, with their fingerprints and parsers."""

    compiled: list[Compiled]
    fingerprints: dict[str, str]
    parsers: dict[str, PythonCheck] = field(default_factory=dict)


@dataclass
class CheckReport:
    comparison: str
    source: str
    pairs: int = 0
    checked: int = 0  # (pair, contract) results computed in this run
    reused: int = 0  # results still current from an earlier run
    removed: list[str] = field(default_factory=list)
    contracts: list[store.ContractSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def broken(self) -> int:
        return sum(c.broken for c in self.contracts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison,
            "source": self.source,
            "pairs": self.pairs,
            "checked": self.checked,
            "reused": self.reused,
            "removed": self.removed,
            "broken": self.broken,
            "contracts": [c.as_dict() for c in self.contracts],
            "seconds": self.seconds,
        }


def check_comparison(
    db: Database,
    comparison: str,
    cfile: ContractsFile,
    *,
    chunk_pairs: int = CHUNK_PAIRS,
    progress: Progress | None = None,
) -> CheckReport:
    """Check every pair of the comparison against the file's contracts; store the results."""
    started = time.perf_counter()
    cid = int(get_comparison(db, comparison)["id"])
    report = CheckReport(comparison=comparison, source=cfile.path)
    with ExitStack() as stack:
        plan = _plan(cfile, stack)
        with write_transaction(db):
            report.removed = store.sync_contracts(db, cid, _rows(plan, cfile))
        report.pairs = store.pair_count(db, cid)
        done, after = 0, 0
        while chunk := store.pair_chunk(db, cid, after, chunk_pairs):
            after = chunk[-1][0]
            _check_chunk(db, plan, chunk, report)
            done += len(chunk)
            if progress:
                progress(done, report.pairs)
    report.contracts = store.summaries(db, cid, [c.name for c in plan.compiled])
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _plan(cfile: ContractsFile, stack: ExitStack) -> Plan:
    compiled = [compile_contract(c) for c in cfile.contracts]
    fingerprints, parsers = {}, {}
    for c in cfile.contracts:
        extra = ""
        if c.python:
            source = find_module(c.python, cfile.folder)
            # The parser's source is part of what the contract checks: editing it re-checks.
            if source is not None and source.is_file():
                extra = hashlib.blake2b(source.read_bytes(), digest_size=12).hexdigest()
            parser = PythonCheck(
                c.python, str(Path(cfile.folder).resolve()), c.python_timeout, c.python_memory_mb
            )
            stack.callback(parser.close)
            try:
                parser.start()  # a parser that cannot load fails the run before any write
            except ParserUnavailable as exc:
                raise InputError(cfile.path, f"contract {c.name!r}: {exc}", field="python") from exc
            parsers[c.name] = parser
        fingerprints[c.name] = c.fingerprint(extra)
    return Plan(compiled, fingerprints, parsers)


def _rows(plan: Plan, cfile: ContractsFile) -> list[store.ContractRow]:
    return [
        store.ContractRow(
            name=c.name,
            fingerprint=plan.fingerprints[c.name],
            definition=json.dumps(c.contract.definition(), ensure_ascii=False, sort_keys=True),
            assertions=json.dumps(promptfoo_assertions(c.contract), ensure_ascii=False),
            source=cfile.path,
        )
        for c in plan.compiled
    ]


def _check_chunk(
    db: Database, plan: Plan, chunk: list[store.PairHead], report: CheckReport
) -> None:
    current = store.current_results(db, [p[0] for p in chunk])
    todo: list[tuple[int, str, Compiled]] = []  # (pair id, content hash, contract)
    dropped: list[tuple[int, str]] = []
    for pair_id, metadata, digest in chunk:
        meta = _metadata(metadata)
        have = current.get(pair_id, {})
        for c in plan.compiled:
            applies = c.applies(meta)
            if not applies:
                if c.name in have:
                    dropped.append((pair_id, c.name))
                continue
            if have.get(c.name) == (plan.fingerprints[c.name], digest):
                report.reused += 1
            else:
                todo.append((pair_id, digest, c))
    if not todo and not dropped:
        return
    results = _results(db, plan, todo)
    with write_transaction(db):
        store.write_results(db, results, dropped)
    report.checked += len(results)


def _results(
    db: Database, plan: Plan, todo: list[tuple[int, str, Compiled]]
) -> list[store.ResultRow]:
    texts = store.outputs(db, sorted({pid for pid, _, _ in todo}))
    parsed: dict[int, tuple[Output, Output]] = {}
    rows: list[store.ResultRow] = []
    for pair_id, digest, c in todo:
        if pair_id not in parsed:
            old, new = texts[pair_id]
            parsed[pair_id] = (Output(old), Output(new))
        old_out, new_out = parsed[pair_id]
        rows.append(
            store.ResultRow(
                pair_id,
                c.name,
                plan.fingerprints[c.name],
                digest,
                c.check(old_out),
                c.check(new_out),
            )
        )
    _run_parsers(plan, rows, parsed)
    return rows


def _run_parsers(
    plan: Plan, rows: list[store.ResultRow], parsed: dict[int, tuple[Output, Output]]
) -> None:
    """The team's parsers, on each output that passed the contract's other checks."""
    for row in rows:
        parser = plan.parsers.get(row.contract)
        if parser is None:
            continue
        old_out, new_out = parsed[row.pair_id]
        if row.baseline_error is None:
            row.baseline_error = parser.check(old_out.text)
        if row.candidate_error is None:
            row.candidate_error = parser.check(new_out.text)


def _metadata(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
