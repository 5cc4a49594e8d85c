"""The operator's real values: one TOML file (SOISTS_SITE_SETTINGS), read by publishconf.py.

The legal pages and every contact address on the site come from here: the Impressum through
its template (theme/templates/impressum.html, context variable SITE), Markdown pages through
tokens like `[[contact.privacy]]` (replaced after reading, e-mail addresses as mailto links).
The demo (pelicanconf.py) keeps DEMO, which is full of placeholders on purpose; a production
build refuses them (plugins/production/placeholders.py). README.md there lists every key.
"""

from __future__ import annotations

import re
import tomllib
from html import escape
from pathlib import Path

ENV = "SOISTS_SITE_SETTINGS"
# section -> key -> what it is (the README's table and the check's "expected" text come from here)
KEYS: dict[str, dict[str, str]] = {
    "operator": {
        "name": "the provider's full name and legal form, e.g. Wirtschaftsförderung Region Stuttgart GmbH",
        "short_name": "optional short name, e.g. WRS",
        "street": "street and number of the provider's address (§ 5 Abs. 1 Nr. 1 DDG)",
        "postcode": "the five-digit postcode",
        "city": "the city",
        "representatives": "the names of the persons authorised to represent the provider, e.g. "
                           "Dr. Maria Beispiel (Geschäftsführerin) (§ 5 Abs. 1 Nr. 1 DDG)",
        "register_court": "the register court, e.g. Amtsgericht Stuttgart (§ 5 Abs. 1 Nr. 4 DDG)",
        "register_number": "the register number, e.g. HRB 12345 (§ 5 Abs. 1 Nr. 4 DDG)",
        "vat_id": "the VAT id (USt-IdNr.), e.g. DE123456789 (§ 5 Abs. 1 Nr. 6 DDG)",
        "email": "the provider's e-mail address for quick contact (§ 5 Abs. 1 Nr. 2 DDG)",
        "phone": "the provider's telephone number, e.g. +49 711 123456-0 (§ 5 Abs. 1 Nr. 2 DDG)",
    },
    "responsible": {
        "name": "the person responsible for the content (§ 18 Abs. 2 MStV): a person's name, not a team",
        "address": "that person's address; empty: the provider's address",
    },
    "contact": {
        "campaign": "the campaign's e-mail address (Mitmachen, Leichte Sprache, removal of photos)",
        "privacy": "the e-mail address for data protection questions (Datenschutz)",
        "accessibility": "the e-mail address for reporting barriers (Barrierefreiheit)",
    },
    "cms": {
        "git_url": "optional: the GitLab of the web editor, e.g. https://git.region-stuttgart.de "
                   "(else SOISTS_CMS_GIT_URL)",
        "repo": "optional: the repository, e.g. wrs/so-ist-s (else SOISTS_CMS_REPO)",
        "branch": "optional: the branch (else SOISTS_CMS_BRANCH)",
        "app_id": "optional: the OAuth application id (else SOISTS_CMS_APP_ID)",
    },
}
OPTIONAL = {("operator", "short_name"), ("responsible", "address"), *(("cms", key) for key in KEYS["cms"])}

# What the demo shows: the values the pages held before, placeholders included.
DEMO: dict[str, dict[str, str]] = {
    "operator": {"name": "Wirtschaftsförderung Region Stuttgart GmbH", "short_name": "WRS",
                 "street": "Friedrichstraße 10", "postcode": "70174", "city": "Stuttgart",
                 "representatives": "", "register_court": "Amtsgericht Stuttgart", "register_number": "",
                 "vat_id": "", "email": "soists@region-stuttgart.example", "phone": ""},
    "responsible": {"name": "Redaktion So ist S", "address": ""},
    "contact": {"campaign": "soists@region-stuttgart.example", "privacy": "datenschutz@region-stuttgart.example",
                "accessibility": "barrierefreiheit@region-stuttgart.example"},
    "cms": {},
}

TOKEN = re.compile(r"\[\[([a-z_]+)\.([a-z_]+)\]\]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SettingsError(ValueError):
    """The settings file cannot be used; the message names the file and the key."""


def complete(values: dict) -> dict[str, dict[str, str]]:
    """Every section and key present (missing ones as ""), values as stripped strings."""
    return {section: {key: str((values.get(section) or {}).get(key, "") or "").strip() for key in keys}
            for section, keys in KEYS.items()}


def read_settings(path: str | Path) -> dict[str, dict[str, str]]:
    """The settings file as a complete SITE dict; unknown sections or keys are refused (a typo
    would otherwise leave a field silently empty)."""
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"{ENV}={path}: cannot read the file: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from error
    unknown = [f"[{s}]" for s in values if s not in KEYS or not isinstance(values[s], dict)]
    unknown += [f"{s}.{k}" for s, table in values.items() if s in KEYS and isinstance(table, dict)
                for k in table if k not in KEYS[s]]
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; "
                            f"known: {', '.join(f'{s}.{k}' for s in KEYS for k in KEYS[s])}")
    return complete(values)


def address(site: dict, section: str = "operator") -> str:
    """One line: "Friedrichstraße 10, 70174 Stuttgart" (the responsible person's own, or the provider's)."""
    if section == "responsible" and site["responsible"].get("address"):
        return site["responsible"]["address"]
    operator = site["operator"]
    town = " ".join(v for v in (operator.get("postcode", ""), operator.get("city", "")) if v)
    return ", ".join(v for v in (operator.get("street", ""), town) if v)


def token_value(site: dict, section: str, key: str) -> str | None:
    if section in ("operator", "responsible") and key == "address":
        return address(site, section)
    return (site.get(section) or {}).get(key)


def fill_tokens(html: str, site: dict) -> str:
    """`[[contact.privacy]]` -> the value (HTML-escaped; e-mail addresses as mailto links).
    Unknown tokens stay as they are, so the production check can name them."""
    def replace(match: re.Match) -> str:
        value = token_value(site, match.group(1), match.group(2))
        if value is None:
            return match.group(0)
        if EMAIL.match(value):
            return f'<a href="mailto:{escape(value)}">{escape(value)}</a>'
        return escape(value)

    return TOKEN.sub(replace, html)


def cms_backend(site: dict, default: dict) -> dict | None:
    """The web editor's backend with the settings file's [cms] values over `default` (the
    SOISTS_CMS_* environment); None when the file sets none of them."""
    cms = {k: v for k, v in (site.get("cms") or {}).items() if v}
    if not cms:
        return None
    backend = {**default, **{k: v for k, v in cms.items() if k in ("repo", "branch", "app_id")}}
    if cms.get("git_url"):
        base = cms["git_url"].rstrip("/")
        backend.update(base_url=base, api_root=f"{base}/api/v4")
    return backend
