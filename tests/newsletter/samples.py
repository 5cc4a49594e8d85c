"""A newsletter issue made by hand (no site build), for the mail and sending tests."""

from __future__ import annotations

from plugins.newsletter.selection import MAX_FEATURES, CampaignCall, EventItem, Feature, Image, Issue, Portrait

SITEURL = "https://so-ist-s.example"


def sample_issue(features: int = MAX_FEATURES) -> Issue:
    """A full issue: the most features, portraits and events the selection ever lets through."""
    image = Image("images/community/a.jpg", "images/community/a-0123456789-1200.jpg",
                  "Abendlicht über den Weinbergen & dem Neckar")
    return Issue(
        month="2026-12", label="Dezember 2026",
        features=tuple(Feature(f"2026-12-{i + 1:02d}-esslingen", f"Esslingen am Neckar: Foto von @user_{i}",
                               f"wall/2026-12-{i + 1:02d}-esslingen/", image, "Esslingen am Neckar",
                               "kommunen/esslingen-am-neckar/", f"@user_{i}", f"2026-12-{i + 1:02d}T18:00:00+01:00",
                               f"{i + 1}. Dezember 2026") for i in range(features)),
        portraits=tuple(Portrait("Karl: Süßen", f"artikel/karl-{i}/", "Karl",
                                 "Süßen ist klein, aber wir halten zusammen – das merkt man beim Stadtfest.",
                                 "Süßen", "kommunen/suessen/", image, "2026-12-02T12:00:00+01:00", "2. Dezember 2026")
                        for i in range(3)),
        events=tuple(EventItem(f"Netzwerkgespräch Nr. {i}", "termine/netzwerk/", "2027-01-12T18:00:00+01:00",
                               "Di., 12. Januar 2027, 18:00–20:30 Uhr", "Haus der Wirtschaft", "Stuttgart")
                     for i in range(8)),
        events_label="Januar 2027",
        campaign=CampaignCall("Winter in der Region", "mitmachen/", "Zeig uns deinen Winter.", "2026-12-01",
                              "2027-01-16T00:00:00+01:00", "15. Januar 2027"),
        more_features=4,
    )
