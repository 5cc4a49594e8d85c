"""Production builds refuse placeholders; every build fills the operator's values into pages.

The demo (pelicanconf.py) is full of placeholders on purpose: example.org/.example addresses,
an Impressum without VAT id or register number, a "Platzhalter" instead of the video in
Deutscher Gebärdensprache. A site that goes live with them breaks the law (§ 5 DDG,
§ 18 MStV) and sends visitors' mail nowhere. So publishconf.py sets PRODUCTION = True and
reads the operator's values from one TOML file (SOISTS_SITE_SETTINGS, plugins/production/
settings.py); this plugin then lists every placeholder left in pages or settings through
plugins/validation, which stops the build naming file, field, value and what is expected.

Pages take the values through the context: the Impressum's template reads SITE, Markdown
pages write tokens like [[contact.privacy]] (filled here once a file is read).
"""

from __future__ import annotations

from pathlib import Path

from pelican import signals
from pelican.contents import Article, Page

from plugins import validation
from plugins.cms.config import default_backend

from .placeholders import legal_findings, settings_findings, text_findings
from .settings import DEMO, ENV, fill_tokens

# The production settings (publishconf.py) that are checked for placeholders too.
CHECKED_SETTINGS = ("SITEURL", "FEED_DOMAIN", "CMS_PROXY_URL")
METADATA_FIELDS = ("title", "summary", "description", "location", "address", "url", "organizer", "credit")
IMPRESSUM = "impressum"
# The web editor's backend (plugins/cms/config.py): key -> (settings file key, where else it can be set)
CMS_FIELDS = {"base_url": ("cms.git_url", "cms.git_url in the settings file or SOISTS_CMS_GIT_URL"),
              "repo": ("cms.repo", "cms.repo in the settings file or SOISTS_CMS_REPO"),
              "branch": ("cms.branch", "cms.branch in the settings file or SOISTS_CMS_BRANCH"),
              "app_id": ("cms.app_id", "cms.app_id in the settings file or SOISTS_CMS_APP_ID")}


def site_values(settings: dict) -> dict:
    return settings.get("SITE") or DEMO


def fill_site_values(content) -> None:
    """Replace [[section.key]] tokens in a page's or article's body with the settings' values."""
    if isinstance(content, (Article, Page)) and content._content and "[[" in content._content:
        content._content = fill_tokens(content._content, site_values(content.settings))


def _report_settings(source: str, findings) -> None:
    for field, value, expected in findings:
        validation.report_setting(source, field, f"{value!r}: {expected}" if value else expected)


def _report_page(page, findings, site: dict) -> None:
    """Values that a [[token]] filled in are fixed in the settings file: the message says which key."""
    keys = {value: f"{section}.{key}" for section, values in site.items() for key, value in values.items() if value}
    for field, value, expected in findings:
        where = f" (the page shows [[{keys[value]}]]: set {keys[value]} in the settings file)" if value in keys else ""
        validation.report(page.source_path, field, f"{value!r}: {expected}{where}")


def page_findings(page, content_root: str):
    """Placeholders in one page: body, text metadata, and the captions file of a video page."""
    findings = text_findings("text", page._content or "")
    for name in METADATA_FIELDS:
        value = page.metadata.get(name)
        if isinstance(value, str):
            findings += text_findings(name, value)
    captions = page.metadata.get("captions")
    if isinstance(captions, str) and captions.endswith(".vtt"):
        path = Path(content_root) / captions
        if path.is_file():
            findings += [("captions", f"{captions}: {value}", expected) for _field, value, expected
                         in text_findings("captions", path.read_text(encoding="utf-8"))]
    return findings


def refuse_placeholders(generator) -> None:
    """Production only: report every placeholder of pages and settings (validation stops the build)."""
    settings = generator.settings
    if not settings.get("PRODUCTION"):
        return
    source = settings.get("SITE_SETTINGS_FILE") or f"publishconf.py ({ENV} not set)"
    site = site_values(settings)
    _report_settings(source, legal_findings(site))
    _report_settings("publishconf.py", settings_findings(
        {name: settings.get(name) for name in CHECKED_SETTINGS if isinstance(settings.get(name), str)}))
    backend = settings.get("CMS_BACKEND") or default_backend()
    _report_settings("web editor (plugins/cms)", [
        (field, value, f"expected the real value; set {CMS_FIELDS[key][1]}") for key in CMS_FIELDS
        for field, value, _expected in settings_findings({CMS_FIELDS[key][0]: str(backend.get(key) or "")})])
    pages = [*generator.pages, *generator.hidden_pages, *generator.translations, *generator.hidden_translations]
    if not any(page.slug == IMPRESSUM and page.template == IMPRESSUM for page in pages):
        validation.report_setting("content/pages/impressum.md", "template",
                                  f"expected a page with 'Slug: {IMPRESSUM}' and 'Template: {IMPRESSUM}' "
                                  "(its fields come from the settings file)")
    for page in pages:
        _report_page(page, page_findings(page, settings["PATH"]), site)


def register() -> None:
    signals.content_object_init.connect(fill_site_values)
    signals.page_generator_finalized.connect(refuse_placeholders)
