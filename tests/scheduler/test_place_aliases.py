"""Editors teach the detector: a location it could not place becomes an alias on set_municipality."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from plugins.region.registry import load_registry
from scheduler.cli import main as cli
from scheduler.collect.ingest import Collector
from scheduler.curate import workflow
from scheduler.curate.aliases import load_learned
from scheduler.curate.detection import LEARNED, Detector
from scheduler.store.models import PlaceAlias, Post
from tests.scheduler.test_scheduler_store import collected

FELLBACH, STUTTGART, ESSLINGEN = "08119020", "08111000", "08116019"
DETECTOR = Detector(load_registry())


def test_compound_names_and_real_hyphenated_names():
    assert DETECTOR.detect("Fellbach-Schmiden", None).ags == FELLBACH
    assert DETECTOR.detect(None, None, ["fellbachschmiden"]).ags == FELLBACH
    assert DETECTOR.detect("Backnang-Heiningen", None).certain  # no longer "outside the region"
    assert DETECTOR.detect("Korntal-Münchingen", None).ags == "08118080"
    assert DETECTOR.detect("Bietigheim-Bissingen", None).ags == "08118079"
    esslingen_ludwigsburg = DETECTOR.detect("Esslingen-Ludwigsburg", None)
    assert esslingen_ludwigsburg.needs_review and "mehrere Kommunen" in esslingen_ludwigsburg.reason


def test_vaihingen_is_ambiguous_until_something_decides():
    alone = DETECTOR.detect("Vaihingen", None)
    assert alone.ags is None and alone.needs_review
    assert set(alone.candidates) == {STUTTGART, "08118073"} and alone.reason.startswith("mehrdeutig: 'Vaihingen'")
    assert DETECTOR.detect("Stuttgart-Vaihingen", None).certain
    assert DETECTOR.detect("Altdorf (Landkreis Esslingen)", None).ags == "08116005"


def test_learned_alias_suggests_and_conflicts_stay_flagged():
    taught = Detector(load_registry(), learned={"cafemuckefuck": (FELLBACH,)})
    found = taught.detect("Café Muckefuck", None)
    assert found.certain and found.ags == FELLBACH and LEARNED in found.reason
    assert taught.detect("Café Muckefuck", None, ["esslingen"]).needs_review  # another municipality too
    both = Detector(load_registry(), learned={"cafemuckefuck": (FELLBACH, ESSLINGEN)})
    conflict = both.detect("Café Muckefuck", None)
    assert conflict.ags is None and conflict.needs_review and set(conflict.candidates) == {FELLBACH, ESSLINGEN}


def _post(sessions, settings, registry, i: int, location: str | None, caption: str = "Abendlicht") -> int:
    item = replace(collected(i, caption=caption), location=location)
    Collector(sessions, settings, registry).store(item)
    with sessions() as session:
        return session.scalar(select(Post.id).where(Post.uid == item.uid))


def test_editor_choice_is_learned_and_used_for_the_next_post(sessions, settings, registry):
    first = _post(sessions, settings, registry, 1, "Café Muckefuck, Germany")
    with sessions.begin() as session:
        post = session.get(Post, first)
        assert post.needs_review and post.municipality_ags is None
        workflow.set_municipality(session, post, "fellbach", registry, "eva")
        assert "Ortsalias gelernt: „Café Muckefuck“" in post.events[-1].evidence
    with sessions() as session:
        row = session.scalars(select(PlaceAlias)).one()
        assert (row.phrase, row.ags, row.editor, row.post_uid) == ("cafemuckefuck", FELLBACH, "eva", "instagram:X1")
        assert load_learned(session) == {"cafemuckefuck": (FELLBACH,)}
    second = _post(sessions, settings, registry, 2, "Cafe Muckefuck")
    with sessions() as session:
        post = session.get(Post, second)
        assert post.municipality_ags == FELLBACH and not post.needs_review and LEARNED in post.detection_reason


def test_outside_and_ambiguous_places_are_never_learned(sessions, settings, registry):
    for i, location in enumerate(("Tübingen", "Vaihingen", "Deutschland"), start=1):
        post_id = _post(sessions, settings, registry, i, location)
        with sessions.begin() as session:
            workflow.set_municipality(session, session.get(Post, post_id), "stuttgart", registry, "eva")
    with sessions() as session:
        assert session.scalars(select(PlaceAlias)).all() == []


def test_aliases_cli_add_list_remove(sessions, settings, capsys):
    assert cli.main(["aliases", "add", "Schmidener Feld", "fellbach", "--editor", "eva"], settings) == 0
    assert cli.main(["aliases"], settings) == 0
    listed = capsys.readouterr().out
    assert "schmidenerfeld" in listed and "Fellbach" in listed and "eva" in listed
    assert cli.main(["aliases", "remove", "Schmidener  Feld"], settings) == 0
    assert cli.main(["aliases", "remove", "Schmidener Feld"], settings) == 2  # nothing left
    assert cli.main(["aliases", "add", "Altdorf-Cafe", "Altdorf"], settings) == 2  # ambiguous municipality
