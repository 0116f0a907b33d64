"""The benchmark harness runs end to end on a tiny workload, so it cannot rot.

No timings are asserted; the harness itself checks every answer (statuses,
accepted/refused scans, no overbooking under contention).
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from bench import run

# The quick run below costs about 20 s: its tests stay on one pytest-xdist worker
# (``--dist loadgroup``), so it is made once per suite rather than once per worker.
pytestmark = pytest.mark.xdist_group("bench-smoke")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run for every test here (it starts gunicorn several times)."""
    tmp_path = tmp_path_factory.mktemp("bench")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = run.main(
            [
                "--quick",
                "--database-url",
                f"sqlite:///{tmp_path}/bench.sqlite3",
                "--out",
                str(tmp_path),
            ]
        )
    [saved] = list(tmp_path.glob("*.json"))
    return exit_code, output.getvalue(), json.loads(saved.read_text())


def test_bench_harness_runs_on_a_tiny_workload(quick_run):
    exit_code, table, record = quick_run

    assert exit_code == 0
    metrics = {(r["metric"], r["layer"]) for r in record["results"]}
    for expected in [
        ("import-event", "service"),
        ("event feed, cold", "in-process"),
        ("event feed, 304", "http new conn"),
        ("agenda page (HTML)", "http keep-alive"),
        ("agenda page (HTML), after an agenda change", "http new conn"),
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


@pytest.mark.parametrize("layer", ["http new conn", "http keep-alive"])
def test_bench_report_compares_each_http_figure_with_its_floor(quick_run, layer):
    _, _, record = quick_run
    rows = {(r["metric"], r["layer"]): r for r in record["results"]}
    measured = [r for r in record["results"] if r["layer"] == layer]

    assert measured
    for row in measured:
        floor = rows[(row["metric"], f"floor, {layer}")]
        # The floor answered as many bytes, as often; the ratio is of the two medians.
        assert floor["bytes"] == row["bytes"] and floor["n"] == row["n"]
        assert row["extra"]["floor_ms"] == round(floor["median"], 3)
        # (of the unrounded medians: the JSON keeps three decimals)
        assert row["extra"]["x_floor"] == pytest.approx(row["median"] / floor["median"], rel=0.01)


def test_bench_report_says_which_targets_hold(quick_run):
    _, table, record = quick_run

    verdicts = {(c["target"], c["size"]): c["verdict"] for c in record["targets"]}

    assert verdicts[("badge scan, accepted, over HTTP", "tiny")] in ("met", "not met")
    assert verdicts[("import-event w5000", "w5000")] == "not measured (w5000 not run)"
    assert len(verdicts) == 6
    assert "× floor" in table
    assert "badge scan, accepted, over HTTP [tiny] ≤ 3 × floor" in table
