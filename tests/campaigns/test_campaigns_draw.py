"""The draw: pure functions, the steps on the store with their audit trail, and the verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plugins.campaigns.model import parse_campaign
from plugins.region.registry import load_registry
from scheduler.campaigns import draw, ledger, notify
from scheduler.campaigns.draw import Candidate, DrawError, Rules
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Post

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
START = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 10, 31, 22, 59, tzinfo=UTC)
REGION = frozenset(m.ags for m in load_registry())
ESSLINGEN = load_registry().get("esslingen-am-neckar").ags


def rules(**changes) -> Rules:
    values = dict(start=START, deadline=DEADLINE, hashtags=frozenset({"herbstimremstal"}), region=REGION,
                  excluded=frozenset({"wrs_team"}))
    return Rules(**{**values, **changes})


def cand(post_id: int, handle: str, day: int = 5, tags=("HerbstImRemstal",), ags=ESSLINGEN, hour: int = 12):
    at = START + timedelta(days=day - 1, hours=hour)
    return Candidate(post_id, handle, at, tuple(tags), ags)


CANDIDATES = [cand(i, f"fotofan{i}", day=1 + i % 28) for i in range(1, 21)]


def test_same_inputs_same_winners():
    seed = bytes(range(32))
    lines = draw.entry_lines(draw.eligibility(CANDIDATES, rules()).entries, seed)
    first = draw.run_draw(seed, draw.seed_hash(seed), lines, 2, 3)
    again = draw.run_draw(seed, draw.seed_hash(seed), list(reversed(lines)), 2, 3)
    assert first == again and len(first.winners) == 2 and len(first.reserves) == 3
    assert set(first.winners).isdisjoint(first.reserves)


def test_a_seed_that_does_not_match_the_published_hash_is_refused():
    lines = draw.entry_lines(CANDIDATES, b"the committed seed")
    with pytest.raises(DrawError):
        draw.run_draw(b"another seed", draw.seed_hash(b"the committed seed"), lines, 1, 1)


def test_late_duplicate_excluded_and_outside_entries_never_win():
    bad = [cand(100, "spaet", day=40), cand(101, "fotofan1", day=20), cand(102, "WRS_Team"),
           cand(103, "ohne", tags=("SoistS",)), cand(104, "woanders", ags="09162000"), cand(105, "frueh", day=-3),
           cand(106, ""), cand(107, "")]  # hashtag search results: no account, not one shared "" account
    result = draw.eligibility(CANDIDATES + bad, rules())
    reasons = {r.candidate.post_id: r.reason for r in result.rejected}
    assert reasons == {100: "nach Einsendeschluss gepostet", 101: "mehr als 1 Teilnahme(n) pro Konto",
                       102: "Konto von der Teilnahme ausgeschlossen", 103: "ohne Hashtag des Gewinnspiels",
                       104: "kein Ort in der Region Stuttgart", 105: "vor Beginn des Gewinnspiels gepostet",
                       **dict.fromkeys((106, 107), "Konto unbekannt (Hashtag-Suche der Instagram-API) – nur mit "
                                                   "bekanntem Konto teilnahmeberechtigt")}
    for seed in (bytes([n]) * 32 for n in range(30)):  # whoever wins, never one of them
        lines = draw.entry_lines(result.entries, seed)
        ranked = draw.run_draw(seed, draw.seed_hash(seed), lines, 3, 3)
        assert not {int(l.split()[0]) for l in ranked.winners + ranked.reserves} & set(reasons)


def test_the_earlier_post_of_an_account_is_its_entry():
    result = draw.eligibility([cand(2, "anna", day=9), cand(1, "Anna", day=3)], rules())
    assert [c.post_id for c in result.entries] == [1]


def test_changing_one_entry_changes_the_entry_hash():
    lines = draw.entry_lines(CANDIDATES, b"k" * 32)
    changed = [lines[0].replace(lines[0].split()[1], draw.pseudonym(b"k" * 32, "fotofam1")), *lines[1:]]
    assert draw.entries_hash(lines) != draw.entries_hash(changed)
    assert draw.entries_hash(lines) == draw.entries_hash(list(reversed(lines)))


GEWINNSPIEL = {"title": "Fotowettbewerb", "kind": "gewinnspiel", "hashtags": "#HerbstImRemstal",
               "start": "2026-10-01", "end": "2026-10-31", "district": "rems-murr-kreis",
               "prize": "Ein Picknickkorb", "winners": "1", "reserves": "2", "answer_days": "7"}


@pytest.fixture
def store(db_url):
    migrate(db_url)
    return session_factory(make_engine(db_url))


def add_posts(session, candidates) -> None:
    """The candidates as stored posts (the notices look up the winning post's author)."""
    for c in candidates:
        session.add(Post(id=c.post_id, uid=f"test:{c.post_id}", source="hashtag", author=c.handle, taken_at=c.at,
                         hashtags=[t.lower() for t in c.hashtags], municipality_ags=c.municipality_ags))


def campaign():
    problems = []
    found = parse_campaign("x.md", "fotowettbewerb", GEWINNSPIEL, "", load_registry(),
                           lambda *p: problems.append(p))
    assert found and not problems, problems
    return found


def test_the_steps_on_the_store_and_their_audit_trail(store, tmp_path):
    c = campaign()
    seed = b"s" * 32
    with store.begin() as session:
        add_posts(session, CANDIDATES)
        row = ledger.open_draw(session, c, "redaktion", now=START - timedelta(days=1), seed=seed)
        opened = ledger.published(row, c)
    assert opened["seed_sha256"] == draw.seed_hash(seed) and "seed" not in opened
    with store.begin() as session, pytest.raises(DrawError):
        ledger.open_draw(session, c, "redaktion")  # a second commitment is refused
    with store.begin() as session, pytest.raises(DrawError):
        ledger.freeze(session, c, CANDIDATES, REGION, "redaktion", now=START + timedelta(days=3))  # too early
    after = c.end + timedelta(minutes=1)
    with store.begin() as session:
        ledger.freeze(session, c, CANDIDATES + [cand(99, "spaet", day=40)], REGION, "redaktion", now=after)
        with pytest.raises(DrawError):
            ledger.run(session, c, "redaktion", now=after, seed=b"falsch" * 6)
        row = ledger.run(session, c, "redaktion", now=after)
        notify.contact(session, c, "redaktion", None, "jaSoistS", now=after)
        first_winner = row.winners[0]
        report, notices = notify.advance(session, c, "scheduler", None, "jaSoistS", now=after + timedelta(days=8))
        assert report == [f"{first_winner}: keine Antwort in 7 Tagen, ersetzt"]
        reserve = row.reserves[0]
        ledger.answer(session, c.slug, int(reserve.split()[0]), True, True, "redaktion", now=after + timedelta(days=9))
        data = ledger.published(row, c)
        actions = [e.action for e in ledger.trail(session, c.slug)]
    assert actions == ["open", "freeze", "reject_entry", "run", "contact", "promote_reserve", "contact", "answer"]
    assert [n.line for n in notices] == [reserve]
    handle = next(x.handle for x in CANDIDATES if x.post_id == int(reserve.split()[0]))
    assert data["announced"] == [{"status": "accepted", "handle": handle}]
    assert handle not in json.dumps(data["entries"])  # the list itself carries pseudonyms
    assert draw.verify(data) == []
    target = ledger.write_published(tmp_path, data)
    script = ROOT / "theme" / "static" / "tools" / "verify_draw.py"
    result = subprocess.run([sys.executable, str(script), str(target)], capture_output=True, text=True)
    assert result.returncode == 0 and "Ergebnis bestätigt" in result.stdout, result.stdout + result.stderr
    assert draw.own_lines(data, handle.upper()) == [reserve]
    data["entries"][0] = data["entries"][0][:-1] + "1"
    target.write_text(json.dumps(data), encoding="utf-8")
    tampered = subprocess.run([sys.executable, str(script), str(target)], capture_output=True, text=True)
    assert tampered.returncode == 1 and "ABWEICHUNG" in tampered.stdout
    assert "entries do not match entries_sha256" in draw.verify(data)


def test_the_standalone_verifier_is_short_and_stdlib_only():
    source = (ROOT / "theme" / "static" / "tools" / "verify_draw.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 30
    imports = {w.split(".")[0] for line in source.splitlines() if line.startswith("import ")
               for w in line[7:].split(", ")}
    assert imports <= set(sys.stdlib_module_names)


def test_the_committed_demo_draw_verifies():
    files = sorted((ROOT / "content" / "kampagnen").glob("*.draw.json"))
    assert files, "the demo Gewinnspiel ships its draw data"
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert draw.verify(data) == []
