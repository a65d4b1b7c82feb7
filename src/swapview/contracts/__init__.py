"""Contracts: what downstream code depends on in an output, declared or inferred, checked.

A contract is a named set of checks (a JSON Schema, regexes, word bounds, language, no
markdown, a team's own parser) applied to the outputs of the pairs its ``where`` selects.
Both sides of every pair are checked; a pair whose old output kept a contract and whose
new output breaks it carries the signal ``contract:NAME``, which the queue, the report,
the gates and the exports read like any other signal.

Headless core: no Textual here.
"""

from __future__ import annotations

from .model import Contract, ContractsFile, load_contracts

__all__ = ["Contract", "ContractsFile", "load_contracts"]
