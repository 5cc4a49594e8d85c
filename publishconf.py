"""Production settings: everything site-specific and secret comes from the environment."""

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
