"""Two files, one model each, joined into pairs by a key field or by the prompt text.

The baseline side is spooled into a private temporary SQLite file (not a dict), so joining
two multi-gigabyte files keeps memory flat; the candidate side then streams past it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..store import LoadReport, PairRecord
from .files import Side, SideFile
from .readers import file_stem

SPOOL_BATCH = 1000
GENERIC_STEMS = {
    "model_outputs",
    "outputs",
    "output",
    "answers",
    "answer",
    "results",
    "responses",
    "completions",
    "generations",
    "predictions",
    "data",
}


def model_from_path(path: str) -> str:
    """A model name guessed from a file name, or its folder's for names like model_outputs."""
    p = Path(path)
    stem = file_stem(path)
    if stem.lower() in GENERIC_STEMS and p.resolve().parent.name:
        return p.resolve().parent.name
    return stem


class JoinedFiles:
    """A pair source over a baseline file and a candidate file (see the package docstring)."""

    def __init__(
        self,
        baseline: SideFile,
        candidate: SideFile,
        report: LoadReport,
        *,
        baseline_model: str | None = None,
        candidate_model: str | None = None,
    ) -> None:
        self.baseline = baseline
        self.candidate = candidate
        self.report = report
        self._flag_models = (baseline_model, candidate_model)
        self.source = f"{baseline.path} + {candidate.path}"
        self.join_field = ""

    def models(self) -> tuple[str | None, str | None]:
        b, c = self._flag_models
        return (
            b or self.baseline.model or model_from_path(self.baseline.path),
            c or self.candidate.model or model_from_path(self.candidate.path),
        )

    def default_name(self) -> str:
        b, c = self.models()
        return f"{b}-vs-{c}"

    def records(self) -> Iterator[PairRecord]:
        spool = sqlite3.connect("")  # "" = a private temporary file, deleted on close
        try:
            yield from self._join(spool)
        finally:
            spool.close()

    def _join(self, spool: sqlite3.Connection) -> Iterator[PairRecord]:
        spool.execute(
            "CREATE TABLE side (key TEXT, pkey TEXT, prompt TEXT, output TEXT,"
            " meta TEXT, matched INTEGER NOT NULL DEFAULT 0)"
        )
        self._spool(spool)
        column = ""
        for side in self.candidate.sides():
            if not column:
                column = self._choose_column(spool)
            found = self._lookup(spool, column, side)
            if found is None:
                self.report.unmatched_candidate.append(_join_value(side, column))
                continue
            yield _pair(found, side, _join_value(side, column))
        if not column:
            column = self._choose_column(spool)  # every candidate row was bad or absent
        self.report.unmatched_baseline.extend(
            k
            for (k,) in spool.execute(
                f"SELECT {column} FROM side WHERE matched = 0 GROUP BY {column} ORDER BY min(rowid)"
            )
        )
        for reader in (self.baseline, self.candidate):
            self.report.warnings.extend(reader.prompt_warnings())

    def _spool(self, spool: sqlite3.Connection) -> None:
        batch: list[tuple[Any, ...]] = []
        for side in self.baseline.sides():
            prompt = json.dumps(side.prompt, ensure_ascii=False)
            batch.append(
                (
                    side.key,
                    side.prompt_key,
                    prompt,
                    side.output,
                    json.dumps(side.metadata, ensure_ascii=False),
                )
            )
            if len(batch) >= SPOOL_BATCH:
                spool.executemany(
                    "INSERT INTO side (key, pkey, prompt, output, meta) VALUES (?, ?, ?, ?, ?)",
                    batch,
                )
                batch = []
        spool.executemany(
            "INSERT INTO side (key, pkey, prompt, output, meta) VALUES (?, ?, ?, ?, ?)", batch
        )

    def _choose_column(self, spool: sqlite3.Connection) -> str:
        """Join on the key field when both files have one, else on the prompt text."""
        b, c = self.baseline.fields, self.candidate.fields
        if b.key and c.key:
            column, self.join_field = "key", b.key if b.key == c.key else f"{b.key}={c.key}"
        elif self.baseline.has_prompt and self.candidate.has_prompt:
            column, self.join_field = "pkey", "prompt text"
        else:
            missing = self.baseline if not (b.key or self.baseline.has_prompt) else self.candidate
            raise InputError(
                missing.path,
                "nothing to join on: the two files share no key"
                " field and do not both have prompts; pass --key FIELD",
            )
        spool.execute(f"CREATE INDEX side_{column} ON side ({column})")
        self._report_duplicates(spool, column)
        return column

    def _report_duplicates(self, spool: sqlite3.Connection, column: str) -> None:
        rows = spool.execute(
            f"SELECT {column}, count(*) FROM side GROUP BY {column}"
            " HAVING count(*) > 1 ORDER BY min(rowid)"
        ).fetchall()
        for key, n in rows:
            self.report.duplicate_keys.append(key)
            self.report.warnings.append(
                f"{self.baseline.path}: key {key!r} appears {n} times; the first is used"
            )
        # Later copies stay out of the join and out of the unmatched list.
        spool.execute(
            f"UPDATE side SET matched = -1 WHERE rowid NOT IN"
            f" (SELECT min(rowid) FROM side GROUP BY {column})"
        )

    def _lookup(self, spool: sqlite3.Connection, column: str, side: Side) -> tuple | None:
        value = _join_value(side, column)
        row = spool.execute(
            f"SELECT rowid, prompt, output, meta FROM side WHERE {column} = ?"
            " AND matched >= 0 LIMIT 1",
            [value],
        ).fetchone()
        if row is not None:
            spool.execute("UPDATE side SET matched = 1 WHERE rowid = ?", [row[0]])
        return row


def _join_value(side: Side, column: str) -> str:
    return (side.key if column == "key" else side.prompt_key) or ""


def _pair(found: tuple, cand: Side, key: str) -> PairRecord:
    _, prompt_json, base_output, meta_json = found
    prompt = json.loads(prompt_json)
    base_meta: dict[str, Any] = json.loads(meta_json)
    meta = _merge_metadata(base_meta, cand.metadata)
    if prompt is None:
        prompt = cand.prompt
    elif cand.prompt is not None and cand.prompt != prompt:
        meta["candidate_prompt"] = cand.prompt
    return PairRecord(key, prompt, base_output, cand.output, meta)


# Kept under each side even when equal: a bare finish_reason reads as the candidate's (the
# truncated signal would fire when both answers hit the limit).
PER_SIDE = frozenset({"finish_reason", "stop_reason"})


def _merge_metadata(base: dict[str, Any], cand: dict[str, Any]) -> dict[str, Any]:
    """Fields equal on both sides stay on top; the rest go under baseline / candidate."""
    merged: dict[str, Any] = {}
    only_base: dict[str, Any] = {}
    only_cand: dict[str, Any] = {}
    for k, v in base.items():
        if k in cand and cand[k] == v and k not in PER_SIDE:
            merged[k] = v
        else:
            only_base[k] = v
    only_cand = {k: v for k, v in cand.items() if k not in merged}
    if only_base:
        merged["baseline"] = only_base
    if only_cand:
        merged["candidate"] = only_cand
    return merged


class OneSide:
    """A pair source over one model's file with the other side still to come.

    Each pair gets this side's output and NULL for the other; a later load of the other
    model's file (or ``swapview replay``) fills it in under the same keys: the row's key
    field when it has one, else the prompt text, as a two-file join would pair them.
    """

    def __init__(
        self, reader: SideFile, side: str, report: LoadReport, *, model: str | None = None
    ) -> None:
        self.reader = reader
        self.side = side
        self.report = report
        self._flag_model = model
        self.source = reader.path

    def models(self) -> tuple[str | None, str | None]:
        model = self._flag_model or self.reader.model or model_from_path(self.reader.path)
        return (model, None) if self.side == "baseline" else (None, model)

    def default_name(self) -> str:
        return next(m for m in self.models() if m) or file_stem(self.source) or "comparison"

    def records(self) -> Iterator[PairRecord]:
        for side in self.reader.sides():
            key = side.key or side.prompt_key or ""
            meta = {self.side: side.metadata} if side.metadata else {}
            output = side.output
            base, cand = (output, None) if self.side == "baseline" else (None, output)
            yield PairRecord(key, side.prompt, base, cand, meta)
        self.report.warnings.extend(self.reader.prompt_warnings())
