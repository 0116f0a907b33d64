"""What hostile and ordinary clients do to a server, measured (bench/proxy_check.py): slow
and stalled uploads, trickled headers, normal requests timed meanwhile, and connections
reused around a keep-alive timeout. Standard library only."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.proxykit import PUBLIC_HOST, connect, header, http_get, read_response, request_bytes

UPLOAD_PATH = "/api/v1/events/any/checkins/batch"  # the largest body the app takes (2 MiB)

# --- Slow clients ----------------------------------------------------------------------------


class SlowClients:
    """Connections that hold on without finishing their request, until stopped."""

    def __init__(self, port: int, tls: bool, count: int, kinds: tuple[str, ...]) -> None:
        self.port, self.tls, self.count, self.kinds = port, tls, count, kinds
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.answers: dict[str, list[str]] = {kind: [] for kind in kinds}
        self.lock = threading.Lock()

    def _run(self, kind: str) -> None:
        try:
            sock = connect(self.port, tls=self.tls, timeout=30)
        except OSError as error:
            self._note(kind, f"connect failed: {error}")
            return
        with sock:
            try:
                if kind == "announce 10 MB, send 10 bytes":
                    head = request_bytes("POST", UPLOAD_PATH, {"Content-Length": "10485760"})
                    sock.sendall(head + b"0123456789")
                elif kind == "trickle a 1 MB body":
                    sock.sendall(request_bytes("POST", UPLOAD_PATH, {"Content-Length": "1048576"}))
                else:  # trickle the headers
                    sock.sendall(f"GET / HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\n".encode())
                sock.settimeout(0.5)
                while not self.stop_event.is_set():
                    try:
                        answer = sock.recv(4096)
                        self._note(kind, answer.split(b"\r\n")[0].decode() or "closed")
                        return
                    except TimeoutError:
                        pass
                    if kind == "trickle a 1 MB body":
                        sock.sendall(b"0123456789")
                    elif kind != "announce 10 MB, send 10 bytes":
                        sock.sendall(b"X")
            except OSError as error:
                self._note(kind, f"dropped: {type(error).__name__}")
                return
        self._note(kind, "still waiting")

    def _note(self, kind: str, what: str) -> None:
        with self.lock:
            self.answers[kind].append(what)

    def __enter__(self) -> SlowClients:
        for kind in self.kinds:
            for _ in range(self.count):
                thread = threading.Thread(target=self._run, args=(kind,), daemon=True)
                thread.start()
                self.threads.append(thread)
        time.sleep(1.0)  # let them all connect and start holding on
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(5)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {what: answers.count(what) for what in sorted(set(answers))}
            for kind, answers in self.answers.items()
        }


def stalled_clients(port: int, tls: bool, count: int, give_up: float = 15.0) -> dict:
    """Clients that stop sending halfway (headers, or body): how soon nginx drops them
    (client_header_timeout and client_body_timeout are 10 s in deploy/nginx.conf)."""

    def one(kind: str) -> tuple[str, float]:
        sock = connect(port, tls=tls, timeout=give_up)
        started = time.monotonic()
        with sock:
            if kind == "headers":
                sock.sendall(f"GET / HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\n".encode())
            else:
                head = request_bytes("POST", UPLOAD_PATH, {"Content-Length": "1048576"})
                sock.sendall(head + b"0123456789")
            try:
                answer = sock.recv(4096).split(b"\r\n")[0].decode() or "closed"
            except TimeoutError:
                answer = f"still open after {give_up:.0f} s"
            except OSError as error:
                answer = f"closed ({type(error).__name__})"
        return f"{kind}: {answer}", time.monotonic() - started

    with ThreadPoolExecutor(2 * count) as pool:
        outcomes = list(pool.map(one, ["headers", "body"] * count))
    answers = [what for what, _ in outcomes]
    return {
        "clients": len(outcomes),
        "answers": {what: answers.count(what) for what in sorted(set(answers))},
        "dropped_after_s": [
            round(min(t for _, t in outcomes), 1),
            round(max(t for _, t in outcomes), 1),
        ],
        "all_dropped": not any("still open" in what for what in answers),
    }


def time_normal_requests(port: int, tls: bool, count: int = 20, timeout: float = 5.0) -> dict:
    """``count`` GET / one after another, each on a new connection: seconds each took."""
    times, failures = [], []
    for _ in range(count):
        started = time.monotonic()
        try:
            answer = http_get(port, "/", tls=tls, timeout=timeout)
            if not answer.startswith(b"HTTP/1.1 200"):
                failures.append(answer.split(b"\r\n")[0].decode())
        except OSError as error:
            failures.append(f"no answer within {timeout:.0f} s ({type(error).__name__})")
        times.append(time.monotonic() - started)
    times.sort()
    return {
        "requests": count,
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "median_ms": round(times[len(times) // 2] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1),
    }


# --- Kept-alive connections ------------------------------------------------------------------


def reuse_after_idle(port: int, tls: bool, connections: int, rounds: int, seed: int) -> dict:
    """Each connection: a request, then ``rounds`` times idle 1.8-2.05 s and another request.
    A request is dropped when the connection fails under it (reset, closed without an answer)
    or the answer is not a 200; a connection the server announced it would close is
    reopened and not counted."""
    rng = random.Random(seed)  # noqa: S311  (idle times, not secrets)
    idles = [[rng.uniform(1.8, 2.05) for _ in range(rounds)] for _ in range(connections)]
    errors: list[str] = []
    lock = threading.Lock()

    def one(pauses: list[float]) -> int:
        sock = connect(port, tls=tls)
        sent = 0
        closing = False
        try:
            for pause in [0.0, *pauses]:
                time.sleep(pause)
                if closing:
                    sock.close()
                    sock = connect(port, tls=tls)
                sent += 1
                try:
                    sock.sendall(request_bytes("GET", "/"))
                    answer = read_response(sock)
                except OSError as error:  # ConnectionError included
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}")
                    closing = True
                    continue
                if not answer.startswith(b"HTTP/1.1 200"):
                    with lock:
                        errors.append(answer.split(b"\r\n")[0].decode())
                closing = (header(answer, "Connection") or "").lower() == "close"
        finally:
            sock.close()
        return sent

    with ThreadPoolExecutor(connections) as pool:
        sent = sum(pool.map(one, idles))
    return {
        "connections": connections,
        "rounds": rounds,
        "requests": sent,
        "dropped": len(errors),
        "drop_kinds": sorted(set(errors))[:5],
    }
