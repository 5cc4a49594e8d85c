"""`check-credentials`: what each job needs from Meta, compared with what the tokens have.

Permissions per job (Meta's references for the endpoints each job calls):
  publishing (Instagram, Facebook Login): instagram_basic, instagram_content_publish,
      pages_read_engagement (IG Container / content_publishing_limit / media_publish), pages_show_list
  Page photos: pages_manage_posts, pages_read_engagement, pages_show_list + the CREATE_CONTENT task
      (posting) and the MODERATE task (reading the Page's photos back after a lost answer)
  insights: instagram_manage_insights, read_insights
  deletion: pages_manage_posts (Facebook), instagram_manage_contents (Instagram, Facebook Login only)
  collect_hashtag: instagram_basic (+ pages_read_engagement for Business-Manager roles) and the
      "Instagram Public Content Access" FEATURE (App Review; not a permission, so not checkable here)
  collect_tagged / mentions (webhook field, mentioned_media/_comment, POST /mentions, replies):
      instagram_basic, instagram_manage_comments, pages_read_engagement
  page subscription (webhooks reach us only when the app is subscribed on the Page):
      pages_manage_metadata, pages_show_list and a Page token of a person with the CREATE_CONTENT,
      MANAGE or MODERATE task — Graph API reference "Page Subscribed Apps",
      https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/
      ("Set Up Webhooks for Instagram": "The Page connected to the app user's account must have
      Page subscriptions enabled", https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-instagram/)
No job calls an endpoint that needs business_management, so it is not asked for.
The result is pure data; the CLI renders it in German or English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from scheduler.credentials.api import TokenApi, info_from_debug
from scheduler.alerts.problem import CRITICAL, WARNING, Problem
from scheduler.credentials.model import RENEW, TokenInfo, days_left, expiry_problems
from scheduler.credentials.vault import ENV_FALLBACK, Vault, resolve_token
from scheduler.credentials.versions import VERSION_EXPIRY, version_problems
from scheduler.publish.graph_errors import GraphError

JOB_NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # job: (permissions, Page tasks)
    "publish": (("instagram_basic", "instagram_content_publish", "pages_read_engagement", "pages_show_list"), ()),
    "page_photos": (("pages_manage_posts", "pages_read_engagement", "pages_show_list"), ("CREATE_CONTENT", "MODERATE")),
    "insights": (("instagram_manage_insights", "read_insights"), ()),
    "deletion": (("pages_manage_posts", "instagram_manage_contents"), ()),
    "collect_hashtag": (("instagram_basic", "pages_read_engagement"), ()),
    "collect_tagged": (("instagram_basic", "instagram_manage_comments", "pages_read_engagement"), ()),
    "mentions": (("instagram_basic", "instagram_manage_comments", "pages_read_engagement"), ()),
    "subscription": (("pages_manage_metadata", "pages_show_list"), ()),
}
# The Page's webhook fields we subscribe the app to. Instagram's own fields (mentions) are chosen
# in the App Dashboard (Webhooks › Instagram); the Page subscription is what switches delivery on
# for the Page's connected Instagram account. `feed` is the Page field every Page webhook setup
# uses; `mention` is the Page's own @mention field (Webhooks for Pages reference).
PAGE_WEBHOOK_FIELDS = ("feed", "mention")


@dataclass
class TokenRow:
    slot: str
    source: str  # "secrets file" | "environment"
    info: TokenInfo | None
    days_left: float | None  # None = never expires / unknown
    error: str = ""


@dataclass
class CheckResult:
    tokens: list[TokenRow] = field(default_factory=list)
    granted: set[str] = field(default_factory=set)
    tasks: list[str] | None = None  # None: unknown (no User token to ask with)
    missing: dict[str, list[str]] = field(default_factory=dict)  # job → missing permissions/tasks
    problems: list[Problem] = field(default_factory=list)
    version: str = ""
    version_expiry: str = ""
    subscribed_fields: list[str] | None = None  # None: not subscribed (or not checkable)

    @property
    def ok(self) -> bool:
        return not any(self.missing.values()) and all(r.info and r.info.is_valid for r in self.tokens) \
            and not any(p.severity == "critical" for p in self.problems)


def missing_for_jobs(granted: set[str], tasks: list[str] | None) -> dict[str, list[str]]:
    """Per job, the permissions (and Page tasks, when known) that are not granted."""
    result = {}
    for job, (permissions, needed_tasks) in JOB_NEEDS.items():
        gaps = [p for p in permissions if p not in granted]
        if tasks is not None:
            gaps += [f"task {t}" for t in needed_tasks if t not in tasks]
        result[job] = gaps
    return result


def check_credentials(api: TokenApi, vault: Vault, env, now: datetime, *, page_id: str,
                      version: str) -> CheckResult:
    result = CheckResult(version=version)
    expiry = VERSION_EXPIRY.get(version)
    result.version_expiry = expiry.isoformat() if expiry else ""
    stored = vault.tokens() if vault.exists() else {}
    app_id, app_secret = vault.app() if vault.exists() else ("", "")
    app_token = f"{app_id}|{app_secret}" if app_id and app_secret else ""
    for slot in ("instagram", "facebook_page", "facebook_user"):
        token = resolve_token(slot, vault, env)
        if not token:
            continue
        source = "secrets file" if stored.get(slot) else f"environment ({ENV_FALLBACK.get(slot)})"
        try:
            info = info_from_debug(slot, api.debug_token(token, app_token), now)
        except GraphError as error:
            result.tokens.append(TokenRow(slot, source, None, None, f"{type(error).__name__} {error.code}/"
                                                                    f"{error.subcode}"))
            continue
        result.granted |= set(info.scopes)
        result.tokens.append(TokenRow(slot, source, info, days_left(info.expires_at, now)))
        result.problems += expiry_problems(info, now)
    user_token = stored.get("facebook_user", "")
    if user_token:
        try:
            result.granted = set(api.permissions(user_token)) or result.granted
            result.tasks = api.page_tasks(user_token, page_id) if page_id else None
        except GraphError as error:
            result.problems.append(Problem("permissions", "facebook_user", WARNING,
                                           f"/me/permissions nicht lesbar: {type(error).__name__}.",
                                           "Token und Berechtigungen mit `check-credentials` prüfen."))
    page_token = resolve_token("facebook_page", vault, env)
    if page_id and page_token:
        result.problems += subscription_problems(result, api, page_token, page_id, app_id)
    result.missing = missing_for_jobs(result.granted, result.tasks)
    result.problems += version_problems(version, now.date())
    for slot in ("instagram", "facebook_page"):
        if not any(r.slot == slot for r in result.tokens):
            result.problems.append(Problem("token_missing", slot, CRITICAL, f"Kein Token für „{slot}“ hinterlegt.",
                                           RENEW))
    return result


def subscription_problems(result: CheckResult, api: TokenApi, page_token: str, page_id: str,
                          app_id: str) -> list[Problem]:
    """Is the app subscribed on the Page with PAGE_WEBHOOK_FIELDS? (fills result.subscribed_fields)"""
    api.app_id = app_id
    try:
        result.subscribed_fields = api.subscribed_fields(page_token, page_id)
    except GraphError as error:
        return [Problem("subscription", page_id, CRITICAL,
                        f"Das Seiten-Abo der App ist nicht prüfbar ({type(error).__name__} {error.code}).",
                        "Berechtigung pages_manage_metadata erteilen und `python -m scheduler connect` "
                        "erneut ausführen.")]
    missing = [f for f in PAGE_WEBHOOK_FIELDS if f not in (result.subscribed_fields or [])]
    if result.subscribed_fields is None or missing:
        return [Problem("subscription", page_id, CRITICAL,
                        "Die App ist auf der Facebook-Seite nicht für Webhooks abonniert"
                        + (f" (es fehlt: {', '.join(missing)})." if result.subscribed_fields else "."),
                        "`python -m scheduler connect` erneut ausführen (Schritt „Seiten-Abo“).")]
    return []
