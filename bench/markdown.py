"""Render a bench/results/*.json file as the Markdown tables of docs/benchmarks.md.

python -m bench.markdown bench/results/<file>.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Issue #7's budgets: over HTTP (new connection per request), one gunicorn worker, SQLite, medians.
BUDGETS_MS = {
    ("event feed, cold", "w400"): 100,
    ("event feed, warm", "w400"): 5,
    ("event feed, 304", "w400"): 2,
    ("event feed, cold", "w5000"): 1500,
    ("event feed, warm", "w5000"): 20,
    ("agenda page (HTML)", "w400"): 60,
    ("agenda page (HTML)", "w5000"): 800,
    ("badge scan, accepted", "w400"): 3,
    ("badge scan, accepted", "w5000"): 3,
    ("name search at the door", "w5000"): 10,
}


def _number(value: float, unit: str) -> str:
    if unit != "ms":
        return f"{value:,.1f} {unit}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def render(record: dict) -> str:
    meta = record["meta"]
    lines = [
        f"Run {meta['date']} at commit `{meta['commit']}`, Python {meta['python']}, "
        f"{meta.get('database', '?')}, {meta['machine']}; {meta.get('seconds', '?')} s in all.",
        "",
        "| metric | size | layer | median | p95 | p99 | bytes | SQL | budget |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in record["results"]:
        budget = BUDGETS_MS.get((r["metric"], r["size"]))
        verdict = ""
        if budget is not None and r["layer"] == "http new conn":
            verdict = f"≤ {budget} ms: {'met' if r['median'] <= budget else 'missed'}"
        note = f" ({r['note']})" if r.get("note") else ""
        lines.append(
            f"| {r['metric']}{note} | {r['size']} | {r['layer']} | {_number(r['median'], r['unit'])} "
            f"| {_number(r['p95'], r['unit'])} | {_number(r['p99'], r['unit'])} "
            f"| {r['bytes'] if r['bytes'] is not None else ''} "
            f"| {r['queries'] if r['queries'] is not None else ''} | {verdict} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
