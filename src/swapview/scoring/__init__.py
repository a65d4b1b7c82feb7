"""Scoring: semantic distance (embeddings), lexical distance, length change, quirk signals.

Headless core: no Textual here. The CLI (`swapview score`) and the TUI call the same
functions.
"""
