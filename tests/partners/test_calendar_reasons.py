"""Every reason a calendar is refused, each named in German and English."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scheduler.partners.calendars.fetch import fetch
from scheduler.partners.calendars.parse_feed import parse_calendar
from scheduler.partners.calendars.reasons import MAX_BYTES, MAX_EVENTS, REASONS, CalendarRejected
from tests.partners.calendar_kit import calendar, vevent

PLACE = "Rathaus, Marktplatz 1, 73207 Plochingen"


def refused(data: bytes) -> CalendarRejected:
    with pytest.raises(CalendarRejected) as caught:
        parse_calendar(data)
    return caught.value


def test_bad_encoding():
    data = calendar(vevent("x@y.example", "Fest", "20270101T100000", "20270101T120000", PLACE))
    reason = refused(data.replace(b"Fest", "Straßenfest".encode("latin-1")))
    assert reason.code == "encoding" and reason.german.startswith("Zeichenkodierung ungültig")


def test_too_many_events():
    one = vevent("x@y.example", "Fest", "20270101T100000", "20270101T120000", PLACE)
    reason = refused(calendar(*[one] * (MAX_EVENTS + 1)))
    assert reason.code == "too_many" and reason.german == "mehr als 10.000 Termine"


def test_missing_dtstart():
    data = calendar("BEGIN:VEVENT\r\nUID:ohne-beginn@y.example\r\nSUMMARY:Fest\r\nEND:VEVENT\r\n")
    reason = refused(data)
    assert reason.code == "no_start" and "DTSTART" in reason.german and "ohne-beginn" in reason.german


def test_rrule_without_end():
    data = calendar(vevent("endlos@y.example", "Wochenmarkt", "20270101T080000", "20270101T120000", PLACE,
                           "RRULE:FREQ=WEEKLY;BYDAY=SA\r\n"))
    reason = refused(data)
    assert reason.code == "endless" and "RRULE ohne COUNT oder UNTIL" in reason.german


def test_xml_entity_bomb_and_external_entity():
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel/></rss>'
    external = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>'
    for data in (bomb, external):
        reason = refused(data)
        assert reason.code == "xml_entities" and "Entitäten" in reason.german


def test_feed_item_without_start_and_no_calendar_at_all():
    news = b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>Neuigkeit</title></item></channel></rss>'
    assert refused(news).code == "no_start"
    assert refused(b"<html><body>Kalender</body></html>").code == "not_calendar"


def test_a_good_feed_reads():
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:ev="http://purl.org/rss/1.0/modules/event/"><channel><item><title>Stadtfest</title>'
            '<guid>fest-1</guid><link>https://stadt.example/fest</link><ev:startdate>2027-06-12</ev:startdate>'
            f'<ev:enddate>2027-06-13</ev:enddate><ev:location>{PLACE}</ev:location></item></channel></rss>')
    [event] = parse_calendar(feed.encode())
    assert (event.title, event.uid, str(event.start), str(event.end)) == ("Stadtfest", "fest-1", "2027-06-12", "2027-06-14")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path == "/weiter":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif self.path == "/gross":  # no Content-Length: the cap must stop the streaming read
            self.send_response(200)
            self.end_headers()
            block = b"X" * 65536
            try:
                for _ in range(MAX_BYTES // len(block) + 2):
                    self.wfile.write(block)
            except OSError:
                pass
        elif self.path == "/langsam":
            threading.Event().wait(3)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("path, code", [("/weiter", "redirect"), ("/gross", "too_large"), ("/fehlt", "http_status")])
def test_fetch_refuses(server, path, code):
    with pytest.raises(CalendarRejected) as caught:
        fetch(server + path)
    assert caught.value.code == code and caught.value.german


def test_fetch_timeout_and_schemes(server):
    with pytest.raises(CalendarRejected) as caught:
        fetch(server + "/langsam", timeout=0.5)
    assert caught.value.code == "timeout"
    for url in ("file:///etc/passwd", "ftp://example.org/k.ics", "javascript:alert(1)"):
        with pytest.raises(CalendarRejected) as caught:
            fetch(url)
        assert caught.value.code == "scheme"


def test_every_reason_has_both_languages():
    assert all(de and en and de != en for de, en in REASONS.values())


def test_a_recurrence_more_often_than_daily():
    data = calendar(vevent("sek@y.example", "Ticker", "20270101T080000", "20270101T080001", PLACE,
                           "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=21000101T000000Z\r\n"))
    reason = refused(data)
    assert reason.code == "frequency" and "öfter als täglich" in reason.german


def test_a_broken_file_is_named_not_a_crash():
    for data in (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:kein-datum\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                 b"BEGIN:VCALENDAR\r\n:::\r\nEND:VCALENDAR\r\n",
                 b"<?xml version='1.0'?><rss><channel><item>"):
        assert refused(data).code in ("broken", "no_start"), data
