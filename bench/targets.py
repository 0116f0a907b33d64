"""The budgets the figures are checked against: issue #7's and issue #22's.

Checked by the report, never by a timed test: a figure on a shared 2-core machine says how
the code did on that run, not whether it is correct. Rows are result summaries (the JSON's).
"""

from __future__ import annotations

from dataclasses import dataclass

HTTP = "http new conn"  # one sync worker, a new connection per request, as the peers were measured


@dataclass(frozen=True)
class Target:
    issue: str
    label: str
    metric: str
    size: str | None  # None: at every size measured
    limit: float
    layer: str = HTTP
    times_floor: bool = False  # the limit is a multiple of the floor's median, not milliseconds

    @property
    def bound(self) -> str:
        return f"≤ {self.limit:,g} × floor" if self.times_floor else f"≤ {self.limit:,g} ms"

    def applies(self, row: dict) -> bool:
        return (
            row["metric"] == self.metric
            and row["layer"] == self.layer
            and self.size in (None, row["size"])
        )

    def value(self, row: dict) -> float | None:
        value = row.get("extra", {}).get("x_floor") if self.times_floor else row["median"]
        return None if value is None or value != value else value  # NaN: not measured

    def verdict(self, row: dict) -> str:
        value = self.value(row)
        if value is None:
            return "not measured"
        return "met" if value <= self.limit else "not met"


def _issue_7(metric: str, size: str, limit: float) -> Target:
    return Target("#7", f"{metric}, {size}", metric, size, limit)


TARGETS = [
    _issue_7("event feed, cold", "w400", 100),
    _issue_7("event feed, warm", "w400", 5),
    _issue_7("event feed, 304", "w400", 2),
    _issue_7("event feed, cold", "w5000", 1500),
    _issue_7("event feed, warm", "w5000", 20),
    _issue_7("agenda page (HTML)", "w400", 60),
    _issue_7("agenda page (HTML)", "w5000", 800),
    _issue_7("badge scan, accepted", "w400", 3),
    _issue_7("badge scan, accepted", "w5000", 3),
    _issue_7("name search at the door", "w5000", 10),
    Target(
        "#22",
        "first request after a worker starts, w5000 event feed",
        "event feed, first request after worker start",
        "w5000",
        500,
    ),
    Target(
        "#22",
        "all-days agenda HTML after an agenda change, w5000",
        "agenda page (HTML), after an agenda change",
        "w5000",
        800,
    ),
    # "event feed, cold" is timed right after each agenda change (bench/scenarios.py).
    Target("#22", "event feed after an agenda change, w5000", "event feed, cold", "w5000", 400),
    Target(
        "#22",
        "badge scan, accepted, over HTTP",
        "badge scan, accepted",
        None,
        3,
        times_floor=True,
    ),
    Target(
        "#22",
        "name search at the door, 20,000 attendees (w5000)",
        "name search at the door",
        "w5000",
        6,
    ),
    Target("#22", "import-event w5000", "import-event", "w5000", 10_000, layer="service"),
]


def row_verdicts(row: dict) -> list[str]:
    """The verdicts of every budget on this row, e.g. "≤ 400 ms (#22): not met"."""
    return [f"{t.bound} ({t.issue}): {t.verdict(row)}" for t in TARGETS if t.applies(row)]


def check(rows: list[dict], issue: str = "#22") -> list[dict]:
    """Each of ``issue``'s targets at each size it applies to: measured, met or not met."""
    sizes = list(dict.fromkeys(row["size"] for row in rows))
    checks = []
    for target in (t for t in TARGETS if t.issue == issue):
        for size in [target.size] if target.size else sizes:
            row = next((r for r in rows if target.applies(r) and r["size"] == size), None)
            value = target.value(row) if row else None
            verdict = target.verdict(row) if row else "not measured"
            if size not in sizes:
                verdict = f"not measured ({size} not run)"
            checks.append(
                {
                    "issue": target.issue,
                    "target": target.label,
                    "size": size,
                    "bound": target.bound,
                    "value": value,
                    "unit": "× floor" if target.times_floor else "ms",
                    "verdict": verdict,
                }
            )
    return checks
