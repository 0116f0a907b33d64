"""The report's budget checks: which rows each target applies to and how it is decided.

The figures here are made up; what is tested is the verdict logic, never a timing.
"""

from __future__ import annotations

from bench.markdown import render
from bench.targets import check, row_verdicts


def _row(metric, size, layer, median, **extra):
    return {
        "metric": metric,
        "size": size,
        "layer": layer,
        "median": median,
        "p95": median,
        "p99": median,
        "unit": "ms",
        "bytes": 10,
        "queries": None,
        "note": "",
        "extra": extra,
    }


def test_scan_target_is_a_multiple_of_the_floor():
    within = _row("badge scan, accepted", "w400", "http new conn", 2.9, floor_ms=1.0, x_floor=2.9)
    beyond = _row("badge scan, accepted", "w400", "http new conn", 2.9, floor_ms=0.5, x_floor=5.8)

    assert "≤ 3 × floor (#22): met" in row_verdicts(within)
    assert "≤ 3 × floor (#22): not met" in row_verdicts(beyond)
    # Issue #7's absolute budget is checked beside it, on the same row.
    assert "≤ 3 ms (#7): met" in row_verdicts(within)


def test_targets_apply_only_to_their_layer_and_size():
    keep_alive = _row("badge scan, accepted", "w400", "http keep-alive", 9.0, x_floor=9.0)
    small = _row("event feed, cold", "w400", "http new conn", 390)

    assert row_verdicts(keep_alive) == []
    assert row_verdicts(small) == ["≤ 100 ms (#7): not met"]


def test_check_says_which_targets_hold_and_which_were_not_measured():
    rows = [
        _row("event feed, cold", "w5000", "http new conn", 410),
        _row("import-event", "w5000", "service", 9_000),
        _row("badge scan, accepted", "w5000", "http new conn", 3.0),  # no floor measured
    ]

    verdicts = {(c["target"], c["size"]): c["verdict"] for c in check(rows)}

    assert verdicts[("event feed after an agenda change, w5000", "w5000")] == "not met"
    assert verdicts[("import-event w5000", "w5000")] == "met"
    assert verdicts[("badge scan, accepted, over HTTP", "w5000")] == "not measured"
    assert verdicts[("first request after a worker starts, w5000 event feed", "w5000")] == (
        "not measured"
    )


def test_markdown_shows_the_floor_column_and_the_targets():
    rows = [_row("badge scan, accepted", "w400", "http new conn", 3.5, floor_ms=1.4, x_floor=2.5)]
    meta = {"date": "today", "commit": "abc", "python": "3.11", "machine": "x86_64, 2 cores"}

    text = render({"meta": meta, "results": rows, "targets": check(rows)})

    assert "| median | × floor |" in text
    assert "| 3.50 | 2.5× |" in text
    assert "| badge scan, accepted, over HTTP | w400 | ≤ 3 × floor | 2.50 × floor | met |" in text
