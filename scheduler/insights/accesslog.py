"""Which websites link to the municipalities' badge, feed and page: the web server's access logs.

Reads nginx's `combined` format (the default of deploy/nginx/soists.conf, which sets no other):
  $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
including rotated files (access.log.1) and gzip-compressed ones (access.log.2.gz).

Privacy: only the referring host name is kept. The client address is matched without being
captured, the referrer's path and query string are dropped, and the user agent is ignored.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlalchemy.orm import Session

from scheduler.insights.state import ReferrerCount

DEFAULT_LOG = "/var/log/nginx/access.log"
# The client address and user name are skipped as \S+ (non-capturing): they never reach a variable.
LINE = re.compile(r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+)[^"]*" (?P<status>\d{3}) '
                  r'\S+ "(?P<referer>[^"]*)"')
PATH = re.compile(r"^/kommunen/(?P<slug>[a-z0-9-]+)/(?P<rest>[^?#]*)")
Key = tuple[date, str, str, str]  # day, slug, kind, host


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
    return store_counts(session, count_referrers(read_lines(log_files(path)), own_hosts, slugs))
