"""`--fail-if` gates: `METRIC OP NUMBER` tested against a report's metrics.

A gate on a metric that has no value (a rate with nothing judged yet) trips: a CI gate
that cannot be evaluated must not let a migration through.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .errors import SwapviewError
from .scoring.signals import SIGNAL_NAMES

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
# Counts per tag or signal that never occurred are 0, not unknown.
ZERO_DEFAULT_PREFIXES = ("tag.", "signal.")
_GATE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.:-]*)\s*(?P<op>>=|<=|==|!=|>|<)\s*"
    r"(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<pct>%|pp)?\s*$"
)


@dataclass(frozen=True)
class Gate:
    expression: str
    metric: str
    op: str
    threshold: float


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    value: float | None
    tripped: bool

    def describe(self) -> str:
        value = "undefined" if self.value is None else f"{self.value:g}"
        state = "FAILED" if self.tripped else "ok"
        return f"{state}: {self.gate.expression} ({self.gate.metric} = {value})"

    def as_dict(self) -> dict[str, object]:
        return {
            "expression": self.gate.expression,
            "metric": self.gate.metric,
            "value": self.value,
            "tripped": self.tripped,
        }


def parse_gate(
    expression: str,
    known: set[str],
    *,
    tags: Collection[str] = (),
    signals: Collection[str] = SIGNAL_NAMES,
) -> Gate:
    """Parse one `--fail-if` expression; SwapviewError naming what is wrong.

    `tag.X` and `signal.X` are 0 when nothing carries them, so a misspelt name would read
    0 and pass for ever: X must be a known tag (`tags`) or signal name (`signals`).
    """
    m = _GATE.match(expression)
    if not m:
        raise SwapviewError(
            f"--fail-if {expression!r}: expected METRIC OP NUMBER, e.g. 'regression_rate>0.02'"
            f" (operators {' '.join(OPERATORS)})"
        )
    name = m["name"]
    if name not in known and not name.startswith(ZERO_DEFAULT_PREFIXES):
        raise SwapviewError(
            f"--fail-if {expression!r}: unknown metric {name!r}; known: {', '.join(sorted(known))}"
        )
    _check_name(expression, name, "tag", tags)
    _check_name(expression, name, "signal", signals)
    # "%" and "pp" (percentage points, for a change in a rate) both mean hundredths.
    threshold = float(m["num"]) / (100 if m["pct"] else 1)
    return Gate(expression.strip(), name, m["op"], threshold)


def _check_name(expression: str, metric: str, kind: str, names: Collection[str]) -> None:
    prefix = f"{kind}."
    if metric.startswith(prefix) and metric[len(prefix) :] not in names:
        raise SwapviewError(
            f"--fail-if {expression!r}: unknown {kind} {metric[len(prefix) :]!r}; known:"
            f" {', '.join(sorted(names)) or 'none'}"
        )


def evaluate(gates: list[Gate], metrics: dict[str, float | None]) -> list[GateResult]:
    """Each gate with the metric's value and whether it tripped."""
    results = []
    for gate in gates:
        default = 0 if gate.metric.startswith(ZERO_DEFAULT_PREFIXES) else None
        value = metrics.get(gate.metric, default)
        tripped = value is None or OPERATORS[gate.op](value, gate.threshold)
        results.append(GateResult(gate, value, tripped))
    return results
