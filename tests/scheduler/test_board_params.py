"""Issue 27, odd parameters: each of these gave the German 500 page and a traceback in the log.

Every query and form parameter goes through one small module of parsers (review/params.py);
what it cannot read is a German 4xx page, never a 500.
"""

from __future__ import annotations

import logging

import pytest

from scheduler.collect.ingest import Collector
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from tests.scheduler.board_client import Client
from tests.scheduler.test_scheduler_store import collected


@pytest.fixture
def client(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    app = ReviewApp(sessions, settings, registry, auth=AuthConfig("none", single_user="eva"))
    browser = Client(app)
    assert browser.get("/plan").status == 200  # the CSRF token of a plan page
    return browser


@pytest.mark.parametrize("query", ["weeks=²", "weeks=99999999999999999999", "weeks=0", "weeks=-1",
                                   "from=9999-12-31", "from=0001-01-01", "view=month&from=9999-12-01",
                                   "view=month&from=9999-12-31", "view=month&from=0001-01-01", "from=2026-02-30"])
def test_odd_plan_queries_are_a_german_400(client, caplog, query):
    with caplog.at_level(logging.ERROR):
        answer = client.get("/plan?" + query)
    assert answer.status == 400, (query, answer.status)
    assert "Ungültige Anfrage" in answer.text and '<html lang="de">' in answer.text
    assert not [r for r in caplog.records if r.exc_info]  # no traceback in the log


@pytest.mark.parametrize("fields", [
    {"action": "pin", "post": "²", "slot": "2026-12-08T17:00:00+00:00"},
    {"action": "pin", "post": "1" * 30, "slot": "2026-12-08T17:00:00+00:00"},
    {"action": "caption", "post": "²", "version": "0", "text": "x"},
    {"action": "caption", "post": "1", "version": "²", "text": "x"},
    {"action": "skip", "slot": "9999-12-31T23:00:00+00:00"},
    {"action": "skip", "slot": "0001-01-01T00:00:00+00:00"},
    {"action": "replan", "slot": "9999-12-31T23:00:00+00:00"},
    {"action": "replan", "slot": "0001-01-01T00:00:00+00:00"},
    {"action": "move", "slot": "2026-12-08T17:00:00+00:00", "target": "9999-12-31T23:59:59+00:00"},
    {"action": "retry", "key": "x", "attempts": "²"},
])
def test_odd_plan_action_fields_are_a_german_400(client, caplog, fields):
    with caplog.at_level(logging.ERROR):
        answer = client.post("/plan/actions", {"revision": "0", **fields})
    assert answer.status == 400, (fields, answer.status, answer.text[:300])
    assert "Ungültige Anfrage" in answer.text
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("query", ["municipality=²" * 3, "view=%00", "campaign=" + "x" * 500])
def test_odd_board_queries_never_500(client, query):
    assert client.get("/?" + query).status in (200, 400)
