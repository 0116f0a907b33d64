"""Browser fixtures: the app under gunicorn on 127.0.0.1, a loopback SMTP server, and
Debian's Chromium driven by Playwright.

Without /usr/bin/chromium the browser tests skip, saying how to enable them; on CI (the CI
environment variable is set) they fail instead, so they can never be skipped silently.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e import driver
from tests.e2e import seed as seeding
from tests.e2e.server import ROOT, LiveServer, drop_e2e_database, e2e_database_url
from tests.smtp import LoopbackSMTP

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
)
NO_BROWSER_UI_PAGES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "PreloadTopChromeWebUI")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # One process for the pages and one for the rest: the journeys are sequential and
    # same-site, so the separate GPU process and per-site renderers were only IPC (the
    # organiser's journey, three back-to-back pairs: 55 -> 46, 54.8 -> 54.0, 61.2 -> 57.0 s).
    "--in-process-gpu",
    "--disable-site-isolation-trials",
    "--renderer-process-limit=1",
    # Chromium 149+ gives every tab two hidden WebUI pages of its own (the omnibox's popup and
    # its AI-mode popup), which Playwright attaches to and the renderer builds; no journey
    # uses the address bar. Chromium keeps only the last --disable-features, so Playwright's
    # own list (playwright-core's chromiumSwitches.ts) is repeated first.
    "--disable-features=" + ",".join([*PLAYWRIGHT_DISABLED_FEATURES, *NO_BROWSER_UI_PAGES]),
]
# One folder per pytest-xdist worker: each runs its own server and empties its own folder.
ARTIFACTS = ROOT / "test-artifacts" / "e2e" / os.environ.get("PYTEST_XDIST_WORKER", "main")
JSQR = ROOT / "static" / "vendor" / "jsQR.js"


def _unavailable(message: str) -> None:
    """Skip on a developer machine; fail on CI, where these tests must run."""
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"{message} (CI is set, so the browser tests may not skip)", pytrace=False)
    pytest.skip(message)


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "to run the browser tests, or set E2E_CHROMIUM to its path"
        )


def require_jsqr() -> None:
    if not JSQR.exists():
        _unavailable("static/vendor/jsQR.js is missing: run `make vendor` (needs npm)")


# -- reporting ---------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if ARTIFACTS.exists() and any(ARTIFACTS.iterdir()):
        terminalreporter.write_sep("-", "browser tests")
        terminalreporter.write_line(f"Screenshots of the browser journeys: {ARTIFACTS}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots, emptied at the start of the run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


# -- the server --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mail() -> Iterator[LoopbackSMTP]:
    server = LoopbackSMTP()
    server.start()
    yield server
    server.stop()


class Site:
    """The running application and what was seeded in it."""

    def __init__(self, server: LiveServer, seeded: seeding.Seeded, mail: LoopbackSMTP):
        self.server = server
        self.url = server.url
        self.seeded = seeded
        self.mail = mail
        self._engine = None

    def _database(self):
        from sqlalchemy import create_engine

        if self._engine is None:
            self._engine = create_engine(self.server.database_url)
        return self._engine

    def scalar(self, sql: str, **params):
        """Read one value from the site's database (to confirm what the pages say happened)."""
        from sqlalchemy import text

        with self._database().connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def execute(self, sql: str, **params) -> None:
        """Change the site's database directly (the harness's own bookkeeping, never a step of a
        journey)."""
        from sqlalchemy import text

        with self._database().begin() as connection:
            connection.execute(text(sql), params)

    def forget_used_code(self, email: str) -> None:
        """Forget the last authenticator step the account used, as 30 seconds passing would."""
        self.execute("UPDATE users SET totp_last_step = NULL WHERE email = :email", email=email)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(scope="session")
def site(
    mail: LoopbackSMTP, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    require_chromium()
    database_url = e2e_database_url(tmp_path_factory.mktemp("e2e"))
    seeded = seeding.seed(database_url)
    server = LiveServer(database_url, mail.port, artifacts / "server.log")
    server.start()
    site = Site(server, seeded, mail)
    driver.forget_used_code = site.forget_used_code
    try:
        yield site
    finally:
        driver.forget_used_code = None
        site.close()
        server.stop()
        drop_e2e_database(database_url)


# -- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch_chromium(playwright, extra_args: list[str] | None = None):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *(extra_args or [])]
    )


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = launch_chromium(playwright_driver)
    yield browser
    browser.close()


class PageProblems:
    """Server errors and script errors seen by a page; a journey fails on any."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        page.on(
            "response",
            lambda response: (
                self.errors.append(f"HTTP {response.status} for {response.url}")
                if response.status >= 500
                else None
            ),
        )
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console {message.type}: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def new_context(request, site: Site, browser, artifacts: Path) -> Iterator[Callable]:
    """``new_context(**options)``: a browser context on the site; failures get screenshots."""
    contexts = []
    problems = PageProblems()

    def make(browser_override=None, **options):
        options.setdefault("base_url", site.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")  # the order date and time fields take keys in
        context = (browser_override or browser).new_context(**options)
        context.set_default_timeout(10_000)
        context.on("page", problems.watch)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, context in enumerate(contexts):
        if failed:
            for m, page in enumerate(context.pages):
                # A crashed page has no picture to take.
                with contextlib.suppress(Exception):
                    page.screenshot(
                        path=artifacts / f"FAILED-{_slug(request.node.name)}-{n}-{m}.png",
                        full_page=True,
                    )
        context.close()
    if not failed:
        assert not problems.errors, "\n".join(problems.errors)


@pytest.fixture
def screenshot(artifacts: Path, request) -> Callable:
    """``screenshot(page, name)`` keeps a picture of a journey's state in the artifacts folder."""

    def take(page, name: str) -> Path:
        path = artifacts / f"{_slug(request.node.name)}-{_slug(name)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
