"""Production settings: everything site-specific and secret comes from the environment and from
one settings file ($SOISTS_SITE_SETTINGS, TOML: the Impressum's fields and the contact
addresses; keys in plugins/production/README.md). PRODUCTION makes the build stop on every
placeholder left in pages or settings (plugins/production)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pelicanconf import *  # noqa: E402,F401,F403

SITEURL = os.environ.get("SOISTS_SITEURL", "").rstrip("/")
if not SITEURL:
    raise SystemExit("publishconf.py: set SOISTS_SITEURL (e.g. https://so-ist-s.de) for a production build")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

PRODUCTION = True
SITE_SETTINGS_FILE = os.environ.get("SOISTS_SITE_SETTINGS", "").strip()
if SITE_SETTINGS_FILE:
    import plugins.production.settings as site_settings  # noqa: E402
    from plugins.cms.config import default_backend  # noqa: E402

    try:
        SITE = site_settings.read_settings(SITE_SETTINGS_FILE)
    except site_settings.SettingsError as error:
        raise SystemExit(f"publishconf.py: {error}") from error
    CMS_BACKEND = site_settings.cms_backend(SITE, default_backend())
