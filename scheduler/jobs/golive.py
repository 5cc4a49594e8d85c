"""`go-live`: the checklist between an installed server and the first scheduled post, one
pass/fail item each, German. Exit 0 only when every item passes (scheduler/cli/connect.py).

What the API cannot tell is confirmed by a person and recorded in the state file beside the
secrets (credentials/state.py): whether the Meta app is Live (the Graph API reference of the
Application node documents no field for the app mode,
https://developers.facebook.com/docs/graph-api/reference/application/), whether each permission
has Advanced Access, and whether the business is verified ("Set Up Webhooks for Instagram":
webhooks need Advanced Access and a verified business,
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-instagram/).

Placeholders are what a production build refuses (plugins/production/placeholders.py, the one
definition): example-domain addresses and "set-SOISTS_…" values in the SOISTS_* settings and the
secrets, and the site settings file ($SOISTS_SITE_SETTINGS) with the Impressum's fields.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from plugins.production.placeholders import example_addresses, legal_findings, set_values
from plugins.production.settings import SettingsError, read_settings
from scheduler.alerts.mail import MailError, SmtpConfig
from scheduler.credentials.api import TokenApi
from scheduler.credentials.check import PAGE_WEBHOOK_FIELDS, check_credentials
from scheduler.credentials.state import State
from scheduler.credentials.vault import Vault
from scheduler.credentials.versions import graph_version
from scheduler.publish.graph_errors import GraphError, RetryLater
from scheduler.store.backup import backup_time

CONFIRMABLE = ("app_live", "advanced_access", "business_verified")
MANUAL = {
    "app_live": ("Meta-App im Live-Modus",
                 "App-Dashboard › oben „App-Modus“ auf „Live“ stellen; dann `go-live --confirm app_live`"),
    "advanced_access": ("Advanced Access für alle Berechtigungen",
                        "App-Dashboard › App-Review › Berechtigungen und Funktionen; dann "
                        "`go-live --confirm advanced_access`"),
    "business_verified": ("Unternehmensverifizierung",
                          "Meta Business Suite › Einstellungen › Sicherheitscenter › Verifizierung; dann "
                          "`go-live --confirm business_verified`"),
}
BACKUP_MAX_AGE = timedelta(days=8)


@dataclass(frozen=True)
class Item:
    title: str
    ok: bool
    detail: str


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def is_placeholder(value: str) -> bool:
    return bool(example_addresses(value) or set_values(value))


def manual_items(state: State) -> list[Item]:
    items = []
    for key, (title, how) in MANUAL.items():
        confirmed = state.confirmed(key)
        items.append(Item(title, bool(confirmed), f"bestätigt am {confirmed['at'][:10]} von {confirmed['by']}"
                          if confirmed else f"nicht bestätigt – {how}"))
    return items


def meta_items(env: Mapping[str, str], vault: Vault, now: datetime) -> list[Item]:
    titles = ("Tokens gültig und langlebig", "Berechtigungen und Seitenaufgaben", "Seiten-Abo (Webhooks)")
    page_id = env.get("SOISTS_FB_PAGE_ID", "")
    if not page_id or not env.get("SOISTS_IG_USER_ID"):
        return [Item(t, False, "SOISTS_FB_PAGE_ID / SOISTS_IG_USER_ID fehlen – `python -m scheduler connect`")
                for t in titles]
    try:
        result = check_credentials(TokenApi.from_env(env), vault, env, now, page_id=page_id,
                                   version=graph_version(env))
    except (GraphError, RetryLater) as error:
        return [Item(t, False, f"Graph API nicht erreichbar ({type(error).__name__})") for t in titles]
    slots = {row.slot: row for row in result.tokens}
    bad = [slot for slot in ("facebook_user", "facebook_page", "instagram")
           if slot not in slots or not (slots[slot].info and slots[slot].info.is_valid)]
    short = [r.slot for r in result.tokens if r.days_left is not None and r.days_left < 7]
    page = slots.get("facebook_page")
    if page and page.days_left is not None:
        short.append("facebook_page (läuft ab: aus einem kurzlebigen Nutzer-Token abgeleitet)")
    token_detail = ("ungültig oder fehlt: " + ", ".join(bad)) if bad else \
        ("zu kurz gültig: " + ", ".join(short)) if short else \
        ", ".join(f"{r.slot} " + ("läuft nicht ab" if r.days_left is None else f"noch {int(r.days_left)} Tage")
                  for r in result.tokens)
    gaps = sorted({gap for gaps in result.missing.values() for gap in gaps})
    if result.tasks is None:
        gaps.append("Seitenaufgaben unbekannt (kein Nutzer-Token)")
    fields = result.subscribed_fields or []
    missing_fields = [f for f in PAGE_WEBHOOK_FIELDS if f not in fields]
    return [Item(titles[0], not bad and not short, token_detail),
            Item(titles[1], not gaps, "vollständig" if not gaps else "fehlt: " + ", ".join(gaps)),
            Item(titles[2], not missing_fields, "abonniert: " + ", ".join(fields) if not missing_fields else
                 "fehlt – `python -m scheduler connect` (Schritt „Seiten-Abo“)")]


def webhook_item(env: Mapping[str, str], vault: Vault) -> Item:
    verify = vault.token("webhook_verify") or env.get("SOISTS_WEBHOOK_VERIFY_TOKEN", "")
    secret = vault.app()[1] or env.get("SOISTS_FB_APP_SECRET", "")
    problems = [name for name, value in (("Verify-Token", verify), ("App-Geheimnis", secret))
                if not value or is_placeholder(value)]
    return Item("Webhook: Verify-Token und App-Geheimnis", not problems,
                "gesetzt" if not problems else "fehlt: " + ", ".join(problems) + " – `python -m scheduler connect`")


def smtp_probe(config: SmtpConfig) -> None:
    """Connect, TLS, sign in, quit — what sending an alert needs, without sending one."""
    context = ssl.create_default_context(cafile=config.cafile)
    timeout = min(config.timeout, 15.0)
    client = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context) \
        if config.security == "ssl" else smtplib.SMTP(config.host, config.port, timeout=timeout)
    with client:
        client.ehlo()
        if config.security == "starttls":
            if not client.has_extn("starttls"):
                raise MailError("kein STARTTLS")
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password or "")
        client.noop()


def smtp_item(env: Mapping[str, str]) -> Item:
    title = "Alarm-Mails (SMTP)"
    try:
        config = SmtpConfig.load(env)
    except MailError as error:
        return Item(title, False, f"Einstellung falsch: {error}")
    if config is None:
        return Item(title, False, "nicht eingerichtet – „smtp“ in der Geheimnis-Datei und SOISTS_ALERT_TO setzen")
    placeholders = [r for r in (config.host, config.sender, *config.recipients) if is_placeholder(r)]
    if placeholders:
        return Item(title, False, "Platzhalter: " + ", ".join(placeholders))
    try:
        smtp_probe(config)
    except (OSError, smtplib.SMTPException, MailError) as error:
        return Item(title, False, f"{config.host}:{config.port} nicht erreichbar ({type(error).__name__})")
    return Item(title, True, f"{config.host}:{config.port} erreichbar, an {', '.join(config.recipients)}")


def site_item(env: Mapping[str, str]) -> Item:
    problems = []
    for name in ("SOISTS_SITE_URL", "SOISTS_SITEURL"):
        value = env.get(name, "")
        parts = urlsplit(value)
        host = parts.hostname or ""
        if not value:
            problems.append(f"{name} fehlt")
        elif parts.scheme != "https" or not host or is_placeholder(value) or host.startswith("example") \
                or host in ("localhost", "127.0.0.1"):
            problems.append(f"{name}={value} ist keine öffentliche https-Adresse")
    return Item("Website-Adresse", not problems,
                env.get("SOISTS_SITE_URL", "") if not problems else "; ".join(problems))


def site_settings_item(env: Mapping[str, str]) -> Item:
    """The file a production build reads the Impressum and the contact addresses from."""
    title = "Impressum und Kontaktadressen (SOISTS_SITE_SETTINGS)"
    path = env.get("SOISTS_SITE_SETTINGS", "").strip()
    if not path:
        return Item(title, False, "SOISTS_SITE_SETTINGS fehlt – Vorlage /etc/soists/site.toml ausfüllen "
                                  "(plugins/production/README.md)")
    try:
        findings = legal_findings(read_settings(path))
    except SettingsError as error:
        return Item(title, False, str(error))
    if findings:
        return Item(title, False, f"{path}: " + ", ".join(sorted({field for field, _, _ in findings})))
    return Item(title, True, path)


def backup_item(env: Mapping[str, str], root: Path, now: datetime) -> Item:
    folder = Path(env.get("SOISTS_BACKUP_DIR") or root / "var" / "backups")
    stamps = [backup_time(p.name) for p in folder.glob("soists-*") if (p / "manifest.json").exists()] \
        if folder.is_dir() else []
    newest = max((s for s in stamps if s is not None), default=None)
    if newest is None:
        return Item("Datensicherung", False, f"keine Sicherung in {folder} – soists-backup.timer aktivieren "
                                             "(docs/OPERATIONS-backup.md)")
    age = now - newest
    return Item("Datensicherung", age <= BACKUP_MAX_AGE,
                f"letzte Sicherung {newest:%d.%m.%Y %H:%M} UTC in {folder}"
                + ("" if age <= BACKUP_MAX_AGE else f" – älter als {BACKUP_MAX_AGE.days} Tage"))


def _strings(value, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in _strings(inner, f"{path}.{key}" if path else key)]
    return [(path, value)] if isinstance(value, str) else []


def placeholder_item(env: Mapping[str, str], vault: Vault) -> Item:
    found = [name for name, value in sorted(env.items())
             if name.startswith("SOISTS_") and value and is_placeholder(value)]
    secrets = vault.read_all() if vault.exists() else {}
    found += [f"Geheimnis-Datei: {path}" for path, value in _strings(secrets) if value.startswith("set-SOISTS_")]
    return Item("Keine Platzhalter in Einstellungen und Geheimnissen", not found,
                "keine gefunden" if not found else ", ".join(found))


def go_live_items(env: Mapping[str, str], state: State, now: datetime, settings) -> list[Item]:
    vault = Vault.from_env(env)
    return [*manual_items(state), *meta_items(env, vault, now), webhook_item(env, vault), smtp_item(env),
            site_item(env), site_settings_item(env), backup_item(env, Path(settings.root), now),
            placeholder_item(env, vault)]
