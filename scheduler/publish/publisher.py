"""The feature publisher: one planned feature → website, Instagram, Facebook and Mastodon, exactly once.

Steps, each recorded in `feature_publish_steps` before ("started") and after ("done"):

  image      the 1080-px sRGB JPEG without EXIF (also the website's image)
  website    content/community/<key>.md through the site's own `write_post_file`
  deploy     build and deploy the site (default `invoke publish`), so Meta can fetch the image
  instagram  create the container (id stored); poll; read the quota; store the intent;
             media_publish; store the media id. After a crash the stored container is
             asked for its status first: PUBLISHED means done, never publish again.
             An EXPIRED container (24 h, or -2/2207020 on publishing) is abandoned for a new
             one; 9007/2207027 (not ready) polls again; a full quota (read first, or
             9/2207042) waits until the oldest post leaves the 24-hour window.
  facebook   store the intent; POST /{page-id}/photos; store the photo id and the post id
             (Meta answers both). After a crash with an intent but no photo id, the Page's
             photos are searched for the feature's link before posting again (that finds
             the photo id only; insights then fall back to "<page>_<photo>").
  mastodon   optional (SOISTS_MASTODON_URL): media with alt text, intent, one public status with an
             Idempotency-Key; the account's statuses are searched before any repeat (mastodon_step.py).
             A side channel: its failure stays on its step and is retried alone (side_channels.py);
             the feature is done with the website, Instagram and Facebook.

File steps (image, website, deploy) are idempotent. `publish_due(session, now)`: errors classified by
graph_api: RetryLater → backoff on the feature, NeedsEditor/Fatal → it waits for an editor (`retry_feature`).

For crash tests, SOISTS_PUBLISH_CRASH_AT=<checkpoint> makes the process SIGKILL itself
right after that checkpoint (see CHECKPOINTS).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from scheduler.config import BERLIN, PROJECT_ROOT
from scheduler.publish.caption import CaptionInput, build_caption
from scheduler.publish.graph_api import (
    ContainerExpired,
    ContainerFailed,
    GraphClient,
    GraphConfig,
    GraphError,
    MediaNotReady,
    NeedsEditor,
    QuotaExceeded,
    RetryLater,
    RetryPublish,
    TemporarilyBlocked,
)
from scheduler.publish.locks import LockLost, publisher_lock
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig
from scheduler.publish.mastodon_step import CHECKPOINTS as MASTODON_CHECKPOINTS
from scheduler.publish.mastodon_step import step_mastodon
from scheduler.publish.platform_image import make_derivative
from scheduler.publish.queue import FeatureRequest, due_features
from scheduler.publish.side_channels import SIDE_CHANNELS, due_side_steps, retry_side_step, run_side_step
from scheduler.publish.state import STEPS, FeaturePublication, PublishStep
from scheduler.store.private import make_public, public_umask

log = logging.getLogger(__name__)
CRASH_ENV = "SOISTS_PUBLISH_CRASH_AT"
CHECKPOINTS = (
    *(f"{step}:{when}" for step in STEPS for when in ("before", "after")),
    "instagram:container_stored", "instagram:publish_intent", "instagram:published_unrecorded",
    "facebook:intent_stored", "facebook:posted_unrecorded", *MASTODON_CHECKPOINTS,
)


# --- the website writer adapter ------------------------------------------------------

PostWriter = Callable[[FeatureRequest, str, Path], Path]


def write_with_site_writer(request: FeatureRequest, image: str, content_dir: Path) -> Path:
    """Write content/community/<key>.md with the community plugin's own writer function."""
    from plugins.community.postfile import CommunityPost, write_post_file

    post = CommunityPost(
        id=request.key, platform=request.platform, municipality=request.municipality_slug,
        taken=request.taken, featured=request.slot_utc.astimezone(BERLIN), image=image,
        alt=request.alt, consent_date=request.consent_date, consent_method=request.consent_method,
        caption=request.text, handle=request.handle, author_name=request.author_name,
        original_url=request.original_url, original_id=request.original_id)
    return write_post_file(post, content_dir)


def run_invoke_publish(project_root: Path = PROJECT_ROOT) -> None:
    """Default deploy: the project's own `invoke publish` task (build + deploy)."""
    invoke = shutil.which("invoke") or str(Path(sys.executable).with_name("invoke"))
    # the build writes the public site: the operator's umask, not the scheduler's private one
    subprocess.run([invoke, "publish"], cwd=project_root, check=True, umask=public_umask())


@dataclass
class Publisher:
    client: GraphClient
    site_url: str  # public base URL of the deployed site, e.g. https://www.so-ist-s.de
    content_dir: Path = PROJECT_ROOT / "content"
    deploy: Callable[[], None] = run_invoke_publish
    write_post: PostWriter = write_with_site_writer
    poll_s: float = 60.0  # documented advice: about once a minute …
    poll_attempts: int = 5  # … for up to five minutes
    publish_repeats: int = 2  # 24/2207008: "try again 1–2 times in the next 30 seconds to 2 minutes"
    publish_retry_s: float = 45.0
    sleep: Callable[[float], None] = time.sleep
    min_quota_left: int = 1
    retry_base: timedelta = timedelta(minutes=5)
    retry_max: timedelta = timedelta(hours=6)
    retry_named_max: timedelta = timedelta(hours=25)  # a wait Meta names (quota window: up to 24 h)
    blocked_wait: timedelta = timedelta(hours=1)
    crash_at: str = field(default_factory=lambda: os.environ.get(CRASH_ENV, ""))
    verify_lock: Callable[[], None] = field(default=lambda: None, repr=False)  # set by publish_due
    lock_path: Path | None = None  # SQLite's lock file; PostgreSQL uses an advisory lock (locks.py)
    mastodon: MastodonClient | None = None  # the optional third channel (None: not configured)
    media_poll_s: float = 2.0  # GET /api/v1/media/:id while it answers 206 (processing)
    media_poll_attempts: int = 30

    @classmethod
    def from_env(cls, **overrides) -> "Publisher":
        site_url = os.environ.get("SOISTS_SITE_URL", "").rstrip("/")
        if not site_url.startswith(("https://", "http://")):
            raise NeedsEditor("SOISTS_SITE_URL must be the public https:// address of the deployed site")
        lock = Path(os.environ.get("SOISTS_PUBLISH_LOCK", PROJECT_ROOT / "var" / "publish.lock"))
        polling = {"poll_s": float(os.environ.get("SOISTS_CONTAINER_POLL_SECONDS", 60)),
                   "poll_attempts": int(os.environ.get("SOISTS_CONTAINER_POLL_ATTEMPTS", 5))}
        mastodon = MastodonConfig.from_env()
        return cls(client=GraphClient(GraphConfig.from_env()), site_url=site_url,
                   **{"lock_path": lock, **polling, "mastodon": MastodonClient(mastodon) if mastodon else None,
                      **overrides})

    # -- helpers -----------------------------------------------------------------------
    def checkpoint(self, name: str) -> None:
        """Called before and after every step and right before each post: a lost lock stops here."""
        if self.crash_at == name:
            log.warning("crash test: killing myself at %s", name)
            os.kill(os.getpid(), signal.SIGKILL)
        self.verify_lock()

    def image_relpath(self, request: FeatureRequest) -> str:
        """The site's copy: the wall shows it as resized, metadata-free derivatives."""
        return f"images/community/{request.key}.jpg"

    def share_relpath(self, request: FeatureRequest) -> str:
        """The Instagram JPEG, published verbatim at a stable URL for Meta to fetch."""
        from plugins.community.postfile import share_image_path

        return share_image_path(request.key)

    def image_url(self, request: FeatureRequest) -> str:
        return f"{self.site_url}/{self.share_relpath(request)}"

    def post_url(self, request: FeatureRequest) -> str:
        return f"{self.site_url}/wall/{request.key}/"

    def caption_input(self, request: FeatureRequest) -> CaptionInput:
        return CaptionInput(request.municipality_name, request.handle, request.text, request.hashtags,
                            self.post_url(request), author_name=request.author_name, source=request.platform)

    # -- steps -------------------------------------------------------------------------
    def step_image(self, session, feature, step, request) -> dict:
        target = self.content_dir / self.share_relpath(request)
        derivative = make_derivative(Path(request.source_image), target)
        site_copy = self.content_dir / self.image_relpath(request)
        site_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, site_copy)  # rerunning the step after a crash writes the same bytes
        make_public(site_copy)  # the site's file: readable by the web server despite the private umask
        return {"path": str(target), "site_copy": str(site_copy), "bytes": derivative.bytes,
                "height": derivative.height}

    def step_website(self, session, feature, step, request) -> dict:
        return {"path": str(self.write_post(request, self.image_relpath(request), self.content_dir))}

    def step_deploy(self, session, feature, step, request) -> dict:
        self.deploy()
        return {"image_url": self.image_url(request)}

    def step_instagram(self, session, feature, step, request) -> dict:
        data = dict(step.data or {})
        # The wall URL is in the caption and comes back verbatim in the media's `caption`
        # (unlike "@" mentions, which the API leaves out for most tokens): the reconciliation key.
        marker = self.post_url(request)
        caption = build_caption(self.caption_input(request), include_link=True)
        container = data.get("container_id")
        if container:
            state = self.client.container_state(container)
            if state.code == "PUBLISHED":  # published before a crash: never publish again
                return self._published(data, marker)
            if state.code in ("ERROR", "EXPIRED"):
                self._abandon(data, container, state.code, state.status)
                container = None
        for fresh in range(2):  # a container that expires on the way is replaced once per run
            if not container:
                container = self.client.create_image_container(self.image_url(request), caption)
                data["container_id"] = container
                data["container_created"] = datetime.now(timezone.utc).isoformat()
                self._save_data(session, step, data)
                self.checkpoint("instagram:container_stored")
            try:
                return self._publish_instagram(session, step, data, container, marker)
            except ContainerExpired as expired:
                # Asked first (in _publish_instagram): not PUBLISHED. Documented: use a new container.
                self._abandon(data, container, "EXPIRED", str(expired))
                self._save_data(session, step, data)
                container = None
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def _abandon(self, data: dict, container: str, code: str, status: str) -> None:
        data.setdefault("abandoned", []).append([container, code, status])
        data.pop("container_id", None)

    def _quota_full(self, message: str, error: GraphError | None = None) -> QuotaExceeded:
        """A full publishing quota waits until its moving window frees a post (content_publishing_limit)."""
        try:
            wait = self.client.quota_wait_s()
        except GraphError:
            wait = None
        return QuotaExceeded(message, code=error.code if error else None, subcode=error.subcode if error else None,
                             http_status=error.http_status if error else None, retry_after=wait)

    def _publish_instagram(self, session, step, data: dict, container: str, marker: str) -> dict:
        try:
            self.client.wait_until_ready(container, poll_s=self.poll_s, attempts=self.poll_attempts)
        except ContainerFailed as failed:  # keep Meta's subcode text in the step's record
            data["container_status"] = failed.state.status
            self._save_data(session, step, data)
            raise
        quota = self.client.publishing_quota()
        data["quota_before"] = [quota.usage, quota.total]
        if quota.left < self.min_quota_left:
            raise self._quota_full(f"publishing quota used up ({quota.usage}/{quota.total} per {quota.duration_s} s)")
        data["publish_intent"] = datetime.now(timezone.utc).isoformat()
        self._save_data(session, step, data)
        self.checkpoint("instagram:publish_intent")
        repeats = 0
        while True:
            try:
                data["media_id"] = self.client.publish_container(container)
                break
            except GraphError as error:
                # Whatever the answer, the container's status is the truth — asked before any repeat.
                state = self.client.container_state(container)
                if state.code == "PUBLISHED":
                    self._published(data, marker)
                    break
                if state.code == "EXPIRED" and not isinstance(error, ContainerExpired):
                    raise ContainerExpired(f"container {container} EXPIRED: {error}") from error
                if isinstance(error, QuotaExceeded):  # 9/2207042: the quota filled up since it was read
                    raise self._quota_full(str(error), error) from error
                if isinstance(error, MediaNotReady) and repeats < self.publish_repeats:
                    repeats += 1  # 9007/2207027: not ready yet; poll again, then publish
                    self.client.wait_until_ready(container, poll_s=self.poll_s, attempts=self.poll_attempts)
                    continue
                if not isinstance(error, RetryPublish):
                    raise
                if repeats >= self.publish_repeats:  # documented: then a new container
                    self._abandon(data, container, "2207008", str(error))
                    self._save_data(session, step, data)
                    raise
                repeats += 1
                self.sleep(self.publish_retry_s)
        self.checkpoint("instagram:published_unrecorded")
        return data

    def _published(self, data: dict, marker: str) -> dict:
        since = data.get("publish_intent") or data.get("container_created")
        found = self.client.find_media(marker, datetime.fromisoformat(since) if since else None)
        data["media_id"] = found or "unknown (container PUBLISHED)"
        return data

    def step_facebook(self, session, feature, step, request) -> dict:
        data = dict(step.data or {})
        marker = self.post_url(request)
        if data.get("intent"):  # a previous attempt may have posted: look before posting again
            found = self.client.find_page_photo(marker)
            if found:
                data["photo_id"] = found
                return data
        data["intent"] = datetime.now(timezone.utc).isoformat()
        self._save_data(session, step, data)
        self.checkpoint("facebook:intent_stored")
        caption = build_caption(self.caption_input(request), include_link=True)
        photo = self.client.post_page_photo(self.image_url(request), caption)
        # Both ids as Meta answers them: the post id is not "<page>_<photo>" (graph-api/reference/page/photos)
        data["photo_id"], data["post_id"] = photo.id, photo.post_id
        self.checkpoint("facebook:posted_unrecorded")
        return data

    def step_mastodon(self, session, feature, step, request) -> dict:
        return step_mastodon(self, session, step, request)

    # -- the state machine -------------------------------------------------------------
    @staticmethod
    def _save_data(session: Session, step: PublishStep, data: dict) -> None:
        step.data = dict(data)  # a new object, so SQLAlchemy sees the JSON change
        session.commit()

    def publish_feature(self, session: Session, feature: FeaturePublication, now: datetime) -> str:
        """Run the remaining steps of one feature; returns its new status."""
        request = FeatureRequest.from_json(feature.request)
        steps = {s.step: s for s in feature.steps}
        try:
            for name in STEPS:
                step = steps.get(name)
                if step is not None and step.state == "done":
                    continue
                if step is None:
                    step = PublishStep(feature=feature, step=name, data={})
                    session.add(step)
                step.state, step.started_utc, step.error = "started", datetime.now(timezone.utc), None
                session.commit()
                self.checkpoint(f"{name}:before")
                if name in SIDE_CHANNELS:  # Mastodon: a failure stays on its step (side_channels.py)
                    if run_side_step(self, session, feature, step, request, now):
                        self.checkpoint(f"{name}:after")
                    continue
                result = getattr(self, f"step_{name}")(session, feature, step, request)
                step.data = dict(result)
                step.state, step.finished_utc = "done", datetime.now(timezone.utc)
                session.commit()
                log.info("feature %s: %s done", feature.key, name)
                self.checkpoint(f"{name}:after")
        except GraphError as error:
            return self._failed(session, feature, step, error, now)
        except (DBAPIError, LockLost):
            # The database itself failed (e.g. the server restarted): nothing can be recorded,
            # and it is not the feature's fault. The step stays "started"; the next run redoes
            # it with the facts stored so far (container id, intent), so nothing is posted twice.
            raise
        except ValueError as error:  # invalid post data (PostFileError), an unreadable photo
            return self._failed(session, feature, step, NeedsEditor(f"{type(error).__name__}: {error}"), now)
        except Exception as error:  # a disk or deploy problem: retry later, keep the details
            return self._failed(session, feature, step, RetryLater(f"{type(error).__name__}: {error}"), now)
        feature.status, feature.last_error, feature.next_attempt_utc = "done", None, None
        feature.updated_utc = datetime.now(timezone.utc)
        session.commit()
        return feature.status

    def _failed(self, session, feature, step, error: GraphError, now: datetime) -> str:
        session.rollback()
        feature.attempts += 1
        feature.last_error = f"{step.step if step else '?'}: {error}"
        if isinstance(error, RetryLater):
            delay = min(self.retry_base * 2 ** (feature.attempts - 1), self.retry_max)
            if error.retry_after is not None:  # Meta named the wait (usage headers, quota window): at least that
                delay = max(delay, min(timedelta(seconds=error.retry_after), self.retry_named_max))
            if isinstance(error, TemporarilyBlocked):  # 368: no point in asking again within the hour
                delay = max(delay, self.blocked_wait)
            feature.status, feature.next_attempt_utc = "pending", now + delay
        else:
            feature.status = "needs_editor" if isinstance(error, NeedsEditor) else "failed"
        if step is not None and step.state != "done":
            step.state, step.error = "failed", str(error)
            # code/subcode/kind beside the text: what problems and the alerts read
            step.data = {**(step.data or {}), "error": {"code": error.code, "subcode": error.subcode,
                                                         "kind": type(error).__name__}}
        feature.updated_utc = datetime.now(timezone.utc)
        session.commit()
        log.warning("feature %s: %s → %s", feature.key, feature.last_error, feature.status)
        return feature.status


def publish_due(session: Session, now: datetime, publisher: Publisher | None = None) -> dict[str, str]:
    """Publish every feature whose slot has come (oldest first); returns key → status.

    Returns {} without doing anything while another publisher process holds the lock
    (PostgreSQL: an advisory lock shared by every machine; SQLite: the lock file).
    """
    publisher = publisher or Publisher.from_env()
    with publisher_lock(session.get_bind(), publisher.lock_path) as lock:
        if not lock:
            log.info("another publisher is running; nothing done")
            return {}
        # A new transaction with nothing cached: what a publisher that held the lock before
        # us committed (steps done, features finished) must be seen, never stale rows.
        session.commit()
        publisher.verify_lock = lock.verify
        try:
            done = {feature.key: publisher.publish_feature(session, feature, now)
                    for feature in due_features(session, now)}
            return done | {f"{step.feature.key}/{step.step}": retry_side_step(publisher, session, step, now)
                           for step in due_side_steps(session, now)}  # only the failed channel again
        finally:
            publisher.verify_lock = lambda: None


__all__ = ["CHECKPOINTS", "Publisher", "publish_due"]
