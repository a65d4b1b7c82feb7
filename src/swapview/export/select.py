"""Choose the decided pairs to export and work out each one's expected answer."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from .. import metapath
from ..errors import SwapviewError
from ..judge.verdicts import (
    CURRENT_VERDICT,
    JudgeKey,
    PairVerdict,
    combined_verdicts,
    latest_judge,
)
from ..store import decode_prompt, get_comparison
from .models import (
    CaseSource,
    ContractVerdict,
    ExportCase,
    IdealSource,
    Scores,
    Selection,
    Signal,
)
from .pairmeta import json_safe
from .where import matches

_CASES_SQL = """
SELECT p.id AS pair_id, p.key, p.prompt, p.prompt_format, p.baseline_output,
       p.candidate_output, p.metadata, p.content_hash,
       d.tag, d.note, d.corrected_output, d.reviewer, d.updated AS decided, d.stale,
       s.content_hash AS score_hash, s.semantic_distance, s.lexical_distance,
       s.length_change, s.signal_count, s.embedding_model, s.scorer_version
FROM decisions d
JOIN pairs p ON p.id = d.pair_id
LEFT JOIN scores s ON s.pair_id = p.id
WHERE p.comparison_id = ? AND d.tag IS NOT NULL
"""


def select_cases(db: Database, selection: Selection) -> list[ExportCase]:
    """The selected cases, ordered by key so that repeated exports are identical."""
    return list(iter_cases(db, selection))


# Cases are built a page at a time: an export of 200,000 cases holds one page, not all.
PAGE = 500


def iter_cases(db: Database, selection: Selection) -> Iterator[ExportCase]:
    """The selected cases one at a time, in ``select_cases``' order, a page in memory."""
    comp = get_comparison(db, selection.comparison)
    sql, args = _filtered_sql(comp["id"], selection)
    cur = db.execute(sql, args)
    columns = [c[0] for c in cur.description]
    while page := cur.fetchmany(PAGE):
        rows = [dict(zip(columns, r, strict=True)) for r in page]
        yield from _page_cases(db, comp, rows, selection)
    if selection.judged:
        for rows in _judge_labelled(db, comp["id"], selection):
            yield from _page_cases(db, comp, rows, selection)


def _page_cases(
    db: Database, comp: dict[str, Any], rows: list[dict[str, Any]], selection: Selection
) -> list[ExportCase]:
    if selection.where:
        # Matched in Python, not SQL: field names ignore case at every level of a dotted
        # path, which json_extract cannot do. Only decided pairs get here, so it is cheap.
        rows = [r for r in rows if matches(_metadata(r["metadata"]), selection.where)]
    if selection.keys:  # export --fill-gaps: the cases it chose
        wanted = set(selection.keys)
        rows = [r for r in rows if r["key"] in wanted]
    signals = _signals(db, [r["pair_id"] for r in rows])
    contracts = _contracts(db, comp["id"], [r["pair_id"] for r in rows])
    cases = [_case(comp, row, signals.get(row["pair_id"], []), selection) for row in rows]
    for case, row in zip(cases, rows, strict=True):
        case.contracts = contracts.get(row["pair_id"], [])
    return cases


# What a judge verdict counts as when a judge-labelled case is exported.
JUDGE_TAGS = {"new_worse": "regression", "new_better": "improvement", "same": "neutral"}


def _judge_labelled(
    db: Database, comparison_id: int, sel: Selection
) -> Iterator[list[dict[str, Any]]]:
    """Unreviewed pairs with the latest judge's verdict ``sel.judged``, marked as such, a
    page at a time in (key, pair id) order, as the reviewed cases are.

    Never mixed silently with reviewed cases: the reviewer is "judge:MODEL" and the pair's
    metadata gains ``swapview_judge`` (model, rubric hash, verdict, confidence, rationale).
    """
    key = latest_judge(db, comparison_id)
    if key is None:
        raise SwapviewError("--judged: no judge verdicts yet; run `swapview judge` first")
    cur = db.execute(_JUDGED_SQL, [comparison_id, key.model, key.rubric_hash])
    while page := cur.fetchmany(PAGE):
        rows = [dict(zip(_JUDGED_COLUMNS, r, strict=True)) for r in page]
        verdicts = combined_verdicts(db, comparison_id, key, [r["pair_id"] for r in rows])
        yield [
            _judge_row(row, verdicts[row["pair_id"]], key)
            for row in rows
            if verdicts[row["pair_id"]].combined.verdict == sel.judged
        ]  # --where: in _page_cases


def _judge_row(data: dict[str, Any], pv: PairVerdict, key: JudgeKey) -> dict[str, Any]:
    """A judge-labelled pair's row, shaped like a reviewed one, the judge as its reviewer."""
    meta = json.loads(data["metadata"]) if data["metadata"] else {}
    meta["swapview_judge"] = {
        "judge_labelled": True,
        "judge_model": key.model,
        "rubric_hash": key.rubric_hash,
        "verdict": pv.combined.verdict,
        "confidence": pv.combined.confidence,
        "inconsistent": pv.combined.inconsistent,
        "rationale": pv.rationale,
    }
    return {
        **data,
        "metadata": json.dumps(meta),
        "tag": JUDGE_TAGS[pv.combined.verdict],
        "note": None,
        "corrected_output": None,
        "reviewer": f"judge:{key.model}",
        "decided": None,
        "stale": 0,
    }


_JUDGED_COLUMNS = (
    "pair_id", "key", "prompt", "prompt_format", "baseline_output", "candidate_output",
    "metadata", "content_hash", "score_hash", "semantic_distance", "lexical_distance",
    "length_change", "signal_count", "embedding_model", "scorer_version",
)  # fmt: skip
# Unreviewed pairs with a current verdict of this judge (combined_verdicts' test, so a
# pair is here exactly when it has a combined verdict), in the reviewed cases' order.
_JUDGED_SQL = f"""
SELECT p.id, p.key, p.prompt, p.prompt_format, p.baseline_output, p.candidate_output,
       p.metadata, p.content_hash, s.content_hash, s.semantic_distance, s.lexical_distance,
       s.length_change, s.signal_count, s.embedding_model, s.scorer_version
FROM pairs p LEFT JOIN scores s ON s.pair_id = p.id
WHERE p.comparison_id = ?
  AND EXISTS (SELECT 1 FROM judge_verdicts v WHERE v.pair_id = p.id AND {CURRENT_VERDICT})
  AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.pair_id = p.id AND d.tag IS NOT NULL)
ORDER BY p.key, p.id
"""


def _metadata(text: str | None) -> dict[str, Any] | None:
    return json_safe(json.loads(text)) if text else None


def _filtered_sql(comparison_id: int, sel: Selection) -> tuple[str, list[Any]]:
    sql = _CASES_SQL
    args: list[Any] = [comparison_id]
    if sel.tags:
        sql += f" AND d.tag IN ({_marks(sel.tags)})"
        args += sel.tags
    else:
        excluded = sel.excluded_tags()
        sql += f" AND d.tag NOT IN ({_marks(excluded)})"
        args += excluded
    if sel.reviewers:
        sql += f" AND d.reviewer IN ({_marks(sel.reviewers)})"
        args += sel.reviewers
    if sel.signals:
        sql += (
            " AND EXISTS (SELECT 1 FROM signals g WHERE g.pair_id = p.id"
            f" AND g.name IN ({_marks(sel.signals)}))"
        )
        args += sel.signals
    if not sel.include_stale:
        sql += " AND d.stale = 0"
    return sql + " ORDER BY p.key, p.id", args


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _signals(db: Database, pair_ids: list[int]) -> dict[int, list[Signal]]:
    found: dict[int, list[Signal]] = defaultdict(list)
    for start in range(0, len(pair_ids), 500):
        chunk = pair_ids[start : start + 500]
        rows = db.execute(
            f"SELECT pair_id, name, detail FROM signals WHERE pair_id IN ({_marks(chunk)})"
            " ORDER BY pair_id, name",
            chunk,
        )
        for pair_id, name, detail in rows:
            found[pair_id].append(Signal(name=name, detail=detail))
    return found


def _contracts(db: Database, comparison_id: int, pair_ids: list[int]) -> dict[int, list]:
    """Per pair, the contracts `contracts check` stored for its current content."""
    found: dict[int, list[ContractVerdict]] = defaultdict(list)
    for start in range(0, len(pair_ids), 500):
        chunk = pair_ids[start : start + 500]
        rows = db.execute(
            "SELECT r.pair_id, r.contract, r.baseline_ok, r.candidate_ok, r.candidate_error,"
            " c.assertions FROM contract_results r JOIN pairs p ON p.id = r.pair_id"
            " JOIN contracts c ON c.comparison_id = ? AND c.name = r.contract"
            " AND c.fingerprint = r.fingerprint"
            f" WHERE r.pair_id IN ({_marks(chunk)}) AND r.content_hash = p.content_hash"
            " ORDER BY r.pair_id, r.contract",
            [comparison_id, *chunk],
        )
        for pid, name, old_ok, new_ok, why, assertions in rows:
            verdict = ContractVerdict(
                name=name,
                baseline="kept" if old_ok else "broken",
                candidate="kept" if new_ok else "broken",
                candidate_error=why,
                assertions=json.loads(assertions),
            )
            found[pid].append(verdict)
    return found


def _case(
    comp: dict[str, Any], row: dict[str, Any], signals: list[Signal], sel: Selection
) -> ExportCase:
    # Scores (and the signals written with them) computed on older content describe
    # outputs that are no longer there: leave them out rather than mislead.
    outdated = row["score_hash"] is not None and row["score_hash"] != row["content_hash"]
    source, ideal, acceptable, rejected = expected_answer(
        sel.source_for(row["tag"]),
        row["baseline_output"],
        row["candidate_output"],
        row["corrected_output"],
    )
    meta = _metadata(row["metadata"])
    prompt = with_system(decode_prompt(row["prompt"], row["prompt_format"]), meta)
    return ExportCase(
        id=f"{comp['name']}/{row['key']}",
        comparison=comp["name"],
        key=row["key"],
        prompt=prompt,
        prompt_format="chat" if isinstance(prompt, list) else row["prompt_format"],
        baseline_model=comp["baseline_model"],
        candidate_model=comp["candidate_model"],
        baseline_output=row["baseline_output"],
        candidate_output=row["candidate_output"],
        tag=row["tag"],
        note=row["note"],
        reviewer=row["reviewer"],
        decided=row["decided"] or "",
        stale=bool(row["stale"]),
        corrected_output=row["corrected_output"],
        ideal_source=source,
        ideal=ideal,
        acceptable=acceptable,
        rejected=rejected,
        scores=None if outdated or row["score_hash"] is None else _scores(row),
        signals=[] if outdated else signals,
        pair_metadata=meta,
    )


def with_system(prompt: Any, meta: dict[str, Any] | None) -> Any:
    """The prompt with the system prompt both models ran with, when a tool kept it apart.

    inspect logs (and the other importers' ``SIDE.system``) hold the solver's system
    message beside the sample's input; an exported case must carry it, or the old model
    fails its own regression cases. The old run's is the one the accepted answers had.
    """
    system = _system_prompt(meta)
    if system is None:
        return prompt
    if isinstance(prompt, list):
        if any(isinstance(m, dict) and m.get("role") == "system" for m in prompt):
            return prompt
        return [{"role": "system", "content": system}, *prompt]
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt or ""}]


def _system_prompt(meta: dict[str, Any] | None) -> str | None:
    for side in ("baseline", "candidate"):
        value = metapath.resolve(meta or {}, f"{side}.system")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _scores(row: dict[str, Any]) -> Scores:
    return Scores(
        semantic_distance=row["semantic_distance"],
        lexical_distance=row["lexical_distance"],
        length_change=row["length_change"],
        signal_count=row["signal_count"] or 0,
        embedding_model=row["embedding_model"],
        scorer_version=row["scorer_version"],
    )


def expected_answer(
    source: IdealSource,
    baseline: str | None,
    candidate: str | None,
    corrected: str | None,
) -> tuple[CaseSource, str, list[str], list[str]]:
    """(ideal_source, ideal, acceptable answers, rejected answers) for one decision.

    A regression keeps the old output, an improvement takes the new one, anything judged
    "no meaningful change" accepts both; a reviewer's corrected answer wins over both, and
    the output the decision rejected stays rejected.
    """
    old, new = baseline or "", candidate or ""
    rejected = {"baseline": [new], "candidate": [old], "both": []}[source]
    if corrected is not None and corrected.strip():
        return "corrected", corrected, [corrected], rejected
    if source == "baseline":
        return source, old, [old], rejected
    if source == "candidate":
        return source, new, [new], rejected
    return source, old, list(dict.fromkeys([old, new])), rejected


def check_policy(raw: list[str]) -> dict[str, IdealSource]:
    """Parse `TAG=baseline|candidate|both` options into a policy map."""
    policy: dict[str, IdealSource] = {}
    for item in raw:
        tag, _, source = item.partition("=")
        if not tag or source not in ("baseline", "candidate", "both"):
            raise SwapviewError(
                f"--ideal {item!r}: expected TAG=baseline, TAG=candidate or TAG=both"
            )
        policy[tag] = source  # type: ignore[assignment]
    return policy
