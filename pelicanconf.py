"""Pelican settings for So ist S (development; publishconf.py extends them for production)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import plugins.production.settings as site_settings  # noqa: E402


def N_(text: str) -> str:  # noqa: N802 - the gettext convention Babel's extractor knows
    """Marks a German text for the gettext catalog (theme/translations); the theme translates it."""
    return text


AUTHOR = "Wirtschaftsförderung Region Stuttgart"
SITENAME = "So ist S"
SITESUBTITLE = N_("Die Region Stuttgart in Bildern ihrer Menschen")
SITEURL = os.environ.get("SOISTS_DEV_SITEURL", "")
PATH = "content"
THEME = str(ROOT / "theme")

TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
LOCALE = ("de_DE.UTF-8", "de_DE", "C.UTF-8")
# German dates come from the german_date filter (plugins/navigation/dates.py), not from an
# installed locale, so they are the same on every machine.
DEFAULT_DATE_FORMAT = "%d.%m.%Y"
DEFAULT_PAGINATION = 12
SUMMARY_MAX_LENGTH = 40

PLUGIN_PATHS = [str(ROOT)]
PLUGINS = [
    "plugins.member_lists",  # first: tag, category and author lists answer `in` by a set
    "plugins.validation",
    "plugins.source_dates",  # an empty Pelican feed dated by its content, not the clock (reproducible)
    "plugins.sanitize",  # editor HTML through one allow-list, marked safe for autoescaping templates
    "plugins.production",  # after sanitize: fills [[contact.*]] tokens; production builds refuse placeholders
    "plugins.region",
    "plugins.navigation",
    "plugins.portraits",
    "plugins.cms",  # the web editor under /admin/, before sitemap and search, which leave it out
    "plugins.i18n",  # the English pages under /en/ (plugins/i18n); before sitemap, which lists them
    "plugins.sitemap",
    "plugins.images",
    "plugins.events",
    "plugins.community",
    "plugins.campaigns",  # after community and events: campaign pages show their posts and link events
    "plugins.search",
    "plugins.headers",  # the CSP as <meta> on every page and a _headers file (plugins/headers/policy.py)
    "plugins.newsletter",  # after community, portraits and events: an issue is made of their content
    "plugins.incremental",  # last: it records the build after every other plugin has written
]

ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
ARTICLE_EXCLUDES = ["events", "community", "pages", "data", "images", "kommunen", "share", "media", "kampagnen"]
PAGE_EXCLUDES = ["events", "community", "articles", "data", "images", "kommunen", "share", "media", "kampagnen"]
STATIC_PATHS = ["images", "data", "share", "media"]
# Community photos reach the site only as derivatives (plugins/images); not listing them as
# static files saves Pelican a Static object per photo.
STATIC_EXCLUDES = ["images/community"]
# The municipalities' press contacts are for the scheduler only (scheduler/partners/contacts.py):
# never copied to the public site. The first pattern is Pelican's default (hidden files).
IGNORE_FILES = ["**/.*", "kommunen-kontakte.csv"]
READERS = {"html": None}
# Every template escapes what it prints; HTML that is meant as HTML (Markdown bodies after
# plugins/sanitize, picture(), the map, JSON-LD) is marked safe in Python where it is made.
# True, not select_autoescape(): the theme has only HTML templates, and a function here would
# change the settings' fingerprint (plugins/incremental) on every run.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "extensions": ["jinja2.ext.i18n"],
                      "autoescape": True}

# Clean German URLs, all ending in "/".
ARTICLE_URL = "artikel/{slug}/"
ARTICLE_SAVE_AS = "artikel/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "rubrik/{slug}/"
CATEGORY_SAVE_AS = "rubrik/{slug}/index.html"
CATEGORIES_SAVE_AS = "rubrik/index.html"
TAG_URL = "thema/{slug}/"
TAG_SAVE_AS = "thema/{slug}/index.html"
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = "archiv/index.html"
INDEX_SAVE_AS = "index.html"
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/seite/{number}/", "{base_name}/seite/{number}/index.html"),
)
SLUGIFY_SOURCE = "basename"
SLUG_REGEX_SUBSTITUTIONS = [
    (r"ä", "ae"), (r"ö", "oe"), (r"ü", "ue"), (r"ß", "ss"),
    (r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""), (r"[-\s]+", "-"),
]
DIRECT_TEMPLATES = ["index", "archives"]
# English texts of pages are translations (content/pages/en/<slug>.md, Lang: en); plugins/i18n
# writes them at en/<slug>/ with the English theme, so Pelican itself writes none of them.
PAGE_LANG_URL = "en/{slug}/"
PAGE_LANG_SAVE_AS = ""

# Feeds: Atom only, relative to SITEURL (set for real in publishconf.py).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/alle.atom.xml"
CATEGORY_FEED_ATOM = "feeds/rubrik-{slug}.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 30

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.smarty": {"substitutions": {
            "left-single-quote": "&sbquo;", "right-single-quote": "&lsquo;",
            "left-double-quote": "&bdquo;", "right-double-quote": "&ldquo;"}},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
TYPOGRIFY = False
# Pelican's reader cache (parsed Markdown per file, checked by modification time); where it
# lives and when it is dropped is decided by plugins/incremental (BUILD_CACHE_DIR).
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "mtime"
GZIP_CACHE = False
BUILD_CACHE_DIR = os.environ.get("SOISTS_BUILD_CACHE_DIR", ".cache/builds")
# The image derivative cache (plugins/images); a takedown removes the post's entries from it.
IMAGE_CACHE_DIR = os.environ.get("SOISTS_IMAGE_CACHE_DIR", ".cache/images")
DELETE_OUTPUT_DIRECTORY = False
OUTPUT_RETENTION = []

# Navigation (built once per build by plugins/navigation).
MAIN_MENU = [
    (N_("Fotowand"), "wall/"),  # one word for the wall: nav and heading (the address stays /wall/)
    (N_("Kommunen"), "kommunen/"),
    (N_("Termine"), "termine/"),
    (N_("Menschen"), "rubrik/menschen-in-der-region/"),
    (N_("Mitmachen"), "mitmachen/"),
]
FOOTER_MENU = [
    (N_("Über So ist S"), "ueber/"),
    (N_("Landkreise"), "landkreise/"),
    (N_("Kampagnen"), "kampagnen/"),
    (N_("Suche"), "suche/"),
    (N_("Newsletter"), "newsletter/"),
    (N_("Impressum"), "impressum/"),
    (N_("Datenschutz"), "datenschutz/"),
    (N_("Barrierefreiheit"), "barrierefreiheit/"),
    (N_("Leichte Sprache"), "leichte-sprache/"),
    (N_("Gebärdensprache"), "gebaerdensprache/"),
]
# The operator's values (Impressum, contact addresses; plugins/production): the demo's
# placeholders on purpose. publishconf.py reads the real ones from $SOISTS_SITE_SETTINGS and
# sets PRODUCTION, which makes the build refuse every placeholder left.
SITE = site_settings.DEMO
PRODUCTION = False
SOCIAL_HASHTAG = "SoistS"
SOCIAL_ACCOUNT = "wirzeigenS"
# The project's own profiles, linked in the footer with rel="me" (label, URL), e.g.
# (("Instagram", "https://www.instagram.com/wirzeigenS/"), ("Facebook", "https://www.facebook.com/…"),
#  ("Mastodon", "https://bawü.social/@soists")). Empty until the accounts are confirmed: nothing is shown.
SOCIAL_PROFILES: tuple[tuple[str, str], ...] = ()
DEFAULT_OG_IMAGE = "images/og-default.jpg"

# The web editor (plugins/cms): decap-server's address for local editing (`invoke cms`);
# the production Git backend comes from SOISTS_CMS_* variables (docs/EDITORS-CMS.md).
CMS_PROXY_URL = os.environ.get("SOISTS_CMS_PROXY_URL", "http://localhost:8081/api/v1")
