"""Hypothesis strategies for hostile input, and the checks every answer to it must pass."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# "ci" (the default): a fixed, bounded set of examples per endpoint, the same on every run.
# HYPOTHESIS_PROFILE=explore: more examples, freshly random, for hunting.
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999999",
    "-9223372036854775809",
    "1e308",
    "NaN",
    "true",
    "null",
    "2027-02-30",
    "2027-13-01",
    "25:61",
    "0000-00-00T00:00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "\x00",
    "nul\x00inside",
    "\r\nSet-Cookie: x=1",
    "=cmd|' /C calc'!A0",
    "../../etc/passwd",
    "%00",
    "\u202egnp.exe",
    "\ufeff",
    "𝕏" * 300,
    "a" * 5000,
    "javascript:alert(1)",
    "//evil.example/",
]

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(max_size=400),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)


def form_values(valid: dict[str, object], extra_names: tuple[str, ...] = ()) -> st.SearchStrategy:
    """A form: each known field keeps its valid value, gets hostile text or several values,
    or goes missing; sometimes with fields the form does not have."""
    names = list(valid) + [n for n in extra_names if n not in valid]

    def one(name: str) -> st.SearchStrategy:
        choices = [text, st.lists(text, min_size=2, max_size=3), st.none()]
        if name in valid:
            choices.insert(0, st.just(valid[name]))
        return st.one_of(*choices)

    fields = st.fixed_dictionaries({name: one(name) for name in names})
    junk = st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=3)
    return st.tuples(fields, junk).map(
        lambda pair: {k: v for k, v in (pair[1] | pair[0]).items() if v is not None}
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def json_bodies(valid: object) -> st.SearchStrategy:
    """Anything JSON, or the valid body with its values (and nested values) swapped out."""

    def mutate(value: object) -> st.SearchStrategy:
        if isinstance(value, dict):
            return st.fixed_dictionaries(
                {k: st.one_of(mutate(v), json_values) for k, v in value.items()}
            ).flatmap(
                lambda d: st.dictionaries(st.text(max_size=12), json_values, max_size=2).map(
                    lambda extra: extra | d
                )
            )
        if isinstance(value, list):
            return st.lists(st.one_of(*[mutate(v) for v in value], json_values), max_size=4)
        return st.one_of(st.just(value), json_values)

    return st.one_of(mutate(valid), json_values)


raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"{", b"[]", b"null", b'{"scans": 5}', b"\xff\xfe", b"{" * 2000]),
)


def assert_clear_refusal(response) -> None:
    """A 4xx says why, in words: a field error, an alert, the error page, or a JSON message."""
    status = response.status_code
    body = response.get_data().decode(errors="replace")
    if response.is_json:
        message = response.get_json()["error"]["message"]
        assert isinstance(message, str) and message.strip(), body[:300]
        return
    if status == 422:
        assert 'class="error"' in body or 'role="alert"' in body, f"422, no message: {body[:500]}"
        return
    markers = ('role="alert"', 'class="error"', "Back to the events")
    assert any(m in body for m in markers), f"{status} without a message: {body[:500]}"


def as_json(value: object) -> bytes:
    return json.dumps(value).encode()
