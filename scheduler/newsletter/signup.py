"""The sign-up endpoint behind nginx (soists-newsletter.service, waitress on 127.0.0.1:8767):

- POST /newsletter/anmelden   the archive page's form → a confirmation mail (double opt-in)
- GET  /newsletter/bestaetigen?t=…   the mail's link (48 h) → a page with one button; POST (the
                                     button) → a confirmed subscriber. Mail scanners and link
                                     previews open every link, so a GET never confirms.
- GET  /newsletter/abmelden?t=…      a page with one button; POST (the button, or a mail
  program's one-click unsubscribe, RFC 8058) → the subscriber and the consent record are deleted

Every answer is a German page in the site's look, also for mistakes; never a 5xx. The form gets
the same answer whether the address is known, new, or just asked (no enumeration); a filled-in
honeypot gets it too, without a mail. Rate limits: per address (the store: one mail per
RESEND_AFTER), per client (X-Real-IP from nginx, in memory for an hour), and for all together.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from plugins.newsletter.consent import CONFIRM_PATH, CONSENT_TEXTS, SIGNUP_PATH, UNSUBSCRIBE_PATH
from scheduler.curate.review.http_server import Limits, Server
from scheduler.partners.optout import PATH as PARTNER_UNSUBSCRIBE_PATH
from scheduler.partners.optout import handle as partner_unsubscribe

from . import subscribers as store
from .subscribers import ClientLimiter
from .tokens import CONFIRM, CONFIRM_VALID, UNSUBSCRIBE, TokenError, make_token, read_token

log = logging.getLogger(__name__)
MAX_BODY = 8192
CLIENT_WINDOW = 59 * 60.0  # seconds a client's address is remembered for the rate limit
ADDRESS = re.compile(r"^[^@\s<>()\[\]\\,;:\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
           ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
STATUS = {200: "200 OK", 303: "303 See Other", 400: "400 Bad Request", 404: "404 Not Found",
          405: "405 Method Not Allowed", 408: "408 Request Timeout", 413: "413 Payload Too Large",
          429: "429 Too Many Requests"}
_pages = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                     undefined=StrictUndefined)

CHECK_INBOX = ("Fast geschafft: Schau in dein Postfach", [
    "Wenn die Adresse noch nicht angemeldet ist, bekommst du gleich eine Mail mit einem Link. Erst wenn du ihn "
    "öffnest und dort bestätigst, bist du angemeldet. Der Link gilt 48 Stunden.",
    "Keine Mail da? Schau auch im Spam-Ordner nach. Du kannst es in einer Viertelstunde noch einmal versuchen."])
CONFIRM_ASK = ("Anmeldung bestätigen?", [
    "Ein Klick auf den Knopf, und du bekommst einmal im Monat den So-ist-S-Newsletter.",
    "Du hast dich nicht angemeldet? Dann schließ diese Seite einfach. Ohne Klick speichern wir nichts weiter "
    "und löschen deine Adresse nach 48 Stunden."])
CONFIRMED = ("Du bist angemeldet", [
    "Danke! Ab jetzt bekommst du einmal im Monat den So-ist-S-Newsletter.",
    "Abmelden kannst du dich jederzeit mit dem Link unten in jeder Mail."])
BAD_LINK = ("Dieser Link gilt nicht (mehr)", [
    "Der Link ist abgelaufen oder unvollständig. Bestätigungslinks gelten 48 Stunden.",
    "Melde dich einfach noch einmal an: Du bekommst dann einen neuen Link."])
UNSUBSCRIBE_ASK = ("Newsletter abbestellen?", [
    "Ein Klick auf den Knopf, und du bekommst keinen Newsletter mehr. Deine Adresse löschen wir dann."])
UNSUBSCRIBED = ("Du bist abgemeldet", [
    "Du bekommst keinen Newsletter mehr. Deine Adresse und deine Einwilligung haben wir gelöscht.",
    "Du kannst dich jederzeit wieder anmelden."])
BAD_ADDRESS = ("Bitte prüf deine E-Mail-Adresse", [
    "Diese Adresse sieht nicht vollständig aus, zum Beispiel name@beispiel.de. Geh zurück und versuch es noch einmal."])
NO_CONSENT = ("Bitte setz den Haken", [
    "Wir schicken dir den Newsletter nur, wenn du zustimmst. Geh zurück, setz den Haken und melde dich noch einmal an."])
TOO_MANY = ("Zu viele Anmeldungen", [
    "Von hier kamen gerade sehr viele Anmeldungen. Bitte versuch es in einer Stunde noch einmal."])
NOT_FOUND = ("Seite nicht gefunden", ["Diese Seite gibt es nicht."])
FAILED = ("Das hat gerade nicht geklappt", [
    "Bei uns ist etwas schiefgegangen. Bitte versuch es in ein paar Minuten noch einmal."])
SERVER_SAYS = {408: ("Zu langsam", ["Die Anfrage kam nicht rechtzeitig an. Bitte versuch es noch einmal."]),
               413: ("Zu viel auf einmal", ["Das Formular war zu groß. Bitte versuch es noch einmal."])}


def page(title: str, paragraphs: list[str], form: dict | None = None) -> bytes:
    return _pages.get_template("page.html").render(title=title, paragraphs=paragraphs, form=form,
                                                   back=None).encode()


def error_page(code: int, reason: str) -> tuple[list[tuple[str, str]], bytes]:
    """What waitress answers by itself (bad request line, too large, timeout): a German page too."""
    title, paragraphs = SERVER_SAYS.get(code, ("Das hat nicht geklappt", ["Bitte versuch es noch einmal."]))
    return list(HEADERS), page(title, paragraphs)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SignupApp:
    def __init__(self, sessions: sessionmaker[Session], secret: Callable[[], bytes], siteurl: str,
                 send_confirmation: Callable[[str], None], clients: ClientLimiter | None = None,
                 everyone: ClientLimiter | None = None, now: Callable[[], datetime] = utcnow):
        self.sessions, self.secret, self.siteurl = sessions, secret, siteurl.rstrip("/")
        self.send_confirmation, self.now = send_confirmation, now
        # `is None`, not `or`: an empty limiter has len() 0 and is falsy
        # 59 minutes, and the timer (housekeeping) runs every 30 s: the privacy page promises an hour at most
        self.clients = ClientLimiter(limit=5, window=CLIENT_WINDOW) if clients is None else clients
        self.everyone = ClientLimiter(limit=300) if everyone is None else everyone

    # --- links (also for the newsletter's List-Unsubscribe: run.py) ------------------------
    def confirm_link(self, address: str) -> str:
        return f"{self.siteurl}/{CONFIRM_PATH}?t={make_token(self.secret(), CONFIRM, address, self.now())}"

    def forget(self, address: str) -> None:
        with self.sessions.begin() as session:
            store.forget_unconfirmed(session, address)

    # --- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        try:
            code, body, extra = self.route(environ)
        except Exception:  # noqa: BLE001 - a German page, never a 5xx; the journal gets the traceback
            log.exception("newsletter sign-up failed")
            code, body, extra = 200, page(*FAILED), []
        start_response(STATUS[code], [*HEADERS, ("Content-Length", str(len(body))), *extra])
        return [body]

    def route(self, environ) -> tuple[int, bytes, list]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == f"/{SIGNUP_PATH}":
            if method != "POST":
                return 303, b"", [("Location", "/newsletter/#signup-title")]
            return self.signup(self.form(environ), self.client(environ))
        if path == f"/{CONFIRM_PATH}":
            form = self.form(environ) if method == "POST" else {}
            token = (form.get("t") or query.get("t") or [""])[0]
            return self.confirm(token, confirmed=method == "POST")
        if path == f"/{UNSUBSCRIBE_PATH}":
            form = self.form(environ) if method == "POST" else {}
            token = (form.get("t") or query.get("t") or [""])[0]
            return self.unsubscribe(token, confirmed=method == "POST")
        if path == f"/{PARTNER_UNSUBSCRIBE_PATH}":  # the monthly mail to the municipalities (scheduler/partners)
            form = self.form(environ) if method == "POST" else {}
            token = (form.get("t") or query.get("t") or [""])[0]
            code, title, text, ask = partner_unsubscribe(self.sessions, self.secret(), method, token, self.now())
            button = {"action": f"/{PARTNER_UNSUBSCRIBE_PATH}", "token": ask, "button": "Ja, keine Mails mehr"}
            return code, page(title, [text], form=button if ask else None), []
        return 404, page(*NOT_FOUND), []

    @staticmethod
    def form(environ) -> dict[str, list[str]]:
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        return parse_qs(raw.decode("utf-8", "replace"), max_num_fields=20)

    @staticmethod
    def client(environ) -> str:
        # nginx sets X-Real-IP; the server listens on 127.0.0.1 only, so nobody else can
        return environ.get("HTTP_X_REAL_IP") or environ.get("REMOTE_ADDR") or "?"

    def signup(self, form: dict[str, list[str]], client: str) -> tuple[int, bytes, list]:
        field = lambda name: (form.get(name) or [""])[0].strip()  # noqa: E731
        if field("website"):  # the honeypot: a bot. It is told what a person is told.
            log.info("newsletter: sign-up with the honeypot filled ignored")
            return 200, page(*CHECK_INBOX), []
        address, version = field("email"), field("fassung")
        if len(address) > 254 or not ADDRESS.match(address):
            return 400, page(*BAD_ADDRESS), []
        if field("zustimmung") != "ja" or version not in CONSENT_TEXTS:
            return 400, page(*NO_CONSENT), []
        if not self.clients.allow(client) or not self.everyone.allow("*"):
            return 429, page(*TOO_MANY), [("Retry-After", "3600")]
        with self.sessions.begin() as session:
            send = store.request_signup(session, address, version, self.now())
        if send:
            self.send_confirmation(address.lower())
        return 200, page(*CHECK_INBOX), []

    def confirm(self, token: str, confirmed: bool) -> tuple[int, bytes, list]:
        try:
            address, _ = read_token(self.secret(), token, CONFIRM, self.now(), CONFIRM_VALID)
        except TokenError as exc:
            log.info("newsletter: confirmation link refused (%s)", exc)
            return 400, page(*BAD_LINK), []
        if not confirmed:  # a GET (a mail scanner, a link preview) confirms nothing
            return 200, page(*CONFIRM_ASK, form={"action": f"/{CONFIRM_PATH}", "token": token,
                                                 "button": "Ja, Newsletter bestellen"}), []
        with self.sessions.begin() as session:
            known = store.confirm(session, address, self.now())
        return (200, page(*CONFIRMED), []) if known else (400, page(*BAD_LINK), [])

    def unsubscribe(self, token: str, confirmed: bool) -> tuple[int, bytes, list]:
        try:
            address, _ = read_token(self.secret(), token, UNSUBSCRIBE, self.now())
        except TokenError as exc:
            log.info("newsletter: unsubscribe link refused (%s)", exc)
            return 400, page("Dieser Abmeldelink gilt nicht", [
                "Der Link ist unvollständig. Nimm den Link aus der letzten Newsletter-Mail oder schreib uns, "
                "dann melden wir dich ab."]), []
        if not confirmed:  # a GET (a link scanner, a preview) changes nothing
            return 200, page(*UNSUBSCRIBE_ASK, form={"action": f"/{UNSUBSCRIBE_PATH}", "token": token,
                                                     "button": "Ja, abmelden"}), []
        with self.sessions.begin() as session:
            store.withdraw(session, address)
        return 200, page(*UNSUBSCRIBED), []


def unsubscribe_url(siteurl: str, secret: bytes, address: str, now: datetime | None = None) -> str:
    token = make_token(secret, UNSUBSCRIBE, address, now or utcnow())
    return f"{siteurl.rstrip('/')}/{UNSUBSCRIBE_PATH}?t={quote(token, safe='.')}"


def make_signup_server(app: SignupApp, port: int = 8767, host: str = "127.0.0.1", threads: int = 4,
                       timeout: float = 10.0) -> Server:
    return Server(app, host, port, Limits(max_body=MAX_BODY, timeout=timeout, threads=threads), error_page)


def serve(sessions: sessionmaker[Session], port: int = 8767, env=None) -> None:
    """`python -m scheduler newsletter-signup`: settings from the environment and the secrets file,
    checked before the port is opened (a missing one stops the unit with a message)."""
    import os

    from scheduler.alerts.mail import SmtpConfig

    from .confirm_mail import Outbox
    from .tokens import load_secret

    env = os.environ if env is None else env
    secret = load_secret(env)
    siteurl, sender = env.get("SOISTS_SITEURL", "").rstrip("/"), env.get("SOISTS_NEWSLETTER_FROM", "")
    smtp = SmtpConfig.load(env, require_recipients=False)
    if not siteurl.startswith("https://") or not sender or smtp is None:
        raise SystemExit("newsletter-signup needs SOISTS_SITEURL (https://…), SOISTS_NEWSLETTER_FROM and the "
                         "alerts' SMTP settings (SOISTS_SMTP_HOST or the secrets file's \"smtp\" key)")
    holder: list[SignupApp] = []
    outbox = Outbox(smtp, sender, siteurl, link_for=lambda a: holder[0].confirm_link(a),
                    on_failure=lambda a: holder[0].forget(a))
    app = SignupApp(sessions, lambda: secret, siteurl, outbox)
    holder.append(app)
    server = make_signup_server(app, port=port)
    stop = threading.Event()
    threading.Thread(target=housekeeping, args=(app, stop), name="newsletter-housekeeping", daemon=True).start()
    log.info("newsletter sign-up on %s:%d", *server.server_address)
    try:
        server.serve_forever()
    finally:
        stop.set()
        outbox.close()


def housekeeping(app: SignupApp, stop: threading.Event, every: float = 30.0) -> None:
    """What the privacy page (content/pages/datenschutz.md) promises, also when no request comes:
    client addresses leave memory within the hour, unconfirmed sign-ups go after 48 hours."""
    while not stop.wait(every):
        app.clients.forget_old()
        app.everyone.forget_old()
        try:
            with app.sessions.begin() as session:
                store.purge_unconfirmed(session, app.now())
        except Exception:  # noqa: BLE001 - the store may be busy or away; the next round tries again
            log.exception("newsletter: expired sign-ups not deleted")
