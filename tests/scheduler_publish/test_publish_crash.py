"""Exactly once: the publisher SIGKILLed at every checkpoint, restarted, one post per channel
(Instagram media, Facebook photo, Mastodon status)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.mastodon_fake import TOKEN as MASTODON_TOKEN
from demo.mastodon_fake import MastodonFake
from plugins.community.postfile import read_post_file
from scheduler.publish.publisher import CHECKPOINTS
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.store.db import make_engine, session_factory

RUNNER = Path(__file__).with_name("publish_runner.py")
ROOT = Path(__file__).resolve().parents[2]


def environment(crash_at: str = "", mastodon_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOISTS_")}
    env.update(SOISTS_IG_USER_ID=IG_USER_ID, SOISTS_FB_PAGE_ID=PAGE_ID, SOISTS_IG_TOKEN=IG_TOKEN,
               SOISTS_FB_PAGE_TOKEN=PAGE_TOKEN, PYTHONPATH=str(ROOT))
    if mastodon_url:
        env.update(SOISTS_MASTODON_URL=mastodon_url, SOISTS_MASTODON_TOKEN=MASTODON_TOKEN)
    if crash_at:
        env["SOISTS_PUBLISH_CRASH_AT"] = crash_at
    return env


def run(workdir: Path, base_url: str, crash_at: str = "", mastodon_url: str = "") -> subprocess.CompletedProcess:
    """The publisher in a fresh interpreter: the real thing, ~2 s per run."""
    return subprocess.run([sys.executable, str(RUNNER), str(workdir), base_url], cwd=ROOT,
                          env=environment(crash_at, mastodon_url), capture_output=True, text=True, timeout=60)


def run_forked(workdir: Path, base_url: str, crash_at: str = "", mastodon_url: str = "") -> subprocess.CompletedProcess:
    """The publisher in a forked child process (same code, no interpreter start-up cost)."""
    from tests.scheduler_publish import publish_runner

    log_path = workdir / f"stderr-{crash_at or 'restart'}.log"
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 70
        try:
            os.environ.clear()
            os.environ.update(environment(crash_at, mastodon_url))
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 2)
            sys.stderr = open(2, "w", closefd=False)
            code = publish_runner.main(workdir, base_url)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return subprocess.CompletedProcess([], code, "", log_path.read_text())


@pytest.fixture
def workdir(tmp_path):
    Image.new("RGB", (1600, 2400), (90, 140, 200)).save(tmp_path / "source.jpg", exif=b"")
    return tmp_path


@pytest.mark.parametrize("crash_at", CHECKPOINTS)
def test_killed_at_each_checkpoint_then_restarted_publishes_exactly_once(workdir, crash_at):
    check_exactly_once(workdir, crash_at, run_forked)


@pytest.mark.parametrize("crash_at", ["instagram:published_unrecorded", "facebook:posted_unrecorded",
                                      "mastodon:posted_unrecorded"])
def test_killed_fresh_interpreter_between_api_call_and_record(workdir, crash_at):
    check_exactly_once(workdir, crash_at, run)


def check_exactly_once(workdir: Path, crash_at: str, runner) -> None:
    fake = GraphFake(workdir / "fake.json")
    base_url = fake.start()
    mastodon = MastodonFake(workdir / "mastodon.json")
    try:
        first = runner(workdir, base_url, crash_at, mastodon.start())
        assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
        # The fakes themselves restart too: their records must survive on disk.
        fake.stop()
        mastodon.stop()
        fake = GraphFake(workdir / "fake.json")
        base_url = fake.start()
        mastodon = MastodonFake(workdir / "mastodon.json")
        second = runner(workdir, base_url, "", mastodon.start())
        assert second.returncode == 0, second.stderr[-3000:]
        published = fake.published()
        assert len(published["instagram"]) == 1, published
        assert len(published["facebook"]) == 1, published
        statuses = mastodon.statuses()
        assert len(statuses) == 1, statuses
        assert "/wall/2026-11-23-plochingen/" in statuses[0]["text"] and "📷 @anna.knipst" in statuses[0]["text"]
        assert statuses[0]["language"] == "de" and statuses[0]["visibility"] == "public"
        assert mastodon.persisted()["media"][statuses[0]["media_ids"][0]]["description"] == \
            "Das Hundertwasserhaus im Abendlicht"
        assert "📷 @anna.knipst" in published["instagram"][0]["caption"]
        assert "/wall/2026-11-23-plochingen/" in published["facebook"][0]["name"]
        assert "media_publish" in first.stderr + second.stderr  # the logs were really captured
        for text in (first.stderr, second.stderr):
            assert IG_TOKEN not in text and PAGE_TOKEN not in text and MASTODON_TOKEN not in text
    finally:
        fake.stop()
        mastodon.stop()

    post, problems = read_post_file(workdir / "content" / "community" / "2026-11-23-plochingen.md")
    assert problems == [] and post.handle == "anna.knipst"
    assert (workdir / "content" / "images" / "community" / "2026-11-23-plochingen.jpg").exists()
    assert (workdir / "deploys.log").read_text().count("deploy") >= 1

    session = session_factory(make_engine(f"sqlite:///{workdir / 'store.db'}"))()
    feature = session.scalar(select(FeaturePublication))
    assert feature.status == "done"
    steps = {s.step: s for s in session.scalars(select(PublishStep))}
    assert all(s.state == "done" for s in steps.values()) and len(steps) == 6
    assert steps["instagram"].data["media_id"] == published["instagram"][0]["id"]
    assert steps["instagram"].data["container_id"]
    assert steps["facebook"].data["photo_id"] == published["facebook"][0]["id"]
    assert steps["mastodon"].data["status_id"] == statuses[0]["id"]
