"""`swapview replay`: answer a comparison's prompts through an OpenAI-compatible endpoint."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import click

from ..replay import (
    ImportReport,
    Replayer,
    Summary,
    build_config,
    import_prompts,
    parse_extra,
    read_prompts,
)
from .app import State, config_option, echo_json, json_option, main, pass_state, say

INTERRUPTED = 130


@main.command()
@click.option(
    "-c",
    "--comparison",
    required=True,
    help="Comparison to fill in (created from --prompts when new).",
)
@click.option(
    "--prompts",
    "prompts_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL of prompts: strings, message lists or {key, prompt|messages}.",
)
@click.option("-m", "--model", help="Model name sent to the endpoint ($SWAPVIEW_MODEL).")
@click.option(
    "--base-url",
    help="Endpoint base URL, e.g. http://localhost:8000/v1 ($SWAPVIEW_BASE_URL, $OPENAI_BASE_URL).",
)
@click.option(
    "--api-key",
    help="API key; prefer $SWAPVIEW_API_KEY or $OPENAI_API_KEY (a flag"
    " shows in ps and shell history).",
)
@click.option(
    "--side",
    type=click.Choice(["candidate", "baseline"]),
    help="Which side to generate [default: candidate].",
)
@click.option("--system", "system_prompt", help="System prompt for prompts that have none.")
@click.option("--temperature", type=float)
@click.option("--max-tokens", type=int)
@click.option("--seed", type=int)
@click.option("--extra", help="JSON object merged into each request body, e.g. '{\"top_p\": 0.9}'.")
@click.option("-j", "--concurrency", type=int, help="Requests in flight [default: 8].")
@click.option("--rpm", "requests_per_minute", type=float, help="Requests per minute limit.")
@click.option("--tpm", "tokens_per_minute", type=float, help="Tokens per minute limit.")
@click.option("--timeout", type=float, help="Seconds per request [default: 120].")
@click.option("--max-retries", type=int, help="Retries of a transient fault [default: 5].")
@click.option(
    "--retry-failed/--skip-failed",
    default=None,
    help="Send prompts that failed in an earlier run again [default: retry].",
)
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many prompts.")
@config_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar [default: when stderr is a terminal].",
)
@json_option
@pass_state
def replay(
    state: State,
    comparison: str,
    prompts_path: Path | None,
    config_file: str | None,
    extra: str | None,
    limit: int | None,
    progress: bool | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Generate the missing side of a comparison through an OpenAI-compatible endpoint."""
    config = build_config(
        {**flags, "extra": parse_extra(extra) or None},
        config_path=Path(config_file) if config_file else None,
    )
    db = state.open()
    imported = None
    if prompts_path is not None:
        imported = import_prompts(db, comparison, prompts_path, read_prompts(prompts_path))
    show = sys.stderr.isatty() if progress is None else progress
    bar = ProgressLine() if show and not as_json else None
    replayer = Replayer(
        db,
        comparison,
        config,
        keys=imported.keys if imported else None,
        limit=limit,
        on_progress=bar.update if bar else None,
    )
    try:
        summary = asyncio.run(replayer.run())
    except KeyboardInterrupt:
        summary = replayer.summary
        summary.interrupted = True
    if bar:
        bar.close(summary)
    _report(summary, imported, as_json)
    if summary.stopped:
        raise click.ClickException(summary.stopped)
    if summary.interrupted:
        sys.exit(INTERRUPTED)
    if summary.all_failed:
        # A script checking the exit code must not take "nothing answered" for success.
        raise click.ClickException(f"every prompt failed ({summary.failed}), none answered")


class ProgressLine:
    """One self-rewriting stderr line: count, percent, rate and ETA, a few times a second."""

    def __init__(self, interval: float = 0.2) -> None:
        self.start = time.monotonic()
        self.interval = interval
        self.last = 0.0

    def update(self, s: Summary, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        done = s.finished
        rate = done / elapsed
        eta = _clock((s.pending - done) / rate) if rate > 0 else "-:--:--"
        pct = 100 * done / s.pending if s.pending else 100
        width = 24
        fill = int(width * pct / 100)
        line = (
            f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{s.pending} {pct:5.1f}%"
            f"  {rate:6.1f} req/s  ETA {eta}  failed {s.failed}"
            f"  retried {s.retried} "
        )
        click.echo(line, err=True, nl=False)  # numbers only: keeps its \r

    def close(self, s: Summary) -> None:
        self.update(s, force=True)
        say("", err=True)


def _clock(seconds: float) -> str:
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}"


def _report(s: Summary, imported: ImportReport | None, as_json: bool) -> None:
    if as_json:
        out = s.as_dict()
        if imported is not None:
            out["imported"] = {
                "added": imported.added,
                "existing": imported.existing,
                "duplicate_keys": imported.duplicate_keys,
            }
        echo_json(out, indent=2)
        return
    if imported is not None:
        dup = (
            f", {len(imported.duplicate_keys)} duplicate keys skipped"
            if imported.duplicate_keys
            else ""
        )
        say(f"prompts: {imported.added} new, {imported.existing} already there{dup}")
    for warning in s.warnings:
        say(f"warning: {warning}", err=True)
    rate = s.requests / s.elapsed if s.elapsed else 0.0
    left = f", {s.left_failed} skipped (failed before)" if s.left_failed else ""
    say(
        f"{s.comparison} ({s.side}, {s.model} at {s.base_url}): {s.done} answered,"
        f" {s.failed} failed{left}, {s.retried} retried; {s.requests} requests in"
        f" {s.elapsed:.1f} s"
        f" ({rate:.1f}/s); tokens {s.prompt_tokens} prompt + {s.completion_tokens} completion"
    )
    if s.skipped:
        say(f"{s.skipped} answered meanwhile by another run (left as they were)")
    if s.held_elsewhere:
        say(
            f"{s.held_elsewhere} prompts left to another replay run still answering them;"
            " run the same command again if it stopped"
        )
    if s.left_failed:
        say(
            f"{s.left_failed} prompts that failed in an earlier run were not sent"
            " (--skip-failed); the command without it sends them"
        )
    if s.errors:
        say("errors: " + ", ".join(f"{k} x{v}" for k, v in s.errors.items()))
        say(
            "failed prompts are listed in the replay_errors table; the same command"
            " sends them again (--skip-failed to leave them)"
        )
    if s.interrupted:
        missing = s.pending - s.finished
        say(f"interrupted: {missing} still missing; the same command sends only those", err=True)
