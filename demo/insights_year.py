"""A year of impact-report data made the real way: through the Graph API fake and the real
insights code, with a frozen clock.

  1. a fresh store with 156 published features (Mon/Wed/Fri 18:00 Berlin, 156 of the 179
     municipalities, fair by design so the report has a to-do list) and their step records
     (Instagram media id, Facebook photo id), plus #SoistS posts as collected by the collect stage;
  2. the fake's insights state seeded with those media and posts (a deleted one, two with too
     few viewers) and the accounts' follower curves;
  3. every day of the year the real `run_insights` against the fake, the fake's clock set to
     that morning (so day-1 readings are provisional, gaps are recorded, snapshots are daily);
  4. nginx access logs (plain, rotated, gzip) with referrers read by the real log importer.

python -m demo.insights_year --out var/report-demo   (≈ 15 s), then `python -m scheduler report --demo`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import event

from demo.graph_fake import VERSION, GraphFake
from plugins.region.registry import load_registry
from scheduler.config import BERLIN, PROJECT_ROOT
from scheduler.insights.accesslog import import_access_logs
from scheduler.insights.api import InsightsApi
from scheduler.insights.measure import run_insights
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.queue import FeatureRequest
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Post

YEAR_FILE = "demo-year.txt"
HANDLES = ("anna.fotografiert", "neckarblick", "schwabenlicht", "wanderlust_bw", "streuobst_liebe", "ludwigsburgerin",
           "filstal.foto", "remstal_radler", "weinberg_morgen", "albtrauf_abends", "kesselblick", "fachwerk_fan")
LINKERS = {"stuttgart": ("stuttgart.de", "stadtmuseum-stuttgart.de"), "plochingen": ("plochingen.de",),
           "esslingen-am-neckar": ("esslingen.de", "esslinger-zeitung.de"), "ludwigsburg": ("ludwigsburg.de",),
           "boeblingen": ("boeblingen.de",), "waiblingen": ("waiblingen.de",), "schorndorf": ("schorndorf.de",),
           "goeppingen": ("goeppingen.de", "nwz.de"), "fellbach": ("fellbach.de",), "weil-der-stadt": ("weil-der-stadt.de",),
           "kirchheim-unter-teck": ("kirchheim-teck.de",), "backnang": ("backnang.de",)}


class BatchFake(GraphFake):
    """The fake, persisting once at the end instead of after every request (it writes its whole
    state as indented JSON each time: ≈ 15 ms, 6,000 times a year; nobody else reads it meanwhile)."""

    def _save(self) -> None:
        pass

    def save(self) -> None:
        GraphFake._save(self)


class InProcess(requests.adapters.BaseAdapter):
    """Hands each request to the fake's own request handler without the TCP hop (≈ 10 ms a
    request on loopback, 6,000 requests a year). Routing, token checks and error answers are the
    fake's; the client, its retries and its error classification are the real GraphClient's."""

    def __init__(self, fake: GraphFake):
        super().__init__()
        self.fake = fake

    def send(self, request, **_kwargs):
        parts = urlsplit(request.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        token = (request.headers.get("Authorization") or " ").split(" ", 1)[1]
        status, body = self.fake.handle(request.method, parts.path, query, {}, token)
        response = requests.Response()
        response.status_code, response.url, response.request = status, request.url, request
        response._content = json.dumps(body).encode()
        response.reason = "OK" if status < 400 else "Bad Request"
        return response

    def close(self) -> None:
        pass


READING_DAYS = 4  # past 31 December: the last features get their day-1 and day-2 readings


def finished_year(today: date | None = None) -> date:
    """1 January of the newest calendar year whose readings (to 4 January after it) are all in
    the past: the demo never shows a date after today (on 7 December 2026: the year 2025)."""
    today = today or datetime.now(BERLIN).date()
    return date((today - timedelta(days=READING_DAYS + 1)).year - 1, 1, 1)


@dataclass(frozen=True)
class DemoYear:
    start: date = field(default_factory=finished_year)
    features: int = 156
    days: int = 365 + READING_DAYS  # to 4 January after the year (369 days)
    seed: int = 14
    previous_features: int = 104  # the year before (Mon/Fri), measured weekly: the report's comparison

    @property
    def begin(self) -> date:
        return self.start - timedelta(days=365) if self.previous_features else self.start

    @property
    def end(self) -> datetime:
        """The frozen clock's last reading (the report's "as of")."""
        last = self.start + timedelta(days=self.days - 1)
        return datetime.combine(last, time(6, 15), BERLIN).astimezone(timezone.utc)

    @property
    def last_day(self) -> date:
        """31 December of the demo year: the report's period ends here."""
        return date(self.start.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}:{self.features}:{self.days}:{self.seed}:{self.previous_features}"

    def run_days(self) -> list[date]:
        """Weekly through the year before, daily through the demo year."""
        weekly = [self.begin + timedelta(days=d) for d in range(0, (self.start - self.begin).days, 7)]
        return weekly + [self.start + timedelta(days=d) for d in range(self.days)]


def slots(start: date, count: int, weekdays: tuple[int, ...] = (0, 2, 4)) -> list[datetime]:
    """Mon/Wed/Fri 18:00 Berlin, as the planner's default slots."""
    found, day = [], start
    while len(found) < count:
        if day.weekday() in weekdays:
            found.append(datetime.combine(day, time(18), BERLIN).astimezone(timezone.utc))
        day += timedelta(days=1)
    return found


def seed_store(session, year: DemoYear, rng: random.Random, page_id: str) -> dict[str, dict]:
    """Features with their step records; returns the fake's seed {"media": …, "posts": …}."""
    registry = list(load_registry())
    images = sorted((PROJECT_ROOT / "content" / "images" / "community").glob("*.jpg"))
    media, posts = {}, {}
    planned = list(zip(slots(year.begin, year.previous_features, (0, 4)), rng.sample(registry, year.previous_features)))
    planned += zip(slots(year.start, year.features), rng.sample(registry, year.features))
    for n, (slot, m) in enumerate(planned):
        key = f"{slot.astimezone(BERLIN).date().isoformat()}-{m.slug}"
        handle = HANDLES[n % len(HANDLES)]
        request = FeatureRequest(key, slot, f"instagram:DEMO{n:04d}", m.ags, m.slug, m.name,
                                 str(images[n % len(images)]) if images else "", handle, "instagram",
                                 slot.date(), f"Foto aus {m.name}", slot.date() - timedelta(days=3),
                                 "Instagram-Direktnachricht", author_name=handle)
        posted = slot + timedelta(seconds=40)
        media_id, photo_id = str(17950000000000000 + n), str(18050000000000000 + n)
        post_id = f"{page_id}_{18150000000000000 + n}"  # Meta answers a Page post id of its own
        feature = FeaturePublication(key=key, slot_utc=slot, post_uid=request.post_uid, ags=m.ags,
                                     request=request.to_json(), status="done", attempts=1,
                                     created_utc=slot - timedelta(days=2), updated_utc=posted)
        feature.steps = [PublishStep(step="instagram", state="done", data={"media_id": media_id},
                                     started_utc=slot, finished_utc=posted),
                         PublishStep(step="facebook", state="done", data={"photo_id": photo_id, "post_id": post_id},
                                     started_utc=slot, finished_utc=posted)]
        session.add(feature)
        # Bigger places and summer evenings reach more people; a few posts travel far.
        scale = int(rng.lognormvariate(7.4 if slot.year > year.begin.year else 7.0, 0.55)
                    * (1.6 if m.kind == "Stadt" else 1.0))
        media[media_id] = {"posted": posted.timestamp(), "scale": scale, "deleted": n == len(planned) - 116,
                           "few_viewers": n in (len(planned) - 144, len(planned) - 59)}
        posts[post_id] = {"posted": posted.timestamp(), "scale": scale}
    for n in range(1200):  # #SoistS posts collected (counts per week and municipality), more each year
        m = rng.choice(registry[:60] if rng.random() < 0.6 else registry)
        before = (year.start - year.begin).days  # a third in the year before, two thirds in the demo year
        offset = rng.uniform(0, before) if n % 3 == 0 and before else before + rng.uniform(0, 364)
        when = datetime.combine(year.begin, time(12), timezone.utc) + timedelta(days=offset)
        session.add(Post(uid=f"demo:{n:05d}", source="hashtag", author=f"demo_{n % 97}", caption="#SoistS",
                         hashtags=["soists"], taken_at=when - timedelta(days=1), collected_at=when,
                         state_changed_at=when, municipality_ags=m.ags, needs_review=False))
    session.commit()
    return {"media": media, "posts": posts}


def write_logs(folder: Path, year: DemoYear, rng: random.Random) -> Path:
    """Three nginx files: access.log (newest), access.log.1, access.log.2.gz (oldest)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[datetime, str]] = []
    for slug, hosts in LINKERS.items():
        for host in hosts:
            for _ in range(rng.randint(20, 200)):
                when = datetime.combine(year.begin, time(9), timezone.utc) + timedelta(
                    minutes=rng.randint(0, 1440 * ((year.start - year.begin).days + 364)))
                path = rng.choice((f"/kommunen/{slug}/badge.svg", f"/kommunen/{slug}/feed.atom", f"/kommunen/{slug}/"))
                ip = f"203.0.113.{rng.randint(1, 254)}"
                ref = f"https://www.{host}/freizeit/so-ist-s?utm_source=newsletter&id={rng.randint(1, 99)}"
                lines.append((when, f'{ip} - - [{when:%d/%b/%Y:%H:%M:%S +0000}] "GET {path} HTTP/1.1" 200 512 '
                                    f'"{ref}" "Mozilla/5.0"\n'))
    lines.sort()
    parts = [lines[: len(lines) // 3], lines[len(lines) // 3: 2 * len(lines) // 3], lines[2 * len(lines) // 3:]]
    with gzip.open(folder / "access.log.2.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(text for _, text in parts[0])
    (folder / "access.log.1").write_text("".join(text for _, text in parts[1]), encoding="utf-8")
    (folder / "access.log").write_text("".join(text for _, text in parts[2]), encoding="utf-8")
    return folder / "access.log"


def build(out: Path, year: DemoYear = DemoYear()) -> str:
    """Make `out/soists.db` (and out/fake.json, out/logs/); returns the database URL."""
    out.mkdir(parents=True, exist_ok=True)
    for old in ("soists.db", "fake.json"):
        (out / old).unlink(missing_ok=True)
    db_url = f"sqlite:///{out / 'soists.db'}"
    (out / YEAR_FILE).unlink(missing_ok=True)
    migrate(db_url)
    engine = make_engine(db_url)
    # A throwaway file: no fsync per commit (the job commits every reading, thousands in a year).
    event.listen(engine, "connect", lambda connection, _record: (connection.execute("PRAGMA synchronous=OFF"), connection.execute("PRAGMA journal_mode=MEMORY")))
    rng = random.Random(year.seed)
    fake = BatchFake(out / "fake.json")
    try:
        with session_factory(engine)() as session:
            seed = seed_store(session, year, rng, fake.page_id)
            begin = datetime.combine(year.begin, time(0), BERLIN).timestamp()
            fake.extra("insights").update(seed, account={"start": begin, "ig_followers": 9100, "ig_daily": 7.5,
                                                         "fb_followers": 4750, "fb_daily": 1.2})
            http = requests.Session()
            http.trust_env = False  # no proxy look-ups for a host that is never resolved
            base_url = f"http://graph-fake.invalid/{VERSION}"  # never resolved: the adapter answers
            http.mount(base_url, InProcess(fake))
            api = InsightsApi(GraphClient(GraphConfig(fake.ig_user_id, fake.page_id, fake.ig_token, fake.page_token,
                                                      base_url), http, sleep=lambda _s: None))
            for day in year.run_days():
                now = datetime.combine(day, time(6, 15), BERLIN).astimezone(timezone.utc)
                with fake.lock:
                    fake.extra("insights")["now"] = now.timestamp()
                    fake.state.requests.clear()  # the fake's request log would grow all year
                run_insights(session, api, now)
            slugs = {m.slug for m in load_registry()}
            import_access_logs(session, write_logs(out / "logs", year, rng), ("so-ist-s.de",), slugs)
    finally:
        fake.save()
        engine.dispose()
    (out / YEAR_FILE).write_text(year.label + "\n", encoding="utf-8")
    return db_url


def is_current(out: Path, year: DemoYear) -> bool:
    """Whether out/ holds the data of exactly this demo year (a new year makes new data)."""
    marker = out / YEAR_FILE
    return (out / "soists.db").exists() and marker.exists() and marker.read_text(encoding="utf-8").strip() == year.label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "var" / "report-demo")
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
