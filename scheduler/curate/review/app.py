"""The review board as a small WSGI app: a grid of pending posts and one POST per action.

Security for a local tool: bound to 127.0.0.1 by the server, Host header checked (DNS
rebinding), a CSRF token per browser session checked on every POST, captions autoescaped.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.config import Settings
from scheduler.curate import workflow
from scheduler.store.models import Post, State

TEMPLATES = Path(__file__).resolve().parent / "templates"
ACTIONS = {  # form action → target state
    "approve": State.SHORTLISTED.value,
    "reject": State.REJECTED.value,
    "request": State.RIGHTS_REQUESTED.value,
    "granted": State.GRANTED.value,
    "declined": State.DECLINED.value,
    "reopen": State.COLLECTED.value,
}
FILTERS = {"pending": workflow.PENDING, "granted": (State.GRANTED.value,),
           "rejected": (State.REJECTED.value,), "all": tuple(s.value for s in State)}
COOKIE = "soists_review"


class ReviewApp:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, registry: Registry,
                 editor: str = "editor"):
        self.sessions, self.settings, self.registry, self.editor = sessions, settings, registry, editor
        self.tokens: dict[str, str] = {}  # browser session id → CSRF token
        self.allowed_hosts: set[str] = set()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))

    # -- plumbing -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        if self.allowed_hosts and host not in self.allowed_hosts:
            return self._text(start_response, "421 Misdirected Request", "unknown host")
        path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
        session_id, new_cookie = self._browser_session(environ)
        headers = [("Set-Cookie", new_cookie)] if new_cookie else []
        if method == "GET" and path == "/":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            view = query.get("view", ["pending"])[0]
            body = self.render_board(view if view in FILTERS else "pending", self.tokens[session_id],
                                     query.get("error", [""])[0])
            return self._respond(start_response, "200 OK", body.encode(), "text/html; charset=utf-8", headers)
        if method == "GET" and path.startswith("/thumbs/"):
            return self._thumbnail(start_response, path.removeprefix("/thumbs/"))
        if method == "POST" and path.startswith("/posts/"):
            form = self._form(environ)
            token = form.get("csrf", "")
            if not hmac.compare_digest(token, self.tokens.get(session_id, "")) or not token:
                return self._text(start_response, "403 Forbidden", "CSRF token missing or wrong; reload the page")
            error = self.act(path, form)
            params = {"view": form.get("view", "pending")} | ({"error": error} if error else {})
            location = "/?" + urlencode(params) + f"#post-{path.split('/')[2]}"
            return self._respond(start_response, "303 See Other", b"", "text/plain",
                                 headers + [("Location", location)])
        return self._text(start_response, "404 Not Found", "not found")

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
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = environ["wsgi.input"].read(min(length, 100_000)).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(data, keep_blank_values=True).items()}

    @staticmethod
    def _respond(start_response, status, body: bytes, content_type: str, headers=()):
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                                ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                 "style-src 'self' 'unsafe-inline'; img-src 'self'"), *headers])
        return [body]

    def _text(self, start_response, status, text):
        return self._respond(start_response, status, text.encode(), "text/plain; charset=utf-8")

    def _thumbnail(self, start_response, name: str):
        try:
            post_id = int(name.removesuffix(".jpg"))
        except ValueError:
            return self._text(start_response, "404 Not Found", "not found")
        with self.sessions() as session:
            post = session.get(Post, post_id)
            relative = post.image.thumbnail_path if post and post.image else None
        if relative is None:
            return self._text(start_response, "404 Not Found", "no thumbnail")
        data = (self.settings.media_dir / relative).read_bytes()
        return self._respond(start_response, "200 OK", data, "image/jpeg")

    # -- the board --------------------------------------------------------------------------
    def render_board(self, view: str, token: str, error: str = "") -> str:
        with self.sessions() as session:
            posts = session.scalars(select(Post).where(Post.state.in_(FILTERS[view]))
                                    .order_by(Post.needs_review.desc(), Post.taken_at.desc()).limit(300)).all()
            cards = [self._card(post) for post in posts]
        return self.env.get_template("board.html").render(
            cards=cards, token=token, view=view, views=list(FILTERS), error=error,
            municipalities=sorted(self.registry, key=lambda m: m.name), editor=self.editor)

    def _card(self, post: Post) -> dict:
        def name(ags):
            try:
                return self.registry.get(ags).name if ags else None
            except UnknownMunicipality:
                return ags
        return {"id": post.id, "author": post.author, "caption": post.caption, "state": post.state,
                "permalink": post.permalink, "taken_at": post.taken_at, "location": post.location_name,
                "municipality": name(post.municipality_ags), "suggested": name(post.suggested_ags),
                "candidates": [name(a) for a in post.detection_candidates or []],
                "reason": post.detection_reason, "needs_review": post.needs_review,
                "confidence": post.detection_confidence, "has_image": post.image is not None,
                "consent": post.consent.evidence if post.consent else "",
                "actions": [a for a, target in ACTIONS.items() if target in workflow.TRANSITIONS[post.state]]}

    def act(self, path: str, form: dict[str, str]) -> str:
        """Apply one action at once in its own transaction; returns an error text or ''."""
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[1].isdigit():
            return "unknown post"
        action = form.get("action", "")
        actor = self.editor
        try:
            with self.sessions.begin() as session:
                post = session.get(Post, int(parts[1]))
                if post is None:
                    return "unknown post"
                if action == "municipality":
                    workflow.set_municipality(session, post, form.get("municipality", ""), self.registry, actor,
                                              form.get("reason") or "set on the review board")
                elif action in ACTIONS:
                    # one free-text field: the reason, and for consent answers also the evidence
                    note = form.get("note", "").strip()
                    reason = note or f"{action} on the review board"
                    evidence = note if action in ("granted", "declined", "request") else ""
                    workflow.transition(session, post, ACTIONS[action], actor, reason, evidence)
                else:
                    return f"unknown action {action!r}"
        except (workflow.CurationError, UnknownMunicipality) as exc:
            return str(exc)
        return ""
