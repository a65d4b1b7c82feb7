"""A pairwise LLM judge the reviewer calibrates (`swapview judge`, `swapview judge stats`).

Submodules are imported by name (``swapview.judge.verdicts``...), so the learned order can
read stored verdicts without importing the HTTP client.
"""
