"""The review board as a small WSGI app: a grid of pending posts and one POST per action.

Security for a local tool: bound to 127.0.0.1 by the server, Host header checked (DNS
rebinding), a CSRF token per browser session checked on every POST, captions autoescaped.
What the board says (German) lives in present.py and the templates; this module is plumbing.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.config import Settings
from scheduler.curate import rights_public, workflow
from scheduler.curate.review import present
from scheduler.store.models import Post

TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "soists_review"
MAX_FORM_BYTES = 100_000
STATUS_LINES = {400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found",
                405: "405 Method Not Allowed", 421: "421 Misdirected Request"}
ROUTES = (("/thumbs/", "GET"), ("/posts/", "POST"))  # prefix → the one method it answers


class ReviewApp:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, registry: Registry,
                 editor: str = "editor"):
        self.sessions, self.settings, self.registry, self.editor = sessions, settings, registry, editor
        self.tokens: dict[str, str] = {}  # browser session id → CSRF token
        self.flashes: dict[str, tuple[str, str]] = {}  # browser session id → (kind, message) for the next page
        self.allowed_hosts: set[str] = set()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))

    # -- plumbing -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        if self.allowed_hosts and host not in self.allowed_hosts:
            return self._error(start_response, 421)
        path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
        session_id, new_cookie = self._browser_session(environ)
        headers = [("Set-Cookie", new_cookie)] if new_cookie else []
        allowed = "GET" if path == "/" else next((m for prefix, m in ROUTES if path.startswith(prefix)), None)
        if allowed is None:
            return self._error(start_response, 404, headers)
        if method != allowed:
            return self._error(start_response, 405, headers + [("Allow", allowed)])
        if path == "/":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            view = present.view_name(query.get("view", [""])[0])
            body = self.render_board(view, self.tokens[session_id], self.flashes.pop(session_id, None),
                                     campaign=query.get("campaign", [""])[0][:80])
            return self._respond(start_response, "200 OK", body.encode(), "text/html; charset=utf-8", headers)
        if path.startswith("/thumbs/"):
            return self._thumbnail(start_response, path.removeprefix("/thumbs/"))
        return self._post(environ, start_response, path, session_id, headers)

    def _post(self, environ, start_response, path: str, session_id: str, headers: list):
        post_id = path.removeprefix("/posts/")
        if not post_id.isdigit():
            return self._error(start_response, 404, headers)
        try:
            form = self._form(environ)
        except ValueError:
            return self._error(start_response, 400, headers)
        token = form.get("csrf", "")
        if not token or not hmac.compare_digest(token, self.tokens.get(session_id, "")):
            return self._error(start_response, 403, headers)
        self.flashes[session_id] = self.act(int(post_id), form)
        location = "/?" + urlencode({"view": present.view_name(form.get("view"))}) + f"#post-{post_id}"
        return self._respond(start_response, "303 See Other", b"", "text/plain", headers + [("Location", location)])

    def _browser_session(self, environ) -> tuple[str, str | None]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session_id = cookie[COOKIE].value if COOKIE in cookie else ""
        if session_id in self.tokens:
            return session_id, None
        session_id = secrets.token_urlsafe(24)
        self.tokens[session_id] = secrets.token_urlsafe(32)
        return session_id, f"{COOKIE}={session_id}; HttpOnly; SameSite=Strict; Path=/"

    @staticmethod
    def _form(environ) -> dict[str, str]:
        """The urlencoded form; ValueError when the length is not a number."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        data = environ["wsgi.input"].read(min(length, MAX_FORM_BYTES)).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(data, keep_blank_values=True).items()}

    @staticmethod
    def _respond(start_response, status, body: bytes, content_type: str, headers=()):
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                                ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                 "style-src 'self' 'unsafe-inline'; img-src 'self'"), *headers])
        return [body]

    def _error(self, start_response, code: int, headers=()):
        title, text = present.ERRORS[code]
        body = self.env.get_template("error.html").render(code=code, title=title, text=text)
        return self._respond(start_response, STATUS_LINES[code], body.encode(), "text/html; charset=utf-8", headers)

    def _thumbnail(self, start_response, name: str):
        post_id = name.removesuffix(".jpg")
        if not post_id.isdigit():
            return self._error(start_response, 404)
        with self.sessions() as session:
            post = session.get(Post, int(post_id))
            relative = post.image.thumbnail_path if post and post.image else None
        if relative is None:
            return self._error(start_response, 404)
        data = (self.settings.media_dir / relative).read_bytes()
        return self._respond(start_response, "200 OK", data, "image/jpeg")

    # -- the board --------------------------------------------------------------------------
    def render_board(self, view: str, token: str, flash: tuple[str, str] | None = None, campaign: str = "") -> str:
        label, states = present.VIEWS[view]
        with self.sessions() as session:
            chosen = select(Post).where(Post.state.in_(states))
            posts = session.scalars(
                (chosen.where(Post.campaign == campaign) if campaign else chosen)  # ?campaign=<slug> filters
                .options(selectinload(Post.events), selectinload(Post.consent), selectinload(Post.image))
                .order_by(Post.needs_review.desc(), Post.taken_at.desc()).limit(300)).all()
            cards = [present.card(post, self._name, self._name_with_district) | rights_public.board_facts(post)
                     | {"campaign": post.campaign} for post in posts]
            per_state = dict(session.execute(select(Post.state, func.count(Post.id)).group_by(Post.state)).all())
        return self.env.get_template("board.html").render(
            cards=cards, token=token, view=view, view_label=label, views=present.VIEWS,
            counts=present.view_counts(per_state), flash=flash, shortcuts=present.SHORTCUTS,
            keymap={a.key: a.name for a in present.ACTIONS},
            municipalities=sorted(self.registry, key=lambda m: m.name), editor=self.editor)

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

    def act(self, post_id: int, form: dict[str, str]) -> tuple[str, str]:
        """Apply one action at once in its own transaction; returns ("ok"|"error", German message)."""
        name = form.get("action", "")
        try:
            with self.sessions.begin() as session:
                post = session.get(Post, post_id)
                if post is None:
                    return "error", f"Beitrag #{post_id} gibt es nicht."
                if name == "municipality":
                    if not form.get("municipality", "").strip():
                        return "error", "Bitte eine Kommune eingeben (Name, Kürzel oder AGS)."
                    workflow.set_municipality(session, post, form["municipality"].strip(), self.registry,
                                              self.editor, form.get("reason") or "auf der Prüfseite gesetzt")
                    return "ok", present.municipality_message(post_id, self._name(post.municipality_ags) or "")
                if name == "request_public":  # POST /{ig-user-id}/mentions (curate/rights_public.py)
                    from scheduler.collect.official import ask_in_public

                    return ask_in_public(session, post, self.editor, self.settings.consent_hashtag)
                action = present.ACTION_BY_NAME.get(name)
                if action is None:
                    return "error", "Unbekannte Aktion."
                # one free-text field: the reason, and for consent answers also the evidence
                note = form.get("note", "").strip()
                evidence = note if name in present.EVIDENCE_ACTIONS else ""
                workflow.transition(session, post, action.target, self.editor, note, evidence)
                return "ok", present.done_message(post_id, post.state)
        except workflow.CurationError as exc:
            return "error", str(exc)
        except UnknownMunicipality as exc:
            return "error", present.unknown_municipality_message(exc)
