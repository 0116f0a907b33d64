"""Behind a reverse proxy: the public scheme, host and client address from X-Forwarded-*.

Off unless configured (PROXY_FIX_* settings, counts of trusted proxies), because a client
reaching the app directly could forge the headers. With nginx in front (deploy/nginx.conf,
docs/proxy.md), the app then sees ``https``, the public host and the client's address, so
redirects, ``url_for(..., _external=True)``, HSTS, the CSRF referrer check on HTTPS and the
per-address rate limits use the real values instead of nginx's loopback connection.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

_HEADERS = ("for", "proto", "host", "port", "prefix")


def trust_forwarded_headers(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix when any PROXY_FIX_X_* count is above 0."""
    counts = {f"x_{name}": int(app.config[f"PROXY_FIX_X_{name.upper()}"]) for name in _HEADERS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)  # type: ignore[method-assign]
