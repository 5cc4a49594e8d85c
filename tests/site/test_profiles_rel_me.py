"""The footer links the project's own profiles (Instagram, Facebook, Mastodon) with rel="me", so
Mastodon shows the site as verified on the profile; nothing is shown while none is configured."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader
from lxml import html

from tests.conftest import ROOT

PROFILES = (("Instagram", "https://www.instagram.com/wirzeigenS/"), ("Facebook", "https://www.facebook.com/soists"),
            ("Mastodon", "https://bawue.social/@soists"))


def footer(**settings) -> list:
    env = Environment(loader=FileSystemLoader(ROOT / "theme" / "templates"), extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)
    assert '{% include "partials/profiles.html" %}' in (ROOT / "theme/templates/base.html").read_text()
    page = html.fromstring(f"<footer>{env.get_template('partials/profiles.html').render(**settings)}</footer>")
    return page.xpath('//ul[@class="site-footer__profiles"]//a')


def test_profiles_are_linked_with_rel_me():
    links = footer(SOCIAL_PROFILES=PROFILES)
    assert [(a.text, a.get("href"), a.get("rel")) for a in links] == [(label, url, "me") for label, url in PROFILES]


def test_no_profiles_configured_no_list():
    assert footer(SOCIAL_PROFILES=()) == []
