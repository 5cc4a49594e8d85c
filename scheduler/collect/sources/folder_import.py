"""Import an instaloader download folder offline: its .json.xz metadata and image files.

`instaloader --no-videos "#soists"` writes files like ``2026-11-20_17-03-11_UTC.json.xz`` and
``2026-11-20_17-03-11_UTC.jpg`` (carousels: ``..._UTC_1.jpg``, ``_2.jpg``; the first is used).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from instaloader import ConnectionException, InstaloaderContext, Post, load_structure_from_file

from .base import CollectedPost
from .instagram_post import post_to_collected

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


class OfflineContext(InstaloaderContext):
    """An instaloader context that refuses every request: an import never touches the network."""

    def __init__(self) -> None:
        super().__init__(sleep=False, quiet=True)

    def _offline(self, *args: Any, **kwargs: Any):
        raise ConnectionException("offline import: no requests allowed")

    get_json = graphql_query = doc_id_graphql_query = get_iphone_json = get_raw = _offline  # type: ignore


def image_for(metadata_file: Path) -> Path | None:
    stem = metadata_file.name.removesuffix(".xz").removesuffix(".json")
    for name in (stem, f"{stem}_1"):
        for suffix in IMAGE_SUFFIXES:
            candidate = metadata_file.with_name(name + suffix)
            if candidate.exists():
                return candidate
    return None


def metadata_files(folder: Path) -> list[Path]:
    files = sorted([*folder.rglob("*.json.xz"), *folder.rglob("*.json")])
    return [f for f in files if not f.name.startswith(("id", "resume_info")) and "_UTC" in f.name]


class FolderSource:
    name = "folder"

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.context = OfflineContext()
        self.skipped: list[str] = []
        self.files = metadata_files(self.folder)

    def __len__(self) -> int:
        return len(self.files)

    def posts(self) -> Iterator[CollectedPost]:
        for metadata in self.files:
            structure = load_structure_from_file(self.context, str(metadata))
            if not isinstance(structure, Post):
                continue  # profile or hashtag metadata in the same folder
            image = image_for(metadata)
            if image is None:
                self.skipped.append(f"{metadata.name}: no image file beside it")
                continue
            collected = post_to_collected(structure, "folder", image.read_bytes)
            # the file's path in the evidence: a verdict on its image names the file to look at
            yield replace(collected, evidence={**collected.evidence, "path": str(image)})
