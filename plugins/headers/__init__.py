"""Security headers: the CSP as a <meta> element on every page and a `_headers` file in the build.

The policy itself lives in policy.py (one source of truth). Templates get it as
CSP_META_POLICY; the `_headers` file (read by Netlify and Cloudflare Pages; nginx has the
same values in deploy/nginx/soists.conf) is written into the output at the end of a build.
"""

from __future__ import annotations

from pathlib import Path

from pelican import signals

from .policy import headers_file, meta_policy

HEADERS_FILE = "_headers"


def add_policy_to_settings(pelican) -> None:
    # Upper-case settings reach every template's context.
    pelican.settings["CSP_META_POLICY"] = meta_policy()


def write_headers_file(pelican) -> None:
    """Write output/_headers; unchanged bytes are not rewritten (plugins/incremental compares
    the output folder's files, so a rewrite would count as a change)."""
    target = Path(pelican.output_path) / HEADERS_FILE
    text = headers_file()
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def register() -> None:
    signals.initialized.connect(add_policy_to_settings)
    signals.finalized.connect(write_headers_file)
