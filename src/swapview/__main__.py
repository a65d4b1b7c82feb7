"""`python -m swapview` runs the CLI."""

from swapview.cli import main

main()
