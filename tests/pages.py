"""Comparing whole pages: what may differ between two otherwise identical responses."""

from __future__ import annotations

import re

# Flask-WTF signs each CSRF token with a timestamp in seconds, so two renders of the same
# page a second apart carry different tokens; nothing else about them may differ.
_CSRF_VALUE = re.compile(rb'(name="csrf_token" value=")[^"]*(")')


def page_body(response) -> bytes:
    """The response body with the per-second CSRF token masked."""
    return _CSRF_VALUE.sub(rb"\1<csrf>\2", response.get_data())
