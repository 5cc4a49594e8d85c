"""The sign-up end to end, as a visitor does it: the built site and the endpoint behind real nginx
(deploy/nginx/soists.conf, one origin, TLS), Chromium at 390 px, the mails at a real SMTP server
(aiosmtpd). Screenshots go to $SOISTS_NEWSLETTER_SCREENSHOTS (default: the test's folder)."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from plugins.newsletter.consent import CURRENT_VERSION
from scheduler.alerts.mail import SmtpConfig
from scheduler.newsletter.confirm_mail import Outbox
from scheduler.newsletter.run import latest_issue, make_newsletter, subscriber_addresses
from scheduler.newsletter.send import ListSettings, RateLimiter, SentLog, send_newsletter
from scheduler.newsletter.signup import SignupApp, make_signup_server
from scheduler.newsletter.tokens import CONFIRM, make_token
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import NewsletterSubscriber
from tests.alerts.smtp_helpers import SmtpServer, free_port
from tests.deploy.test_deploy import NGINX, nginx_config

pytestmark = pytest.mark.browser
SECRET = b"browser-test-secret-" * 3
ADDRESS = "Lena.Muster@example.org"
SENDER = "So ist S <newsletter@so-ist-s.example>"


def wait_for(condition, seconds: float = 15.0, what: str = ""):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


@pytest.fixture
def origin(tmp_path, demo_site):
    """(base URL, inbox, sessions, outbox, folder): nginx on https://127.0.0.1:<port> in front of the
    built site and the sign-up endpoint; confirmation mails to aiosmtpd."""
    if NGINX is None:
        pytest.skip("nginx missing: run .ci/setup --browser (installs the nginx package)")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    https_port = free_port()
    base = f"https://127.0.0.1:{https_port}"
    with SmtpServer("plain", tmp_path) as smtp_server:
        smtp = SmtpConfig(host="127.0.0.1", port=smtp_server.port, security="none", sender="x@example.org",
                          recipients=())
        holder: list[SignupApp] = []
        outbox = Outbox(smtp, SENDER, base, link_for=lambda a: holder[0].confirm_link(a),
                        on_failure=lambda a: holder[0].forget(a))
        holder.append(SignupApp(sessions, lambda: SECRET, base, outbox))
        server = make_signup_server(holder[0], port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        (tmp_path / "live").symlink_to(demo_site)
        config = nginx_config(tmp_path, free_port(), https_port, newsletter_port=server.server_address[1])
        nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: _up(f"{base}/newsletter/", tmp_path, nginx), what="nginx")
            yield base, smtp_server.inbox, sessions, outbox, url, smtp, tmp_path, server
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            if not server._stopped.is_set():
                server.shutdown()
            outbox.close()
            engine.dispose()


def _up(url: str, folder: Path, process) -> bool:
    try:
        return requests.get(url, verify=str(folder / "cert.pem"), timeout=2).status_code == 200
    except requests.ConnectionError:
        assert process.poll() is None, (folder / "error.log").read_text()
        return False


def confirm_link(text: str) -> str:
    return re.search(r"https://\S+/newsletter/bestaetigen\?t=\S+", text).group(0)


def sign_up(page, base: str, address: str, honeypot: str = "") -> None:
    page.goto(f"{base}/newsletter/")
    page.fill("#signup-email", address)
    if honeypot:
        page.locator("#signup-website").fill(honeypot, force=True)
    page.check("#signup-consent")
    page.click("form.signup button[type=submit]")
    page.wait_for_load_state()


def test_sign_up_confirm_and_unsubscribe_in_chromium(origin, chromium_browser, demo_site):
    base, inbox, sessions, outbox, db_url, smtp, folder, _ = origin
    screenshots = Path(os.environ.get("SOISTS_NEWSLETTER_SCREENSHOTS") or folder)
    screenshots.mkdir(parents=True, exist_ok=True)
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, ignore_https_errors=True,
                                           locale="de-DE")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(
        (base, "data:")) else None)

    # the form, filled at 390 px: one confirmation mail, German, text + HTML, with a link
    page.goto(f"{base}/newsletter/")
    assert page.locator("form.signup label[for=signup-consent]").inner_text().startswith("Ja, schickt mir")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "signup-form-390.png"), full_page=True)
    sign_up(page, base, ADDRESS)
    assert page.locator("h1").inner_text() == "Fast geschafft: Schau in dein Postfach"
    page.screenshot(path=str(screenshots / "signup-answer-390.png"), full_page=True)
    wait_for(lambda: len(inbox.received) == 1, what="the confirmation mail")
    mail = inbox.received[0]
    assert mail.rcpt_tos == [ADDRESS.lower()] and mail.message["Subject"].startswith("Bitte bestätige")
    html = mail.message.get_body(("html",)).get_content()
    link = confirm_link(mail.text)
    assert link.startswith(base) and link in html.replace("&amp;", "&")

    # a second sign-up shortly after: the same answer, no second mail
    sign_up(page, base, ADDRESS.upper())
    assert page.locator("h1").inner_text() == "Fast geschafft: Schau in dein Postfach"
    outbox.join()
    time.sleep(0.5)
    assert len(inbox.received) == 1

    # the honeypot filled: the same answer, no mail
    sign_up(page, base, "bot@example.org", honeypot="https://spam.example/")
    assert page.locator("h1").inner_text() == "Fast geschafft: Schau in dein Postfach"
    outbox.join()
    assert len(inbox.received) == 1

    # an expired and a forged link: a German refusal, nothing confirmed
    old = make_token(SECRET, CONFIRM, ADDRESS, datetime.now(timezone.utc) - timedelta(hours=49))
    for bad in (f"{base}/newsletter/bestaetigen?t={old}", link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")):
        answer = page.goto(bad)
        assert answer.status == 400 and page.locator("h1").inner_text() == "Dieser Link gilt nicht (mehr)"
    page.screenshot(path=str(screenshots / "signup-bad-link-390.png"), full_page=True)
    assert subscriber_addresses(db_url) == []

    # the mail's link asks (a mail scanner's visit confirms nothing); the button confirms
    answer = page.goto(link)
    assert answer.status == 200 and page.locator("h1").inner_text() == "Anmeldung bestätigen?"
    page.screenshot(path=str(screenshots / "signup-confirm-ask-390.png"), full_page=True)
    assert subscriber_addresses(db_url) == []
    with page.expect_navigation() as pressed:
        page.get_by_role("button", name="Ja, Newsletter bestellen").click()
    answer = pressed.value
    assert answer.status == 200 and page.locator("h1").inner_text() == "Du bist angemeldet"
    assert answer.headers["cache-control"] == "no-store" and "form-action 'self'" in answer.headers[
        "content-security-policy"]
    page.screenshot(path=str(screenshots / "signup-confirmed-390.png"), full_page=True)
    with sessions() as session:
        [row] = session.scalars(select(NewsletterSubscriber)).all()
    assert row.email == ADDRESS.lower() and row.consent_version == CURRENT_VERSION
    assert row.requested_utc <= row.confirmed_utc <= datetime.now(timezone.utc)

    # the confirmation page and mail at 1280 px
    wide = context.new_page()
    wide.set_viewport_size({"width": 1280, "height": 900})
    wide.goto(f"{base}/newsletter/")
    wide.screenshot(path=str(screenshots / "signup-form-1280.png"), full_page=True)
    wide.goto(link)
    wide.screenshot(path=str(screenshots / "signup-confirm-ask-1280.png"), full_page=True)
    for width in (390, 1280):  # a blank page: the site's policy would block the mail's inline styles
        view = context.new_page()
        view.set_viewport_size({"width": width, "height": 900})
        view.set_content(html)
        view.screenshot(path=str(screenshots / f"signup-mail-{width}.png"), full_page=True)
        assert view.evaluate("document.documentElement.scrollWidth") <= width
        view.close()

    # the newsletter to the confirmed subscribers (invoke newsletter --subscribers), then its unsubscribe link
    newsletter = make_newsletter(demo_site, latest_issue(demo_site), base)
    settings = ListSettings(SENDER, "abmelden@so-ist-s.example", f"{base}/newsletter/abmelden?t={{token}}",
                            token_for=lambda a: make_token(SECRET, "abmelden", a, datetime.now(timezone.utc)))
    report = send_newsletter(newsletter, subscriber_addresses(db_url), smtp, settings, SentLog(folder / "sent.jsonl"),
                             RateLimiter(600))
    assert report.sent == [ADDRESS.lower()]
    issue_mail = inbox.received[-1].message
    unsubscribe = re.search(r"<(https://[^>]+)>", issue_mail["List-Unsubscribe"]).group(1)
    assert unsubscribe in issue_mail.get_body(("html",)).get_content().replace("&amp;", "&")
    page.goto(unsubscribe)
    assert page.locator("h1").inner_text() == "Newsletter abbestellen?"
    page.click("text=Ja, abmelden")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Du bist abgemeldet"
    page.screenshot(path=str(screenshots / "signup-unsubscribed-390.png"), full_page=True)
    assert subscriber_addresses(db_url) == []
    assert outside == []  # nothing from third parties, on any page

    context.close()
    log = (folder / "access.log").read_text(encoding="utf-8")
    assert "/newsletter/bestaetigen" in log and "t=" not in log and link.split("t=")[1] not in log


def test_a_busy_client_gets_a_german_page_through_nginx(origin):
    base, inbox, *_, folder, server = origin
    answers = [requests.post(f"{base}/newsletter/anmelden", verify=str(folder / "cert.pem"), timeout=5,
                             data={"email": f"p{i}@example.org", "zustimmung": "ja", "fassung": CURRENT_VERSION})
               for i in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "Zu viele Anmeldungen" in answers[-1].text and answers[-1].headers["Cache-Control"] == "no-store"
    wrong = requests.get(f"{base}/newsletter/anmelden", verify=str(folder / "cert.pem"), timeout=5)
    assert wrong.status_code == 200 and wrong.url.endswith("/newsletter/#signup-title")  # a GET: back to the form
    for size in (12_000, 20_000):  # refused by the endpoint (over 8 KB), by nginx (over 16 KB): German both
        too_big = requests.post(f"{base}/newsletter/anmelden", verify=str(folder / "cert.pem"), timeout=5,
                                data={"email": "x" * size})
        assert too_big.status_code == 413 and "Zu viel auf einmal" in too_big.text, size
        assert too_big.headers["Cache-Control"] == "no-store"
    server.shutdown()  # the unit is down: nginx's own answer, in German
    down = requests.get(f"{base}/newsletter/bestaetigen?t=x", verify=str(folder / "cert.pem"), timeout=5)
    assert down.status_code == 503 and "Gerade nicht erreichbar" in down.text
    assert down.headers["Cache-Control"] == "no-store" and down.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_form_and_the_answer_pages_pass_axe(origin, chromium_browser, width):
    from tests.site.a11y import AXE_JS, run_axe

    base, *_ = origin
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, ignore_https_errors=True)
    context.add_init_script(path=str(AXE_JS))  # as tests/site/a11y.py does: the site's CSP allows no inline script
    page = context.new_page()
    found = {}
    page.goto(f"{base}/newsletter/")
    found["form"] = run_axe(page)
    sign_up(page, base, "axe@example.org")
    found["answer"] = run_axe(page)
    page.goto(f"{base}/newsletter/bestaetigen?t=kaputt")
    found["bad link"] = run_axe(page)
    page.goto(f"{base}/newsletter/abmelden?t=" + make_token(SECRET, "abmelden", "axe@example.org",
                                                            datetime.now(timezone.utc)))
    found["unsubscribe"] = run_axe(page)
    context.close()
    assert all(violations == [] for violations in found.values()), found


def test_the_municipal_mail_opt_out_reaches_the_endpoint_through_nginx(origin):
    """The monthly mail to the municipalities links /kommunen-post/abmelden (scheduler/partners/optout.py):
    nginx hands it to the same sign-up service, never cached, the token not logged."""
    from scheduler.partners.optout import opted_out, unsubscribe_url

    base, _, sessions, _, _, _, folder, _ = origin
    link = unsubscribe_url(base, SECRET, "08111000", "presse@stuttgart.example", datetime.now(timezone.utc))
    asked = requests.get(link, verify=str(folder / "cert.pem"), timeout=5)
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store" and "<form" in asked.text
    done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, verify=str(folder / "cert.pem"), timeout=5)
    assert done.status_code == 200
    with sessions() as session:
        assert ("08111000", "presse@stuttgart.example") in opted_out(session)
    log = (folder / "access.log").read_text() if (folder / "access.log").exists() else ""
    assert "/kommunen-post/abmelden" in log and link.split("t=")[1] not in log
