"""The benchmark harness runs end to end on a tiny workload, so it cannot rot.

No timings are asserted; the harness itself checks every answer (statuses,
accepted/refused scans, no overbooking under contention).
"""

from __future__ import annotations

import json

from bench import run


def test_bench_harness_runs_on_a_tiny_workload(tmp_path, capsys):
    exit_code = run.main(
        ["--quick", "--database-url", f"sqlite:///{tmp_path}/bench.sqlite3", "--out", str(tmp_path)]
    )

    assert exit_code == 0
    table = capsys.readouterr().out
    [saved] = list(tmp_path.glob("*.json"))
    record = json.loads(saved.read_text())
    metrics = {(r["metric"], r["layer"]) for r in record["results"]}
    for expected in [
        ("import-event", "service"),
        ("event feed, cold", "in-process"),
        ("event feed, 304", "http new conn"),
        ("agenda page (HTML)", "http keep-alive"),
        ("badge scan, accepted", "in-process"),
        ("last-seat contention", "service"),
        ("server peak memory (RSS)", "http"),
    ]:
        assert expected in metrics
    assert record["meta"]["database"].startswith("SQLite")
    assert "median" in table and "badge scan, forged" in table
    warm = next(
        r
        for r in record["results"]
        if r["metric"] == "event feed, warm" and r["layer"] == "in-process"
    )
    assert warm["queries"] == 1
