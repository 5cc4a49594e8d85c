"""Accounts (Verwaltung only), the audit view (everyone) and the second factor's enrolment (issue 27).

/admin            the accounts: role, state, second factor, last sign-in; forms to change them
POST /admin/accounts  one change per request (CSRF, role Verwaltung): add, role, password, disable,
                  enable, remove, totp_require, totp_optional, totp_reset — the same functions as
                  `python -m scheduler editors …`; the account's sessions end at once
/audit, /audit.csv  who did what and when (audit_view.py), filtered by person, post, municipality, days
/account/totp     a signed-in person sets up TOTP: QR code (inline SVG), then one code to confirm
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode

from plugins.region.registry import UnknownMunicipality
from scheduler.curate import editors
from scheduler.curate.review import audit_view, params, roles
from scheduler.curate.review.present import german_datetime
from scheduler.curate.review import totp as second_factor
from scheduler.curate.review.security import RequestError, read_form, same_token

ACCOUNT_ACTIONS = ("add", "role", "password", "disable", "enable", "remove", "totp_require", "totp_optional",
                   "totp_reset")
DONE = {"add": "Konto {name} angelegt ({role}).", "role": "{name} hat jetzt die Rolle {role}.",
        "password": "Neues Passwort für {name} gesetzt; {name} ist überall abgemeldet.",
        "disable": "Konto {name} gesperrt; {name} ist überall abgemeldet.", "enable": "Konto {name} entsperrt.",
        "remove": "Konto {name} gelöscht.", "totp_require": "{name} braucht jetzt einen zweiten Faktor.",
        "totp_optional": "Der zweite Faktor ist für {name} freiwillig.",
        "totp_reset": "Zweiter Faktor von {name} zurückgesetzt; {name} richtet ihn neu ein."}


def admin_method(path: str) -> str | None:
    return {"/admin": "GET", "/admin/accounts": "POST", "/audit": "GET", "/audit.csv": "GET",
            "/account/totp": "GET, POST"}.get(path)


class AdminRoutes:
    def __init__(self, app):
        self.app = app
        self.pending_totp: dict[str, str] = {}  # session id → secret shown but not yet confirmed

    def handle(self, environ, start_response, path: str, browser, headers: list):
        if path in ("/audit", "/audit.csv"):
            self.app.require(browser, "view")
            return self.audit(environ, start_response, browser, headers, csv=path == "/audit.csv")
        if path == "/account/totp":
            return self.totp(environ, start_response, browser, headers)
        self.app.require(browser, "accounts")
        if path == "/admin":
            return self.page(start_response, browser, headers)
        form = read_form(environ)
        if not same_token(form.get("csrf", ""), browser.csrf):
            raise RequestError(403, "csrf")
        self.app.flash(browser, self.change(form, browser.user))
        return self.app._redirect(start_response, "/admin", headers)

    def context(self, browser, current: str) -> dict:
        return {"token": browser.csrf, "editor": browser.user, "role_label": roles.LABELS.get(browser.role, ""),
                "can": roles.can(browser.role), "can_sign_out": self.app.auth.mode == "accounts",
                "current": current, "flash": self.app.flashes.pop(browser.id, None)}

    # -- accounts -------------------------------------------------------------------------
    def page(self, start_response, browser, headers: list):
        with self.app.sessions() as session:
            accounts = editors.list_accounts(session)
        last = {a.name: german_datetime(a.last_login) if a.last_login else "noch nie" for a in accounts}
        return self.app._page(start_response, "admin.html", headers, **self.context(browser, "admin"),
                              accounts=accounts, last_login=last, roles=roles.LABELS, explain=roles.EXPLAIN,
                              publishing=roles.PUBLISHING, me=browser.user)

    def change(self, form: dict[str, str], actor: str) -> tuple[str, str]:
        action, name = form.get("action", ""), form.get("name", "").strip()
        if action not in ACCOUNT_ACTIONS:
            return "error", "Unbekannte Aktion."
        role = form.get("role", "")
        try:
            with self.app.sessions.begin() as session:
                if action == "add":
                    editors.add_account(session, name, form.get("password", ""), role, actor)
                elif action == "role":
                    editors.set_role(session, name, role, actor)
                elif action == "password":
                    editors.reset_password(session, name, form.get("password", ""), actor)
                elif action in ("disable", "enable"):
                    editors.set_disabled(session, name, action == "disable", actor)
                elif action == "remove":
                    if not editors.remove_account(session, name, actor):
                        raise editors.AccountError(f"Ein Konto {name!r} gibt es nicht.")
                elif action in ("totp_require", "totp_optional"):
                    editors.require_totp(session, name, action == "totp_require", actor)
                else:
                    editors.set_totp(session, name, None, actor)
        except editors.AccountError as refused:
            return "error", str(refused)
        if action != "add":
            self.app.browsers.revoke(name)  # at once; the epoch check would catch it on the next request too
        return "ok", DONE[action].format(name=name, role=roles.LABELS.get(role, role))

    # -- audit ----------------------------------------------------------------------------
    def filters(self, environ) -> audit_view.Filters:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        first = lambda name: query.get(name, [""])[0]  # noqa: E731
        post = first("post").lstrip("#")
        municipality = params.short_text(first("municipality"), 80, "municipality")
        if municipality:  # an AGS, a slug or a name that means exactly one municipality
            named = self.app.registry.lookup_name(municipality)
            try:
                municipality = named[0].ags if len(named) == 1 else self.app.registry.get(municipality).ags
            except UnknownMunicipality:
                raise RequestError(400, "unknown municipality") from None
        return audit_view.Filters(params.short_text(first("person"), editors.MAX_NAME_CHARS * 2, "person"),
                                  params.record_id(post, "post") if post else None, municipality,
                                  params.optional_day(first("from"), "from"), params.optional_day(first("to"), "to"))

    def audit(self, environ, start_response, browser, headers: list, csv: bool):
        filters = self.filters(environ)
        with self.app.sessions() as session:
            found = audit_view.rows(session, filters, audit_view.CSV_ROWS if csv else audit_view.PAGE_ROWS)
            people = audit_view.people(session)
        if csv:
            name = "protokoll.csv"
            return self.app._respond(start_response, "200 OK", audit_view.to_csv(found, self.app._name),
                                     "text/csv; charset=utf-8",
                                     [*headers, ("Content-Disposition", f'attachment; filename="{name}"')])
        return self.app._page(start_response, "audit.html", headers, **self.context(browser, "audit"),
                              rows=[audit_view.view(r, self.app._name) for r in found], filters=filters,
                              people=people, csv_link="/audit.csv?" + urlencode(filters.query()),
                              municipality_name=self.app._name(filters.municipality) if filters.municipality else "",
                              limit=audit_view.PAGE_ROWS)

    # -- second factor --------------------------------------------------------------------
    def totp(self, environ, start_response, browser, headers: list):
        if self.app.auth.mode != "accounts":
            raise RequestError(404, "no accounts")
        error = None
        if environ.get("REQUEST_METHOD") == "POST":
            form = read_form(environ)
            if not same_token(form.get("csrf", ""), browser.csrf):
                raise RequestError(403, "csrf")
            secret = self.pending_totp.get(browser.id)
            if secret and second_factor.verify(secret, form.get("otp", "")):
                with self.app.sessions.begin() as session:
                    editors.set_totp(session, browser.user, secret, browser.user)
                self.pending_totp.pop(browser.id, None)
                self.app.browsers.revoke(browser.user)  # sign in again, now with the code
                return self.app._redirect(start_response, "/login", headers)
            error = "Der Code passt nicht. Bitte den aktuellen Code aus der App eingeben."
        with self.app.sessions() as session:
            enrolled, required = editors.totp_secret(session, browser.user)
        if len(self.pending_totp) > 1_000:
            self.pending_totp.clear()
        secret = self.pending_totp.setdefault(browser.id, second_factor.new_secret())
        uri = second_factor.uri(secret, browser.user)
        return self.app._page(start_response, "totp.html", headers, **self.context(browser, "totp"),
                              enrolled=bool(enrolled), required=required, secret=" ".join(re.findall(".{1,4}", secret)),
                              qr=second_factor.qr_svg(uri), error=error, must_enrol=browser.must_enrol)
