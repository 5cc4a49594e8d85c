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


def test_printed_paths_are_never_broken_at_the_terminal_width(tmp_path):
    """A narrow terminal (or a cron mail's 80 columns) must not wrap a written file's path mid-name."""
    import os
    import subprocess
    import sys

    target = tmp_path / "ein-sehr-langer-ordnername-fuer-die-abdeckung" / "abdeckung-region-stuttgart.html"
    env = {**os.environ, "COLUMNS": "40", "SOISTS_DB_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    done = subprocess.run([sys.executable, "-m", "scheduler", "coverage", "--limit", "3", "--html", str(target)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"written: {target}\n" in done.stdout and target.is_file()
