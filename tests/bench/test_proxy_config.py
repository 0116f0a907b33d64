"""deploy/nginx.conf stays a file nginx accepts and that bench/proxy_check.py can run on
loopback ports (the slow-client and keep-alive checks themselves run in `make bench-proxy`,
not here)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bench.proxykit import SITE_FILE, Nginx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def nginx_binary() -> str:
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: apt-get install nginx")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return NGINX


def test_the_repository_nginx_config_is_accepted_on_loopback_ports(tmp_path, nginx_binary):
    nginx = Nginx(tmp_path, app_port=8123)

    conf = nginx.render()
    site = (conf.parent / "site.conf").read_text()
    checked = subprocess.run(  # noqa: S603
        [
            nginx_binary,
            "-e",
            str(conf.parent / "error.log"),
            "-p",
            str(conf.parent),
            "-c",
            str(conf),
            "-t",
        ],
        capture_output=True,
        text=True,
    )

    assert checked.returncode == 0, checked.stderr
    assert "server 127.0.0.1:8123" in site and "listen 80;" not in site
    # Everything but ports, certificate and log paths is the repository's file, unchanged.
    kept = [line for line in SITE_FILE.read_text().splitlines() if "listen" not in line]
    kept = [
        line for line in kept if "/etc/" not in line and "/var/" not in line and "8000" not in line
    ]
    assert all(line in site for line in kept)
