"""The report counts Mastodon as a third channel: its favourites, reblogs and replies are interactions
of the feature's municipality; Mastodon has no reach figure (0, never a KeyError)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.insights.state import Measurement
from scheduler.publish.state import FeaturePublication
from scheduler.report.data import load
from scheduler.store.db import make_engine, migrate, session_factory

SLOT = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)


def test_mastodon_interactions_count_for_the_municipality(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    session = session_factory(make_engine(url))()
    session.add(FeaturePublication(key="2026-11-23-plochingen", slot_utc=SLOT, post_uid="fediverse:x", ags="08116049",
                                   request={"handle": "anna@bawue.example"}, status="done", attempts=0,
                                   created_utc=SLOT, updated_utc=SLOT))
    for channel, values in (("instagram", {"reach": 100, "total_interactions": 5}),
                            ("mastodon", {"favourites": 12, "reblogs": 3, "replies": 2})):
        session.add(Measurement(feature_key="2026-11-23-plochingen", ags="08116049", channel=channel, object_id="1",
                                posted_utc=SLOT, age_days=7, measured_utc=SLOT + timedelta(days=7), values=values,
                                provisional=False))
    session.commit()
    [feature] = load(session, SLOT + timedelta(days=8), REACH, INTERACTIONS).features
    assert feature.interactions == {"instagram": 5, "mastodon": 17}
    assert feature.reach == {"instagram": 100, "mastodon": 0} and feature.total_interactions == 22


def test_the_report_shows_the_mastodon_channel_per_municipality(tmp_path):
    """HTML, PDF, CSV and JSON: a Mastodon section with Favoriten, Geteilt and Antworten per municipality
    (docs/STYLEGUIDE.md), only for features that were posted there."""
    import csv
    import io
    import json
    from datetime import date

    from bs4 import BeautifulSoup
    from pypdf import PdfReader

    from scheduler.config import PROJECT_ROOT
    from scheduler.publish.state import PublishStep
    from scheduler.report.render import write
    from scheduler.report.run import ReportRequest, compute

    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    session = session_factory(make_engine(url))()
    features = (("2026-11-03-plochingen", "08116056", {"favourites": 12, "reblogs": 3, "replies": 2}),
                ("2026-11-10-plochingen", "08116056", {"favourites": 1234, "reblogs": 0, "replies": 1}),
                ("2026-11-17-waiblingen", "08119079", {"favourites": 4, "reblogs": 5, "replies": 0}),
                ("2026-11-20-leonberg", "08115028", None))  # not on Mastodon (the channel was down)
    for key, ags, values in features:
        slot = datetime.fromisoformat(key[:10] + "T17:00:00+00:00")
        feature = FeaturePublication(key=key, slot_utc=slot, post_uid=f"x:{key}", ags=ags, request={"handle": "anna"},
                                     status="done", attempts=0, created_utc=slot, updated_utc=slot)
        feature.steps.append(PublishStep(step="mastodon", state="done" if values else "failed",
                                         data={"status_id": "7", "url": "https://bawue.example/@soists/7"}
                                         if values else {}))
        session.add(feature)
        session.add(Measurement(feature_key=key, ags=ags, channel="instagram", object_id="1", posted_utc=slot,
                                age_days=7, measured_utc=slot + timedelta(days=7), provisional=False,
                                values={"reach": 100, "total_interactions": 5}))
        if values:
            session.add(Measurement(feature_key=key, ags=ags, channel="mastodon", object_id="7", posted_utc=slot,
                                    age_days=7, measured_utc=slot + timedelta(days=7), values=values,
                                    provisional=False))
    session.commit()
    report = compute(url, ReportRequest(date(2026, 11, 1), date(2026, 11, 30), tmp_path),
                     now=datetime(2026, 12, 5, tzinfo=timezone.utc))
    written = write(report, tmp_path, PROJECT_ROOT / "content")

    soup = BeautifulSoup(written.html.read_text(encoding="utf-8"), "lxml")
    section = soup.find("section", attrs={"aria-labelledby": "mastodon"})
    assert section is not None and section.h2.text == "Mastodon"
    head = [th.text for th in section.find("thead").find_all("th")]
    assert head == ["Kommune", "Landkreis", "Fotos", "Favoriten", "Geteilt", "Antworten"]
    rows = {tr.th.text: [td.text for td in tr.find_all("td")] for tr in section.find("tbody").find_all("tr")}
    assert rows == {"Plochingen": ["Esslingen", "2", "1.246", "3", "3"], "Waiblingen": ["Rems-Murr-Kreis", "1", "4", "5", "0"]}
    total = [c.text for c in section.find("tfoot").find_all(["th", "td"])]
    assert total == ["Zusammen", "", "3", "1.250", "8", "3"]
    assert "3 von 4 vorgestellten Fotos" in section.text.replace("\xa0", " ")

    pdf_text = " ".join(page.extract_text() for page in PdfReader(written.pdf).pages)
    assert "Favoriten" in pdf_text and "Geteilt" in pdf_text and "Fotos auf Mastodon" in pdf_text

    table = list(csv.reader(io.StringIO(written.csv.read_text(encoding="utf-8-sig")), delimiter=";"))
    columns = table[0]
    assert columns[-4:] == ["Mastodon: Fotos", "Mastodon: Favoriten", "Mastodon: Geteilt", "Mastodon: Antworten"]
    plochingen = next(r for r in table if r[1] == "Plochingen")
    leonberg = next(r for r in table if r[1] == "Leonberg")
    assert plochingen[-4:] == ["2", "1246", "3", "3"] and leonberg[-4:] == ["0", "0", "0", "0"]

    data = json.loads(written.json.read_text(encoding="utf-8"))
    assert data["mastodon"]["totals"] == {"features": 3, "favourites": 1250, "reblogs": 8, "replies": 3}
    by_name = {m["name"]: m for m in data["mastodon"]["municipalities"]}
    assert set(by_name) == {"Plochingen", "Waiblingen"} and by_name["Waiblingen"]["reblogs"] == 5
