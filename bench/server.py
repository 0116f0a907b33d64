"""A gunicorn server on 127.0.0.1 for the HTTP layer, and a minimal HTTP client."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


class Gunicorn:
    """Gunicorn on a free port. The budgets are stated for one sync worker, as the peers
    were measured; a sync worker closes every connection, so keep-alive is measured on a
    gthread worker with one thread (one request at a time, like a sync worker). ``app`` is
    the WSGI application to serve (the floor serves its bare app with the same settings).

    Workers start as in production: with ``deploy/gunicorn.conf.py``, whose
    ``post_worker_init`` builds the coming events' public outputs before the worker takes a
    request (conference/warmup.py; the floor's bare app has nothing to build). The command
    line then sets what the benchmark fixes: workers, worker class, threads, bind, log level."""

    CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
    # A worker answers once its outputs are built: seconds at the flagship's size, more on a
    # busy machine.
    READY_TIMEOUT = 300

    # Any answer to this path means the worker has loaded the app (ours answers 404).
    READY_PATH = "/__bench_ready__"

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 1,
        worker_class: str = "sync",
        app: str = "conference:create_app()",
    ) -> None:
        self.port = free_port()
        # A crashing worker prints its Python stack (faulthandler) instead of dying silently.
        self.env = {**os.environ, "PYTHONFAULTHANDLER": "1", **env}
        self.workers = workers
        self.worker_class = worker_class
        self.app = app
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(  # noqa: S603
            [
                gunicorn,
                "--config",
                str(self.CONFIG),
                "--workers",
                str(self.workers),
                "--worker-class",
                self.worker_class,
                "--threads",
                "1",
                "--keep-alive",
                "30",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                self.app,
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn exited during start-up") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start within 60 s")
        # The master accepts connections before its worker has imported the app: wait for an
        # answer, so that no measured request pays for the worker's start-up.
        Client(self.port, keep_alive=False, timeout=self.READY_TIMEOUT).request(
            "GET", self.READY_PATH
        )
        return self

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            return [int(p) for p in children.read_text().split()]
        return []

    def peak_memory_kib(self) -> int:
        """Largest resident set (VmHWM) among the worker processes."""
        peak = 0
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        return peak

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]


class Client:
    """HTTP/1.1 to the local server: a new connection per request, or one kept alive."""

    def __init__(self, port: int, keep_alive: bool, timeout: float = 60) -> None:
        self.port = port
        self.timeout = timeout
        self.keep_alive = keep_alive
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Reply:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if not self.keep_alive:
            headers["Connection"] = "close"
        if self.connection is None or not self.keep_alive:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if not self.keep_alive:
            self.connection.close()
            self.connection = None
        return Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
