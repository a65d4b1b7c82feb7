"""The headless core: every module below the front ends imports without Textual.

The import-linter contracts check the imports as written; this checks what Python really
loads, which also catches Textual arriving through a third-party package.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib

import swapview
from tests.conftest import ROOT


def _layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    return [{name.strip(" ()") for name in layer.split(":")} for layer in contract["layers"]]


def core_packages() -> list[str]:
    """Every top-level module of swapview, found on disk, except the front ends (the layers
    from the tui up) and the `python -m` entry point: a new package counts as core."""
    layers = _layers()
    tui = next(i for i, layer in enumerate(layers) if "tui" in layer)
    front_ends = set().union(*layers[: tui + 1]) | {"__main__"}
    found = {info.name for info in pkgutil.iter_modules(swapview.__path__)}
    return sorted(f"swapview.{name}" for name in found - front_ends)


def test_core_is_found_on_disk_not_listed() -> None:
    core = core_packages()
    assert {"swapview.store", "swapview.ingest", "swapview.triage"} <= set(core)
    assert not {"swapview.tui", "swapview.web", "swapview.cli"} & set(core)


def test_core_never_imports_textual() -> None:
    """Each core package and all its submodules, in one fresh interpreter (so nothing else
    loaded Textual first)."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {core_packages()!r}:\n"
        "    mod = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(mod, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(len(sys.modules), sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, textual_modules = out.stdout.split(" ", 1)
    assert int(count) > 100
    assert textual_modules.strip() == "[]"
