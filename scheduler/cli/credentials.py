"""Credential commands: check-credentials (German or English: SOISTS_LANG=de|en or --lang)."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from scheduler.cli.common import out
from scheduler.credentials.api import TokenApi
from scheduler.credentials.check import JOB_NEEDS, check_credentials
from scheduler.credentials.vault import SecretsError, Vault
from scheduler.credentials.versions import graph_version
from scheduler.exitcodes import EXIT_LOGIN, EXIT_OK
from scheduler.publish.graph_errors import install_token_redaction

TEXT = {
    "de": {"title": "Zugangsdaten (Graph API {version}{expiry})", "expiry": ", läuft ab am {date}",
           "never": "läuft nicht ab", "days": "noch {days} Tage", "invalid": "UNGÜLTIG",
           "error": "nicht prüfbar: {error}", "granted": "Berechtigungen erteilt: {list}",
           "tasks": "Aufgaben auf der Seite: {list}", "tasks_unknown": "Aufgaben auf der Seite: unbekannt "
           "(kein Facebook-Nutzer-Token hinterlegt)", "job_ok": "  {job:<12} ok",
           "job_missing": "  {job:<12} FEHLT: {list}", "problems": "Probleme:", "none": "keine",
           "jobs": "Bedarf je Aufgabe:", "ok": "Alles vorhanden.", "bad": "Es fehlt etwas (Exit-Code 3).",
           "secrets": "Geheimnis-Datei nicht nutzbar: {error}",
           "job_names": {"publish": "Instagram", "page_photos": "Seitenfotos", "insights": "Statistiken",
                         "deletion": "Löschen", "collect_hashtag": "Hashtag-Suche",
                         "collect_tagged": "Markierungen", "mentions": "Erwähnungen",
                         "subscription": "Seiten-Abo"},
           "subscribed": "Seiten-Abo (Webhooks): {list}", "not_subscribed": "Seiten-Abo (Webhooks): FEHLT"},
    "en": {"title": "Credentials (Graph API {version}{expiry})", "expiry": ", expires on {date}",
           "never": "does not expire", "days": "{days} days left", "invalid": "INVALID",
           "error": "cannot be checked: {error}", "granted": "Permissions granted: {list}",
           "tasks": "Tasks on the Page: {list}", "tasks_unknown": "Tasks on the Page: unknown "
           "(no Facebook user token stored)", "job_ok": "  {job:<12} ok",
           "job_missing": "  {job:<12} MISSING: {list}", "problems": "Problems:", "none": "none",
           "jobs": "Needs per job:", "ok": "Everything is in place.", "bad": "Something is missing (exit code 3).",
           "secrets": "Secrets file cannot be used: {error}",
           "job_names": {"publish": "Instagram", "page_photos": "Page photos", "insights": "insights",
                         "deletion": "deletion", "collect_hashtag": "hashtag search",
                         "collect_tagged": "tagged media", "mentions": "mentions",
                         "subscription": "Page subscription"},
           "subscribed": "Page subscription (webhooks): {list}", "not_subscribed": "Page subscription (webhooks): MISSING"},
}


def language(args) -> str:
    lang = (getattr(args, "lang", None) or os.environ.get("SOISTS_LANG") or "de").lower()[:2]
    return lang if lang in TEXT else "de"


def render(result, lang: str) -> list[str]:
    t = TEXT[lang]
    expiry = t["expiry"].format(date=result.version_expiry) if result.version_expiry else ""
    lines = [t["title"].format(version=result.version, expiry=expiry)]
    for row in result.tokens:
        if row.info is None:
            state = t["error"].format(error=row.error)
        elif not row.info.is_valid:
            state = t["invalid"]
        elif row.days_left is None:
            state = t["never"]
        else:
            state = t["days"].format(days=int(row.days_left))
        kind = f"{row.info.type} " if row.info else ""
        lines.append(f"  {row.slot:<14} {kind}({row.source}): {state}")
    lines.append(t["granted"].format(list=", ".join(sorted(result.granted)) or "—"))
    lines.append(t["tasks"].format(list=", ".join(result.tasks)) if result.tasks is not None else t["tasks_unknown"])
    lines.append(t["subscribed"].format(list=", ".join(result.subscribed_fields))
                 if result.subscribed_fields else t["not_subscribed"])
    lines.append(t["jobs"])
    for job in JOB_NEEDS:
        name, gaps = t["job_names"][job], result.missing.get(job, [])
        lines.append(t["job_missing"].format(job=name, list=", ".join(gaps)) if gaps else t["job_ok"].format(job=name))
    lines.append(t["problems"] + ("" if result.problems else f" {t['none']}"))
    lines += [f"  [{p.severity}] {p.text_de} {p.action_de}" for p in result.problems]
    lines.append(t["ok"] if result.ok else t["bad"])
    return lines


def cmd_check_credentials(args, settings) -> int:
    vault = Vault.from_env()
    lang = language(args)
    try:
        install_token_redaction()
        result = check_credentials(TokenApi.from_env(), vault, os.environ, datetime.now(timezone.utc),
                                   page_id=os.environ.get("SOISTS_FB_PAGE_ID", ""), version=graph_version())
    except SecretsError as error:
        out.print(TEXT[lang]["secrets"].format(error=error), markup=False, highlight=False)
        return EXIT_LOGIN
    for line in render(result, lang):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    mastodon_ok = True
    if os.environ.get("SOISTS_MASTODON_URL"):  # the optional Fediverse channel: GET verify_credentials
        from scheduler.credentials.mastodon_connect import check_mastodon
        from scheduler.credentials.vault import resolve_token

        mastodon_ok, line = check_mastodon(os.environ["SOISTS_MASTODON_URL"], resolve_token("mastodon", vault))
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK if result.ok and mastodon_ok else EXIT_LOGIN


def add_commands(sub) -> None:
    c = sub.add_parser("check-credentials", help="ask the Graph API which permissions and how many token days "
                                                 "are left; exit 3 when something is missing")
    c.add_argument("--lang", choices=("de", "en"), help="output language (default: SOISTS_LANG or de)")
    c.set_defaults(func=cmd_check_credentials)
