"""Simulated reviewer on labelled pair files: how early does each order find the regressions?

    PYTHONPATH=src python bench/triage.py [FILE...] [--embedder static|minilm|none]
        [--cache PATH] [--judge-field FIELD]

FILE is JSONL (optionally .gz) in the realdata ``pairs/`` format: prompt, baseline_output,
candidate_output, preference (``baseline`` = the candidate is worse = a regression;
``candidate``, ``tie`` or null otherwise, in any case; any other label is an error naming
file, line, field and value, as it would silently count as "not a regression"; a row
without baseline_output or candidate_output is one too: null is the empty answer). The
default is every file in ../shared/realdata/pairs/; files without labels are skipped with a
note. For each file it prints recall at 20% of the queue and the share found within the
first 50 tags, for the learned order, the prior alone, semantic distance (when the scoring
package is present; ``--embedder none`` turns it off and the table says so), every single
feature, and random; then the learned order against the best single feature that has a
value (none on a file too small for any to vary). Embeddings are cached in a SQLite file,
bench/.cache/embeddings.db unless ``--cache PATH`` names another. The last line is one JSON object
``{file: {ordering: recall_at_20pct}}`` with the learned order under ``learned``.

``--judge-field FIELD`` (a dotted path) names a judge's verdict in each row: a label
(``baseline`` = the new answer is worse, ``candidate``, ``tie``) or an object
``{"verdict": label, "p_regression": p}``. It enters the learner exactly as a stored
`swapview judge` verdict would (swapview.judge.fields), and the JSON gains ``judge``: the
order by the judge alone. bench/judge_files.py builds such files from realdata.

Calibration: after 10, 25, 50 and 100 tags (where the file has that many pairs) a table
scores the chance the reviewer would be shown on every pair not yet tagged, against its
label: log loss, expected calibration error (10 equal-count bins), the AUC of the order,
the largest |log-odds|, and the mean shown chance against the true rate. ``--before FILE``
names an earlier ``learner.py`` (e.g. ``git show main:src/swapview/triage/learner.py``):
the same simulation runs with it, on the same features, as ``before``, so a change is
measured against its baseline in one run. The JSON gains ``calibration``:
``{learner: {tags: {log_loss, ece, auc}}}``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

from swapview import metapath
from swapview.errors import InputError, SwapviewError
from swapview.judge.fields import judge_value
from swapview.triage.features import FEATURE_INDEX, FEATURE_NAMES, pair_features
from swapview.triage.learner import Model, fit_scaler, fit_tags, prior_model, prior_weights
from swapview.triage.simulate import (
    Checkpoint,
    Fitter,
    budget,
    expected_recall,
    simulate_learned,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "realdata" / "pairs"
TAGS = 50
PREFERENCES = ("baseline", "candidate", "tie")
CACHE = ROOT / "bench" / ".cache" / "embeddings.db"


def read_pairs(path: Path) -> list[dict]:
    """Rows of a pairs file, with a clear error naming file, line and field on bad input."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    rows.append({**_parse(path, number, line), "_line": number})
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(str(path), f"cannot read ({exc})") from exc
    return rows


def _parse(path: Path, number: int, line: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON ({exc.msg})", line=number) from exc
    if not isinstance(row, dict):
        raise InputError(str(path), "expected a JSON object", line=number)
    for name in ("baseline_output", "candidate_output"):
        # null is an empty answer; an absent field is a broken row, not an empty answer.
        if name not in row:
            raise InputError(
                str(path), "missing (null for an empty answer)", line=number, field=name
            )
        if not isinstance(row[name], str | None):
            raise InputError(str(path), "expected a string", line=number, field=name)
    row["preference"] = _preference(path, number, row.get("preference"))
    return row


def _preference(path: Path, number: int, value: object) -> str | None:
    """The label in lower case; anything else would silently count as "not a regression"."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in PREFERENCES:
        return value.strip().lower()
    raise InputError(
        str(path),
        f"expected baseline, candidate, tie or null (any case), got {value!r}",
        line=number,
        field="preference",
    )


def _prompt_text(prompt: object) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, ensure_ascii=False)


def scoring_inputs(
    rows: list[dict], embedder: str | None, cache: Path = CACHE
) -> tuple[list[dict | None], list[list[str]], str | None]:
    """Per-row scores and signal names from swapview.scoring, when it is installed, and
    why semantic distance is missing (None when it is there)."""
    try:
        from swapview.scoring.lexical import lexical_distance
        from swapview.scoring.signals import compute_signals
    except ImportError:
        return [None] * len(rows), [[] for _ in rows], "not available (needs swapview.scoring)"
    signals = [
        [sig.name for sig in compute_signals(r.get("baseline_output"), r.get("candidate_output"))]
        for r in rows
    ]
    scores: list[dict | None] = [
        {
            "lexical_distance": lexical_distance(
                r.get("baseline_output"), r.get("candidate_output")
            ),
            "signal_count": len(names),
        }
        for r, names in zip(rows, signals, strict=True)
    ]
    if not embedder:
        return scores, signals, "turned off (--embedder none)"
    distances, missing = semantic_distances(rows, embedder, cache)
    for score, distance in zip(scores, distances, strict=True):
        score["semantic_distance"] = distance  # type: ignore[index]
    return scores, signals, missing


def semantic_distances(
    rows: list[dict], kind: str, cache: Path = CACHE
) -> tuple[list[float | None], str | None]:
    """Cosine distance per pair from a swapview.scoring embedder, vectors cached on disk;
    and why there are none (None when there are)."""
    try:
        from swapview.scoring.embeddings import cosine_distance, is_blank, make_embedder
    except ImportError as exc:
        return [None] * len(rows), f"not available (no embedding model: {exc})"
    from swapview.store import open_db, text_hash, write_transaction

    embedder = make_embedder(kind)
    cache.parent.mkdir(parents=True, exist_ok=True)
    db = open_db(cache)
    texts = {t for r in rows for t in (r.get("baseline_output"), r.get("candidate_output")) if t}
    cached = {
        h: np.frombuffer(v, dtype=np.float32)
        for h, v in db.execute(
            "SELECT content_hash, vector FROM embeddings WHERE model = ?", [embedder.name]
        )
    }
    todo = [t for t in texts if text_hash(t) not in cached]
    for start in range(0, len(todo), 256):
        batch = todo[start : start + 256]
        vectors = embedder.embed(batch)
        with write_transaction(db):
            db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, content_hash, dim, vector)"
                " VALUES (?, ?, ?, ?)",
                [
                    (embedder.name, text_hash(t), embedder.dim, v.astype(np.float32).tobytes())
                    for t, v in zip(batch, vectors, strict=True)
                ],
            )
        cached.update({text_hash(t): v for t, v in zip(batch, vectors, strict=True)})
    zero = np.zeros(embedder.dim, dtype=np.float32)

    def vec(text: str | None) -> np.ndarray:
        return cached[text_hash(text)] if text else zero

    out = [
        cosine_distance(
            vec(r.get("baseline_output")),
            vec(r.get("candidate_output")),
            blank_a=is_blank(r.get("baseline_output")),
            blank_b=is_blank(r.get("candidate_output")),
        )
        for r in rows
    ]
    return out, None


def judge_values(
    rows: list[dict], field: str | None, path: str = ""
) -> list[tuple[float, float] | None]:
    """Each row's judge verdict as (P(new worse), P(new better)); None where absent."""
    if field is None:
        return [None] * len(rows)
    return [judge_value(metapath.resolve(r, field), path, r.get("_line"), field) for r in rows]


def load_before(path: Path) -> Fitter:
    """The shown-model fit of an earlier learner.py, loaded beside the current one.

    It is loaded as a sibling module of swapview.triage, so its relative imports (the
    features) resolve to today's. A learner without ``fit_tags`` gets what the app did
    with it then (ranking.fit_tagged): fit_auto, and the assumed rate while too few tags.
    """
    spec = importlib.util.spec_from_file_location("swapview.triage._learner_before", path)
    if spec is None or spec.loader is None:
        raise InputError(str(path), "cannot load as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    if hasattr(module, "fit_tags"):
        return module.fit_tags
    return _app_fit(module)


def _app_fit(old: ModuleType) -> Callable[[np.ndarray, np.ndarray, np.ndarray], Model]:
    def fit(Z: np.ndarray, rows: np.ndarray, y: np.ndarray) -> Model:
        model = old.fit_auto(Z[rows], y)
        return old.with_assumed_rate(model, Z) if old.too_few_to_validate(y) else model

    return fit


def evaluate(
    rows: list[dict],
    embedder: str | None = None,
    cache: Path = CACHE,
    judge_field: str | None = None,
    path: str = "",
    fitters: dict[str, Fitter] | None = None,
) -> tuple[dict[str, tuple[float, float]], str | None, dict[str, tuple[Checkpoint, ...]]]:
    """{ordering: (recall at 20% of pairs, recall within the first 50 tags)}, why
    semantic distance is missing (None when it is there), and each learner's checkpoints.

    ``fitters`` are the learners simulated (default: today's, as ``learned``)."""
    scores, signals, semantic_note = scoring_inputs(rows, embedder, cache)
    judged = judge_values(rows, judge_field, path)
    X = np.vstack(
        [
            pair_features(
                _prompt_text(r.get("prompt")),
                r.get("baseline_output"),
                r.get("candidate_output"),
                s,
                g,
                j,
            )
            for r, s, g, j in zip(rows, scores, signals, judged, strict=True)
        ]
    )
    y = np.array([r["preference"] == "baseline" for r in rows], dtype=np.float64)
    k, tags = budget(len(y)), min(TAGS, len(y))
    out: dict[str, tuple[float, float]] = {}
    checkpoints: dict[str, tuple[Checkpoint, ...]] = {}
    for name, fitter in (fitters or {"learned": fit_tags}).items():
        run = simulate_learned(X, y, tags=TAGS, fitter=fitter)
        out[name] = (run.recall_at_share, run.recall_at_tags)
        checkpoints[name] = run.checkpoints
    prior = prior_model().score(fit_scaler(X).transform(X))
    out["prior"] = (expected_recall(prior, y, k), expected_recall(prior, y, tags))
    col = FEATURE_INDEX["semantic_distance"]
    if np.isnan(X[:, col]).all():
        out["semantic_distance"] = (float("nan"), float("nan"))
    direction = np.where(prior_weights() < 0, -1.0, 1.0)
    for name in FEATURE_NAMES:
        values = X[:, FEATURE_INDEX[name]] * direction[FEATURE_INDEX[name]]
        if np.isnan(values).all() or np.nanstd(values) == 0:
            continue
        out[name] = (expected_recall(values, y, k), expected_recall(values, y, tags))
    if judge_field is not None:
        # The judge alone: most likely worse first, "better" verdicts last.
        alone = np.array([np.nan if j is None else j[0] - j[1] for j in judged])
        alone = np.nan_to_num(alone, nan=0.0) + np.random.default_rng(0).random(len(y)) * 1e-9
        out["judge"] = (expected_recall(alone, y, k), expected_recall(alone, y, tags))
    out["random"] = (k / len(y), tags / len(y))
    return out, semantic_note, checkpoints


def chance_max(y: np.ndarray, orders: int, runs: int = 200) -> float:
    """95th percentile of the best recall at 20% among ``orders`` random orders.

    The best single feature is picked after seeing the labels; this says how high the
    best of that many useless orders gets by luck alone.
    """
    rng = np.random.default_rng(0)
    k, total = budget(len(y)), y.sum()
    best = [
        max(y[rng.permutation(len(y))[:k]].sum() / total for _ in range(orders))
        for _ in range(runs)
    ]
    return float(np.quantile(best, 0.95))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument(
        "--embedder",
        default="static",
        help="swapview.scoring embedder for semantic distance: static (default, fast),"
        " minilm (about 10 texts/s the first time; vectors cached, see --cache), none",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=CACHE,
        metavar="PATH",
        help="SQLite file for the embedding cache (default: bench/.cache/embeddings.db)",
    )
    parser.add_argument(
        "--judge-field",
        metavar="FIELD",
        help="row field holding a judge's verdict (label or {verdict, p_regression})",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="FILE",
        help="an earlier learner.py to simulate beside today's, as 'before'",
    )
    args = parser.parse_args(argv)
    files = args.files or sorted(DEFAULT_DIR.glob("*.jsonl*"))
    fitters: dict[str, Fitter] = {"learned": fit_tags}
    if args.before is not None:
        try:
            fitters = {"before": load_before(args.before), "learned": fit_tags}
        except (OSError, SyntaxError, ImportError, SwapviewError) as exc:
            print(f"error: --before {args.before}: {exc}", file=sys.stderr)
            return 1
    summary: dict[str, dict] = {}
    for path in files:
        try:
            rows = [r for r in read_pairs(path) if r.get("preference") is not None]
        except SwapviewError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if not rows:
            print(f"{path.name}: no labels, skipped\n")
            continue
        start = time.perf_counter()
        embedder = None if args.embedder == "none" else args.embedder
        try:
            result, semantic_note, checkpoints = evaluate(
                rows, embedder, args.cache, args.judge_field, str(path), fitters
            )
        except SwapviewError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        _print_table(path, rows, result, time.perf_counter() - start, semantic_note)
        _print_calibration(checkpoints)
        summary[path.name] = {name: _round(r20) for name, (r20, _) in result.items()}
        summary[path.name]["calibration"] = {
            name: {
                str(c.tags): {
                    "log_loss": _round(c.log_loss),
                    "ece": _round(c.ece),
                    "auc": _round(c.auc),
                }
                for c in runs
            }
            for name, runs in checkpoints.items()
        }
    print(json.dumps(summary))
    return 0


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 3)


def _print_table(
    path: Path, rows: list[dict], result: dict, seconds: float, semantic_note: str | None
) -> None:
    regressions = sum(r["preference"] == "baseline" for r in rows)
    ceiling = min(1.0, budget(len(rows)) / max(regressions, 1))
    print(
        f"{path.name}: {len(rows)} labelled pairs, {regressions} regressions,"
        f" best possible recall at 20% {ceiling:.2f} ({seconds:.1f} s)"
    )
    if not regressions:
        print("  no regressions among the labels: recall is undefined (null in the JSON)\n")
        return
    print(f"  {'ordering':<34} {'recall@20%':>10} {'in 50 tags':>10}")
    for name, (r20, r50) in sorted(result.items(), key=lambda kv: -np.nan_to_num(kv[1][0])):
        if np.isnan(r20):
            print(f"  {name:<34} {semantic_note or 'not available'}")
            continue
        print(f"  {name:<34} {r20:>10.3f} {r50:>10.3f}")
    learned = result["learned"][0]
    print(f"  goal 0.6: {'met' if learned >= 0.6 else 'not met'}; {_versus_singles(rows, result)}")
    print()


def _print_calibration(checkpoints: dict[str, tuple[Checkpoint, ...]]) -> None:
    """The shown chance on the untagged pairs, per learner and number of tags."""
    if not any(checkpoints.values()):
        return
    print("  shown chance on the untagged pairs, against their labels:")
    print(
        f"  {'learner':<8} {'tags':>4} {'log loss':>8} {'ECE':>6} {'AUC':>6}"
        f" {'max|log-odds|':>13} {'mean chance':>11} {'rate':>6}"
    )
    for name, runs in checkpoints.items():
        for c in runs:
            print(
                f"  {name:<8} {c.tags:>4} {c.log_loss:>8.3f} {c.ece:>6.3f} {c.auc:>6.3f}"
                f" {c.max_abs_log_odds:>13.1f} {c.mean_chance:>11.3f} {c.rate:>6.3f}"
            )
    print()


def _versus_singles(rows: list[dict], result: dict) -> str:
    """The learned order against the best single feature, and what luck alone reaches."""
    # A feature with no value (semantic distance turned off) is no contender: leave it out.
    singles = {
        n: r[0]
        for n, r in result.items()
        if n not in ("learned", "before", "prior", "random", "judge") and not np.isnan(r[0])
    }
    if not singles:
        return "no single feature varies on this file to compare with"
    best = max(singles, key=lambda n: singles[n])
    learned, score = result["learned"][0], singles[best]
    y = np.array([r["preference"] == "baseline" for r in rows], dtype=np.float64)
    return (
        f"best single feature {best} {score:.3f}:"
        f" learned {'at or above' if learned >= score else 'below'} it;"
        f" best of {len(singles)} random orders reaches {chance_max(y, len(singles)):.3f}"
        " (95th pct)"
    )


if __name__ == "__main__":
    sys.exit(main())
