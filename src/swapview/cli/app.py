"""The click group every command hangs from, and how errors reach the user."""

from __future__ import annotations

import getpass
import importlib
import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlite_utils import Database

from .. import pairfacts
from ..errors import StoreError, SwapviewError
from ..store import DEFAULT_DB, fill_facts, open_db
from ..textsafe import json_visible, visible


@dataclass
class State:
    """What every command gets: where the database is."""

    db_path: str

    def open(self) -> Database:
        return open_db(self.db_path)

    def db_args(self) -> str:
        """What a suggested command needs to name this database: " --db PATH", or ""."""
        return "" if self.db_path == DEFAULT_DB else f" --db {shlex.quote(self.db_path)}"

    def open_existing(self) -> Database:
        """For commands that only read: a missing file is an error, not a new empty one."""
        if self.db_path != ":memory:" and not Path(self.db_path).exists():
            raise StoreError(
                f"{self.db_path}: no such database; load pairs into it first"
                " (swapview --db PATH load FILE) or pass another --db"
            )
        return open_db(self.db_path)


pass_state = click.make_pass_decorator(State)
T = TypeVar("T")
Progress = Callable[[int, int], None]


# Every line a command prints for people goes through `say`, every JSON document through
# `echo_json`: keys, model names, reviewer names, notes and server errors are untrusted,
# and raw they could retitle the terminal, write its clipboard (OSC 52) or clear it.
def say(message: object = None, **kw: Any) -> None:
    """click.echo with escapes and invisible characters made visible (textsafe.visible)."""
    click.echo(None if message is None else visible(str(message)), **kw)


def with_progress(label: str, run: Callable[[Progress | None], T], *, quiet: bool = False) -> T:
    """``run(progress)`` under a progress bar on stderr when it is a terminal (and not
    ``quiet``); ``progress(done, total)`` moves the bar. Else ``run(None)``."""
    if quiet or not sys.stderr.isatty():
        return run(None)
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        return run(progress)


def fill_stored_numbers(db: Database, comparison_id: int, *, quiet: bool = False) -> None:
    """Store the per-pair numbers shift reads where a database made before them lacks
    them: once, under a progress bar (Ctrl-C keeps what was stored)."""
    if pairfacts.missing(db, comparison_id):
        with_progress(
            "Storing per-pair numbers for shift (once)",
            lambda progress: fill_facts(db, comparison_id, progress),
            quiet=quiet,
        )


def echo_json(data: Any, *, err: bool = False, **dump: Any) -> None:
    """JSON for scripts, with terminal-active characters as \\u escapes (same data)."""
    click.echo(json_visible(json.dumps(data, **dump)), err=err)


# Each command's module, imported only when that command runs (or for --help): importing
# them all up front cost the review app's first screen about a second.
COMMAND_MODULES = {
    "load": "load_cmd",
    "stats": "stats_cmd",
    "review": "review_cmd",
    "serve": "serve_cmd",
    "export": "export_cmd",
    "report": "report_cmd",
    "replay": "replay_cmd",
    "score": "score_cmd",
    "shift": "shift_cmd",
    "triage": "triage_cmd",
    "contracts": "contracts_cmd",
    "judge": "judge_cmd",
    "coverage": "coverage_cmd",
    "datasette-metadata": "datasette_cmd",
}


class SwapviewGroup(click.Group):
    """Loads commands lazily; turns SwapviewError into one clear line and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"{__package__}.{COMMAND_MODULES[cmd_name]}")
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _accept_db_option(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SwapviewError as exc:
            # Messages quote the data (keys, model names, a server's error body).
            raise click.ClickException(visible(str(exc))) from exc
        except click.ClickException as exc:
            # In place, so a UsageError keeps its exit code and usage line (click's stubs
            # call the attribute Final; click itself sets it only in __init__).
            exc.message = visible(exc.message)  # type: ignore[misc]
            raise


def _set_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.find_object(State).db_path = value  # type: ignore[union-attr]


def _accept_db_option(command: click.Command) -> None:
    """Let `--db` follow the subcommand too (`swapview review --db run.db`), as people
    type it; it means the same as before the subcommand, and wins when given in both."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_db_option(sub)
    if any(p.name == "db_after" for p in command.params):
        return
    command.params.append(
        click.Option(
            ["--db", "db_after"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            is_eager=True,
            callback=_set_db,
            help="SQLite database file (same as swapview --db).",
        )
    )


@click.group(cls=SwapviewGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    envvar="SWAPVIEW_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file (or $SWAPVIEW_DB).",
)
@click.version_option(package_name="swapview")
@click.pass_context
def main(ctx: click.Context, db_path: str) -> None:
    """Triage what changed when you swap the model under an LLM feature."""
    ctx.obj = State(db_path=db_path)
    if ctx.invoked_subcommand is None:
        assert isinstance(ctx.command, click.Group)
        default = ctx.command.get_command(ctx, "review")
        if default is not None and os.path.exists(db_path):
            ctx.invoke(default)
        else:
            click.echo(ctx.get_help())


def default_reviewer() -> str:
    """$SWAPVIEW_REVIEWER, else the login name."""
    return os.environ.get("SWAPVIEW_REVIEWER") or os.environ.get("USER") or getpass.getuser()


# Options shared by every command that has them, declared once as sqlite-utils does, so
# `-c`, `--json` and `--config` mean the same everywhere.


def comparison_option(command: Any) -> Any:
    """`-c/--comparison NAME`: needed when the database holds several (resolve_comparison)."""
    return click.option(
        "-c", "--comparison", help="Comparison name (needed when there are several)."
    )(command)


def newest_comparison_option(command: Any) -> Any:
    """`-c/--comparison NAME` for the review app, which opens the newest when not named."""
    return click.option("-c", "--comparison", help="Comparison to review (default: the newest).")(
        command
    )


def json_option(command: Any) -> Any:
    """`--json`: print what a script would read instead of text for people."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(command)


def config_option(command: Any) -> Any:
    """`--config FILE`: the config file (tags, counts_as, reviewer, order...)."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        help="Config file (default: $SWAPVIEW_CONFIG or ~/.config/swapview/config.toml).",
    )(command)
