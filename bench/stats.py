"""Timing samples and their summary (medians and tail percentiles)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was really observed)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Result:
    metric: str
    size: str
    layer: str  # "in-process", "http new conn", "http keep-alive", "service"
    samples_ms: list[float] = field(default_factory=list, repr=False)
    bytes: int | None = None
    queries: int | None = None
    unit: str = "ms"
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 0.99)

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("samples_ms")
        data.update(
            median=round(self.median, 3),
            p95=round(self.p95, 3),
            p99=round(self.p99, 3),
            n=len(self.samples_ms),
        )
        return data
