"""Done when: the month's mails for the demo contacts go to a real SMTP server (aiosmtpd), one per
contact with the right figures, none to the opted-out contact, nothing twice on a rerun, and a
contact who unsubscribed through the link gets nothing the next month."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

from scheduler.newsletter.signup import SignupApp
from scheduler.newsletter.tokens import read_token
from scheduler.partners.optout import PURPOSE
from scheduler.partners.run import prepare, send_prepared
from tests.alerts.smtp_helpers import SmtpServer
from tests.partners.partner_seed import DECEMBER, NEXT_RUN, NOVEMBER, SECRET, SENT_ON, SITEURL, seed, smtp_env

EXPECTED = {"presse@stuttgart.example", "rathaus@aidlingen.example", "presse@sindelfingen.example",
            "presse@plochingen.example", "presse@filderstadt.example", "presse@backnang.example",
            "marketing@schorndorf.example", "presse@waiblingen.example"}  # not info@beuren.example (opt_out: ja)


def call(app, method: str, link: str, body: bytes = b"") -> tuple[int, str]:
    """A request to the sign-up server's WSGI app, as nginx passes it on."""
    parts = urlsplit(link)
    seen: dict = {}
    environ = {"REQUEST_METHOD": method, "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
               "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    answer = b"".join(app(environ, lambda status, headers: seen.update(status=int(status[:3]))))
    return seen["status"], answer.decode()


def html_of(mail) -> str:
    return mail.message.get_body(("html",)).get_content()


def by_recipient(received) -> dict:
    return {mail.rcpt_tos[0]: mail for mail in received}


def test_the_months_mails_reach_each_contact_once_with_their_figures(tmp_path):
    engine, sessions = seed(f"sqlite:///{tmp_path / 'store.db'}")
    with SmtpServer("plain", tmp_path) as server:
        env = smtp_env(server.port, tmp_path)
        first = send_prepared(sessions, prepare(sessions, NOVEMBER, SENT_ON, SITEURL), env, rate=6000)
        again = send_prepared(sessions, prepare(sessions, NOVEMBER, SENT_ON, SITEURL), env, rate=6000)
        november = list(server.inbox.received)
        mails = by_recipient(november)
        link = re.search(r"<(https://[^>]+)>", mails["presse@stuttgart.example"].message["List-Unsubscribe"])[1]
        signup = SignupApp(sessions, lambda: SECRET.encode(), SITEURL, lambda address: None)
        asked = call(signup, "GET", link)  # a link scanner's GET changes nothing
        assert asked[0] == 200 and "Keine Mails mehr von So ist S?" in asked[1] and "Ja, keine Mails mehr" in asked[1]
        assert call(signup, "GET", link.replace("?t=", "?t=x"))[0] == 400
        status, answer = call(signup, "POST", link, b"List-Unsubscribe=One-Click")  # RFC 8058 one-click
        december = send_prepared(sessions, prepare(sessions, DECEMBER, NEXT_RUN, SITEURL), env, rate=6000)
        later = by_recipient(server.inbox.received[len(november):])
    engine.dispose()

    assert len(november) == 8 and set(mails) == EXPECTED  # one per contact, none to Beuren
    assert len(first.sent) == 8 and again.sent == [] and len(again.skipped) == 8  # a rerun sends nothing twice

    stuttgart = mails["presse@stuttgart.example"]
    text, html = stuttgart.text, html_of(stuttgart)
    assert stuttgart.message["Subject"] == "So ist S in Ihrer Kommune: Stuttgart im November 2026"
    assert "Im November 2026 haben wir 2 Fotos aus Stuttgart vorgestellt." in text
    # 800 + 400 and 300: Instagram reach + Facebook unique views; 40 + 10 + 2 + 1 and 7 interactions
    assert "Zusammen erreichten sie 1.500 Konten auf Instagram und Facebook (Reichweite) und bekamen 60 Interaktionen" in text
    assert "Reichweite 1.200, 53 Interaktionen" in text and "Reichweite 300, 7 Interaktionen" in text
    assert "1.500" in html and "Reichweite <strong>1.200</strong>" in html and "Schlossplatz im Abendlicht" in html
    assert "Über Ihre Website (stuttgart.example) wurde So ist S im November 2026 12-mal aufgerufen" in text  # not October's 50
    assert "verlinken auf Ihre Seite bei So ist S: blog.example (4 Aufrufe)." in text and "Regionale Sprechstunde für Fachkräfte" in text
    assert f"{SITEURL}/wall/2026-11-09-stuttgart/?mtm_campaign=kommune-2026-11&amp;mtm_kwd=stuttgart" in html
    snippet = (f'&lt;a href="{SITEURL}/kommunen/stuttgart/"&gt;&lt;img src="{SITEURL}/theme/img/badge.svg" '
               'alt="So ist S: Stuttgart in Bildern" width="200" height="44"&gt;&lt;/a&gt;')
    assert snippet in html and f'src="{SITEURL}/theme/img/badge.png"' in html  # the code, and its preview

    plochingen = mails["presse@plochingen.example"].text
    assert "1 Foto aus Plochingen vorgestellt" in plochingen and "noch keine Zahlen" in plochingen
    assert "Zahlen zur Reichweite liegen (noch) nicht vor" in plochingen
    waiblingen = mails["presse@waiblingen.example"].text
    assert "kein Foto aus Waiblingen vorgestellt" in waiblingen and "999" not in waiblingen
    assert "\n1 Foto aus Waiblingen ist freigegeben und wartet auf einen Sendeplatz." in waiblingen
    assert "Instawalk in Waiblingen" in waiblingen and "Sa., 24. April 2027" in waiblingen
    schorndorf = mails["marketing@schorndorf.example"].text
    assert "So ist S im November 2026 5-mal aufgerufen" in schorndorf  # schorndorf.example and rathaus.schorndorf.example
    waiblingen = mails["presse@waiblingen.example"].text  # its website column, not its mail domain
    assert "Über Ihre Website (waiblingen-stadt.example) wurde So ist S im November 2026 7-mal aufgerufen" in waiblingen
    assert "verlinken auf Ihre Seite bei So ist S: waiblingen.example (2 Aufrufe)." in waiblingen
    quiet = mails["rathaus@aidlingen.example"]
    assert quiet.message["Subject"] == "So ist S in Ihrer Kommune: Aidlingen – neue Fotos und Termine willkommen"
    assert "höchstens einmal im Quartal" in quiet.text and "Reichweite" not in quiet.text

    for address, mail in mails.items():
        html = re.sub(r"&lt;a href=.*?&lt;/a&gt;", "", html_of(mail))  # the badge code is text, not a link
        urls = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert urls and all(u.startswith(SITEURL) for u in urls), address  # nothing from third parties
        assert not re.search(r'width="1"|height="1"', html)  # no tracking pixel
        slug = mail.text.split("Ihre Seite bei So ist S: ")[-1].split("/?")[0].rsplit("/", 1)[1]
        site_links = [u for u in urls if "/kommunen-post/" not in u and not u.endswith((".jpg", ".png"))]
        assert [u for u in site_links if parse_qs(urlsplit(u.replace("&amp;", "&")).query).get("mtm_kwd") != [slug]] == []
        link = re.search(r"<(https://[^>]+)>", mail.message["List-Unsubscribe"])[1]
        assert link.startswith(f"{SITEURL}/kommunen-post/abmelden?t=") and link in mail.text
        subject, _ = read_token(SECRET.encode(), unquote(link.split("?t=")[1]), PURPOSE, SENT_ON)
        assert subject.endswith(":" + address) and mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert status == 200 and "Sie sind abgemeldet" in answer
    # December: Stuttgart unsubscribed; Aidlingen & Co. had their quiet note this quarter; Waiblingen's
    # photo still waits (monthly); Schorndorf and Plochingen, with news in November and none in December,
    # get their first quiet note of the quarter.
    assert set(later) == {"presse@waiblingen.example", "marketing@schorndorf.example", "presse@plochingen.example"}
    assert later["presse@waiblingen.example"].message["Subject"].endswith("Waiblingen im Dezember 2026")
    assert "presse@stuttgart.example" not in december.sent
    assert later["marketing@schorndorf.example"].message["Subject"].endswith("neue Fotos und Termine willkommen")
