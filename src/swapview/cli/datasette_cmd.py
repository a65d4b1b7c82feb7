"""`swapview datasette-metadata`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..export.datasette import datasette_metadata
from ..export.writer import write_atomic
from .app import State, echo_json, main, pass_state, say


@main.command("datasette-metadata")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write it here instead of stdout."
)
@pass_state
def datasette_metadata_cmd(state: State, output: str | None) -> None:
    """Metadata for datasette: pair keys as labels, facets, canned review queries.

    Use it as `datasette DB -m metadata.json` (datasette 1.0: `-c metadata.json`).
    """
    db = state.open_existing()
    data = datasette_metadata(db, state.db_path)
    if output is None:
        echo_json(data, indent=2)
        return
    write_atomic(Path(output), [json.dumps(data, indent=2)])
    say(f"wrote {output}: datasette {state.db_path} -m {output}")
