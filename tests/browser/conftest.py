"""Playwright driving Debian's chromium (never a downloaded browser).

Playwright's sync API runs an event loop and switches greenlets in the thread that starts
it, which changes the context Django keeps its database connections in. So the browser
lives in a thread of its own: each journey is a function run there, and the main thread,
where pytest-django sets up and rolls back the database, is left alone.
"""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime(WSGIServer):
    """The live server for SQLite: it shares the test's one in-memory database connection, which
    two requests served at once (a form post and the page's background requests) would use at
    the same time and break ("no such savepoint"). Served one at a time, each answer closes its
    connection (Django's server does so when it is not threaded), so the browser never waits."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)  # the live server thread itself uses the shared connection


if connection.vendor == "sqlite":
    LiveServerThread.server_class = _OneRequestAtATime

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


class BrowserThread:
    def __init__(self, path):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser")
        self.path = path
        self.executor.submit(self._start).result()

    def _start(self):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=self.path, headless=True, args=CHROMIUM_ARGS
        )

    def _stop(self):
        self.browser.close()
        self.playwright.stop()

    def run(self, journey, base_url):
        def in_thread():
            from django.db import connections

            context = self.browser.new_context(
                base_url=base_url, locale="nb-NO", viewport={"width": 1280, "height": 900}
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                return journey(page)
            finally:
                context.close()
                connections.close_all()

        return self.executor.submit(in_thread).result()

    def close(self):
        self.executor.submit(self._stop).result()
        self.executor.shutdown()


@pytest.fixture(scope="session")
def browser_thread():
    path = _chromium_path()
    if not Path(path).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {path}")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    thread = BrowserThread(path)
    yield thread
    thread.close()


@pytest.fixture
def in_browser(browser_thread, live_server):
    """Run ``journey(page)`` in the browser thread against the live server."""

    def run(journey):
        return browser_thread.run(journey, live_server.url)

    return run


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name):
        results = axe.run(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"axe on {name}: {bad}"

    return check
