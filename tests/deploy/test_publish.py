"""`invoke publish` to a local folder: the production build goes to a kept folder (its incremental
state and reader cache kept too), so a publish with nothing changed builds nothing and copies
nothing; after an edit only the files whose bytes changed are copied, and the live site equals
a fresh production build of the same content file by file."""

from __future__ import annotations

import os
import re
import subprocess

from tests.conftest import ROOT, build_site
from tests.production.real_site import SETTINGS, SITEURL, STRICT, minimal_content
from tests.site.test_reproducible import SEARCH_INDEX, differing

ARTICLE = "Title: {title}\nDate: 2026-04-2{n} 09:00\nCategory: Region\nSummary: Kurz.\n\n{body}\n"
RELEASE_LINE = re.compile(r"release \S+: (\d+) files copied, (\d+) unchanged")


def publish(env: dict[str, str]) -> tuple[int, int, str]:
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "invoke"), "publish"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    copied, linked = RELEASE_LINE.search(done.stdout).groups()
    return int(copied), int(linked), done.stdout + done.stderr


def test_publish_copies_only_what_changed_and_equals_a_fresh_build(tmp_path):
    content = minimal_content(tmp_path)
    (content / "articles").mkdir()
    for n, title in enumerate(("Am Neckar", "Auf der Alb")):
        (content / "articles" / f"artikel-{n}.md").write_text(
            ARTICLE.format(title=title, n=n, body=f"Ein Absatz {title}."), encoding="utf-8")
    live = tmp_path / "live"
    env = {**os.environ, "SOISTS_CONTENT_DIR": str(content), "SOISTS_SITEURL": SITEURL,
           "SOISTS_SITE_SETTINGS": str(SETTINGS), "SOISTS_DEPLOY_TARGET": str(live),
           "SOISTS_PUBLISH_OUTPUT": str(tmp_path / "publish" / "site"),
           "SOISTS_BUILD_CACHE_DIR": str(tmp_path / "build-cache"), "SOISTS_IMAGE_CACHE_DIR": str(tmp_path / "images")}
    copied, linked, _ = publish(env)
    assert copied > 100 and linked == 0

    copied, linked, log = publish(env)  # nothing changed
    assert copied == 0 and linked > 100
    assert "Processed 0 articles" in log  # kept: nothing read, nothing written (plugins/incremental)

    article = content / "articles" / "artikel-0.md"
    article.write_text(ARTICLE.format(title="Am Neckar", n=0, body="Ein neuer Absatz am Neckar."), encoding="utf-8")
    copied, linked, _ = publish(env)
    assert 0 < copied < linked / 4  # the article's page and what lists it, not the site

    fresh = tmp_path / "fresh"
    os.environ.update({key: env[key] for key in ("SOISTS_SITEURL", "SOISTS_SITE_SETTINGS", "SOISTS_IMAGE_CACHE_DIR")})
    try:
        result = build_site(fresh, content=content, settings="publishconf.py", extra=STRICT)
    finally:
        for key in ("SOISTS_SITEURL", "SOISTS_SITE_SETTINGS", "SOISTS_IMAGE_CACHE_DIR"):
            os.environ.pop(key, None)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert [p for p in differing(live.resolve(), fresh) if not p.startswith(SEARCH_INDEX + "/")] == []
    assert any("Ein neuer Absatz am Neckar" in p.read_text(encoding="utf-8") for p in live.rglob("*.html"))
