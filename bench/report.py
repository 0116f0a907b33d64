"""The results table and its JSON record."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.stats import Result
from bench.targets import check


def _fmt(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "-"
    if unit != "ms":
        return f"{value:,.1f}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def table(results: list[Result]) -> str:
    header = ("metric", "size", "layer", "median", "× floor", "p95", "p99", "unit", "bytes", "SQL")
    rows = [
        (
            r.metric,
            r.size,
            r.layer,
            _fmt(r.median, r.unit),
            times_floor(r.extra),
            _fmt(r.p95, r.unit),
            _fmt(r.p99, r.unit),
            r.unit,
            f"{r.bytes:,}" if r.bytes is not None else "-",
            str(r.queries) if r.queries is not None else "-",
        )
        for r in results
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [
        " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, tuple("-" * w for w in widths), *rows]
    ]
    return "\n".join(lines)


def times_floor(extra: dict) -> str:
    """The median as a multiple of the floor's median ("" where there is no floor)."""
    ratio = extra.get("x_floor")
    return f"{ratio:,.1f}×" if ratio is not None else ""


def targets_text(checks: list[dict]) -> str:
    """One line per target: what it asks, what was measured, whether it holds."""
    lines = []
    for c in checks:
        value = "" if c["value"] is None else f"{_fmt(c['value'], 'ms')} {c['unit']}, "
        lines.append(
            f"{c['issue']} {c['target']} [{c['size']}] {c['bound']}: {value}{c['verdict']}"
        )
    return "\n".join(lines)


def record(results: list[Result], meta: dict) -> dict:
    """What the JSON file holds: the run, every figure (with its floor) and the verdicts."""
    rows = [r.summary() for r in results]
    return {"meta": meta, "results": rows, "targets": check(rows)}


def environment(root: Path) -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(  # noqa: S603
                ["git", *args],  # noqa: S607  (git from PATH, read-only)
                cwd=root,
                capture_output=True,
                text=True,
                check=True,  # noqa: S607
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpu_count()} cores",
    }


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0


def save(data: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{data['meta'].get('commit', 'unknown')}.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path
