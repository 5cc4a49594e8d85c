"""Crash safety: an import SIGKILLed halfway (after an image is written, before the commit)
and run again stores every post exactly once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from instaloader import Post, save_structure_to_file
from sqlalchemy import func, select

from scheduler.cli.main import main
from scheduler.collect.sources.folder_import import OfflineContext
from scheduler.store.models import AuditEvent, Image
from scheduler.store.models import Post as StoredPost
from tests.scheduler.scheduler_fakes import node, photo

KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import scheduler.collect.ingest as ingest
    real, calls = ingest.store_image, []
    def store_then_die(*args, **kwargs):
        stored = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # image on disk, transaction not committed
        return stored
    ingest.store_image = store_then_die
    from scheduler.cli.main import main
    sys.exit(main(["import", sys.argv[1]]))
""")


def test_import_killed_halfway_then_rerun_stores_each_post_once(tmp_path, settings, sessions, monkeypatch):
    folder = tmp_path / "download"
    folder.mkdir()
    context = OfflineContext()
    for i in range(8):
        stem = f"2026-11-{10 + i}_18-00-00_UTC"
        save_structure_to_file(Post(context, node(i)), str(folder / f"{stem}.json.xz"))
        (folder / f"{stem}.jpg").write_bytes(photo(i))
    env = {"SOISTS_DB_URL": settings.db_url, "SOISTS_MEDIA_DIR": str(settings.media_dir),
           "SOISTS_MIN_IMAGE_PX": "100", "PATH": "/usr/bin:/bin"}
    killed = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(folder), "5"], env=env, cwd=str(
        __import__("pathlib").Path(__file__).resolve().parents[2]), capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    with sessions() as session:
        assert session.scalar(select(func.count(StoredPost.id))) == 4  # the 5th died before its commit

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["import", str(folder)]) == 0
    assert main(["import", str(folder)]) == 0  # and once more, for good measure
    with sessions() as session:
        uids = session.scalars(select(StoredPost.uid)).all()
        assert sorted(uids) == sorted(f"instagram:SoS{i:05d}" for i in range(8))
        assert session.scalar(select(func.count(Image.id))) == 8
        collected_events = session.scalars(select(AuditEvent.post_id).where(AuditEvent.action == "collected")).all()
        assert sorted(collected_events) == sorted(set(collected_events)) and len(collected_events) == 8
    assert len(list((settings.media_dir / "originals").iterdir())) == 8
    assert not list(settings.media_dir.rglob("*.part"))
