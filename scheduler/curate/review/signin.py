"""Who is this request, and the sign-in and sign-out pages (issue 27).

Every request: accounts mode looks the signed-in session up (sessions.py) and then the account
(one indexed row): removed, disabled, or a changed role/password/second factor (session_epoch)
ends the session at once. Proxy mode believes the name header only with the shared secret
(auth.py); an account of that name gives the role, else SOISTS_BOARD_PROXY_ROLE.
Sign-in: the form's CSRF token is signed and bound to a nonce cookie (no server session before
sign-in); the throttle reserves the attempt atomically; argon2id runs behind the VerifyGate.
"""

from __future__ import annotations

from scheduler.curate import editors
from scheduler.curate.review import roles
from scheduler.curate.review import totp as second_factor
from scheduler.curate.review.auth import (
    COOKIE,
    NONCE_COOKIE,
    Signer,
    client_address,
    is_https,
    new_nonce,
    proxy_user,
    read_cookie,
    set_cookie,
)
from scheduler.curate.review.security import RequestError, read_form, same_token
from scheduler.curate.review.sessions import BrowserSession, Sessions
from scheduler.curate.review.throttle import Busy, LoginThrottle, VerifyGate

WRONG = "Name, Passwort oder Code ist falsch."


class SignIn:
    def __init__(self, app):
        self.app = app
        self.browsers, self.throttle, self.gate, self.signer = Sessions(), LoginThrottle(), VerifyGate(), Signer()
        self.replays = second_factor.Replays()

    def account(self, name: str) -> editors.AccountState | None:
        with self.app.sessions() as session:
            return editors.account_state(session, name)

    def identify(self, environ) -> tuple[BrowserSession | None, list]:
        """The person behind this request (or None) and any cookie to set."""
        config = self.app.auth
        https = is_https(environ, config)
        if config.mode == "accounts":
            session = self.browsers.get(read_cookie(environ, COOKIE, https))
            if session is None:
                return None, []
            state = self.account(session.user)
            if state is None or state.disabled or state.epoch != session.epoch:
                self.browsers.drop(session.id)  # removed, disabled or changed: refused from this request on
                return None, [("Set-Cookie", set_cookie(COOKIE, "", https, 0))]
            return session, []
        if config.mode == "proxy":
            name = proxy_user(environ, config)
            state = self.account(name) if name else None
            if name is None or (state and state.disabled):
                return None, []
            role = state.role if state else config.proxy_role
        else:
            name, role = config.single_user, "verwaltung"
        nonce, headers = self.nonce(environ, https)
        return BrowserSession(nonce, self.signer.token("page", nonce, name), 0.0, name, role), headers

    def nonce(self, environ, https: bool) -> tuple[str, list]:
        nonce = read_cookie(environ, NONCE_COOKIE, https)
        if nonce:
            return nonce, []
        nonce = new_nonce()
        return nonce, [("Set-Cookie", set_cookie(NONCE_COOKIE, nonce, https))]

    # -- /login, /logout ------------------------------------------------------------------
    def login(self, environ, start_response):
        app, config = self.app, self.app.auth
        if config.mode != "accounts":
            return app._error(start_response, 404)
        https = is_https(environ, config)
        if environ.get("REQUEST_METHOD") == "GET":
            if self.identify(environ)[0] is not None:
                return app._redirect(start_response, "/")
            nonce, headers = self.nonce(environ, https)
            return self.form(start_response, headers, nonce)
        form = read_form(environ)
        nonce = read_cookie(environ, NONCE_COOKIE, https)
        if not nonce or not same_token(form.get("csrf", ""), self.signer.token("login", nonce)):
            raise RequestError(403, "login csrf")
        name, password, code = form.get("name", "").strip(), form.get("password", ""), form.get("otp", "").strip()
        if not name or not password:
            return self.form(start_response, [], nonce, name, WRONG)
        ticket, wait = self.throttle.begin(name, client_address(environ, config))
        if ticket is None:
            return app._error(start_response, 429, [("Retry-After", str(wait))])
        user, counted = None, True
        try:
            with self.gate.slot(), app.sessions.begin() as session:
                user = editors.verify_login(session, name, password)
                secret, required = editors.totp_secret(session, user) if user else (None, False)
            if user and secret and not self.replays.accept(user, secret, code):
                user = None
        except Busy:
            counted = False  # the password was not checked: no failure, but no sign-in either
            return app._error(start_response, 429, [("Retry-After", "5")], kind="busy")
        finally:
            self.throttle.end(ticket, user is not None, counted)
        if user is None:
            return self.form(start_response, [], nonce, name, WRONG)
        state = self.account(user)
        must_enrol = required and not secret and state.role in roles.PUBLISHING
        session = self.browsers.create(user, state.role, state.epoch, must_enrol)
        return app._redirect(start_response, "/account/totp" if must_enrol else "/",
                             [("Set-Cookie", set_cookie(COOKIE, session.id, https)),
                              ("Set-Cookie", set_cookie(NONCE_COOKIE, "", https, 0))])

    def form(self, start_response, headers: list, nonce: str, name: str = "", error: str | None = None):
        return self.app._page(start_response, "login.html", headers, token=self.signer.token("login", nonce),
                              name=name, error=error)

    def logout(self, environ, start_response, browser: BrowserSession):
        form = read_form(environ)
        if not same_token(form.get("csrf", ""), browser.csrf):
            raise RequestError(403, "csrf")
        https = is_https(environ, self.app.auth)
        self.browsers.drop(browser.id)
        return self.app._redirect(start_response, "/login" if self.app.auth.mode == "accounts" else "/",
                                  [("Set-Cookie", set_cookie(COOKIE, "", https, 0))])
