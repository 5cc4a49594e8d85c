"""Referrers from nginx access logs: combined format, rotated and gzip files, host names only."""

from __future__ import annotations

import gzip
from datetime import date

from sqlalchemy import select, text

from scheduler.insights.accesslog import count_referrers, import_access_logs, log_files, parse_line, referrer_host
from scheduler.insights.state import ReferrerCount
from scheduler.store.db import make_engine, migrate, session_factory

OWN = frozenset({"so-ist-s.de"})


def line(path: str, referer: str, ip: str = "203.0.113.9", status: int = 200, when: str = "01/Dec/2026:10:00:00 +0100",
         method: str = "GET") -> str:
    return f'{ip} - - [{when}] "{method} {path} HTTP/1.1" {status} 512 "{referer}" "Mozilla/5.0 (X11)"\n'


def test_parse_badge_feed_page_and_skip_the_rest():
    assert parse_line(line("/kommunen/plochingen/badge.svg", "https://www.plochingen.de/a?b=c"), OWN) == \
        (date(2026, 12, 1), "plochingen", "badge", "plochingen.de")
    assert parse_line(line("/kommunen/plochingen/feed.atom", "http://Blog.Example.org/"), OWN)[2:] == \
        ("feed", "blog.example.org")
    assert parse_line(line("/kommunen/plochingen/?utm=x", "https://plochingen.de/"), OWN)[2] == "page"
    assert parse_line(line("/kommunen/plochingen/", "https://www.so-ist-s.de/kommunen/"), OWN) is None  # our own
    assert parse_line(line("/kommunen/plochingen/", "-"), OWN) is None
    assert parse_line(line("/kommunen/plochingen/", "https://x.de/", status=404), OWN) is None
    assert parse_line(line("/kommunen/plochingen/", "https://x.de/", method="POST"), OWN) is None
    assert parse_line(line("/theme/css/site.css", "https://x.de/"), OWN) is None
    assert parse_line("garbage", OWN) is None
    assert referrer_host("javascript:alert(1)") is None and referrer_host("https://[::1]/") is None


def test_rotated_and_gzip_files_are_read_and_counted(tmp_path):
    (tmp_path / "access.log").write_text(line("/kommunen/plochingen/badge.svg", "https://plochingen.de/"))
    (tmp_path / "access.log.1").write_text(line("/kommunen/plochingen/badge.svg", "https://plochingen.de/") * 2)
    with gzip.open(tmp_path / "access.log.2.gz", "wt") as handle:
        handle.write(line("/kommunen/esslingen-am-neckar/", "https://esslingen.de/", when="30/Nov/2026:23:59:59 +0100"))
    (tmp_path / "access.log.bak").write_text("not a rotation")
    assert [p.name for p in log_files(tmp_path / "access.log")] == ["access.log", "access.log.1", "access.log.2.gz"]
    assert log_files(tmp_path / "missing" / "access.log") == []
    counts = count_referrers(
        (text_line for p in log_files(tmp_path / "access.log") for text_line in
         (gzip.open(p, "rt") if p.suffix == ".gz" else open(p))), ["www.so-ist-s.de"],
        {"plochingen", "esslingen-am-neckar"})
    assert counts[(date(2026, 12, 1), "plochingen", "badge", "plochingen.de")] == 3
    assert counts[(date(2026, 11, 30), "esslingen-am-neckar", "page", "esslingen.de")] == 1


def test_no_ip_address_or_full_referrer_reaches_the_store(tmp_path, db_url):
    log = tmp_path / "access.log"
    log.write_text(line("/kommunen/plochingen/badge.svg", "https://www.plochingen.de/kultur?user=max%40mail.de",
                        ip="198.51.100.77")
                   + line("/kommunen/plochingen/badge.svg", "https://www.plochingen.de/", ip="2001:db8::42")
                   + line("/kommunen/unbekannt/badge.svg", "https://example.org/", ip="198.51.100.78"))
    migrate(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        assert import_access_logs(session, log, ["so-ist-s.de"], {"plochingen"}) == 1
        assert import_access_logs(session, log, ["so-ist-s.de"], {"plochingen"}) == 1  # a rerun counts once
        rows = list(session.scalars(select(ReferrerCount)))
        assert [(r.slug, r.kind, r.host, r.hits) for r in rows] == [("plochingen", "badge", "plochingen.de", 2)]
        dump = " ".join(str(value) for row in session.execute(text("SELECT * FROM insight_referrers")) for value in row)
    engine.dispose()
    for secret in ("198.51.100", "2001:db8", "kultur", "user=", "mail.de", "Mozilla"):
        assert secret not in dump
