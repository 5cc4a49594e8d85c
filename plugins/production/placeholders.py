"""Pure functions that find what must not go live: placeholder addresses and values, the sign
language video's placeholder, and an Impressum without the fields § 5 DDG and § 18 MStV require.

Each returns (field, value, expected) triples; plugins/production/__init__.py reports them
with the file they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .settings import KEYS, OPTIONAL, TOKEN

Finding = tuple[str, str, str]  # field, value, expected

# Domains reserved for examples (RFC 2606, RFC 6761): example.com/.net/.org and the TLD .example.
HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z0-9]", re.IGNORECASE)
MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SET_VALUE = re.compile(r"set-SOISTS_[A-Z0-9_]+")
# The sign language page and its captions say "Platzhalter" until the real video is there.
PLACEHOLDER_WORD = re.compile(r"[^.\n<>]*\bPlatzhalter\w*[^.\n<>]*", re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")
EXPECTED_ADDRESS = "expected the real address, not an example domain (example.org, .example)"
EXPECTED_SET = "expected the real value (set it in the settings file or the environment)"
EXPECTED_VIDEO = ("expected the finished video in Deutscher Gebärdensprache with its captions, "
                  "and no 'Platzhalter' note")


def is_example_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host.endswith(".example") or host == "example" or any(
        host == f"example.{tld}" or host.endswith(f".example.{tld}") for tld in ("com", "net", "org"))


def example_addresses(text: str) -> list[str]:
    """Mail addresses with "example" in their domain and hosts under an example domain, in order."""
    found: list[str] = []
    for mail in MAIL.findall(text):
        if "example" in mail.rpartition("@")[2].lower() and mail not in found:
            found.append(mail)
    for host in HOST.findall(text):
        if is_example_host(host) and host not in found and not any(host in mail for mail in found):
            found.append(host)
    return found


def set_values(text: str) -> list[str]:
    return list(dict.fromkeys(SET_VALUE.findall(text)))


def placeholder_notes(text: str) -> list[str]:
    """Sentences that say "Platzhalter" (tags removed, whitespace collapsed)."""
    plain = TAGS.sub(" ", text)
    return list(dict.fromkeys(" ".join(m.split()) for m in PLACEHOLDER_WORD.findall(plain)))


def unfilled_tokens(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in TOKEN.finditer(text)))


def text_findings(field: str, text: str) -> list[Finding]:
    """Every placeholder in one text (a page's body, a metadata value, a captions file)."""
    findings = [(field, value, EXPECTED_ADDRESS) for value in example_addresses(text)]
    findings += [(field, value, EXPECTED_SET) for value in set_values(text)]
    findings += [(field, value, EXPECTED_VIDEO) for value in placeholder_notes(text)]
    findings += [(field, value, "expected a known setting such as [[contact.privacy]] (plugins/production/README.md)")
                 for value in unfilled_tokens(text)]
    return findings


def settings_findings(values: Mapping[str, str]) -> list[Finding]:
    """Placeholders in flat settings: {"SITEURL": "https://so-ist-s.example", …}."""
    return [finding for name, value in values.items() for finding in text_findings(name, str(value or ""))]


VAT_ID = re.compile(r"DE ?\d{3} ?\d{3} ?\d{3}")
REGISTER_NUMBER = re.compile(r"(?:HRA|HRB|GnR|PR|VR) ?\d+(?: ?[A-Z])?")
POSTCODE = re.compile(r"\d{5}")
PHONE = re.compile(r"\+?[\d ()/-]{6,}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
FORMATS = {("operator", "vat_id"): VAT_ID, ("operator", "register_number"): REGISTER_NUMBER,
           ("operator", "postcode"): POSTCODE, ("operator", "phone"): PHONE, ("operator", "email"): EMAIL,
           ("contact", "campaign"): EMAIL, ("contact", "privacy"): EMAIL, ("contact", "accessibility"): EMAIL}
NOT_A_PERSON = re.compile(r"^(?:redaktion|team|die |das |der )", re.IGNORECASE)


def legal_findings(site: Mapping[str, Mapping[str, str]]) -> list[Finding]:
    """The Impressum's fields (§ 5 DDG, § 18 Abs. 2 MStV) and contact addresses: missing, in the
    wrong form, or placeholders. Field names are the settings file's: "operator.vat_id"."""
    findings: list[Finding] = []
    for section, keys in KEYS.items():
        for key, expected in keys.items():
            name, value = f"{section}.{key}", str((site.get(section) or {}).get(key, "") or "").strip()
            if not value:
                if (section, key) not in OPTIONAL:
                    findings.append((name, "", f"missing; expected {expected}"))
                continue
            placeholders = text_findings(name, value)
            findings += placeholders
            pattern = FORMATS.get((section, key))
            if not placeholders and pattern is not None and not pattern.fullmatch(value):
                findings.append((name, value, f"expected {expected}"))
    person = str((site.get("responsible") or {}).get("name", "")).strip()
    if person and NOT_A_PERSON.match(person):
        findings.append(("responsible.name", person, f"expected {KEYS['responsible']['name']}"))
    return findings


def flat_strings(values: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Only the string values of (name, value) pairs: what settings_findings looks at."""
    return {name: value for name, value in values if isinstance(value, str)}
