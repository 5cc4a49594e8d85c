"""Which websites link to the municipalities' badge, feed and page: the web server's access logs.

Reads nginx's `combined` format (the default of deploy/nginx/soists.conf, which sets no other):
  $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
including rotated files (access.log.1) and gzip-compressed ones (access.log.2.gz).

The same pass counts the monthly mail's clicks: requests whose query carries the mail's campaign
parameter (`mtm_campaign=kommune-2026-11&mtm_kwd=plochingen`, scheduler/partners/mail.py), per day,
campaign and keyword.

Privacy: only the referring host name (and a campaign's name and keyword) is kept. The client address is matched without being
captured, the referrer's path and query string are dropped, and the user agent is ignored.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import delete
from sqlalchemy.orm import Session

from scheduler.insights.state import CampaignClick, ReferrerCount

DEFAULT_LOG = "/var/log/nginx/access.log"
# The client address and user name are skipped as \S+ (non-capturing): they never reach a variable.
LINE = re.compile(r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+)[^"]*" (?P<status>\d{3}) '
                  r'\S+ "(?P<referer>[^"]*)"')
PATH = re.compile(r"^/kommunen/(?P<slug>[a-z0-9-]+)/(?P<rest>[^?#]*)")
Key = tuple[date, str, str, str]  # day, slug, kind, host
ClickKey = tuple[date, str, str]  # day, campaign, keyword
CAMPAIGN = re.compile(r"^kommune-\d{4}-\d{2}$")  # the monthly mail's campaigns (partners/mail.py)
KEYWORD = re.compile(r"^[a-z0-9-]{1,80}$")


def kind_of(rest: str) -> str | None:
    """What of a municipality was requested: its badge, its feed or its page."""
    if rest.startswith("badge"):
        return "badge"
    if rest.startswith("feed"):
        return "feed"
    if rest in ("", "index.html"):
        return "page"
    return None


def referrer_host(referer: str) -> str | None:
    """The host name alone ("www.plochingen.de" → "plochingen.de"); None for none or junk."""
    if not referer or referer == "-":
        return None
    try:
        host = (urlsplit(referer).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if not host or not re.fullmatch(r"[a-z0-9.-]{1,253}", host):
        return None
    return host.removeprefix("www.")


def parse_line(line: str, own_hosts: frozenset[str]) -> Key | None:
    match = LINE.match(line)
    if not match or match["method"] not in ("GET", "HEAD") or not match["status"].startswith(("2", "3")):
        return None
    path = PATH.match(match["path"])
    kind = kind_of(path["rest"]) if path else None
    host = referrer_host(match["referer"])
    if kind is None or host is None or host in own_hosts:
        return None
    try:
        day = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").date()
    except ValueError:
        return None
    return day, path["slug"], kind, host


def count_referrers(lines: Iterable[str], own_hosts: Iterable[str], slugs: set[str]) -> Counter[Key]:
    own = frozenset(h.removeprefix("www.") for h in own_hosts)
    counts: Counter[Key] = Counter()
    for line in lines:
        key = parse_line(line, own)
        if key is not None and key[1] in slugs:
            counts[key] += 1
    return counts


def log_files(path: Path) -> list[Path]:
    """access.log, access.log.1, access.log.2.gz, … (oldest last)."""
    if not path.parent.is_dir():
        return []
    rotated = [p for p in path.parent.glob(path.name + ".*") if re.fullmatch(r"\d+(\.gz)?", p.name[len(path.name) + 1:])]
    rotated.sort(key=lambda p: int(p.name[len(path.name) + 1:].split(".")[0]))
    return ([path] if path.is_file() else []) + rotated


def read_lines(files: Iterable[Path]) -> Iterator[str]:
    for file in files:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle


def parse_click(line: str) -> ClickKey | None:
    """(day, campaign, keyword) of a request through a link of the monthly mail; None otherwise."""
    match = LINE.match(line)
    if not match or "mtm_campaign=" not in match["path"] or match["method"] not in ("GET", "HEAD") \
            or not match["status"].startswith(("2", "3")):
        return None
    query = parse_qs(urlsplit(match["path"]).query)
    campaign, keyword = (query.get("mtm_campaign") or [""])[0], (query.get("mtm_kwd") or [""])[0]
    if not CAMPAIGN.match(campaign) or not KEYWORD.match(keyword):
        return None
    try:
        day = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").date()
    except ValueError:
        return None
    return day, campaign, keyword


def count_all(lines: Iterable[str], own_hosts: Iterable[str], slugs: set[str]) -> tuple[Counter[Key], Counter[ClickKey]]:
    """One pass: the referrer counts and the campaign clicks."""
    own = frozenset(h.removeprefix("www.") for h in own_hosts)
    counts: Counter[Key] = Counter()
    clicks: Counter[ClickKey] = Counter()
    for line in lines:
        click = parse_click(line)
        if click is not None:  # a click in a mail, not a site linking to us
            if click[2] in slugs:
                clicks[click] += 1
            continue
        key = parse_line(line, own)
        if key is not None and key[1] in slugs:
            counts[key] += 1
    return counts, clicks


def store_clicks(session: Session, clicks: Counter[ClickKey], days: set[date]) -> None:
    """Like store_counts: the days found in the logs are replaced, older days are kept."""
    if days:
        session.execute(delete(CampaignClick).where(CampaignClick.day.in_(days)))
    session.add_all(CampaignClick(day=d, campaign=c, keyword=k, hits=n) for (d, c, k), n in clicks.items())


def store_counts(session: Session, counts: Counter[Key]) -> int:
    """Replace the counts of every day found in the logs: a rerun over the same files counts once.
    Days no longer in the logs (rotated away) keep their stored counts."""
    days = {key[0] for key in counts}
    if days:
        session.execute(delete(ReferrerCount).where(ReferrerCount.day.in_(days)))
    session.add_all(ReferrerCount(day=d, slug=s, kind=k, host=h, hits=n) for (d, s, k, h), n in counts.items())
    session.commit()
    return len(counts)


def import_access_logs(session: Session, path: Path, own_hosts: Iterable[str], slugs: set[str]) -> int:
    counts, clicks = count_all(read_lines(log_files(path)), own_hosts, slugs)
    store_clicks(session, clicks, {key[0] for key in counts} | {key[0] for key in clicks})
    return store_counts(session, counts)
