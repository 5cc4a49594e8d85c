"""An event whose address lies in another municipality than the one it is filed under is
named in the build's warnings (issue #28: an Esslingen Instawalk filed under Altdorf)."""

from __future__ import annotations

from pathlib import Path

from plugins.community.postfile import split_header
from plugins.events.addresses import address_mismatch, address_municipality
from plugins.region.places import load_places
from plugins.region.registry import load_registry
from tests.events.events_testkit import build_events, event_file

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry()
PLACES = load_places()


def altdorf(district: str):
    return next(m for m in REGISTRY if m.name == "Altdorf" and district in m.district)


def test_the_address_names_its_municipality():
    found = address_municipality("Marktplatz 1, 73728 Esslingen am Neckar", REGISTRY, PLACES)
    assert found.slug == "esslingen-am-neckar"
    assert address_municipality("Hauptstraße 1, 71155 Altdorf", REGISTRY, PLACES) is None  # two Altdorfs
    assert address_municipality("Messegelände, 81823 München", REGISTRY, PLACES) is None


def test_esslingen_filed_under_altdorf_is_named_with_both_municipalities():
    message = address_mismatch("Marktplatz 1, 73728 Esslingen am Neckar", [altdorf("Esslingen")], REGISTRY, PLACES)
    assert "Esslingen am Neckar (Landkreis Esslingen)" in message and "Altdorf (Landkreis Esslingen)" in message
    assert address_mismatch("Marktplatz 1, 73728 Esslingen am Neckar",
                            [altdorf("Esslingen"), REGISTRY.get("esslingen-am-neckar")], REGISTRY, PLACES) == ""
    assert address_mismatch("Marktplatz 1, 73728 Esslingen am Neckar", [], REGISTRY, PLACES) == ""


def test_no_event_of_the_content_is_misfiled():
    for path in sorted((ROOT / "content/events").glob("*.md")):
        metadata, _body = split_header(path.read_text(encoding="utf-8"))
        chosen = REGISTRY.resolve_many(metadata["municipality"]) if metadata.get("municipality") else []
        assert address_mismatch(metadata.get("address", ""), chosen, REGISTRY, PLACES) == "", path.name


def test_the_build_warns_with_file_field_and_both_municipalities(tmp_path):
    """A warning, not a content problem: the preview builds; strict publishing (--fatal
    warnings) stops on it."""
    instawalk = event_file(title="Instawalk Esslinger Altstadt", uid="2026-instawalk-es-x1y2z3@so-ist-s.de",
                           start="2026-12-12 14:00", end="2026-12-12 16:00", category="instawalk",
                           municipality=altdorf("Esslingen").slug, location="Marktplatz",
                           address="Marktplatz 1, 73728 Esslingen am Neckar")
    result, output = build_events(tmp_path, {"instawalk-esslingen": instawalk})
    log = " ".join((result.stdout + result.stderr).split())  # the logger wraps long lines
    assert result.returncode == 0, log
    assert "WARNING content/events/instawalk-esslingen.md:" in log and "field 'municipality': the address" in log, log
    assert "Esslingen am Neckar (Landkreis Esslingen)" in log and "Altdorf (Landkreis Esslingen)" in log
