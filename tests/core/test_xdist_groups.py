"""The suite's ``xdist_group`` marks must take effect under ``make test``.

The browser journeys and the benchmark smoke each build an expensive site once per worker
that runs them; they are grouped so that one worker does it. pytest-xdist hands a group to
one worker only when the group's name is in the test's node id, and pytest 9.2 stopped
keeping the name there (pytest-dev/pytest-xdist#1386): nothing failed, the set-up simply ran
twice. This test fails instead.
"""

import pytest

pytestmark = pytest.mark.xdist_group("xdist-group-check")


def test_group_name_reaches_the_node_id(request: pytest.FixtureRequest) -> None:
    if not hasattr(request.config, "workerinput"):
        pytest.skip("runs only on a pytest-xdist worker (make test)")
    if not request.config.getvalue("loadgroup"):
        pytest.skip("the groups are used only with --dist loadgroup")
    assert request.node.nodeid.endswith("@xdist-group-check"), (
        f"{request.node.nodeid!r} lost its xdist group: pytest-xdist will split the groups "
        "across workers (see pyproject.toml's pytest pin)"
    )
