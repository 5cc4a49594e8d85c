"""The gazetteer content/data/places.csv: loads, every row checked, ambiguity kept, errors named."""

import re

import pytest

from plugins.region.places import KINDS, PlacesError, load_places, parse_places
from plugins.region.registry import load_registry


def test_every_row_is_checked_and_has_a_source():
    places = load_places()
    assert len(places) >= 250
    registry = load_registry()
    for place in places:
        assert place.kind in KINDS and place.source
        assert (place.ags is None) == place.outside and (place.outside or place.ags in registry.by_ags)


def test_known_places_and_ambiguity():
    places = load_places()
    assert [p.ags for p in places.lookup("Zuffenhausen")] == ["08111000"]
    assert [p.ags for p in places.lookup("Gueltstein")] == ["08115021"]
    assert {p.ags for p in places.lookup("Stetten")} == {"08116078", "08119093"}  # L.-E. and Kernen
    assert {p.ags for p in places.lookup("Hochdorf")} == {"08118081", "08118012"}  # Remseck, Eberdingen
    assert [p.kind for p in places.lookup("Hohenrechberg")] == ["outside"]


@pytest.mark.parametrize("row, message", [
    ({"name": "Schmiden", "ags": "08119999", "kind": "ortsteil", "source": "x"}, "'Schmiden': AGS '08119999'"),
    ({"name": "Schmiden", "ags": "08119020", "kind": "dorf", "source": "x"}, "kind 'dorf'"),
    ({"name": "Tübingen", "ags": "08111000", "kind": "outside", "source": "x"}, "must have no AGS"),
    ({"name": "Schmiden", "ags": "08119020", "kind": "ortsteil", "source": ""}, "has no source"),
    ({"name": "Schmiden", "ags": "08119020", "kind": "ortsteil", "source": "x", "lat": "north"}, "'lat'"),
])
def test_bad_rows_are_named(row, message):
    with pytest.raises(PlacesError, match=r"places\.csv line 2: .*" + re.escape(message)):
        parse_places([row], load_registry())


def test_duplicate_row_is_an_error():
    row = {"name": "Schmiden", "ags": "08119020", "kind": "ortsteil", "source": "x"}
    with pytest.raises(PlacesError, match="places.csv line 3: 'SCHMIDEN' is listed twice"):
        parse_places([row, {**row, "name": "SCHMIDEN"}], load_registry())
