"""An edited body without the full pass (plugins/preview/body_edit.py through the build
service): only the outputs showing the body, or its summary when that changed, are rendered;
the result equals a fresh production build file by file; a changed field or a link to another
file takes the full pass."""

from __future__ import annotations

from plugins.build_service.service import BuildService
from tests.conftest import ROOT, build_site
from tests.deploy.test_publish import ARTICLE
from tests.production.real_site import SETTINGS, SITEURL, STRICT, minimal_content
from tests.site.test_reproducible import SEARCH_INDEX, differing

WITHOUT_SUMMARY = "Title: {title}\nDate: 2026-04-2{n} 09:00\nCategory: Region\n\n{body}\n"
LONG_BODY = " ".join(["Weinberge über dem Neckar, Fachwerk im Remstal."] * 12)


def test_a_body_edit_renders_what_shows_the_body_and_equals_a_fresh_build(tmp_path, monkeypatch):
    for key, value in {"SOISTS_SITEURL": SITEURL, "SOISTS_SITE_SETTINGS": str(SETTINGS),
                       "SOISTS_IMAGE_CACHE_DIR": str(tmp_path / "images")}.items():
        monkeypatch.setenv(key, value)
    content = minimal_content(tmp_path)
    articles = content / "articles"
    articles.mkdir()
    for n, title in enumerate(("Am Neckar", "Auf der Alb")):
        (articles / f"artikel-{n}.md").write_text(ARTICLE.format(title=title, n=n, body=f"Ein Absatz {title}."),
                                                  encoding="utf-8")
    remstal = articles / "artikel-2.md"  # its summary is the start of its body
    remstal.write_text(WITHOUT_SUMMARY.format(title="Im Remstal", n=2, body=LONG_BODY), encoding="utf-8")
    live = tmp_path / "live"
    service = BuildService(ROOT / "publishconf.py", content, live, tmp_path / "cache",
                           {"BUILD_CACHE_DIR": str(tmp_path / "service-cache")})
    try:
        assert service.build().ok

        (articles / "artikel-0.md").write_text(
            ARTICLE.format(title="Am Neckar", n=0, body="Ein neuer Absatz am Neckar."), encoding="utf-8")
        edited = service.build()
        assert edited.ok and edited.body_only, edited
        rendered = set(service.session.state.rendered)
        pages = {key for key in rendered if not key.startswith("feed:")}
        assert pages == {"artikel/artikel-0/index.html"}, rendered  # no list: they show the summary
        assert "feed:feeds/alle.atom.xml" in rendered  # the feed carries the body

        remstal.write_text(WITHOUT_SUMMARY.format(title="Im Remstal", n=2, body="Kelter und Keltern. " + LONG_BODY),
                           encoding="utf-8")
        summary = service.build()
        assert summary.ok and summary.body_only, summary
        assert {key for key in service.session.state.rendered if not key.startswith("feed:")} == {
            "artikel/artikel-2/index.html"}  # its description is the summary; no list shows summaries

        fresh = tmp_path / "fresh"
        built = build_site(fresh, content=content, settings="publishconf.py", extra=STRICT)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert [p for p in differing(live, fresh) if not p.startswith(SEARCH_INDEX + "/")] == []
        assert '<meta name="description" content="Kelter und Keltern.' in (
            fresh / "artikel" / "artikel-2" / "index.html").read_text(encoding="utf-8")

        remstal.write_text(WITHOUT_SUMMARY.format(title="Im schönen Remstal", n=2, body=LONG_BODY), encoding="utf-8")
        retitled = service.build()
        assert retitled.ok and not retitled.body_only
        linked = articles / "artikel-1.md"
        linked.write_text(ARTICLE.format(title="Auf der Alb", n=1, body="Siehe [Remstal]({filename}artikel-2.md)."),
                          encoding="utf-8")
        assert not service.build().body_only
    finally:
        service.session.close()
