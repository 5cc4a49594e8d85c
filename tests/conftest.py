"""Shared fixtures: one real demo build per test session, a local HTTP server, Chromium,
and the store's database: SQLite, or a fresh database on a throwaway PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from demo.localsite import CHROMIUM, CHROMIUM_ARGS, start_server
from tasks import pelican_args

ROOT = Path(__file__).resolve().parents[1]
DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """Tests marked `both_databases` that use `db_url` run once on SQLite, once on PostgreSQL."""
    if "db_url" in metafunc.fixturenames and not any(
            "db_url" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize")):
        kinds = DATABASES if metafunc.definition.get_closest_marker("both_databases") else DATABASES[:1]
        metafunc.parametrize("db_url", kinds, indirect=True)


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server per test session (per xdist worker), in a temporary folder."""
    from tests.pgserver import NoPostgres, PgServer

    try:
        server = PgServer.for_this_machine().start()
    except NoPostgres as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def db_url(request, tmp_path) -> str:
    """The store's SQLAlchemy URL: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'soists.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


def build_site(output: Path, content: Path | None = None, settings: str = "pelicanconf.py",
               extra: list[str] | None = None) -> subprocess.CompletedProcess:
    """Build the site with the same command the tasks use; never raises, returns the process.

    The incremental-build state goes next to the output, so it leaves with the test's folder."""
    cmd = pelican_args(output, settings, content=content or ROOT / "content", extra=extra)
    env = {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(output.parent / f".{output.name}.build-cache")}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo site, built once into a temporary folder."""
    output = tmp_path_factory.mktemp("site")
    result = build_site(output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture(scope="session")
def serve_dir():
    """Serve a folder on 127.0.0.1 at a free port; returns a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        server, base_url = start_server(folder)
        servers.append(server)
        return base_url

    yield serve
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; run .ci/setup --browser")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_390(chromium_browser):
    """A phone-sized page (390 px wide) that records console errors and non-local requests."""
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.console_errors = []
    page.foreign_requests = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.on("request", lambda req: req.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            or page.foreign_requests.append(req.url))
    yield page
    context.close()
