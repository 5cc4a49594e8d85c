"""CLI exit codes a cron job can act on."""

from __future__ import annotations

from scheduler.cli import main as cli
from scheduler.collect.ingest import Collector
from scheduler.collect.sources.base import SourceStopped
from tests.scheduler.test_scheduler_store import collected


def test_usage_and_workflow_exit_codes(sessions, settings, registry, capsys):
    assert cli.main([], settings) == 2
    assert cli.main(["approve", "1"], settings) == 2  # no such post
    Collector(sessions, settings, registry).store(collected(1))
    assert cli.main(["approve", "1", "--editor", "eva"], settings) == 0
    assert cli.main(["rights", "1", "requested"], settings) == 0
    assert cli.main(["rights", "1", "granted"], settings) == 2  # evidence missing
    assert cli.main(["rights", "1", "granted", "--evidence", "DM ja", "--credit", "Anna"], settings) == 0
    assert cli.main(["municipality", "1", "Altdorf"], settings) == 2  # ambiguous
    assert cli.main(["municipality", "1", "esslingen-am-neckar"], settings) == 0
    assert cli.main(["list", "--state", "granted"], settings) == 0
    assert cli.main(["show", "1"], settings) == 0
    shown = capsys.readouterr().out
    assert "granted" in shown and "DM ja" in shown and "eva" in shown
    assert cli.main(["import", "/nonexistent/folder"], settings) == 2


def test_collect_without_session_file_needs_login(settings, monkeypatch):
    def no_session(*args, **kwargs):
        raise SourceStopped(SourceStopped.LOGIN, "no session")
    monkeypatch.setattr("scheduler.collect.sources.instaloader_hashtag.logged_in_context", no_session)
    assert cli.main(["collect", "--via", "instaloader"], settings) == 3


def test_collect_rate_limited(settings, monkeypatch):
    def limited(*args, **kwargs):
        raise SourceStopped(SourceStopped.RATE_LIMITED, "429")
    monkeypatch.setattr("scheduler.collect.sources.instaloader_hashtag.logged_in_context", limited)
    assert cli.main(["collect", "--via", "instaloader", "--source", "hashtag"], settings) == 4
