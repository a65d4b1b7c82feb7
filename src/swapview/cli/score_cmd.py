"""`swapview score`."""

from __future__ import annotations

import os
import sys

import click

from ..scoring.embeddings import EMBEDDERS, make_embedder
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
    as_json: bool,
) -> None:
    """Score pairs: semantic and lexical distance, length change, quirk signals."""
    db = state.open()
    names = list(comparisons) or [c["name"] for c in list_comparisons(db)]
    if not names:
        raise click.ClickException("no comparisons yet: load some pairs first")
    model = make_embedder(
        embedder,
        base_url=embed_base_url,
        model=embed_model,
        api_key=embed_api_key,
        batch_size=embed_batch_size,
        concurrency=embed_concurrency,
        timeout=embed_timeout,
        progress=None if as_json else _say,
    )
    try:
        reports = [_score_one(db, name, model, quiet=as_json) for name in names]
    except KeyboardInterrupt:
        # Scores are committed chunk by chunk: what was done stays, the next run goes on.
        db.close()  # the chunk in progress rolls back
        say("Interrupted: the pairs scored so far are kept; run score again to go on.", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: an embedding request still waiting on a server would hold the
        # interpreter's exit until its timeout; nothing uncommitted is worth waiting for.
        os._exit(130)
    if as_json:
        echo_json([r.as_dict() for r in reports], indent=2)
    else:
        for report in reports:
            say(_summary(report))


def _say(message: str) -> None:
    say(message, err=True)


def _score_one(db, name: str, model, *, quiet: bool) -> ScoreReport:
    return with_progress(
        f"Scoring {name}",
        lambda progress: score_comparison(db, name, model, progress=progress),
        quiet=quiet,
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
