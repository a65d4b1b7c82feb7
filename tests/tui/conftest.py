"""Fixtures every review-app test file shares."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from .fixtures import make_db


@pytest.fixture
def review_db(tmp_path):
    """The standard test database (known order, some signals) as a file."""
    path = tmp_path / "review.db"
    make_db(path)
    return path


class FakeEditor:
    """The reviewer's $EDITOR for a test: a real program it runs (a shell script, a file
    that is no program, a missing one), and an ``app.suspend`` that works (``run_test``
    has none), recording that the app was suspended and resumed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.monkeypatch = monkeypatch
        self.tmp_path = tmp_path
        self.calls: list[str] = []

    def script(self, body: str) -> Path:
        """$VISUAL is a shell script running ``body`` on the file (``$1``)."""
        path = self.tmp_path / "ed.sh"
        path.write_text(f"#!/bin/sh\n{body}\n")
        return self.program(path)

    def program(self, path: Path) -> Path:
        """$VISUAL is the executable at ``path``."""
        path.chmod(0o755)
        self.monkeypatch.setenv("VISUAL", str(path))
        return path

    def missing(self, command: str) -> None:
        """$EDITOR names a program that does not exist (and $VISUAL is unset)."""
        self.monkeypatch.setenv("EDITOR", command)
        self.monkeypatch.delenv("VISUAL", raising=False)

    def attach(self, app) -> list[str]:
        """Make ``app.suspend`` work; returns the calls it records."""

        @contextlib.contextmanager
        def suspend():
            self.calls.append("suspended")
            yield
            self.calls.append("resumed")

        self.monkeypatch.setattr(app, "suspend", suspend)
        return self.calls


@pytest.fixture
def fake_editor(monkeypatch, tmp_path) -> FakeEditor:
    return FakeEditor(monkeypatch, tmp_path)
