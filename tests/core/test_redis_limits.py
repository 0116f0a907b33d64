"""Rate limits kept in Redis hold across app processes: one instance here, one in a child."""

from __future__ import annotations

import pytest

from conference.extensions import db
from tests.core.limit_workers import failed_logins_in_process
from tests.processes import separate_processes
from tests.redis_server import REDIS_URL, delete_prefixed, redis_or_skip, unique_prefix


@pytest.fixture
def redis_prefix():
    client = redis_or_skip()
    prefix = unique_prefix()
    yield client, prefix
    delete_prefixed(client, "LIMITS:LIMITER/" + prefix)


def _logins_here_then_in_a_child(app, settings: dict) -> tuple[list[int], list[int]]:
    with app.app_context():
        client = app.test_client()
        here = [
            client.post(
                "/account/login", data={"email": "a@example.org", "password": "wrong one"}
            ).status_code
            for _ in range(2)
        ]
        db.session.remove()
    context = separate_processes()
    results = context.Queue()
    child = context.Process(target=failed_logins_in_process, args=(settings, 2, results))
    child.start()
    there = results.get(timeout=120)
    child.join(timeout=60)
    return here, there


def _settings(database_url: str, **extra) -> dict:
    return {
        "ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
        **extra,
    }


def test_login_limit_is_shared_by_two_processes_through_redis(
    app_factory, database_url, redis_prefix
):
    client, prefix = redis_prefix
    settings = _settings(database_url, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    app = app_factory(**settings)

    here, there = _logins_here_then_in_a_child(app, settings)

    assert (here, there) == ([401, 401], [401, 429])
    [key] = client.scan_iter(match=f"LIMITS:LIMITER/{prefix}*")
    assert b"accounts.login" in key


def test_memory_limits_are_counted_per_process(app_factory, database_url):
    # The contrast that makes the Redis test meaningful: with the default store each
    # process counts alone, so nobody reaches the limit of 3.
    settings = _settings(database_url, RATELIMIT_STORAGE_URI="memory://")
    app = app_factory(**settings)

    here, there = _logins_here_then_in_a_child(app, settings)

    assert (here, there) == ([401, 401], [401, 401])
