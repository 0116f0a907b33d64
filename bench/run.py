"""`make bench`: import the shared workload, then time what users feel.

    python -m bench.run                       # w400 and w5000, SQLite, in-process and HTTP
    python -m bench.run --workload file.json  # one given workload
    python -m bench.run --quick               # a tiny smoke run (the test suite runs this)
    DATABASE_URL=postgresql://... python -m bench.run

Prints one table (metric, size, layer, median, p95, p99, bytes, SQL queries)
and writes the same as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import report, scenarios
from bench.stats import Result
from bench.workloads import SIZES, load_workload

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workload", type=Path, help="a workload JSON file (default: generate w400 and w5000)"
    )
    parser.add_argument(
        "--sizes", default="w400,w5000", help="standard sizes to generate, comma-separated"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny workload, few iterations (smoke test)"
    )
    parser.add_argument(
        "--no-http", action="store_true", help="skip the layer over HTTP (gunicorn)"
    )
    parser.add_argument("--database-url", help="default: DATABASE_URL, else a fresh SQLite file")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results", help="where the JSON goes"
    )
    parser.add_argument("--no-save", action="store_true", help="print only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        workloads = [("tiny", load_workload("tiny"))]
    elif args.workload:
        workloads = [(args.workload.stem, json.loads(args.workload.read_text(encoding="utf-8")))]
    else:
        workloads = [(name, load_workload(name)) for name in args.sizes.split(",") if name in SIZES]
    results: list[Result] = []
    meta: dict = {}
    started = time.time()
    for name, document in workloads:
        with tempfile.TemporaryDirectory(prefix="conference-bench-") as tmp:
            run = scenarios.BenchRun(
                name=name,
                document=document,
                database_url=scenarios.database_url_for(args.database_url, Path(tmp)),
                quick=args.quick,
                http=not args.no_http,
            )
            results.extend(run.execute())
            meta.setdefault("database", run.database_version)
    meta.update(report.environment(ROOT), seconds=round(time.time() - started, 1))
    data = report.record(results, meta)
    print(report.table(results))
    print("\nIssue #22's targets (medians; over HTTP: one sync worker, a new connection each):")
    print(report.targets_text(data["targets"]))
    if not args.no_save:
        path = report.save(data, args.out)
        print(f"\nWritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
