"""Pieces of the proxy check (bench/proxy_check.py): the repository's nginx site file run on
loopback ports from a temporary directory, gunicorn with the repository's config, a
self-signed certificate, and raw HTTP(S) connections. Standard library, cryptography (a
dependency of the app already), nginx and gunicorn."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from bench.loadkit import HOST, ROOT, free_port

SITE_FILE = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
PUBLIC_HOST = "conference.example.eu"
# What the app needs behind that nginx (docs/proxy.md).
PROXY_FIX_ENV = {f"CONFERENCE_PROXY_FIX_X_{name}": "1" for name in ("FOR", "PROTO", "HOST", "PORT")}


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate for PUBLIC_HOST (the check talks TLS to nginx like a browser)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(PUBLIC_HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _replace(text: str, old: str, new: str) -> str:
    """Replace a line of the site file; fail loudly if the file no longer has it."""
    if old not in text:
        raise SystemExit(f"deploy/nginx.conf no longer contains {old!r}: update bench/proxykit.py")
    return text.replace(old, new)


class Nginx:
    """deploy/nginx.conf on loopback ports: same settings, only ports and paths changed."""

    def __init__(self, workdir: Path, app_port: int, upstream_keepalive: str = "") -> None:
        """``upstream_keepalive`` (e.g. "60s"): a variant for comparison, NOT the documented
        file: nginx keeps idle connections to gunicorn open for that long and reuses them."""
        self.dir = workdir / (
            "nginx-keepalive-" + upstream_keepalive if upstream_keepalive else "nginx"
        )
        self.dir.mkdir()
        self.http_port, self.https_port, self.app_port = free_port(), free_port(), app_port
        self.upstream_keepalive = upstream_keepalive
        self.process: subprocess.Popen | None = None

    def _with_upstream_keepalive(self, site: str) -> str:
        site = _replace(
            site,
            "max_fails=0;",
            f"max_fails=0;\n    keepalive 16;\n    keepalive_timeout {self.upstream_keepalive};",
        )
        site = _replace(site, "proxy_http_version 1.0;", "proxy_http_version 1.1;")
        return _replace(
            site, "proxy_set_header Connection close;", 'proxy_set_header Connection "";'
        )

    def render(self) -> Path:
        cert, key = self_signed_certificate(self.dir)
        site = SITE_FILE.read_text()
        for old, new in (
            ("listen 80;", f"listen {HOST}:{self.http_port};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl http2;", f"listen {HOST}:{self.https_port} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("server 127.0.0.1:8000", f"server {HOST}:{self.app_port}"),
            (f"/etc/letsencrypt/live/{PUBLIC_HOST}/fullchain.pem", str(cert)),
            (f"/etc/letsencrypt/live/{PUBLIC_HOST}/privkey.pem", str(key)),
            ("/var/log/nginx/conference.access.log", str(self.dir / "access.log")),
            ("/var/log/nginx/conference.error.log", str(self.dir / "error.log")),
        ):
            site = _replace(site, old, new)
        if self.upstream_keepalive:
            site = self._with_upstream_keepalive(site)
        (self.dir / "site.conf").write_text(site)
        # Debian's nginx.conf reduced to what a site needs, every path in the temporary dir.
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        main = f"""{user}worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    include {self.dir}/site.conf;
}}
"""
        conf = self.dir / "nginx.conf"
        conf.write_text(main)
        # When run as root, nginx's workers (nobody) must reach their temporary directories.
        self.dir.chmod(0o755)
        self.dir.parent.chmod(0o755)
        return conf

    def start(self) -> None:
        conf = self.render()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("nginx is not installed: apt-get install nginx (Debian's package)")
        command = [nginx, "-e", str(self.dir / "error.log"), "-p", str(self.dir), "-c", str(conf)]
        test = subprocess.run([*command, "-t"], capture_output=True, text=True)  # noqa: S603
        if test.returncode:
            raise RuntimeError(f"nginx -t refused the configuration:\n{test.stderr}")
        self.process = subprocess.Popen(command, start_new_session=True)  # noqa: S603
        wait_for_port(self.https_port, self.process, "nginx")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py; ``extra`` command-line flags override it."""

    def __init__(self, workdir: Path, env: dict[str, str], *extra: str, name: str = "gunicorn"):
        self.port = free_port()
        self.log = workdir / f"{name}.log"
        self.env = {**os.environ, "GUNICORN_BIND": f"{HOST}:{self.port}", **env}
        self.extra = extra
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own command line)
                [gunicorn, "-c", str(GUNICORN_CONF), *self.extra, "conference:create_app()"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_for_port(self.port, self.process, "gunicorn", self.log)
        # The port opens before the workers have imported the app: wait for a real answer.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with suppress(OSError):
                if http_get(self.port, "/", timeout=5).startswith(b"HTTP/1.1 200"):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


def wait_for_port(port: int, process: subprocess.Popen, name: str, log: Path | None = None):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text()[-2000:] if log else ""
            raise RuntimeError(f"{name} exited during start-up\n{detail}")
        with suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not open port {port} within 30 s")


def stop_process(process: subprocess.Popen | None) -> None:
    """SIGTERM to the process group we started, SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(10)


# --- Raw connections ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One context for every connection (building one loads the system's CA store: ~40 ms)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own throw-away certificate
    return context


def connect(port: int, *, tls: bool, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=timeout)
    if tls:
        return tls_context().wrap_socket(sock, server_hostname=PUBLIC_HOST)
    return sock


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {PUBLIC_HOST}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket) -> bytes:
    """One HTTP/1.1 response (Content-Length bodies, as the app sends), head and body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before an answer" if not data else "closed mid-answer")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    return head + b"\r\n\r\n" + body


def http_get(port: int, path: str, *, tls: bool = False, timeout: float = 10, headers=None):
    with connect(port, tls=tls, timeout=timeout) as sock:
        sock.sendall(request_bytes("GET", path, {"Connection": "close", **(headers or {})}))
        return read_response(sock)


def header(response: bytes, name: str) -> str | None:
    head = response.partition(b"\r\n\r\n")[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
