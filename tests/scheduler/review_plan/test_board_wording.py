"""The Prüfung's wording (issue 28 §4): one name, whole sentences for an unclear municipality,
„Sendeplatz“ for a posting time („Termin“ is an event), a feature page headed by place and date,
a sign-in button that looks like one — and `review --demo` fills the board and the plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.curate.review.present import review_sentences
from tests.scheduler.review_plan.plan_seed import seed_plan_world

TEMPLATES = Path(__file__).resolve().parents[3] / "scheduler" / "curate" / "review" / "templates"


@pytest.mark.parametrize("note, expected", [
    ("mehrdeutig: 'Altdorf' kann Altdorf (Landkreis Böblingen) oder Altdorf (Landkreis Esslingen) sein",
     ["„Altdorf“ kann Altdorf (Landkreis Böblingen) oder Altdorf (Landkreis Esslingen) sein."]),
    ("kein Ortsname gefunden", ["Im Beitrag steht kein Ortsname."]),
    ("Plochingen aus Bildtext; schwacher Hinweis (nur Bildtext)",
     ["Vorschlag: Plochingen, erkannt aus Bildtext.", "Der Hinweis ist schwach (nur Bildtext)."]),
    ("außerhalb der Region: Ulm; mehrere Kommunen: Esslingen am Neckar, Plochingen",
     ["Genannt ist ein Ort außerhalb der Region: Ulm.",
      "Der Beitrag nennt mehrere Kommunen: Esslingen am Neckar, Plochingen."]),
    (None, ["Es gibt keinen Hinweis auf den Ort."]),
])
def test_an_unclear_municipality_is_explained_in_whole_sentences(note, expected):
    sentences = review_sentences(note)
    assert sentences == expected
    assert all(s[0].isupper() or s[0] == "„" for s in sentences) and all(s.endswith(".") for s in sentences)


def test_the_templates_say_pruefung_and_sendeplatz():
    text = "\n".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))
    assert "Prüfseite" not in text and "Review-Board" not in text
    plan_texts = "\n".join((TEMPLATES / name).read_text(encoding="utf-8")
                           for name in ("plan.html", "plan_item.html", "plan_month.html", "plan_slot.html"))
    assert not re.search(r"\bTermin", plan_texts)  # a posting time is a Sendeplatz
    assert "Die Kommune ist unklar." in (TEMPLATES / "board.html").read_text(encoding="utf-8")


def test_the_sign_in_button_is_styled_as_a_button():
    css = (TEMPLATES.parent / "static" / "board.css").read_text(encoding="utf-8")
    rule = re.search(r"\.login-page form\.login button\[type=submit\] \{([^}]*)\}", css)
    assert rule and "background: var(--ink)" in rule.group(1) and "align-self: flex-start" in rule.group(1)


@pytest.fixture
def world(monkeypatch, tmp_path, sessions, registry):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    yield world
    world.fake.stop()


def test_a_feature_page_is_headed_by_place_and_date(world, sessions, registry, settings):
    app = ReviewApp(sessions, settings, registry, "eva", AuthConfig("none", "X-Remote-User", "eva"))
    page = BeautifulSoup(app.plan.render_detail(f"/plan/features/{world.done_key}", world.done_key, "t"), "lxml")
    heading = page.h1.get_text(" ", strip=True)
    assert heading.startswith("Esslingen am Neckar, ") and re.search(r"\d{1,2}\. \w+ 20\d\d, \d\d:\d\d", heading)
    assert world.done_key not in heading  # the slug stays in the address
    plan = BeautifulSoup(app.plan.render_plan("week", None, 4, "t"), "lxml")
    assert plan.select_one("section.past th").get_text() == "Sendeplatz"
    assert "Sendeplatz auslassen" in plan.get_text()
