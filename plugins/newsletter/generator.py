"""The newsletter on the site: /newsletter/<YYYY-MM>/ (web version) and /newsletter/ (archive).

Each issue page also gets an issue.json beside it: the selection as data, which the mail
builder (scheduler/newsletter) turns into the e-mail, so web and mail never disagree.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from pelican.generators import Generator

from plugins.images import image_url

from .consent import CURRENT_VERSION, SIGNUP_PATH, consent_text
from .selection import ARCHIVE_URL, Issue, Month, issue_months, issue_to_dict, parse_when, select_issue, to_berlin
from .sources import IMAGE_WIDTH, campaign_calls, event_items, feature_from_post, portrait_from_article

logger = logging.getLogger(__name__)
ISSUE_DATA = "issue.json"


def build_now(settings: dict) -> datetime:
    """NEWSLETTER_NOW (ISO text, for reproducible builds and tests), else EVENTS_NOW, else the clock."""
    for key in ("NEWSLETTER_NOW", "EVENTS_NOW"):
        value = settings.get(key)
        if value:
            return to_berlin(datetime.fromisoformat(str(value)))
    return to_berlin(datetime.now(timezone.utc))


def derivative_path(src: str) -> str:
    """Site-relative path of a JPEG derivative (every mail client shows JPEG; WebP not everywhere)."""
    return image_url(src, IMAGE_WIDTH, "jpg", "").lstrip("/") if src else ""


def collect_issues(context: dict, content_path: Path, now: datetime) -> list[Issue]:
    features = [feature_from_post(post, derivative_path) for post in context.get("community_posts", ())]
    portraits = [p for a in context.get("articles", ()) if (p := portrait_from_article(a, derivative_path))]
    events = event_items(context.get("events", ()))
    calls = campaign_calls(content_path)
    # each issue looks only at its month's items (and the next month's dates), not at all of them
    features_in, portraits_in, events_in = by_month(features), by_month(portraits), by_month(events)
    return [select_issue(month, now, features_in.get(month, ()), portraits_in.get(month, ()),
                         events_in.get(month.next(), ()), calls)
            for month in issue_months(features, portraits, now)]


def by_month(items) -> dict[Month, list]:
    """Items by the month of their `when` (what select_issue's rules call in_month)."""
    months: dict[Month, list] = {}
    for item in items:
        months.setdefault(Month.of(parse_when(item.when)), []).append(item)
    return months


class NewsletterGenerator(Generator):
    def generate_context(self) -> None:
        self.now = build_now(self.settings)
        # A new month brings a new issue: the output is current until the next month starts.
        self.valid_until = None if self.settings.get("NEWSLETTER_NOW") or self.settings.get("EVENTS_NOW") else \
            Month.of(self.now).next().start().astimezone(timezone.utc)

    def generate_output(self, writer) -> None:
        # Here, not in generate_context: community posts, portraits and events are all read by now.
        issues = collect_issues(self.context, Path(self.path), self.now)
        issue_template = self.get_template("newsletter/issue")
        for index, issue in enumerate(issues):
            newer = issues[index - 1] if index else None
            older = issues[index + 1] if index + 1 < len(issues) else None
            writer.write_file(issue.url + "index.html", issue_template, self.context, url=issue.url,
                              issue=issue, newer=newer, older=older)
            target = Path(self.output_path) / issue.url / ISSUE_DATA
            target.parent.mkdir(parents=True, exist_ok=True)  # the preview may not have written the page
            target.write_text(json.dumps(issue_to_dict(issue), ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
        writer.write_file(ARCHIVE_URL + "index.html", self.get_template("newsletter/archive"), self.context,
                          url=ARCHIVE_URL, issues=issues, signup={"action": SIGNUP_PATH, "version": CURRENT_VERSION,
                                                                 "consent": consent_text()})
        logger.info("newsletter: %d issue(s) on the site", len(issues))
