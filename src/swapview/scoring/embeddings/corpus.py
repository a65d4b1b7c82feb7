"""Training text for the static model: English prose every Python install already has.

The Python reference topics (``pydoc_data``) and the docstrings of the standard library,
split into paragraphs and shuffled with a fixed seed. Nothing is downloaded, and none of
it is the data swapview is later asked to score.
"""

from __future__ import annotations

import ast
import random
import sysconfig
from collections.abc import Iterator
from pathlib import Path

MIN_WORDS = 8
SKIP_PARTS = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3"}


def training_paragraphs(seed: int = 0) -> list[str]:
    """Prose paragraphs, deterministic for a given Python version."""
    paragraphs = [p for text in _texts() for p in _paragraphs(text)]
    paragraphs = sorted(set(paragraphs))
    random.Random(seed).shuffle(paragraphs)
    return paragraphs


def _doc_topics() -> dict[str, str]:
    try:
        from pydoc_data.topics import topics
    except ImportError:  # some distributions split the docs out
        return {}
    return dict(topics)


def _texts() -> Iterator[str]:
    topics = _doc_topics()
    yield from (topics[k] for k in sorted(topics))
    yield from stdlib_docstrings()


def stdlib_docstrings() -> Iterator[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if SKIP_PARTS.intersection(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    yield doc


def _paragraphs(text: str) -> Iterator[str]:
    for block in text.split("\n\n"):
        para = " ".join(block.split())
        if len(para.split()) >= MIN_WORDS:
            yield para
