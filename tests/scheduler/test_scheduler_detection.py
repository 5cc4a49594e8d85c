"""Municipality detection: aliases, hashtags, ambiguity, places outside the region, any unicode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from plugins.region.registry import load_registry
from scheduler.curate.detection import Detector

DETECTOR = Detector(load_registry())
ESSLINGEN, LUDWIGSBURG, BIETIGHEIM = "08116019", "08118048", "08118079"


@pytest.mark.parametrize("location, caption, tags, ags", [
    ("Esslingen", None, (), ESSLINGEN),
    ("Marktplatz, Esslingen am Neckar, Germany", None, (), ESSLINGEN),
    (None, "", ("ludwigsburg", "soists"), LUDWIGSBURG),
    ("Bietigheim", "", (), BIETIGHEIM),
    (None, "Schloss #Ludwigsburg am Abend", ("ludwigsburg",), LUDWIGSBURG),
])
def test_certain_detections(location, caption, tags, ags):
    detection = DETECTOR.detect(location, caption, tags)
    assert detection.ags == ags and not detection.needs_review and detection.confidence >= 0.7


def test_the_two_altdorfs_are_never_guessed():
    detection = DETECTOR.detect("Altdorf", None, ())
    assert detection.ags is None and detection.needs_review
    assert set(detection.candidates) == {"08115002", "08116005"} and "mehrdeutig" in detection.reason


@pytest.mark.parametrize("place", ["Tübingen", "Schwäbisch Gmünd", "#schwäbischgmünd", "Heilbronn"])
def test_outside_region_is_flagged(place):
    detection = DETECTOR.detect(place if not place.startswith("#") else None, place,
                                (place[1:],) if place.startswith("#") else ())
    assert detection.needs_review and detection.ags is None and "außerhalb der Region" in detection.reason


def test_region_stuttgart_is_not_stuttgart():
    assert DETECTOR.detect(None, "Mein Lieblingsort in der Region Stuttgart", ()).ags is None


def test_conflicting_places_need_review():
    detection = DETECTOR.detect("Esslingen", "Ausflug nach Ludwigsburg", ("ludwigsburg",))
    assert detection.needs_review and set(detection.candidates) == {ESSLINGEN, LUDWIGSBURG}


def test_caption_only_is_a_suggestion_to_check():
    detection = DETECTOR.detect(None, "Schöner Abend in Bietigheim!", ())
    assert detection.ags == BIETIGHEIM and detection.needs_review


def _unique(name: str) -> bool:
    """Only the name's own municipality: not "Aichelberg" (also an Ortsteil of Aichwald) or "Wangen"."""
    entry = DETECTOR.lookup(name)
    return entry is not None and len(entry.municipalities) == 1 and entry.outside is None


NAMES = st.sampled_from([m for m in load_registry() if _unique(m.name)])


def _vary(text: str, data) -> str:
    text = data.draw(st.sampled_from([text, text.upper(), text.lower(), text.casefold()]))
    if data.draw(st.booleans()):  # umlauts written out, as on keyboards without them
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return text


@hsettings(max_examples=150, deadline=None)
@given(NAMES, st.data())
def test_any_spelling_of_a_name_is_found(municipality, data):
    name = _vary(municipality.name, data)
    punct = data.draw(st.sampled_from(["", "!", ".", " 📸", ", Deutschland", "…"]))
    as_location = DETECTOR.detect(name + punct, None, ())
    assert as_location.ags == municipality.ags
    tag = "".join(ch for ch in name if ch.isalnum())
    as_hashtag = DETECTOR.detect(None, f"Hallo #{tag}", (tag.lower(),))
    assert as_hashtag.ags == municipality.ags


@hsettings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.lists(st.text(max_size=30), max_size=5))
def test_never_crashes_on_any_unicode(location, caption, tags):
    detection = DETECTOR.detect(location, caption, tags)
    assert 0.0 <= detection.confidence <= 1.0
    assert detection.ags is None or detection.ags in detection.candidates
    assert detection.certain == (detection.ags is not None and not detection.needs_review)


@pytest.mark.parametrize("location, slug", [
    ("Korntal-Münchingen, Deutschland", "korntal-muenchingen"),  # found by hypothesis: a hyphen is no separator
    ("Marktplatz - Ludwigsburg", "ludwigsburg"),
    ("Leinfelden-Echterdingen", "leinfelden-echterdingen"),
])
def test_hyphenated_names_in_locations(location, slug):
    assert DETECTOR.detect(location, None, ()).ags == load_registry().get(slug).ags
