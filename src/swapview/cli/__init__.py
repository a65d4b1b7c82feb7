"""The `swapview` command line. Each command lives in its own module, listed in
`app.COMMAND_MODULES` and imported only when used."""

from .app import main

__all__ = ["main"]
