"""llm (Simon Willison's CLI): its logs.db (or `llm logs --json`), pairing two models'
answers to the same prompt.

Since llm 0.32 each answer is a row of ``turns`` whose prompt is a chain of ``messages``
(content-addressed, each with ``parts``); the old ``responses`` table stays empty there.
Databases written by 0.31 and older (and the old rows of an upgraded database) keep one
``responses`` row per answer, with fragments in ``prompt_fragments``. Both are read.

Two answers pair when the system prompt and everything the user said match (earlier user
turns of a conversation included, fragments expanded; earlier answers differ by model).
A prompt asked N times of a model pairs its Nth answer with the other's Nth, in time order.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..errors import InputError
from ..ingest.outputs import finish_reason
from ..store import text_hash
from .base import (
    Answer,
    ImportResult,
    Prompt,
    Sides,
    canonical,
    pair_answers,
    pick_two,
    read_json,
)


def import_logs_db(
    paths: list[str], baseline_model: str | None = None, candidate_model: str | None = None
) -> ImportResult:
    """llm: its logs.db (`llm logs path`); two models answering the same prompts."""
    if len(paths) != 1:
        raise InputError(paths[-1], f"--from llm reads one logs.db; got {len(paths)} files")
    path = paths[0]
    answers = list(_read(path))
    models = list(dict.fromkeys(a.model for a in answers if a.model))
    old, new = pick_two(path, models, baseline_model, candidate_model)
    result = ImportResult("llm", f"llm logs {path}", old, new)
    sides = {old: Sides(), new: Sides()}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for answer in answers:
        if answer.model in sides:
            seen[(answer.model, answer.key)] += 1
            n = seen[(answer.model, answer.key)]
            answer.label = "p-" + text_hash(answer.key)[:16] + (f"~{n}" if n > 1 else "")
            answer.key = answer.label
            sides[answer.model].add(answer)
    return pair_answers(result, sides[old], sides[new])


def _read(path: str) -> Iterator[Answer]:
    if not _is_sqlite(path):
        yield from _logs_json(path)
        return
    conn = _connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "responses" not in tables and "turns" not in tables:
            raise InputError(path, "not an llm logs database (no responses or turns table)")
        rows: list[Answer] = []
        turn_ids: set[str] = set()
        if {"turns", "messages", "parts"} <= tables:
            for answer in _turns(conn, tables):
                turn_ids.add(answer.side["id"])
                rows.append(answer)
        if "responses" in tables:
            rows += [a for a in _responses(conn, tables) if a.side["id"] not in turn_ids]
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot read the llm database ({exc})") from None
    finally:
        conn.close()
    rows.sort(key=lambda a: a.side.get("created") or "")
    yield from rows


def _is_sqlite(path: str) -> bool:
    """A SQLite file by its magic bytes; anything else is read as `llm logs --json`."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None


# -- `llm logs --json`: the same answers as JSON, one object each -------------------------


def _logs_json(path: str) -> Iterator[Answer]:
    doc = read_json(path, "an llm logs.db, or the output of `llm logs --json`")
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise InputError(
            path,
            "not an llm logs database, nor `llm logs --json` output (a JSON array of responses)",
        )
    history: dict[str, list[dict[str, str]]] = defaultdict(list)
    for i, row in enumerate(sorted(doc, key=lambda r: str(r.get("datetime_utc") or ""))):
        missing = [k for k in ("id", "model", "response") if k not in row]
        if missing:
            raise InputError(path, "missing in a response", field=f"[{i}].{missing[0]}")
        prompt = _with_fragments(row.get("prompt"), row.get("prompt_fragments"))
        system = _with_fragments(row.get("system"), row.get("system_fragments")).strip("\n")
        conversation = row.get("conversation_id")
        earlier = history[conversation] if conversation else []
        messages = [*earlier, {"role": "user", "content": prompt}]
        reason = _finish_reason(json.dumps(row.get("response_json")))
        yield _answer(row, system or None, messages, row.get("response") or "", reason)
        earlier += [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": row.get("response") or ""},
        ]


def _with_fragments(text: Any, fragments: Any) -> str:
    """The prompt as the model got it. llm 0.36 writes it with its fragments already
    expanded (and lists them too); older versions list them apart, to put in front."""
    text = text if isinstance(text, str) else ""
    parts = [
        f if isinstance(f, str) else str(f.get("content") or "")
        for f in (fragments if isinstance(fragments, list) else [])
        if isinstance(f, str | dict)
    ]
    missing = [p for p in parts if p and p not in text]
    return "\n".join([*missing, text])


def _connect(path: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"not a SQLite database ({exc})") from None
    conn.row_factory = sqlite3.Row
    return conn


# -- llm 0.32 and later: turns, messages, parts ------------------------------------------


def _turns(conn: sqlite3.Connection, tables: set[str]) -> Iterator[Answer]:
    texts = _PartTexts(conn, tables)
    parents = dict(conn.execute("SELECT hash, parent_hash FROM messages").fetchall())
    roles = dict(conn.execute("SELECT hash, role FROM messages").fetchall())
    for turn in conn.execute("SELECT * FROM turns ORDER BY datetime_utc"):
        chain = []
        node = turn["parent_message_hash"]
        while node is not None:
            chain.append({"role": roles.get(node) or "user", "content": texts.of(node)})
            node = parents.get(node)
        chain.reverse()
        system = "\n".join(m["content"] for m in chain if m["role"] == "system") or None
        messages = [m for m in chain if m["role"] != "system"]
        yield _answer(
            turn,
            system,
            messages,
            texts.of(turn["tip_message_hash"]),
            _finish_reason(turn["response_json"]),
        )


class _PartTexts:
    """A message's text: its text parts in order, fragment references expanded."""

    def __init__(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        self.fragments = _fragments(conn, tables)
        self.parts: dict[str, list[str]] = defaultdict(list)
        rows = conn.execute(
            "SELECT message_hash, text, payload FROM parts WHERE type = 'text'"
            " ORDER BY message_hash, position"
        )
        for message, text, payload in rows:
            self.parts[message].append(text if text else self._expand(payload))

    def _expand(self, payload: str | None) -> str:
        try:
            refs = json.loads(payload or "{}").get("text_ref") or []
        except (json.JSONDecodeError, AttributeError):
            return ""
        return "".join(
            self.fragments.get(r["fragment"], "") if "fragment" in r else r.get("literal", "")
            for r in refs
            if isinstance(r, dict)
        )

    def of(self, message: str | None) -> str:
        return "".join(self.parts.get(message or "", []))


def _finish_reason(response_json: str | None) -> str | None:
    """Why the answer stopped, as the provider said it: each plugin logs its own shape."""
    try:
        data = json.loads(response_json or "null")
    except json.JSONDecodeError:
        return None
    # a streamed answer may be logged as its chunks; the reason comes with the last ones
    for item in reversed(data) if isinstance(data, list) else [data]:
        reason = finish_reason(item)
        if reason:
            return reason
    return None


# -- llm 0.31 and earlier: responses ------------------------------------------------------


def _responses(conn: sqlite3.Connection, tables: set[str]) -> Iterator[Answer]:
    fragments = _fragments(conn, tables)
    by_response: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for table, kind in (("prompt_fragments", "prompt"), ("system_fragments", "system")):
        if table in tables:
            for rid, fid in conn.execute(
                f'SELECT response_id, fragment_id FROM {table} ORDER BY response_id, "order"'
            ):
                by_response[rid][kind].append(fragments.get(fid, ""))
    history: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in conn.execute("SELECT * FROM responses ORDER BY datetime_utc"):
        frags = by_response.get(row["id"], {})
        prompt = "\n".join([*frags.get("prompt", []), row["prompt"] or ""])
        system = "\n".join([*frags.get("system", []), row["system"] or ""]).strip("\n") or None
        earlier = history[row["conversation_id"]] if row["conversation_id"] else []
        messages = [*earlier, {"role": "user", "content": prompt}]
        yield _answer(
            row, system, messages, row["response"] or "", _finish_reason(_col(row, "response_json"))
        )
        earlier += [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": row["response"] or ""},
        ]


def _fragments(conn: sqlite3.Connection, tables: set[str]) -> dict[int, str]:
    if "fragments" not in tables:
        return {}
    return dict(conn.execute("SELECT id, content FROM fragments").fetchall())


# -- shared -------------------------------------------------------------------------------


def _answer(
    row: sqlite3.Row | dict[str, Any],
    system: str | None,
    messages: list[dict[str, str]],
    output: str,
    finish_reason: str | None,
) -> Answer:
    chat = ([{"role": "system", "content": system}] if system else []) + messages
    prompt: Prompt = chat[0]["content"] if len(chat) == 1 else chat
    # Earlier assistant turns differ by model: a conversation pairs on what the user said.
    said = [m["content"] for m in messages if m["role"] == "user"]
    return Answer(
        canonical([system, said]),
        prompt,
        output,
        row["model"],
        side={
            "id": row["id"],
            "latency_ms": row["duration_ms"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "finish_reason": finish_reason,
            "resolved_model": _col(row, "resolved_model"),
            "options": _json(_col(row, "options_json")),
            "created": row["datetime_utc"],
        },
    )


def _col(row: sqlite3.Row | dict[str, Any], name: str) -> Any:
    return row[name] if name in row.keys() else None


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text or None  # `llm logs --json` gives the parsed object
    try:
        value = json.loads(text) if text else None
    except json.JSONDecodeError:
        return text
    return value or None
