"""`connect`: from a Meta app and a short-lived User token to everything the scheduler needs,
step by step and resumable (finished steps are kept in the state file, state.py).

  1 app            app id and secret → the secrets file (vault.py, the one writer)
  2 user_token     GET /oauth/access_token?grant_type=fb_exchange_token → long-lived User token
                   (Facebook Login › Long-Lived Access Tokens,
                   https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived/)
  3 permissions    GET /me/permissions against what the jobs call (check.JOB_NEEDS)
  4 page           GET /me/accounts?fields=id,name,access_token,tasks: the Page, its tasks
                   (CREATE_CONTENT, MODERATE) and the Page token
                   (https://developers.facebook.com/docs/graph-api/reference/user/accounts/)
  5 instagram      GET /{page-id}?fields=instagram_business_account
                   (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/)
  6 subscription   POST /{page-id}/subscribed_apps?subscribed_fields=…, checked with GET
                   (https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/)
  7 verify_token   a random verify token for the webhook handshake (tokens.webhook_verify)
  8 settings       SOISTS_FB_PAGE_ID and SOISTS_IG_USER_ID for soists.env

Every text a person reads is German. A step that finds something missing says what and where
to click in Meta's interface, forgets the steps that must be repeated after the fix, and the
command ends with exit code 3; the next run starts at the first unfinished step.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from scheduler.credentials.api import TokenApi
from scheduler.credentials.check import JOB_NEEDS, PAGE_WEBHOOK_FIELDS
from scheduler.credentials.state import State
from scheduler.credentials.vault import Vault
from scheduler.publish.graph_errors import GraphError, install_token_redaction

STEPS: tuple[tuple[str, str], ...] = (
    ("app", "App-ID und App-Geheimnis speichern"),
    ("user_token", "Langlebigen Nutzer-Token holen"),
    ("permissions", "Berechtigungen prüfen"),
    ("page", "Facebook-Seite, Aufgaben und Seiten-Token"),
    ("instagram", "Instagram-Konto der Seite"),
    ("subscription", "Seiten-Abo für Webhooks"),
    ("verify_token", "Verify-Token für den Webhook"),
    ("settings", "Einstellungen für soists.env"),
)
NEEDED_PERMISSIONS = sorted({p for permissions, _ in JOB_NEEDS.values() for p in permissions})
NEEDED_TASKS = sorted({t for _, tasks in JOB_NEEDS.values() for t in tasks})
TASK_NAMES = {"CREATE_CONTENT": "Inhalte erstellen", "MODERATE": "Community-Aktivitäten verwalten (Moderieren)",
              "MANAGE": "Seite verwalten"}
LONG_LIVED_MIN_S = 7 * 86400  # a short-lived token lasts hours; a long-lived one about 60 days

WHERE_PERMISSIONS = (
    "So geht es: Graph API Explorer öffnen (https://developers.facebook.com/tools/explorer/), oben die App "
    "wählen, unter „Permissions“ die fehlenden Berechtigungen hinzufügen, „Generate Access Token“ klicken, "
    "den Dialog bestätigen (Seite und Instagram-Konto auswählen) und den neuen Token hier eingeben.",
    "Für den Live-Betrieb braucht jede Berechtigung „Advanced Access“: App-Dashboard › App-Review › "
    "Berechtigungen und Funktionen.")
WHERE_TASKS = (
    "So geht es: Meta Business Suite › Einstellungen › Personen (oder auf der Facebook-Seite: Einstellungen › "
    "Seitenzugriff) die Person auswählen, mit der der Token erzeugt wurde, und ihr Zugriff mit diesen Aufgaben "
    "geben. Danach diesen Befehl erneut ausführen.",)
WHERE_INSTAGRAM = (
    "So geht es: in der Instagram-App das Konto auf „Professionelles Konto“ umstellen, dann in der Meta Business "
    "Suite › Einstellungen › Instagram-Konten das Konto mit der Facebook-Seite verbinden.",)
WHERE_SUBSCRIPTION = (
    "Das Seiten-Abo braucht die Berechtigungen pages_manage_metadata und pages_show_list und eine Person mit "
    "der Aufgabe „Inhalte erstellen“, „Moderieren“ oder „Seite verwalten“. Webhooks kommen außerdem nur an, "
    "wenn die App im App-Dashboard › Webhooks › Instagram das Feld „mentions“ abonniert hat.",)


class MissingInput(Exception):
    """A value was neither given nor could be asked for (non-interactive run)."""


class StepFailed(Exception):
    def __init__(self, lines: list[str] | tuple[str, ...], redo: tuple[str, ...] = ()):
        super().__init__(lines[0] if lines else "")
        self.lines, self.redo = list(lines), redo


@dataclass
class Inputs:
    app_id: str = ""
    app_secret: str = ""
    user_token: str = ""
    page_id: str = ""
    env_file: Path | None = None
    runtime_file: Path | None = None  # the services' writable secrets file (refreshed tokens), if any
    ask: Callable[[str, bool], str] | None = None  # (question, secret) → answer

    def get(self, value: str, question: str, secret: bool, hint: str) -> str:
        if value:
            return value
        if self.ask is None:
            raise MissingInput(f"Es fehlt: {question} ({hint}).")
        answer = self.ask(question, secret).strip()
        if not answer:
            raise MissingInput(f"Keine Eingabe für: {question}.")
        return answer


@dataclass
class Context:
    api: TokenApi
    vault: Vault
    state: State
    inputs: Inputs
    now: datetime
    lines: list[str] = field(default_factory=list)

    @property
    def info(self) -> dict:
        return self.state.section("connect")

    def forget_runtime(self, *slots: str) -> None:
        """The services' writable file wins over the operator's one: drop its stale copies."""
        runtime = self.inputs.runtime_file
        if runtime is None or not runtime.exists() or runtime.resolve() == self.vault.path.resolve():
            return
        dropped = Vault(runtime).drop_tokens(*slots)
        if dropped:
            self.lines.append(f"Alte Kopien in {runtime} entfernt: {', '.join(dropped)}.")

    def app_token(self) -> str:
        app_id, secret = self.vault.app()
        return f"{app_id}|{secret}"


def _graph_failure(error: GraphError, what: str, redo: tuple[str, ...]) -> StepFailed:
    if error.code is None:  # no answer (network, timeout) or one without an error code
        return StepFailed([f"{what}: Graph API nicht erreichbar ({type(error).__name__}). Später erneut versuchen."],
                          redo=redo)
    if error.code == 190:
        text = f"{what}: Meta lehnt den Token ab (abgelaufen oder widerrufen, Code 190/{error.subcode})."
        hint = "Einen neuen kurzlebigen Nutzer-Token erzeugen (Graph API Explorer) und den Befehl erneut ausführen."
        return StepFailed([text, hint], redo=tuple(dict.fromkeys(("user_token", *redo))))
    if error.code == 10 or 200 <= (error.code or 0) < 300:  # permission errors (#10, #200–#299)
        return StepFailed([f"{what}: Meta verweigert den Zugriff (Berechtigung fehlt, Code {error.code}).",
                           *WHERE_PERMISSIONS], redo=redo)
    return StepFailed([f"{what}: Meta antwortet mit Fehler {error.code}/{error.subcode} ({type(error).__name__}). "
                       "Später erneut versuchen."], redo=redo)


def step_app(ctx: Context) -> None:
    app_id = ctx.inputs.get(ctx.inputs.app_id, "App-ID", False, "--app-id oder SOISTS_CONNECT_APP_ID")
    secret = ctx.inputs.get(ctx.inputs.app_secret, "App-Geheimnis", True, "SOISTS_CONNECT_APP_SECRET")
    install_token_redaction([secret])
    ctx.vault.set_app(app_id, secret)
    ctx.info["app_id"] = app_id
    ctx.lines.append(f"App {app_id} gespeichert (App-Geheimnis in der Geheimnis-Datei).")


def step_user_token(ctx: Context) -> None:
    short = ctx.inputs.get(ctx.inputs.user_token, "Kurzlebiger Nutzer-Token (Graph API Explorer)", True,
                           "SOISTS_CONNECT_USER_TOKEN")
    install_token_redaction([short])
    app_id, secret = ctx.vault.app()
    try:
        new = ctx.api.exchange(short, app_id, secret)
        data = ctx.api.debug_token(new.token, ctx.app_token())
    except GraphError as error:
        if error.code == 1 or error.code == 101:
            raise StepFailed(["App-ID oder App-Geheimnis stimmen nicht (Meta: „Error validating client secret“).",
                              "App-Dashboard › App-Einstellungen › Allgemeines: App-ID und App-Geheimnis prüfen."],
                             redo=("app", "user_token")) from None
        raise _graph_failure(error, "Token-Tausch", ("user_token",)) from None
    expires_at = int(data.get("expires_at") or 0)
    if not data.get("is_valid"):
        raise StepFailed(["Der neue Nutzer-Token ist laut Meta ungültig."], redo=("user_token",))
    left = expires_at - ctx.now.timestamp() if expires_at else None
    if left is not None and left < LONG_LIVED_MIN_S:
        raise StepFailed([f"Der Token ist nicht langlebig (noch {left / 3600:.0f} Stunden gültig).",
                          "Einen kurzlebigen Nutzer-Token der App verwenden, keinen Seiten- oder App-Token."],
                         redo=("user_token",))
    ctx.vault.set_tokens(facebook_user=new.token)
    ctx.forget_runtime("facebook_user")
    ctx.lines.append("Langlebiger Nutzer-Token gespeichert, "
                     + (f"gültig noch {int(left // 86400)} Tage." if left is not None else "läuft nicht ab."))


def step_permissions(ctx: Context) -> None:
    try:
        granted = set(ctx.api.permissions(ctx.vault.token("facebook_user")))
    except GraphError as error:
        raise _graph_failure(error, "Berechtigungen lesen", ("permissions",)) from None
    missing = [p for p in NEEDED_PERMISSIONS if p not in granted]
    if missing:
        raise StepFailed([f"Es fehlen Berechtigungen: {', '.join(missing)}.", *WHERE_PERMISSIONS],
                         redo=("user_token", "permissions"))
    ctx.lines.append(f"Alle {len(NEEDED_PERMISSIONS)} Berechtigungen erteilt.")


def step_page(ctx: Context) -> None:
    user = ctx.vault.token("facebook_user")
    try:
        pages = ctx.api.accounts(user)
    except GraphError as error:
        raise _graph_failure(error, "Seiten lesen (/me/accounts)", ("page",)) from None
    if not pages:
        raise StepFailed(["Dieses Facebook-Konto verwaltet keine Seite, oder die Seite wurde im Anmeldedialog "
                          "nicht ausgewählt.", *WHERE_PERMISSIONS], redo=("user_token", "permissions", "page"))
    wanted = ctx.inputs.page_id or ctx.info.get("page_id", "")
    if not wanted and len(pages) == 1:
        wanted = str(pages[0]["id"])
    if not wanted:
        listing = "; ".join(f"{p['id']} = {p.get('name', '')}" for p in pages)
        wanted = ctx.inputs.get("", f"Welche Seite? ({listing})", False, "--page-id oder SOISTS_FB_PAGE_ID")
    page = next((p for p in pages if str(p.get("id")) == str(wanted)), None)
    if page is None:
        raise StepFailed([f"Die Seite {wanted} gehört nicht zu den Seiten, die dieses Konto verwalten darf."],
                         redo=("page",))
    tasks = list(page.get("tasks") or [])
    missing = [t for t in NEEDED_TASKS if t not in tasks]
    if missing:
        named = ", ".join(f"{t} („{TASK_NAMES.get(t, t)}“)" for t in missing)
        raise StepFailed([f"Auf der Seite „{page.get('name', wanted)}“ fehlt die Aufgabe {named}.", *WHERE_TASKS],
                         redo=("page",))
    ctx.vault.set_tokens(facebook_page=str(page["access_token"]), instagram=str(page["access_token"]))
    ctx.forget_runtime("facebook_page", "instagram")
    ctx.info.update(page_id=str(page["id"]), page_name=str(page.get("name", "")))
    ctx.lines.append(f"Seite „{page.get('name', '')}“ ({page['id']}), Aufgaben: {', '.join(tasks)}; "
                     "Seiten-Token gespeichert.")


def step_instagram(ctx: Context) -> None:
    try:
        ig_user_id = ctx.api.instagram_user_id(ctx.vault.token("facebook_user"), ctx.info["page_id"])
    except GraphError as error:
        raise _graph_failure(error, "Instagram-Konto lesen", ("instagram",)) from None
    if not ig_user_id:
        raise StepFailed(["Mit der Facebook-Seite ist kein Instagram-Professional-Konto verbunden.",
                          *WHERE_INSTAGRAM], redo=("instagram",))
    ctx.info["ig_user_id"] = ig_user_id
    ctx.lines.append(f"Instagram-Konto {ig_user_id}.")


def step_subscription(ctx: Context) -> None:
    page_token, page_id = ctx.vault.token("facebook_page"), ctx.info["page_id"]
    ctx.api.app_id = ctx.vault.app()[0]
    try:
        ctx.api.subscribe(page_token, page_id, PAGE_WEBHOOK_FIELDS)
        fields = ctx.api.subscribed_fields(page_token, page_id)
    except GraphError as error:
        raise StepFailed([f"Die App konnte nicht auf der Seite abonniert werden (Meta-Fehler {error.code}).",
                          *WHERE_SUBSCRIPTION], redo=("subscription",)) from None
    missing = [f for f in PAGE_WEBHOOK_FIELDS if f not in (fields or [])]
    if missing:
        raise StepFailed([f"Das Seiten-Abo fehlt nach dem Abonnieren noch: {', '.join(missing)}.",
                          *WHERE_SUBSCRIPTION], redo=("subscription",))
    ctx.lines.append(f"App auf der Seite abonniert: {', '.join(fields or [])}.")


def step_verify_token(ctx: Context) -> None:
    if not ctx.vault.token("webhook_verify"):
        ctx.vault.set_tokens(webhook_verify=secrets.token_urlsafe(32))
        ctx.lines.append("Neuer Verify-Token erzeugt (Geheimnis-Datei, tokens.webhook_verify).")
    else:
        ctx.lines.append("Verify-Token ist schon gesetzt (Geheimnis-Datei, tokens.webhook_verify).")
    ctx.lines.append("Im App-Dashboard › Webhooks › Instagram die Callback-URL https://<Website>/webhooks/instagram "
                     "und diesen Verify-Token eintragen, „Bestätigen und speichern“, dann das Feld „mentions“ "
                     "abonnieren. Anzeigen: python3 -c \"import json; print(json.load(open('<Geheimnis-Datei>'))"
                     "['tokens']['webhook_verify'])\"")


def upsert_env(path: Path, values: dict[str, str]) -> None:
    """Set KEY=value lines in an environment file, keeping every other line."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    keep = [line for line in lines if line.split("=", 1)[0].strip() not in values]
    path.write_text("\n".join([*keep, *(f"{k}={v}" for k, v in values.items())]) + "\n", encoding="utf-8")


def step_settings(ctx: Context) -> None:
    values = {"SOISTS_FB_PAGE_ID": ctx.info["page_id"], "SOISTS_IG_USER_ID": ctx.info["ig_user_id"]}
    if ctx.inputs.env_file is not None:
        upsert_env(ctx.inputs.env_file, values)
        ctx.lines.append(f"In {ctx.inputs.env_file} eingetragen: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    else:
        ctx.lines.append("In /etc/soists/soists.env eintragen: " + ", ".join(f"{k}={v}" for k, v in values.items()))


STEP_FUNCTIONS: dict[str, Callable[[Context], None]] = {
    "app": step_app, "user_token": step_user_token, "permissions": step_permissions, "page": step_page,
    "instagram": step_instagram, "subscription": step_subscription, "verify_token": step_verify_token,
    "settings": step_settings}


def run_connect(ctx: Context, say: Callable[[str], None], again: bool = False) -> bool:
    """Run the unfinished steps in order; True when all are finished. Raises MissingInput."""
    done = set() if again else ctx.state.done
    for number, (key, title) in enumerate(STEPS, 1):
        head = f"Schritt {number} von {len(STEPS)}: {title}"
        if key in done:
            say(f"{head} – schon erledigt.")
            continue
        say(f"{head} …")
        ctx.lines = []
        try:
            STEP_FUNCTIONS[key](ctx)
        except StepFailed as failed:
            for line in failed.lines:
                say(f"  ✗ {line}")
            for step in failed.redo:
                ctx.state.mark(step, finished=False)
            ctx.state.save()
            say("Nach der Korrektur denselben Befehl erneut ausführen: er macht an dieser Stelle weiter.")
            return False
        for line in ctx.lines:
            say(f"  ✓ {line}")
        ctx.state.mark(key)
    ctx.info["finished_at"] = ctx.now.isoformat(timespec="seconds")
    ctx.state.save()
    say("Fertig. Prüfen: python -m scheduler check-credentials, danach python -m scheduler go-live.")
    return True
