"""Render a bench/results/*.json file as the Markdown tables of docs/benchmarks.md.

python -m bench.markdown bench/results/<file>.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.report import times_floor
from bench.targets import row_verdicts


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
        "| metric | size | layer | median | × floor | p95 | p99 | bytes | SQL | budget |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in record["results"]:
        note = f" ({r['note']})" if r.get("note") else ""
        lines.append(
            f"| {r['metric']}{note} | {r['size']} | {r['layer']} | {_number(r['median'], r['unit'])} "
            f"| {times_floor(r.get('extra', {}))} "
            f"| {_number(r['p95'], r['unit'])} | {_number(r['p99'], r['unit'])} "
            f"| {r['bytes'] if r['bytes'] is not None else ''} "
            f"| {r['queries'] if r['queries'] is not None else ''} "
            f"| {'; '.join(row_verdicts(r))} |"
        )
    if record.get("targets"):
        lines += ["", "| issue #22 target | size | bound | measured | verdict |", *_targets(record)]
    return "\n".join(lines)


def _targets(record: dict) -> list[str]:
    lines = ["| --- | --- | --- | ---: | --- |"]
    for c in record["targets"]:
        value = "" if c["value"] is None else f"{_number(c['value'], 'ms')} {c['unit']}"
        lines.append(f"| {c['target']} | {c['size']} | {c['bound']} | {value} | {c['verdict']} |")
    return lines


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
