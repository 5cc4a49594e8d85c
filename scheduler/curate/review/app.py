"""The review board as a small WSGI app: a grid of pending posts and one POST per action.

Security for a local tool: bound to 127.0.0.1 by the server, Host header checked (DNS
rebinding), a CSRF token per browser session on every POST, captions autoescaped, strict
request reading and security headers on every response (security.py), a signed-in person
behind every action (auth.py), and each action carries the post's state and version it was
decided on, so a stale page or a second editor cannot overwrite a newer decision.
What the board says (German) lives in present.py and the templates; this module is plumbing.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.config import Settings
from scheduler.curate import rights_public, workflow
from scheduler.curate.review import present, roles
from scheduler.curate.review.admin_routes import AdminRoutes, admin_method
from scheduler.curate.review.auth import AuthConfig
from scheduler.curate.review.partner_mail_routes import PartnerMailRoutes, partner_mail_method
from scheduler.curate.review.partner_routes import PartnerRoutes, partner_method
from scheduler.curate.review.plan_routes import PlanRoutes, plan_method
from scheduler.curate.review.security import (
    POST_PATH,
    SECURITY_HEADERS,
    THUMB_PATH,
    VERSION,
    RequestError,
    check_path,
    match_id,
    read_form,
    safe_headers,
    same_token,
)
from scheduler.curate.review.sessions import BrowserSession
from scheduler.curate.review.signin import SignIn
from scheduler.curate.review.takedown_routes import TakedownRoutes, takedown_method
from scheduler.publish.state import FeaturePublication
from scheduler.publish.takedown_purge import TAKEN_DOWN
from scheduler.store.models import Post

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC_TYPES = {"board.js": "text/javascript; charset=utf-8", "board.css": "text/css; charset=utf-8",
                "plan.js": "text/javascript; charset=utf-8", "plan.css": "text/css; charset=utf-8",
                "admin.css": "text/css; charset=utf-8"}
STATUS_LINES = {400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found",
                405: "405 Method Not Allowed", 408: "408 Request Timeout", 413: "413 Content Too Large",
                421: "421 Misdirected Request", 429: "429 Too Many Requests", 500: "500 Internal Server Error"}
HTML = "text/html; charset=utf-8"
MAX_FLASHES = 1_000  # one message per browser for its next page; the oldest go first


def allowed_method(path: str) -> str | None:
    """The method(s) a path answers, or None for an unknown path."""
    if path in ("/", "/login") or path.startswith("/static/"):
        return "GET, POST" if path == "/login" else "GET"
    if path == "/logout" or path.startswith("/posts/"):
        return "POST"
    if path.startswith("/plan"):
        return plan_method(path)
    if path.startswith(("/admin", "/audit", "/account/")):
        return admin_method(path)
    if path.startswith("/kommunen-post"):
        return partner_mail_method(path)
    if path.startswith("/kommunen/"):
        return partner_method(path)
    if path.startswith("/entfernen/"):
        return takedown_method(path)
    return "GET" if path.startswith("/thumbs/") else None


class ReviewApp:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, registry: Registry,
                 editor: str = "editor", auth: AuthConfig | None = None):
        self.sessions, self.settings, self.registry = sessions, settings, registry
        auth = auth or AuthConfig(getattr(settings, "board_auth", "accounts"),
                                  getattr(settings, "board_proxy_header", "X-Remote-User"), editor)
        self.auth = dataclasses.replace(  # server.py names the mode; the settings add secret, https and role
            auth, proxy_secret=auth.proxy_secret or getattr(settings, "board_proxy_secret", ""),
            https=auth.https or getattr(settings, "board_https", False),
            proxy_role=getattr(settings, "board_proxy_role", auth.proxy_role)).check()
        self.signin = SignIn(self)
        self.browsers, self.throttle = self.signin.browsers, self.signin.throttle
        self.flashes: OrderedDict[str, tuple[str, str]] = OrderedDict()  # browser id → (kind, message)
        self.allowed_hosts: set[str] = set()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
        self.static = {name: (HERE / "static" / name).read_bytes() for name in STATIC_TYPES}
        self.plan = PlanRoutes(self)  # the Redaktionsplan: /plan, /plan/features/<key>, /plan/actions
        self.admin = AdminRoutes(self)  # /admin (accounts), /audit (who did what), /account/totp
        self.partner_mail = PartnerMailRoutes(self)  # /kommunen-post: the month's mails to the municipalities
        self.partners = PartnerRoutes(self)  # /kommunen/termine: „Vorschläge aus den Kommunen“
        self.takedowns = TakedownRoutes(self)  # /entfernen/<key>: „Überall entfernen“ and its progress

    # -- plumbing -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        try:
            return self._route(environ, start_response)
        except RequestError as refused:
            return self._error(start_response, refused.code, kind=refused.kind)
        except Exception:  # the operator's log gets the traceback, the browser a German page
            log.exception("review board: unexpected error for %s", (environ.get("PATH_INFO") or "")[:200])
            return self._error(start_response, 500)

    def _route(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        if self.allowed_hosts and host not in self.allowed_hosts:
            return self._error(start_response, 421)
        path, method = check_path(environ.get("PATH_INFO") or "/"), environ.get("REQUEST_METHOD", "")
        allowed = allowed_method(path)
        if allowed is None:
            return self._error(start_response, 404)
        if method not in allowed.split(", "):
            return self._error(start_response, 405, [("Allow", allowed)])
        if path.startswith("/static/"):
            return self._static(start_response, path.removeprefix("/static/"))
        if path == "/login":
            return self.signin.login(environ, start_response)
        browser, headers = self.signin.identify(environ)
        if browser is None:
            if self.auth.mode == "accounts" and method == "GET":
                return self._redirect(start_response, "/login", headers)
            return self._error(start_response, 401, headers)
        user = browser.user
        if path == "/logout":
            return self.signin.logout(environ, start_response, browser)
        if browser.must_enrol and path != "/account/totp":  # the second factor is required: set it up first
            return self._redirect(start_response, "/account/totp", headers)
        if path == "/":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            view = present.view_name(query.get("view", [""])[0])
            body = self.render_board(view, browser.csrf, self.flashes.pop(browser.id, None), user,
                                     campaign=query.get("campaign", [""])[0][:80],
                                     municipality=query.get("municipality", [""])[0][:8], role=browser.role)
            return self._respond(start_response, "200 OK", body.encode(), HTML, headers)
        if path.startswith("/thumbs/"):
            return self._thumbnail(start_response, path, headers)
        if path.startswith("/plan"):
            return self.plan.handle(environ, start_response, path, browser, user, headers)
        if path.startswith(("/admin", "/audit", "/account/")):
            return self.admin.handle(environ, start_response, path, browser, headers)
        if path.startswith("/kommunen-post"):
            return self.partner_mail.handle(environ, start_response, path, browser, headers)
        if path.startswith("/kommunen/"):
            return self.partners.handle(environ, start_response, path, browser, headers)
        if path.startswith("/entfernen/"):
            return self.takedowns.handle(environ, start_response, path, browser, headers)
        return self._post(environ, start_response, path, browser, user, headers)

    def flash(self, browser: BrowserSession, message: tuple[str, str]) -> None:
        self.flashes[browser.id] = message
        self.flashes.move_to_end(browser.id)
        while len(self.flashes) > MAX_FLASHES:
            self.flashes.popitem(last=False)

    @staticmethod
    def require(browser: BrowserSession, permission: str) -> None:
        """The permission table (roles.py) decides; a button that is not shown is refused here anyway."""
        if not roles.allowed(browser.role, permission):
            raise RequestError(403, f"{browser.user} ({browser.role}) may not {permission}", kind="role")

    def _post(self, environ, start_response, path: str, browser: BrowserSession, user: str, headers: list):
        post_id = match_id(POST_PATH, path)
        if post_id is None:
            return self._error(start_response, 404, headers)
        form = read_form(environ)
        if not same_token(form.get("csrf", ""), browser.csrf):
            return self._error(start_response, 403, headers)
        self.require(browser, "decide")
        self.flash(browser, self.act(post_id, form, user))
        location = "/?" + urlencode({"view": present.view_name(form.get("view"))}) + f"#post-{post_id}"
        return self._redirect(start_response, location, headers)

    def _respond(self, start_response, status, body: bytes, content_type: str, headers=()):
        start_response(status, safe_headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                                             *SECURITY_HEADERS, *headers]))
        return [body]

    def _redirect(self, start_response, location: str, headers=()):
        return self._respond(start_response, "303 See Other", b"", "text/plain", [*headers, ("Location", location)])

    def _page(self, start_response, template: str, headers=(), status: str = "200 OK", **context):
        body = self.env.get_template(template).render(**context)
        return self._respond(start_response, status, body.encode(), HTML, headers)

    def _error(self, start_response, code: int, headers=(), kind: str = ""):
        title, text = present.ERRORS.get(f"{code}-{kind}") or present.ERRORS[code]
        return self._page(start_response, "error.html", headers, STATUS_LINES[code], code=code, title=title, text=text)

    def _static(self, start_response, name: str):
        if name not in self.static:
            return self._error(start_response, 404)
        return self._respond(start_response, "200 OK", self.static[name], STATIC_TYPES[name])

    def _thumbnail(self, start_response, path: str, headers: list):
        post_id = match_id(THUMB_PATH, path)
        if post_id is None:
            return self._error(start_response, 404, headers)
        with self.sessions() as session:
            post = session.get(Post, post_id)
            relative = post.image.thumbnail_path if post and post.image else None
        try:
            data = (self.settings.media_dir / relative).read_bytes() if relative else None
        except OSError:  # the file went missing (takedown, a restored backup without media)
            data = None
        if data is None:
            return self._error(start_response, 404, headers)
        return self._respond(start_response, "200 OK", data, "image/jpeg", headers)

    # -- the board --------------------------------------------------------------------------
    def render_board(self, view: str, token: str, flash: tuple[str, str] | None = None, user: str = "",
                     campaign: str = "", municipality: str = "", role: str = "verwaltung") -> str:
        label, states = present.VIEWS[view]
        with self.sessions() as session:
            chosen = select(Post).where(Post.state.in_(states))
            if municipality:  # ?municipality=<AGS>: the plan view's coverage strip links here
                chosen = chosen.where(Post.municipality_ags == municipality)
            posts = session.scalars(
                (chosen.where(Post.campaign == campaign) if campaign else chosen)  # ?campaign=<slug> filters
                .options(selectinload(Post.events), selectinload(Post.consent), selectinload(Post.image))
                .order_by(Post.needs_review.desc(), Post.taken_at.desc()).limit(300)).all()
            queued = dict(session.execute(select(FeaturePublication.post_uid, FeaturePublication.key).where(
                FeaturePublication.post_uid.in_([p.uid for p in posts]), FeaturePublication.status != TAKEN_DOWN)).all())
            cards = [present.card(post, self._name, self._name_with_district) | self._rights_facts(post)
                     | {"campaign": post.campaign, "takedown_key": queued.get(post.uid)} for post in posts]
            per_state = dict(session.execute(select(Post.state, func.count(Post.id)).group_by(Post.state)).all())
        return self.env.get_template("board.html").render(
            cards=cards, token=token, view=view, view_label=label, views=present.VIEWS,
            counts=present.view_counts(per_state), flash=flash, shortcuts=present.SHORTCUTS,
            municipalities=sorted(self.registry, key=lambda m: m.name), editor=user or self.auth.single_user,
            can_sign_out=self.auth.mode == "accounts", can=roles.can(role), role_label=roles.LABELS.get(role, ""),
            municipality_filter=self._name(municipality) if municipality else "")

    @staticmethod
    def _rights_facts(post: Post) -> dict:
        """The public rights request of the post's channel: Mastodon for Fediverse posts, else Instagram."""
        if post.source == "fediverse":
            from scheduler.collect import fediverse_consent
            from scheduler.publish.mastodon_api import MastodonConfig

            return fediverse_consent.board_facts(post, MastodonConfig.from_env() is not None)
        return {"reply_channel": "Instagram"} | rights_public.board_facts(post)

    def _name(self, ags: str | None) -> str | None:
        try:
            return self.registry.get(ags).name if ags else None
        except UnknownMunicipality:
            return ags

    def _name_with_district(self, ags: str) -> str:
        try:
            municipality = self.registry.get(ags)
        except UnknownMunicipality:
            return ags
        return f"{municipality.name} ({municipality.district})"

    def act(self, post_id: int, form: dict[str, str], editor: str | None = None) -> tuple[str, str]:
        """Apply one action at once in its own transaction; returns ("ok"|"error", German message).

        The form names the state and version the editor saw; workflow.claim refuses the action
        when the post has moved on since, and lets only one of several concurrent actions through."""
        editor = editor or self.auth.single_user
        name, version = form.get("action", ""), form.get("version", "")
        expected_state = form.get("expected_state", "")
        if not VERSION.fullmatch(version) or not expected_state:
            return "error", present.STALE_FORM
        action = present.ACTION_BY_NAME.get(name)
        if name == "municipality" and not form.get("municipality", "").strip():
            return "error", "Bitte eine Kommune eingeben (Name, Kürzel oder AGS)."
        if name not in ("municipality", "request_public") and action is None:
            return "error", "Unbekannte Aktion."
        try:
            with self.sessions.begin() as session:
                post = workflow.claim(session, post_id, expected_state, int(version))
                if post is None:
                    return "error", f"Beitrag #{post_id} gibt es nicht."
                if name == "municipality":
                    workflow.set_municipality(session, post, form["municipality"].strip(), self.registry,
                                              editor, form.get("reason") or "in der Prüfung gesetzt")
                    return "ok", present.municipality_message(post_id, self._name(post.municipality_ags) or "")
                if name == "request_public" and post.source == "fediverse":  # a reply on Mastodon
                    from scheduler.collect.fediverse_consent import ask_in_public as ask_on_mastodon

                    return ask_on_mastodon(session, post, editor, self.settings.consent_hashtag)
                if name == "request_public":  # POST /{ig-user-id}/mentions (curate/rights_public.py)
                    from scheduler.collect.official import ask_in_public

                    return ask_in_public(session, post, editor, self.settings.consent_hashtag)
                # one free-text field: the reason, and for consent answers also the evidence
                note = form.get("note", "").strip()
                evidence = note if name in present.EVIDENCE_ACTIONS else ""
                workflow.transition(session, post, action.target, editor, note, evidence)
                return "ok", present.done_message(post_id, post.state)
        except workflow.CurationError as exc:
            return "error", str(exc)
        except UnknownMunicipality as exc:
            return "error", present.unknown_municipality_message(exc)
