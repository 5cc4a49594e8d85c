"""Images: stored once under the media folder without metadata, a perceptual hash, a thumbnail.

The original is kept as image_clean made it (upright, sRGB, no EXIF/GPS/XMP/IPTC), never as
it arrived; files are 0600 in 0700 folders (scheduler/store/private.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import imagehash

from plugins.images.derive import MAX_PIXELS
from scheduler.collect.image_clean import BadImage, carries_metadata, clean, flatten  # noqa: F401  (BadImage: the callers' error)
from scheduler.store.private import write_private


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to the media folder
    thumbnail_path: str
    width: int
    height: int
    sha256: str
    phash: str


def safe_name(uid: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in uid)


def original_path(media_dir: Path, uid: str) -> Path:
    return media_dir / "originals" / f"{safe_name(uid)}.img"


def _thumbnail(rgb, target: Path, thumbnail_px: int) -> None:
    small = rgb.copy()
    small.thumbnail((thumbnail_px, thumbnail_px))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=82)  # a pixel-only image: no metadata to carry
    write_private(target, buffer.getvalue())


def rescrub(media_dir: Path, relative: str, thumbnail_relative: str, thumbnail_px: int = 400) -> StoredImage | None:
    """An original stored before metadata was stripped at import: clean it and its thumbnail
    in place (`python -m scheduler scrub-media`). None when it was clean already."""
    original = media_dir / relative
    data = original.read_bytes()
    thumbnail = media_dir / thumbnail_relative
    dirty_thumbnail = thumbnail.exists() and carries_metadata(thumbnail.read_bytes())
    if not carries_metadata(data) and not dirty_thumbnail:
        return None
    cleaned = clean(data)
    write_private(original, cleaned.data)
    rgb = flatten(cleaned.image)
    _thumbnail(rgb, thumbnail, thumbnail_px)
    return StoredImage(relative, thumbnail_relative, cleaned.image.width, cleaned.image.height,
                       hashlib.sha256(cleaned.data).hexdigest(), str(imagehash.phash(rgb)))


def store_image(media_dir: Path, uid: str, load: Callable[[], bytes], thumbnail_px: int = 400,
                max_pixels: int = MAX_PIXELS) -> StoredImage:
    """Clean and keep the photo unless it is already there; make the thumbnail unless it exists.

    Raises BadImage (German reason) for files that must not be stored; nothing is written then."""
    original = original_path(media_dir, uid)
    if original.exists():  # a crash after writing it: the file is already clean
        data = original.read_bytes()
        image = clean(data, max_pixels).image
    else:
        cleaned = clean(load(), max_pixels)
        data, image = cleaned.data, cleaned.image
        write_private(original, data)
    rgb = flatten(image)
    thumbnail = media_dir / "thumbnails" / f"{safe_name(uid)}.jpg"
    if not thumbnail.exists():
        _thumbnail(rgb, thumbnail, thumbnail_px)
    return StoredImage(
        path=str(original.relative_to(media_dir)),
        thumbnail_path=str(thumbnail.relative_to(media_dir)),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=str(imagehash.phash(rgb)),
    )


def hash_distance(a: str, b: str) -> int:
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b)


def find_near_duplicate(phash: str, known: list[tuple[int, str]], max_distance: int) -> int | None:
    """The id of the first known image whose perceptual hash is within max_distance bits."""
    for post_id, other in known:
        if hash_distance(phash, other) <= max_distance:
            return post_id
    return None
