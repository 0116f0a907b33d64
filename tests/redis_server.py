"""The Redis server on 127.0.0.1:6379 (shared by everyone on the machine: keys get a prefix)."""

from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip():
    """A client for the test Redis; skips when it is down, fails when CI is set."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis at {REDIS_URL} is not reachable ({error}); start redis-server or set TEST_REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return client


def unique_prefix() -> str:
    """A key prefix no other test run (or other checkout sharing the server) uses."""
    return f"conference-test:{uuid.uuid4().hex}:"


def delete_prefixed(client, prefix: str) -> None:
    keys = list(client.scan_iter(match=prefix + "*", count=500))
    if keys:
        client.delete(*keys)
