"""A store for the monthly mail's tests: November 2026 in the demo municipalities of
content/data/kommunen-kontakte.csv, with features, readings, a waiting photo and referrers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from plugins.newsletter.selection import Month
from scheduler.insights.state import Measurement, ReferrerCount
from scheduler.partners import state as _partner_tables  # noqa: F401 - registers the tables
from scheduler.publish.state import FeaturePublication
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Post

NOVEMBER = Month(2026, 11)
DECEMBER = Month(2026, 12)
SENT_ON = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)  # the job runs early in the next month
NEXT_RUN = datetime(2027, 1, 4, 8, 0, tzinfo=timezone.utc)
SITEURL = "https://www.so-ist-s.example"
SECRET = "k" * 40
STUTTGART, PLOCHINGEN, WAIBLINGEN, SCHORNDORF = "08111000", "08116056", "08119079", "08119067"


def feature(session, key: str, ags: str, slot: datetime, handle: str, alt: str, readings: dict[str, dict]) -> None:
    session.add(FeaturePublication(key=key, slot_utc=slot, post_uid=f"instagram:{key}", ags=ags,
                                   request={"handle": handle, "alt": alt}, status="done", attempts=0,
                                   created_utc=slot, updated_utc=slot))
    for channel, values in readings.items():
        gap = values.pop("gap", None)
        session.add(Measurement(feature_key=key, ags=ags, channel=channel, object_id="1", posted_utc=slot,
                                age_days=7, measured_utc=slot + timedelta(days=7), values=values,
                                provisional=False, gap=gap))


def seed(url: str):
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        feature(s, "2026-11-09-stuttgart", STUTTGART, datetime(2026, 11, 9, 17, tzinfo=timezone.utc), "@anna.s",
                "Der Schlossplatz im Abendlicht",
                {"instagram": {"reach": 800, "total_interactions": 40},
                 "facebook": {"post_total_media_view_unique": 400, "reactions": 10, "comments": 2, "shares": 1}})
        feature(s, "2026-11-20-stuttgart", STUTTGART, datetime(2026, 11, 20, 17, tzinfo=timezone.utc), "@ben_fotografiert",
                "Weinberge über dem Neckartal im Nebel", {"instagram": {"reach": 300, "total_interactions": 7}})
        feature(s, "2026-11-25-plochingen", PLOCHINGEN, datetime(2026, 11, 25, 17, tzinfo=timezone.utc), "@carla",
                "Das Hundertwasserhaus in Plochingen", {"instagram": {"gap": "too_few_viewers"}})
        feature(s, "2026-10-30-waiblingen", WAIBLINGEN, datetime(2026, 10, 30, 17, tzinfo=timezone.utc), "@old",
                "Im Oktober, nicht im November", {"instagram": {"reach": 999, "total_interactions": 9}})
        s.add(Post(uid="instagram:W1", source="hashtag", author="dora", caption="Remstal #SoistS", hashtags=[],
                   taken_at=datetime(2026, 11, 3, tzinfo=timezone.utc), state="granted",
                   municipality_ags=WAIBLINGEN, needs_review=False, detection_reason="test"))
        for day, slug, host, hits in ((date(2026, 11, 4), "schorndorf", "schorndorf.example", 3),
                                      (date(2026, 11, 18), "schorndorf", "rathaus.schorndorf.example", 2),
                                      (date(2026, 11, 18), "stuttgart", "stuttgart.example", 12),
                                      (date(2026, 11, 19), "stuttgart", "blog.example", 4),
                                      (date(2026, 10, 30), "stuttgart", "stuttgart.example", 50),
                                      # Waiblingen's website (the file's `website`) is not its mail domain
                                      (date(2026, 11, 6), "waiblingen", "waiblingen-stadt.example", 6),
                                      (date(2026, 11, 7), "waiblingen", "termine.waiblingen-stadt.example", 1),
                                      (date(2026, 11, 8), "waiblingen", "waiblingen.example", 2)):
            s.add(ReferrerCount(day=day, slug=slug, kind="page", host=host, hits=hits))
    return engine, sessions


def smtp_env(port: int, tmp_path) -> dict[str, str]:
    return {"SOISTS_SMTP_HOST": "127.0.0.1", "SOISTS_SMTP_PORT": str(port), "SOISTS_SMTP_SECURITY": "none",
            "SOISTS_PARTNER_MAIL_FROM": "So ist S <kommunen@so-ist-s.example>",
            "SOISTS_PARTNER_MAIL_UNSUBSCRIBE_MAILTO": "abmelden@so-ist-s.example",
            "SOISTS_NEWSLETTER_SECRET": SECRET, "SOISTS_SECRETS_FILE": str(tmp_path / "none.json"),
            "SOISTS_SITEURL": SITEURL}
