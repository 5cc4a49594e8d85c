"""/admin/ on a server without the Git backend set up (the shipped placeholders) and without the
local proxy: the page says how to start the local editor instead of offering a GitLab login at a
host that does not exist. With a configured backend the editor starts as before."""

from __future__ import annotations

import pytest

from plugins.cms import write_admin
from plugins.cms.config import backend_placeholder, default_backend
from tests.cms.cms_helpers import free_port, require_decap

pytestmark = pytest.mark.browser


def test_placeholders_are_recognised(monkeypatch):
    for name in ("SOISTS_CMS_GIT_URL", "SOISTS_CMS_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    assert backend_placeholder(default_backend())
    monkeypatch.setenv("SOISTS_CMS_GIT_URL", "https://git.region-stuttgart.de")
    assert backend_placeholder(default_backend())  # the application id is still a placeholder
    monkeypatch.setenv("SOISTS_CMS_APP_ID", "4f1c0a9e")
    assert not backend_placeholder(default_backend())


def test_the_demo_server_says_how_to_start_the_local_editor(tmp_path, serve_dir, chromium_browser, monkeypatch):
    require_decap()
    for name in ("SOISTS_CMS_GIT_URL", "SOISTS_CMS_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    nobody = f"http://localhost:{free_port()}/api/v1"  # no decap-server there
    write_admin(tmp_path / "site", {"CMS_PROXY_URL": nobody})
    base = serve_dir(tmp_path / "site")
    for width in (390, 1280):
        page = chromium_browser.new_page(viewport={"width": width, "height": 800})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(base + "/admin/")
        hint = page.locator("main.soists-cms-hint")
        hint.wait_for(timeout=15_000)
        text = hint.inner_text()
        assert "invoke cms" in text and "http://localhost:8000/admin/" in text
        assert page.get_by_role("button", name="Login").count() == 0
        assert not [url for url in requested if "region-stuttgart.example" in url]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"admin-hint-{width}.png"))
        page.close()
