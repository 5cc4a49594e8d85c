"""Backup and restore: a store with a queue, history and job store comes back identical into
an empty place — `status` and the review board's tables read the same — on both databases."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from demo.graph_fake import GraphFake
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.cli import main as cli
from scheduler.config import Settings
from scheduler.store import backup
from scheduler.store.db import make_engine
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env, store
from tests.scheduler_jobs.test_jobs_runner import start_paused

pytestmark = pytest.mark.both_databases
BOARD = ("posts", "images", "consents", "audit_events", "feature_publications", "feature_publish_steps",
         "editor_choices", "apscheduler_jobs", "alembic_version")


def table_rows(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            return {t: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{t}"')).all()), key=repr)
                    for t in BOARD if t in names}
    finally:
        engine.dispose()


def media_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_line(text_: str) -> str:
    return " ".join(text_.split())  # the console wraps long messages


def status(settings: Settings, capsys) -> str:
    capsys.readouterr()
    assert cli.main(["status"], settings) == 0
    return capsys.readouterr().out


@pytest.fixture
def empty_target(request, tmp_path, db_url):
    """Where to restore: a new SQLite file, or a new empty database on the same server."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh-machine' / 'soists.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


def test_restore_into_an_empty_place_gives_the_same_store(db_url, empty_target, tmp_path, monkeypatch, capsys):
    planning_env(monkeypatch, tmp_path)
    url, engine, sessions = store(db_url)
    for n, slug in enumerate(("plochingen", "backnang"), start=1):
        add_post(sessions, tmp_path / "media", n, load_registry().get(slug).ags)
    fake = GraphFake(tmp_path / "fake.json")
    try:
        publisher = fake_publisher(fake.start(), tmp_path / "content", [])
        assert jobs.run_once(url, NOW, publisher=publisher, deploy=lambda: None).exit_code == 0
    finally:
        fake.stop()
    start_paused(url).shutdown(wait=True)  # the job store, with next run times
    engine.dispose()
    source = Settings(root=tmp_path, db_url=url, media_dir=tmp_path / "media")
    before_rows, before_status = table_rows(url), status(source, capsys)
    assert before_rows["feature_publish_steps"] and before_rows["apscheduler_jobs"]

    assert cli.main(["backup", "--to", str(tmp_path / "backups")], source) == 0
    (folder,) = (tmp_path / "backups").iterdir()
    info = backup.json.loads((folder / "manifest.json").read_text())
    assert info["schema_revision"] == "0005" and info["dialect"] == url.split(":")[0].split("+")[0]
    assert "apscheduler_jobs" in info["job_store"]
    assert {f["path"] for f in info["files"]} >= {"media/originals/p1.jpg", backup.DUMPS[info["dialect"]]}

    target = Settings(root=tmp_path, db_url=empty_target, media_dir=tmp_path / "fresh-machine" / "media")
    assert cli.main(["restore", str(folder)], target) == 0
    assert table_rows(empty_target) == before_rows
    assert status(target, capsys) == before_status
    assert media_files(target.media_dir) == media_files(source.media_dir) != {}

    # Not twice onto a store that is in use, and never from a damaged backup.
    assert cli.main(["restore", str(folder)], target) == 1
    assert "not empty" in one_line(capsys.readouterr().err)
    assert cli.main(["restore", str(folder), "--force"], target) == 0
    assert table_rows(empty_target) == before_rows
    (folder / "media" / "originals" / "p1.jpg").write_bytes(b"changed")
    assert cli.main(["restore", str(folder), "--force"], target) == 1
    assert "p1.jpg: size or checksum differs" in one_line(capsys.readouterr().err)


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path):
    folder = tmp_path / "soists-20261201T030000Z"
    folder.mkdir()
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(folder, f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "media")
    assert not (tmp_path / "x.db").exists()


def test_retention_keeps_two_weeks_of_dailies_and_eight_weeklies():
    now = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    names = [backup.backup_name(datetime(2026, 12, 1, 3, tzinfo=timezone.utc) - backup.timedelta(days=d))
             for d in range(0, 120)] + ["notes", "soists-garbage"]
    pruned = set(backup.to_prune(names, now, 14, 8))
    kept = [n for n in names if n not in pruned and backup.backup_time(n)]
    recent = [n for n in kept if now - backup.backup_time(n) < backup.timedelta(days=14)]
    assert len(recent) == 14  # every daily of the last two weeks
    assert len(kept) - len(recent) in (6, 7)  # one per ISO week further back, up to eight weeks
    assert all(now - backup.backup_time(n) < backup.timedelta(weeks=8) for n in kept)
    assert "notes" not in pruned and "soists-garbage" not in pruned
    assert backup.parse_keep("14d,8w") == (14, 8)
    with pytest.raises(ValueError):
        backup.parse_keep("forever")
    assert backup.public_url("postgresql+psycopg://u:geheim@db/soists") == "postgresql+psycopg://u@db/soists"
