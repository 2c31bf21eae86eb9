"""Goals the benchmarks check: each figure against its limit, printed the same way everywhere,
so ``--strict`` can turn any missed goal into exit status 1 (for CI)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    """One figure and its limit: ``value <= limit`` (``at_least``: ``value >= limit``)."""

    name: str
    value: float
    limit: float
    unit: str = "ms"
    at_least: bool = False

    @property
    def met(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        verdict = "met" if self.met else "MISSED"
        return (
            f"  {self.name:<46} {_fmt(self.value):>9} {self.unit:<3} "
            f"goal {sign} {_fmt(self.limit)}{' ' + self.unit if self.unit else ''}: {verdict}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "at_least": self.at_least,
            "met": self.met,
        }


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"


def report(goals: list[Goal]) -> bool:
    """Print every goal with its verdict; True when all are met."""
    print("goals:")
    for goal in goals:
        print(goal.line())
    missed = [g.name for g in goals if not g.met]
    print(f"  {'all goals met' if not missed else 'MISSED: ' + ', '.join(missed)}")
    return not missed


def exit_status(goals: list[Goal], *, strict: bool, broken: bool = False) -> int:
    """0 when the measurement worked (and, with ``strict``, every goal was met); 1 otherwise.

    ``broken`` is a correctness failure the benchmark found (a scan or receipt lost): always 1.
    """
    if broken:
        return 1
    return 1 if strict and not all(g.met for g in goals) else 0
