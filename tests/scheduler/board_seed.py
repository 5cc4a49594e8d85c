"""A store with a post in every curation state, for the review board's tests and screenshots."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from scheduler.collect.ingest import Collector
from scheduler.curate import workflow
from scheduler.store.models import Post
from tests.scheduler.test_scheduler_store import collected

# What the rewritten detector will say (detection.py is being made German elsewhere); the board
# shows whatever reason a post has, so the test sets one.
REVIEW_REASON = "mehrdeutig: „Altdorf“ kann Altdorf (Böblingen) oder Altdorf (Esslingen) sein"
ASKED = datetime(2026, 11, 3, 17, tzinfo=timezone.utc)

SCRIPT = {  # post number → the editor's steps (target state, reason, evidence)
    3: [("shortlisted", "schönes Licht", "")],
    4: [("shortlisted", "", ""), ("rights_requested", "", "DM am 3.11. geschickt")],
    5: [("shortlisted", "", ""), ("rights_requested", "", "DM"), ("granted", "", "DM 5.11.: „ja, gerne“")],
    6: [("shortlisted", "", ""), ("rights_requested", "", "DM"), ("declined", "", "DM 6.11.: lieber nicht")],
    7: [("shortlisted", "", ""), ("rights_requested", "", "DM")],  # expires below
    8: [("rejected", "unscharf", "")],
}


def seed_every_state(sessions, settings, registry) -> dict[str, int]:
    """Posts 1–9: collected, needs review, shortlisted, rights requested, granted, declined, expired,
    rejected by an editor, rejected by the rules. Returns state name → post id."""
    collector = Collector(sessions, settings, registry)
    collector.store(collected(1, caption='<script>alert("x")</script> Sonnenuntergang #esslingen'))
    collector.store(collected(2, author="ben", caption="Am Marktplatz in Altdorf"))
    for i in range(3, 9):
        collector.store(collected(i, author=f"fotografin{i}", caption=f"Weinberge #esslingen Nr. {i}"))
    strict = Collector(sessions, replace(settings, blocked_keywords=("werbung",)), registry)
    strict.store(collected(9, author="laden", caption="Tolle #Werbung in #esslingen"))
    with sessions.begin() as session:
        session.get(Post, 2).detection_reason = REVIEW_REASON
        for post_id, steps in SCRIPT.items():
            post = session.get(Post, post_id)
            start = ASKED - timedelta(days=20 if post_id == 7 else 0)
            for n, (state, reason, evidence) in enumerate(steps):
                workflow.transition(session, post, state, "eva", reason, evidence, now=start + timedelta(minutes=n),
                                    credit="Anna K." if state == "granted" else None)
        workflow.expire_overdue(session, 14, now=ASKED + timedelta(hours=1))
    with sessions() as session:
        return {session.get(Post, i).state + ("/review" if i == 2 else "/rules" if i == 9 else ""): i
                for i in range(1, 10)}
