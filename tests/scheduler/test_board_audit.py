"""Issue 27: „Wer hat das freigegeben?“ — the audit view and its CSV, and the optional second factor."""

from __future__ import annotations

import csv
import io

import pyotp
import pytest

from scheduler.collect.ingest import Collector
from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from tests.scheduler.board_client import PASSWORD, Client
from tests.scheduler.test_scheduler_store import collected


@pytest.fixture
def app(sessions, settings, registry):
    collector = Collector(sessions, settings, registry)
    collector.store(collected(1, caption="Altstadt #esslingen"))
    collector.store(collected(2, caption="=HYPERLINK(\"x\") #esslingen"))
    with sessions.begin() as session:
        editors.add_account(session, "eva", PASSWORD, "verwaltung")
        editors.add_account(session, "ben", PASSWORD + "!", "veroeffentlichen")
        editors.add_account(session, "lea", PASSWORD + "?", "lesen")
    return ReviewApp(sessions, settings, registry)


def signed_in(app, name: str, password: str) -> Client:
    browser = Client(app)
    assert browser.sign_in(name, password).status == 303
    browser.get("/")
    return browser


def test_who_approved_it(app, registry):
    eva, ben = signed_in(app, "eva", PASSWORD), signed_in(app, "ben", PASSWORD + "!")
    eva.post("/posts/1", {"action": "approve", "expected_state": "collected", "version": "0"})
    ben.post("/posts/2", {"action": "reject", "expected_state": "collected", "version": "0", "note": "=1+1 unscharf"})
    eva.get("/admin")
    eva.post("/admin/accounts", {"action": "role", "name": "lea", "role": "redaktion"})
    lea = signed_in(app, "lea", PASSWORD + "?")  # read-only people may read the audit view too
    page = lea.get("/audit?post=1")
    assert page.status == 200 and "Protokoll" in page.text
    table = page.text.split("<tbody>")[1]
    assert '<td data-label="Person" class="actor">eva</td>' in table and ">ben<" not in table
    assert "Statuswechsel" in table and "→" in table
    assert "Rolle geändert" not in page.text  # a post filter shows no account events
    by_person = lea.get("/audit?person=ben").text
    assert "#2" in by_person and "#1" not in by_person.split("<tbody>")[1]
    everything = lea.get("/audit").text
    assert "Rolle geändert" in everything and "lea · Lesen → Redaktion" in everything
    esslingen = registry.get("esslingen-am-neckar")
    assert lea.get(f"/audit?municipality={esslingen.ags}").status == 200
    assert lea.get("/audit?municipality=Esslingen+am+Neckar").status == 200
    assert lea.get("/audit?from=2026-01-01&to=2099-12-31").status == 200
    for odd in ("post=²", "from=9999-12-31", "municipality=Atlantis", "person=" + "x" * 500):
        assert lea.get("/audit?" + odd).status == 400, odd
    exported = lea.get("/audit.csv?person=ben")
    assert exported.status == 200 and exported.header("Content-Type").startswith("text/csv")
    assert "attachment" in exported.header("Content-Disposition")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Zeit", "Person", "Aktion"]
    assert [r[1] for r in rows[1:]] == ["ben"] and rows[1][3] == "2"
    assert rows[1][6].startswith("'=1+1")  # a spreadsheet never runs it as a formula


def test_slot_actions_name_the_person_too(app):
    eva = signed_in(app, "eva", PASSWORD)
    eva.get("/plan")
    revision = eva.get("/plan").text.split('name="revision" value="', 1)[1].split('"', 1)[0]
    answer = eva.post("/plan/actions", {"action": "replan", "revision": revision, "slot": "2026-12-08T17:00:00+00:00"})
    assert answer.status == 303
    assert "neu geplant" in eva.get("/audit?person=eva").text


def test_totp_enrolment_and_sign_in_with_a_code(app, sessions):
    app.throttle.backoff_base = 0.0
    ben = signed_in(app, "ben", PASSWORD + "!")
    page = ben.get("/account/totp")
    assert page.status == 200 and "<svg" in page.text and "QR-Code" in page.text
    secret = page.text.split('<code class="secret">', 1)[1].split("</code>", 1)[0].replace(" ", "")
    assert ben.post("/account/totp", {"otp": "000000"}).text.count("Der Code passt nicht") == 1
    assert ben.post("/account/totp", {"otp": pyotp.TOTP(secret).now()}).status == 303
    assert ben.get("/").status == 303  # enrolling ends the sessions: sign in again, with the code
    assert Client(app).sign_in("ben", PASSWORD + "!").status == 200  # no code: refused
    assert Client(app).sign_in("ben", PASSWORD + "!", otp="123456").status == 200
    code = pyotp.TOTP(secret).now()
    assert Client(app).sign_in("ben", PASSWORD + "!", otp=code).status == 303
    assert Client(app).sign_in("ben", PASSWORD + "!", otp=code).status == 200  # a code signs in once


def test_verwaltung_requires_a_second_factor_for_publishing_roles(app, sessions):
    eva = signed_in(app, "eva", PASSWORD)
    eva.get("/admin")
    assert "Zweiten Faktor verlangen" in eva.get("/admin").text
    eva.post("/admin/accounts", {"action": "totp_require", "name": "ben"})
    ben = Client(app)
    answer = ben.sign_in("ben", PASSWORD + "!")
    assert answer.status == 303 and answer.header("Location") == "/account/totp"
    assert ben.get("/").header("Location") == "/account/totp"  # nothing else until it is set up
    assert ben.post("/plan/actions", {"action": "publish"}).status == 303
    enrol = ben.get("/account/totp")
    assert "verlangt die Verwaltung einen zweiten Faktor" in enrol.text
