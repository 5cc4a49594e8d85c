"""Images: stored once under the media folder, a perceptual hash, a thumbnail made once."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import imagehash
from PIL import Image, ImageOps


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


def _write_atomically(target: Path, data: bytes) -> None:
    """A crash leaves either no file or the whole file, never half a photo."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def original_path(media_dir: Path, uid: str) -> Path:
    return media_dir / "originals" / f"{safe_name(uid)}.img"


def store_image(media_dir: Path, uid: str, load: callable, thumbnail_px: int = 400) -> StoredImage:
    """Download (or copy) the photo unless it is already there; make the thumbnail unless it exists."""
    original = original_path(media_dir, uid)
    if not original.exists():
        _write_atomically(original, load())
    data = original.read_bytes()
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    thumbnail = media_dir / "thumbnails" / f"{safe_name(uid)}.jpg"
    if not thumbnail.exists():
        small = image.convert("RGB")
        small.thumbnail((thumbnail_px, thumbnail_px))
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=82)  # no exif= argument: thumbnails carry no metadata
        _write_atomically(thumbnail, buffer.getvalue())
    return StoredImage(
        path=str(original.relative_to(media_dir)),
        thumbnail_path=str(thumbnail.relative_to(media_dir)),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=str(imagehash.phash(image)),
    )


def hash_distance(a: str, b: str) -> int:
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b)


def find_near_duplicate(phash: str, known: list[tuple[int, str]], max_distance: int) -> int | None:
    """The id of the first known image whose perceptual hash is within max_distance bits."""
    for post_id, other in known:
        if hash_distance(phash, other) <= max_distance:
            return post_id
    return None
