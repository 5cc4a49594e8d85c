"""#SoistS posts and posts tagging @wirzeigenS, through instaloader, resumable and budgeted.

Instagram's private endpoints are fragile: hashtag posts need a logged-in session, 429s
come quickly, and a checkpoint/challenge must be passed by a human. So each run takes a
small budget of posts, persists instaloader's frozen iterator after every stored post (the
next run resumes there), backs off on 429 and stops cleanly on login or checkpoint trouble.
"""

from __future__ import annotations

import os
import stat
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import instaloader
from instaloader import (
    FrozenNodeIterator,
    Hashtag,
    InstaloaderContext,
    InstaloaderException,
    LoginException,
    LoginRequiredException,
    NodeIterator,
    Profile,
    TooManyRequestsException,
)
from instaloader.exceptions import AbortDownloadException, InvalidArgumentException
from instaloader.instaloader import get_default_session_filename

from .base import CollectedPost, CursorStore, SourceStopped
from .instagram_post import display_url, post_to_collected

LOGIN_WORDS = ("checkpoint_required", "challenge_required", "login_required", "checkpoint", "challenge",
               "login", "redirected to login")
RATE_WORDS = ("429", "too many requests", "please wait a few minutes", "feedback_required", "rate limit")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def classify(exc: BaseException) -> SourceStopped:
    """Map instaloader's exceptions (and the texts it wraps them in) to what a cron job should do."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, (LoginRequiredException, LoginException)) for e in chain) or any(
            word in text for word in LOGIN_WORDS):
        return SourceStopped(SourceStopped.LOGIN, "Instagram wants a login or a checkpoint/challenge to be "
                             f"passed ({exc}). Log in with the browser/app as the account owner, then refresh "
                             "the session file (instaloader --login USER) and run again.")
    if any(isinstance(e, TooManyRequestsException) for e in chain) or any(word in text for word in RATE_WORDS):
        return SourceStopped(SourceStopped.RATE_LIMITED, f"Instagram rate limit ({exc}); try again later.")
    return SourceStopped(SourceStopped.FAILED, f"Instagram request failed: {exc}")


class InstaloaderSource:
    """Any instaloader NodeIterator of posts, made resumable through a CursorStore."""

    def __init__(self, name: str, label: str, context: InstaloaderContext,
                 make_iterator: Callable[[], NodeIterator], cursors: CursorStore, budget: int,
                 backoff_seconds: float = 60.0, max_backoffs: int = 2,
                 sleep: Callable[[float], None] = time.sleep):
        self.name, self.label, self.context = name, label, context
        self.make_iterator, self.cursors, self.budget = make_iterator, cursors, budget
        self.backoff_seconds, self.max_backoffs, self.sleep = backoff_seconds, max_backoffs, sleep
        self.resumed = False
        self.finished = False
        self.message = ""

    def _start(self) -> NodeIterator:
        iterator = self._guarded(self.make_iterator)
        saved = self.cursors.load(self.name)
        if saved:
            frozen = FrozenNodeIterator(**saved)
            if frozen.best_before and frozen.best_before < datetime.now().timestamp():
                self.message = "saved position expired; starting again from the newest posts"
            else:
                try:
                    iterator.thaw(frozen)
                    self.resumed = True
                except InvalidArgumentException as exc:  # e.g. another account's session
                    self.message = f"saved position not usable ({exc}); starting from the newest posts"
        return iterator

    def _guarded(self, call: Callable):
        attempt = 0
        while True:
            try:
                return call()
            except (InstaloaderException, AbortDownloadException) as exc:
                stop = classify(exc)
                if stop.kind == SourceStopped.RATE_LIMITED and attempt < self.max_backoffs:
                    self.sleep(self.backoff_seconds * 2 ** attempt)  # exponential backoff on 429
                    attempt += 1
                    continue
                raise stop from exc

    def _load_image(self, url: str) -> Callable[[], bytes]:
        return lambda: self._guarded(lambda: self.context.get_raw(url).content)

    def posts(self) -> Iterator[CollectedPost]:
        iterator = self._start()
        for _ in range(self.budget):
            try:
                post = self._guarded(lambda: next(iterator))
            except StopIteration:
                self.finished = True
                self.cursors.save(self.name, None, "all posts seen")
                return
            except SourceStopped as stop:
                self.cursors.save(self.name, iterator.freeze()._asdict(), stop.message)
                raise
            yield post_to_collected(post, self.label, self._load_image(display_url(post)))
            # only reached once the consumer stored the post: a crash re-yields it, never skips it
            self.cursors.save(self.name, iterator.freeze()._asdict())
        self.message = self.message or f"budget of {self.budget} posts reached; the next run resumes here"


def hashtag_source(context: InstaloaderContext, hashtag: str, cursors: CursorStore, budget: int,
                   **options) -> InstaloaderSource:
    if not context.is_logged_in:
        raise SourceStopped(SourceStopped.LOGIN, "Hashtag posts need a logged-in Instagram session "
                            "(instaloader >= 4.14.1): set SOISTS_IG_USER and SOISTS_IG_SESSIONFILE.")
    tag = Hashtag(context, {"name": hashtag.lstrip("#").lower()})
    return InstaloaderSource(f"hashtag:{tag.name}", "hashtag", context, tag.get_posts_resumable, cursors,
                             budget, **options)


def tagged_source(context: InstaloaderContext, account: str, cursors: CursorStore, budget: int,
                  profile_loader: Callable[[InstaloaderContext, str], Profile] = Profile.from_username,
                  **options) -> InstaloaderSource:
    account = account.lstrip("@").lower()

    def make_iterator() -> NodeIterator:
        return profile_loader(context, account).get_tagged_posts()

    return InstaloaderSource(f"tagged:{account}", "tagged", context, make_iterator, cursors, budget, **options)


def check_session_file(path: Path) -> None:
    """Refuse a session file someone else could have written: instaloader stores it as a pickle,
    and loading a pickle runs whatever code it contains. Owner must be the service user, and
    neither group nor others may write it (FileNotFoundError passes through)."""
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise SourceStopped(SourceStopped.LOGIN, f"Refusing the Instagram session file {path}: it belongs to uid "
                            f"{info.st_uid}, not to the service user (uid {os.geteuid()}). Loading it would run "
                            f"its code. Create it as the service user: instaloader --login USER")
    if stat.S_IMODE(info.st_mode) & 0o022:
        raise SourceStopped(SourceStopped.LOGIN, f"Refusing the Instagram session file {path}: group or others may "
                            f"write it (mode {stat.S_IMODE(info.st_mode):04o}), and loading it runs its code. "
                            f"Check it was not changed, then: chmod 600 {path}")


def logged_in_context(username: str | None, session_file: Path | None) -> InstaloaderContext:
    """An instaloader context with the saved session; retries are ours (max_connection_attempts=1)."""
    loader = instaloader.Instaloader(quiet=True, max_connection_attempts=1, download_pictures=False,
                                     download_videos=False, save_metadata=False, compress_json=True)
    if username:
        try:
            path = Path(session_file) if session_file else Path(get_default_session_filename(username))
            check_session_file(path)
            loader.load_session_from_file(username, str(path))
        except FileNotFoundError as exc:
            raise SourceStopped(SourceStopped.LOGIN, f"No Instagram session file for {username} ({exc}). "
                                f"Create it once with: instaloader --login {username}") from exc
    return loader.context
