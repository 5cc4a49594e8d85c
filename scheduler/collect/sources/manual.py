"""Manual submissions (photos sent by e-mail or taken at events): an image plus a sidecar.

``IMG_0412.jpg`` + ``IMG_0412.json`` (or ``.toml``) with the fields documented in
scheduler/README.md: author (required), caption, location, municipality, taken_at,
consent_evidence, credit.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from scheduler.collect.image_clean import taken_at_of

from .base import CollectedPost
from .folder_import import IMAGE_SUFFIXES
from .instagram_post import _HASHTAG


class SubmissionError(ValueError):
    pass


def read_sidecar(image: Path) -> dict:
    for suffix, parse in ((".json", json.loads), (".toml", tomllib.loads)):
        sidecar = image.with_suffix(suffix)
        if sidecar.exists():
            try:
                return parse(sidecar.read_text(encoding="utf-8"))
            except (ValueError, tomllib.TOMLDecodeError) as exc:
                raise SubmissionError(f"{sidecar}: not valid {suffix[1:]}: {exc}") from exc
    raise SubmissionError(f"{image}: no metadata file {image.stem}.json or {image.stem}.toml beside it")


def _when(value, fallback: datetime) -> datetime:
    if not value:
        return fallback
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def submission(image: Path) -> CollectedPost:
    meta = read_sidecar(image)
    author = str(meta.get("author", "")).strip().lstrip("@")
    if not author:
        raise SubmissionError(f"{image}: 'author' is required (the name to credit)")
    data = image.read_bytes()
    caption = str(meta.get("caption", ""))
    consent = None
    if meta.get("consent_evidence"):
        consent = {"status": "granted", "evidence": str(meta["consent_evidence"]),
                   "credit": str(meta.get("credit") or author)}
    # The camera's date is read here, before image_clean drops EXIF from the stored file.
    modified = taken_at_of(data) or datetime.fromtimestamp(image.stat().st_mtime, timezone.utc)
    return CollectedPost(
        uid="manual:" + hashlib.sha256(data).hexdigest()[:24],  # the same photo sent twice is one post
        source="manual",
        author=author.lower(),
        taken_at=_when(meta.get("taken_at"), modified),
        load_image=lambda: data,
        caption=caption,
        hashtags=tuple(dict.fromkeys(t.lower() for t in _HASHTAG.findall(caption))),
        location=meta.get("location") or None,
        municipality=meta.get("municipality") or None,
        consent=consent,
        evidence={"source": "manual", "file": image.name, "path": str(image), "submitted_by": meta.get("email", "")},
    )


class ManualSource:
    name = "manual"

    def __init__(self, paths: list[Path]):
        self.images: list[Path] = []
        for path in map(Path, paths):
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if path.is_dir() else [path]
            self.images.extend(found)
        self.skipped: list[str] = []

    def __len__(self) -> int:
        return len(self.images)

    def posts(self) -> Iterator[CollectedPost]:
        for image in self.images:
            try:
                yield submission(image)
            except SubmissionError as exc:
                self.skipped.append(str(exc))
