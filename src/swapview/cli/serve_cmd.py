"""`swapview serve`: the review app in a browser, one app process per tab."""

from __future__ import annotations

import logging
import os
import shlex
import sys

import click

from ..config import load_config
from ..detail import comparisons
from ..queue import DEFAULT_ORDER, ORDERS, get_order
from ..store import resolve_comparison
from ..web.tab import TabSpec
from .app import State, config_option, main, newest_comparison_option, pass_state, say

NO_AUTH_WARNING = """\
WARNING: listening on {host} port {port} with NO login. Anyone who can reach that port
can read every pair in {db} (prompts and both models' outputs) and tag or annotate
them under any name they type. Safer: serve on 127.0.0.1 (the default) and forward it:
    ssh -L {port}:127.0.0.1:{port} THIS_HOST    then open http://127.0.0.1:{port}/"""


@main.command()
@click.option(
    "--host",
    help="Address to listen on [default: 127.0.0.1; 0.0.0.0 with --public]; "
    "anything but loopback needs --public.",
)
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0 picks a free one and prints it).",
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow a non-loopback --host (default 0.0.0.0 then). There is NO login.",
)
@click.option(
    "--reviewer",
    "-r",
    help="Name on every tag from every tab (default: each tab asks on first open).",
)
@click.option(
    "--max-tabs",
    type=click.IntRange(1),
    default=12,
    show_default=True,
    help="Most browser tabs served at once (each runs a review app process).",
)
@newest_comparison_option
@click.option("--order", "-o", type=click.Choice(sorted(ORDERS)), help="Queue order.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --order random.")
@click.option("--untagged", is_flag=True, help="Show only pairs nobody has tagged yet.")
@click.option("--theme", help="Textual theme for the page.")
@click.option(
    "--no-resume", is_flag=True, help="Start each tab at the top, not where its reviewer stopped."
)
@config_option
@pass_state
def serve(
    state: State,
    host: str | None,
    port: int,
    public: bool,
    reviewer: str | None,
    max_tabs: int,
    comparison: str | None,
    order: str | None,
    seed: int,
    untagged: bool,
    theme: str | None,
    config_file: str | None,
    no_resume: bool,
) -> None:
    """Serve the review app to web browsers (textual-serve), on 127.0.0.1 by default."""
    from ..web.names import reviewer_problem
    from ..web.server import ServeSettings, is_loopback
    from ..web.server import serve as run_server

    host = host or ("0.0.0.0" if public else "127.0.0.1")
    if not is_loopback(host) and not public:
        raise click.UsageError(
            f"--host {host} would let other machines in, and swapview serve has no login: "
            "add --public if you mean it, or keep 127.0.0.1 and use SSH port forwarding."
        )
    if reviewer is not None and (problem := reviewer_problem(reviewer)):
        raise click.BadParameter(problem, param_hint="--reviewer")
    spec = _tab_spec(state, reviewer, comparison, order, seed, untagged, theme, config_file)
    spec.resume = not no_resume
    db_name = os.path.basename(state.db_path)

    def announce(url: str) -> None:
        if not is_loopback(host):
            bound = url.rstrip("/").rsplit(":", 1)[-1]
            say(NO_AUTH_WARNING.format(host=host, port=bound, db=state.db_path), err=True)
        who = f"as {reviewer}" if reviewer else "each tab asks for a reviewer name"
        say(f"Each browser tab runs its own review session ({who}). Ctrl+C stops.")
        # The URL comes last, on a line of its own shape, for scripts waiting on it.
        say(f"swapview serve: reviewing {state.db_path} at {url}")
        sys.stdout.flush()

    settings = ServeSettings(
        host=host,
        port=port,
        public=public,
        tab_command=tab_command(spec),
        title=f"swapview · {db_name}",
        max_tabs=max_tabs,
    )
    # One line when a tab opens or closes; textual-serve's own errors (a tab that failed
    # to start) still show.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("swapview.serve").setLevel(logging.INFO)
    try:
        run_server(settings, announce)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _tab_spec(
    state: State,
    reviewer: str | None,
    comparison: str | None,
    order: str | None,
    seed: int,
    untagged: bool,
    theme: str | None,
    config_file: str | None,
) -> TabSpec:
    """Everything a tab needs, checked here once so no tab fails on it later."""
    config = load_config(config_file)
    if not os.path.exists(state.db_path):
        raise click.ClickException(
            f"{state.db_path} does not exist: load pairs with `swapview load` first."
        )
    db = state.open()
    try:
        if not comparisons(db.conn):
            raise click.ClickException(
                f"{state.db_path} holds no pairs yet: load some with `swapview load`."
            )
        cid = resolve_comparison(db, comparison, newest=True)["id"]
    finally:
        db.close()
    order_name = order or config.order or DEFAULT_ORDER
    get_order(order_name)  # a bad name in the config file fails here, listing the choices
    # The config's reviewer is the server owner's name, not the name of whoever opens a
    # tab: only --reviewer names every tab.
    return TabSpec(
        db_path=os.path.abspath(state.db_path),
        reviewer=reviewer,
        comparison_id=cid,
        order=order_name,
        seed=seed,
        untagged=untagged,
        theme=theme,
        config=config,
    )


def tab_command(spec: TabSpec) -> str:
    """The shell command textual-serve runs per tab: this Python, this package."""
    return shlex.join([sys.executable, "-m", "swapview.web.tab", spec.model_dump_json()])
