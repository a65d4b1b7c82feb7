"""`swapview score`."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..scoring.embeddings import EMBEDDERS, make_embedder
from ..scoring.refine import RefineProgress, RefineReport, model_label, refine, status_text
from ..scoring.runner import ScoreReport, score_comparison
from ..store import list_comparisons
from .app import State, echo_json, json_option, main, pass_state, say, with_progress


@main.command()
@click.option(
    "--comparison",
    "-c",
    "comparisons",
    multiple=True,
    help="Comparison to score (repeatable); default: all of them.",
)
@click.option(
    "--embedder",
    type=click.Choice(EMBEDDERS),
    help="static: fast, offline (default, or the config file's [embeddings]"
    " embedder); minilm: accurate, ~10 texts/s; http: an OpenAI-compatible"
    " /v1/embeddings endpoint.",
)
@click.option(
    "--embed-base-url",
    metavar="URL",
    help="http: base URL ending in /v1 (or $SWAPVIEW_EMBED_BASE_URL).",
)
@click.option("--embed-model", metavar="NAME", help="http: model (or $SWAPVIEW_EMBED_MODEL).")
@click.option(
    "--embed-api-key",
    metavar="KEY",
    help="http: API key (better: $SWAPVIEW_EMBED_API_KEY or $OPENAI_API_KEY).",
)
@click.option("--embed-batch-size", type=click.IntRange(1, 2048), help="http: texts per request.")
@click.option(
    "--embed-concurrency", type=click.IntRange(1, 64), help="http: requests in flight at once."
)
@click.option("--embed-timeout", type=click.FloatRange(0.1), help="http: seconds per request.")
@click.option(
    "--refine",
    "refine_target",
    metavar="N|all",
    callback=lambda _ctx, _param, value: _refine_target(value),
    help="Then re-score the queue's first N pairs (or all) with the accurate model, head"
    " first; resumes where the last run stopped.",
)
@click.option(
    "--refine-with",
    type=click.Choice(("minilm", "http")),
    default="minilm",
    show_default=True,
    help="The accurate model for --refine (http: the --embed-* settings).",
)
@json_option
@pass_state
def score(
    state: State,
    comparisons: tuple[str, ...],
    embedder: str | None,
    embed_base_url: str | None,
    embed_model: str | None,
    embed_api_key: str | None,
    embed_batch_size: int | None,
    embed_concurrency: int | None,
    embed_timeout: float | None,
    refine_target: int | None | bool,
    refine_with: str,
    as_json: bool,
) -> None:
    """Score pairs: semantic and lexical distance, length change, quirk signals."""
    db = state.open()
    names = list(comparisons) or [c["name"] for c in list_comparisons(db)]
    if not names:
        raise click.ClickException("no comparisons yet: load some pairs first")
    http: dict[str, Any] = dict(
        base_url=embed_base_url,
        model=embed_model,
        api_key=embed_api_key,
        batch_size=embed_batch_size,
        concurrency=embed_concurrency,
        timeout=embed_timeout,
    )
    model = make_embedder(embedder, progress=None if as_json else _say, **http)
    try:
        reports = [_score_one(db, name, model, quiet=as_json) for name in names]
        refined: dict[str, RefineReport] = {}
        if refine_target is not False:
            accurate = make_embedder(refine_with, **http)
            target = None if refine_target is True else refine_target
            for name in names:
                refined[name] = _refine_one(db, name, accurate, target, quiet=as_json)
    except KeyboardInterrupt:
        # Scores are committed chunk by chunk: what was done stays, the next run goes on.
        db.close()  # the chunk in progress rolls back
        say(
            "Interrupted: the pairs scored (and refined) so far are kept; run score again"
            " to go on.",
            err=True,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: an embedding request still waiting on a server would hold the
        # interpreter's exit until its timeout; nothing uncommitted is worth waiting for.
        os._exit(130)
    if as_json:
        out = [r.as_dict() for r in reports]
        for item in out:
            if item["comparison"] in refined:
                item["refine"] = refined[item["comparison"]].as_dict()
        echo_json(out, indent=2)
    else:
        for report in reports:
            say(_summary(report))
            if report.comparison in refined:
                say(_refined(refined[report.comparison]))


def _say(message: str) -> None:
    say(message, err=True)


def _score_one(db, name: str, model, *, quiet: bool) -> ScoreReport:
    return with_progress(
        f"Scoring {name}",
        lambda progress: score_comparison(db, name, model, progress=progress),
        quiet=quiet,
    )


def _refine_target(value: str | None) -> int | bool:
    """--refine's value: a count, True for all, False when not given."""
    if value is None:
        return False
    if value.strip().lower() == "all":
        return True
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: a number of pairs, or 'all'") from None
    if n < 1:
        raise click.BadParameter(f"{value!r}: at least 1 pair")
    return n


def _refine_one(db, name: str, model, target: int | None, *, quiet: bool) -> RefineReport:
    def run(progress) -> RefineReport:
        def moved(state: RefineProgress) -> None:
            if progress:
                goal = state.total if target is None else min(target, state.total)
                progress(state.refined, goal)

        return refine(db, name, model, target=target, progress=moved)

    return with_progress(f"Refining {name} with {model_label(model.name)}", run, quiet=quiet)


def _refined(r: RefineReport) -> str:
    state = r.progress
    assert state is not None  # refine() always sets it
    return (
        f"{r.comparison}: refined {r.refined_now} pairs with {r.model} in {r.seconds:.1f} s"
        f" ({state.refined} of {state.total} now refined)\n"
        f"  {status_text(state)}; texts embedded {r.texts_embedded},"
        f" from cache {r.texts_cached}"
    )


def _summary(r: ScoreReport) -> str:
    lines = [
        f"{r.comparison}: scored {r.scored} of {r.pairs} pairs ({r.unchanged} already up to date)"
        f" with {r.embedding_model} in {r.seconds:.1f} s",
        f"  texts embedded {r.texts_embedded}, from cache {r.texts_cached}",
    ]
    if r.pending:
        lines.append(f"  {r.pending} pairs wait for a side (load it or replay it), not scored")
    if r.signals:
        lines.append("  signals " + ", ".join(f"{k} {v}" for k, v in r.signals.items()))
    return "\n".join(lines)
