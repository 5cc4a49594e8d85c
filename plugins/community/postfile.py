"""The community post file: the contract between the scheduler, editors and the site.

One file per post in content/community/<id>.md:

    Id: 2026-11-20-esslingen-abendlicht
    Platform: instagram
    Handle: neckarblick_es
    Author_name: Lena M.
    Original_url: https://www.instagram.com/p/C0abcDEF123/
    Original_id: C0abcDEF123
    Municipality: esslingen-am-neckar
    Taken: 2026-11-18
    Featured: 2026-11-20T18:00:00+01:00
    Image: images/community/2026-11-20-esslingen-abendlicht.jpg
    Alt: Abendlicht über den Weinbergen, im Tal der Neckar
    Consent_date: 2026-11-19
    Consent_method: Instagram-Direktnachricht

    Abendstimmung über #Esslingen 🌇 #SoistS

The body is the caption as the author wrote it: plain text (never HTML or trusted Markdown).
The scheduler must use write_post_file(); readers use read_post_file(), which returns the
post plus a list of problems instead of raising, so a build can list every problem at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9._]{1,30}$")
PLATFORMS = {
    "instagram": ("www.instagram.com", "instagram.com"),
    "facebook": ("www.facebook.com", "facebook.com", "m.facebook.com"),
    "email": (),
    "fediverse": (),  # Mastodon, Pixelfed …: any instance; the original link must still be https
}
PROFILE_URLS = {"instagram": "https://www.instagram.com/{handle}/", "facebook": "https://www.facebook.com/{handle}"}
IMAGE_PATTERN = re.compile(r"^images/community/[A-Za-z0-9][A-Za-z0-9._-]*\.(?:jpe?g|png|webp)$")
# The file's keys, in the order they are written. Lower-case in the dataclass, capitalised in files.
FIELD_ORDER = ("id", "platform", "handle", "author_name", "original_url", "original_id", "municipality",
               "taken", "featured", "image", "alt", "consent_date", "consent_method", "title")
OPTIONAL = {"original_url", "original_id", "title", "handle", "author_name"}


class PostFileError(ValueError):
    """write_post_file refused a post; .problems lists (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


@dataclass
class CommunityPost:
    id: str
    platform: str
    municipality: str  # slug or AGS; several separated by commas
    taken: date
    featured: datetime  # timezone-aware
    image: str  # relative to content/
    alt: str
    consent_date: date
    consent_method: str
    caption: str = ""
    handle: str = ""  # without "@"; required for instagram/facebook
    author_name: str = ""  # display name; required when there is no handle
    original_url: str = ""  # required for instagram/facebook
    original_id: str = ""
    title: str = ""  # optional; the site derives one from municipality and handle
    extra: dict[str, str] = field(default_factory=dict)  # unknown keys, kept for round trips

    @property
    def profile_url(self) -> str:
        template = PROFILE_URLS.get(self.platform)
        return template.format(handle=self.handle) if template and self.handle else ""

    @property
    def filename(self) -> str:
        return f"{self.id}.md"


SHARE_FOLDER = "share"


def share_image_path(post_id: str) -> str:
    """Where the JPEG that Instagram and Facebook fetch lives, relative to content/ and to the site.

    It is published verbatim (it is made without any metadata by the scheduler), unlike
    images/, which is only ever published as stripped derivatives.
    """
    return f"{SHARE_FOLDER}/{post_id}.jpg"


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def _format(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return _one_line(value)


def validate(post: CommunityPost) -> list[tuple[str, str]]:
    """Every problem of a post as (field, what was expected); empty when the post is valid."""
    problems: list[tuple[str, str]] = []
    if not ID_PATTERN.match(post.id or ""):
        problems.append(("id", f"{post.id!r} is not a valid id: use lower-case a-z, 0-9 and '-', at most 80 characters"))
    if post.platform not in PLATFORMS:
        problems.append(("platform", f"{post.platform!r} is not one of {', '.join(sorted(PLATFORMS))}"))
    social = post.platform in ("instagram", "facebook")
    if post.handle and not HANDLE_PATTERN.match(post.handle):
        problems.append(("handle", f"{post.handle!r} is not a valid handle: letters, digits, '.' and '_' only, "
                                   "at most 30, without '@'"))
    if social and not post.handle:
        problems.append(("handle", f"required for platform {post.platform}"))
    if not post.handle and not post.author_name.strip():
        problems.append(("author_name", "required when there is no handle (the photo must be credited)"))
    if len(post.author_name) > 80:
        problems.append(("author_name", "at most 80 characters"))
    if social or post.original_url:
        problems += _check_original_url(post)
    if not post.municipality.strip():
        problems.append(("municipality", "required: a municipality slug or AGS, e.g. esslingen-am-neckar"))
    if not isinstance(post.taken, date):
        problems.append(("taken", "expected a date like 2026-11-18"))
    if not isinstance(post.featured, datetime) or post.featured.tzinfo is None:
        problems.append(("featured", "expected a date-time with UTC offset like 2026-11-20T18:00:00+01:00"))
    if not IMAGE_PATTERN.match(post.image or "") or ".." in post.image:
        problems.append(("image", f"{post.image!r}: expected images/community/<name>.jpg (or .png/.webp)"))
    if not post.alt.strip():
        problems.append(("alt", "required: describe the photo for people who cannot see it"))
    elif len(post.alt) > 300:
        problems.append(("alt", "at most 300 characters"))
    if not isinstance(post.consent_date, date):
        problems.append(("consent_date", "expected the date permission was given, like 2026-11-19"))
    if not post.consent_method.strip():
        problems.append(("consent_method", "required: how permission was given, e.g. Instagram-Direktnachricht"))
    if isinstance(post.consent_date, date) and isinstance(post.featured, datetime) \
            and post.consent_date > post.featured.date():
        problems.append(("consent_date", "permission must be given before the post is featured"))
    return problems


def _check_original_url(post: CommunityPost) -> list[tuple[str, str]]:
    parts = urlsplit(post.original_url or "")
    hosts = PLATFORMS.get(post.platform, ())
    if parts.scheme != "https" or not parts.netloc or (hosts and parts.hostname not in hosts):
        where = f" on {' or '.join(hosts)}" if hosts else ""
        return [("original_url", f"{post.original_url!r}: expected an https:// link to the original post{where}")]
    return []


def render_post_file(post: CommunityPost) -> str:
    lines = []
    for name in FIELD_ORDER:
        value = getattr(post, name)
        if name in OPTIONAL and not value:
            continue
        lines.append(f"{name.capitalize()}: {_format(value)}")
    for key, value in sorted(post.extra.items()):
        lines.append(f"{key.capitalize()}: {_one_line(value)}")
    caption = post.caption.replace("\r\n", "\n").strip()
    return "\n".join(lines) + "\n\n" + caption + "\n"


def write_post_file(post: CommunityPost, content_dir: Path | str) -> Path:
    """Validate and write content/community/<id>.md atomically; raises PostFileError when invalid."""
    problems = validate(post)
    if problems:
        raise PostFileError(problems)
    folder = Path(content_dir) / "community"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / post.filename
    staging = target.with_name(f".{target.name}.tmp")
    staging.write_text(render_post_file(post), encoding="utf-8")
    os.chmod(staging, 0o644)  # a site file, also when the writer runs under the scheduler's private umask
    staging.replace(target)
    return target


def split_header(text: str, key=str.lower) -> tuple[dict[str, str], str]:
    """'Key: value' lines up to the first blank line (Pelican's format), then the body;
    `key` normalises each key (lower case by default)."""
    header, _, body = text.replace("\r\n", "\n").lstrip("\ufeff").partition("\n\n")
    metadata: dict[str, str] = {}
    for line in header.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            metadata[key(name.strip())] = value.strip()
    return metadata, body.strip()


def parse_post_text(text: str) -> tuple[dict[str, str], str]:
    """Split 'Key: value' header lines from the caption body (first blank line ends the header)."""
    return split_header(text, lambda name: name.lower().replace("-", "_").replace(" ", "_"))


def _parse_date(value: str):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value or None


def _parse_datetime(value: str):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or None


def post_from_text(text: str) -> tuple[CommunityPost, list[tuple[str, str]]]:
    metadata, caption = parse_post_text(text)
    known = {f.name for f in fields(CommunityPost)} - {"extra", "caption"}
    post = CommunityPost(
        id=metadata.get("id", ""),
        platform=metadata.get("platform", "instagram").lower(),
        municipality=metadata.get("municipality", ""),
        taken=_parse_date(metadata.get("taken", "")),
        featured=_parse_datetime(metadata.get("featured", "")),
        image=metadata.get("image", ""),
        alt=metadata.get("alt", ""),
        consent_date=_parse_date(metadata.get("consent_date", "")),
        consent_method=metadata.get("consent_method", ""),
        caption=caption,
        handle=metadata.get("handle", "").lstrip("@"),
        author_name=metadata.get("author_name", ""),
        original_url=metadata.get("original_url", ""),
        original_id=metadata.get("original_id", ""),
        title=metadata.get("title", ""),
        extra={k: v for k, v in metadata.items() if k not in known},
    )
    return post, validate(post)


def read_post_file(path: Path | str) -> tuple[CommunityPost, list[tuple[str, str]]]:
    """The post in a file and its problems (field, message); problems include an id/file-name mismatch."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        empty = CommunityPost("", "", "", None, None, "", "", None, "")  # type: ignore[arg-type]
        return empty, [("file", f"cannot read the file as UTF-8 text: {exc}")]
    post, problems = post_from_text(text)
    if post.id and path.stem != post.id:
        problems.append(("id", f"{post.id!r} does not match the file name {path.name!r} (expected {post.id}.md)"))
    return post, problems
