"""gunicorn behind nginx (deploy/nginx.conf; docs/proxy.md): `gunicorn -c deploy/gunicorn.conf.py`.

Sync workers: nginx buffers every request and answer, so a worker only ever waits for the
app itself, never for a client; it answers one request per connection, so there is no
kept-alive connection for gunicorn to close under a request that has just arrived (the
gthread worker's keep-alive race, measured in docs/proxy.md). Settings come from the
environment so one file serves every machine.
"""

import multiprocessing
import os

# Loopback only: nginx is the one client.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn's rule of thumb for sync workers; WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer than this is killed (nginx waits 35 s: proxy_read_timeout).
timeout = 30
graceful_timeout = 30
# Only nginx on this machine may say a request came over HTTPS (gunicorn's own default,
# stated here because the app's ProxyFix settings rely on the same trust).
forwarded_allow_ips = "127.0.0.1,::1"
# The same header limits the app checks (MAX_HEADER_FIELDS, MAX_HEADER_FIELD_BYTES).
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Build the coming events' feeds, agenda pages and exports before the first request, so
    no visitor waits for a cold build (conference/warmup.py; WARM_OUTPUTS_EVENTS=0: off)."""
    from conference.warmup import warm_public_outputs

    if hasattr(worker.wsgi, "test_client"):
        report = warm_public_outputs(worker.wsgi, alive=worker.notify)
        worker.log.info(
            "Warmed %d public output(s) in %.1f s (%d failed)",
            len(report.built),
            report.seconds,
            len(report.failed),
        )
