"""Scheduler settings, read once from the environment (SOISTS_*) with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from plugins.navigation.dates import BERLIN  # noqa: F401  (the region's one time zone)

ROOT = Path(__file__).resolve().parents[1]
PROJECT_ROOT = ROOT


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip().casefold() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    root: Path = ROOT
    db_url: str = f"sqlite:///{ROOT / 'var' / 'soists.db'}"
    media_dir: Path = ROOT / "var" / "media"
    hashtag: str = "soists"
    account: str = "wirzeigens"
    instagram_user: str | None = None
    session_file: Path | None = None
    budget: int = 50  # posts per collection run: small, so Instagram does not block the account
    backoff_seconds: float = 60.0
    max_backoffs: int = 2
    min_image_px: int = 600  # shorter side; Instagram needs >= 320 px, the site wants more
    video_policy: str = "stills"  # "stills": keep the cover image, "skip": reject videos
    blocked_keywords: tuple[str, ...] = ()
    blocked_authors: tuple[str, ...] = ()
    author_weekly_cap: int = 3
    rights_expiry_days: int = 14
    thumbnail_px: int = 400
    near_duplicate_distance: int = 6  # perceptual-hash bits that may differ for "the same photo"
    collect_source: str = "graph"  # "graph": the official API; "instaloader" only when chosen
    consent_hashtag: str = "jaSoistS"  # the answer to a public rights request must contain it
    editor: str = field(default_factory=lambda: os.environ.get("USER", "editor"))
    board_auth: str = "accounts"  # accounts | proxy | none (scheduler/curate/review/auth.py)
    board_proxy_header: str = "X-Remote-User"
    board_proxy_secret: str = ""  # proxy mode: the secret nginx sends in X-Board-Proxy-Secret
    board_proxy_role: str = "redaktion"  # proxy names without an account (review/roles.py)
    board_https: bool = False  # served over https: Secure cookies with the __Host- prefix

    def ensure_dirs(self) -> None:
        from scheduler.store.private import private_dir

        private_dir(self.media_dir)  # originals and thumbnails of people's photos: 0700
        if self.db_url.startswith("sqlite:///"):
            Path(self.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from SOISTS_* environment variables (documented in scheduler/README.md)."""
    env = os.environ if env is None else env
    defaults = Settings()
    session_file = env.get("SOISTS_IG_SESSIONFILE")
    return Settings(
        db_url=env.get("SOISTS_DB_URL", defaults.db_url),
        media_dir=Path(env.get("SOISTS_MEDIA_DIR", str(defaults.media_dir))),
        hashtag=env.get("SOISTS_HASHTAG", defaults.hashtag).lstrip("#").lower(),
        account=env.get("SOISTS_ACCOUNT", defaults.account).lstrip("@").lower(),
        instagram_user=env.get("SOISTS_IG_USER") or None,
        session_file=Path(session_file) if session_file else None,
        budget=int(env.get("SOISTS_BUDGET", defaults.budget)),
        backoff_seconds=float(env.get("SOISTS_BACKOFF_SECONDS", defaults.backoff_seconds)),
        max_backoffs=int(env.get("SOISTS_MAX_BACKOFFS", defaults.max_backoffs)),
        min_image_px=int(env.get("SOISTS_MIN_IMAGE_PX", defaults.min_image_px)),
        video_policy=env.get("SOISTS_VIDEOS", defaults.video_policy),
        blocked_keywords=_csv(env.get("SOISTS_BLOCK_KEYWORDS")),
        blocked_authors=tuple(a.lstrip("@") for a in _csv(env.get("SOISTS_BLOCK_AUTHORS"))),
        author_weekly_cap=int(env.get("SOISTS_AUTHOR_WEEKLY_CAP", defaults.author_weekly_cap)),
        rights_expiry_days=int(env.get("SOISTS_RIGHTS_EXPIRY_DAYS", defaults.rights_expiry_days)),
        collect_source=env.get("SOISTS_COLLECT_SOURCE", defaults.collect_source).strip().lower(),
        consent_hashtag=env.get("SOISTS_CONSENT_HASHTAG", defaults.consent_hashtag).lstrip("#"),
        editor=env.get("SOISTS_EDITOR", env.get("USER", "editor")),
        board_auth=env.get("SOISTS_BOARD_AUTH", defaults.board_auth).strip().lower() or defaults.board_auth,
        board_proxy_header=env.get("SOISTS_BOARD_PROXY_HEADER", defaults.board_proxy_header).strip(),
        board_proxy_secret=env.get("SOISTS_BOARD_PROXY_SECRET", "").strip(),
        board_proxy_role=env.get("SOISTS_BOARD_PROXY_ROLE", defaults.board_proxy_role).strip().lower()
        or defaults.board_proxy_role,
        board_https=env.get("SOISTS_BOARD_HTTPS", "").strip().lower() in ("1", "true", "yes", "on"),
    )
