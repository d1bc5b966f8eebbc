"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["Result", "best_of"]


@dataclass(frozen=True)
class Result:
    """One comparison: ``ratio`` = measured / baseline (lower is better unless noted)."""

    name: str
    baseline_label: str
    baseline: float
    measured_label: str
    measured: float
    note: str = ""
    #: how the two figures print: milliseconds of seconds by default, or plain numbers
    unit: str = "ms"

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline

    def line(self) -> str:
        scale = 1e3 if self.unit == "ms" else 1.0
        suffix = f" {self.unit}" if self.unit else ""
        timings = f"({self.measured * scale:.2f}{suffix} vs {self.baseline * scale:.2f}{suffix})"
        ratio = f"{self.measured_label} / {self.baseline_label} = {self.ratio:6.2f}"
        return f"{self.name:<28} {ratio}  {timings}  {self.note}".rstrip()


async def best_of(repeats: int, run: Callable[[], Awaitable[None]]) -> float:
    """The fastest of ``repeats`` runs, in seconds (least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - started)
    return best
