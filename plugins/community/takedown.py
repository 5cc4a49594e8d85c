"""Remove a community post everywhere the site keeps it: post file, image, cached derivatives, output.

The next build then leaves no trace: the wall, feeds and sitemap are regenerated, the
community generator deletes stale /wall/<id>/ folders, the image plugin deletes stale
derivatives, and the search plugin rebuilds the Pagefind index from scratch.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from plugins.images.pipeline import cache_entries_for, resolve_cache_dir

from .postfile import read_post_file, share_image_path


class PostNotFound(LookupError):
    pass


def find_post_file(post_id: str, content_dir: Path) -> Path:
    """The file holding `post_id` (normally community/<id>.md, but a renamed file is found too)."""
    folder = Path(content_dir) / "community"
    expected = folder / f"{post_id}.md"
    if expected.is_file():
        return expected
    for path in sorted(folder.glob("*.md")):
        post, _problems = read_post_file(path)
        if post.id == post_id:
            return path
    raise PostNotFound(f"no community post with id {post_id!r} in {folder}")


def _remove(path: Path, removed: list[Path]) -> None:
    if path.is_dir():
        shutil.rmtree(path)
        removed.append(path)
    elif path.exists():
        path.unlink()
        removed.append(path)


def takedown(post_id: str, content_dir: Path | str, cache_dir: Path | str | None = None,
             output_dir: Path | str | None = None) -> list[Path]:
    """Delete the post file, its image, every cached derivative and (if given) its built output.

    Returns the removed paths. Raises PostNotFound when no post has that id.
    """
    content_dir = Path(content_dir)
    post_file = find_post_file(post_id, content_dir)
    post, _problems = read_post_file(post_file)
    removed: list[Path] = []
    image = content_dir / post.image if post.image else None
    if image is not None and image.is_file():
        # the cache is keyed by the image's bytes: hash before deleting the file
        _remove(cache_entries_for(image, resolve_cache_dir(cache_dir)), removed)
        _remove(image, removed)
    _remove(content_dir / share_image_path(post.id), removed)
    _remove(post_file, removed)
    if output_dir is not None:
        output_dir = Path(output_dir)
        _remove(output_dir / "wall" / post_id, removed)
        _remove(output_dir / share_image_path(post.id), removed)
        if post.image:
            derivative_name = re.compile(rf"^{re.escape(Path(post.image).stem)}-[0-9a-f]{{10}}-\d+\.(?:jpg|webp)$")
            folder = output_dir / Path(post.image).parent
            for derivative in sorted(folder.iterdir()) if folder.is_dir() else ():
                if derivative_name.match(derivative.name):
                    _remove(derivative, removed)
        # Any other built file that still names the post (a newsletter issue, a list page of a
        # month that no longer has posts, …): Pelican never deletes what it no longer writes, so
        # remove it here; the rebuild after a takedown writes again whatever should exist.
        for stale in files_mentioning(output_dir, post_markers(post)):
            _remove(stale, removed)
    return removed


TEXT_OUTPUTS = {".html", ".json", ".xml", ".ics", ".txt", ".atom", ".rss"}


def post_markers(post) -> list[str]:
    """Strings that identify the post in built files: id, handle, original id and URL."""
    markers = [post.id, post.handle, post.original_id, post.original_url]
    return [m for m in dict.fromkeys(markers) if m and len(m) >= 4]


def files_mentioning(output_dir: Path, markers: list[str]) -> list[Path]:
    """Text files of the build that contain any marker (read as bytes: no decoding surprises)."""
    needles = [m.encode("utf-8") for m in markers]
    found = []
    for path in sorted(output_dir.rglob("*")):
        if path.suffix in TEXT_OUTPUTS and path.is_file() and any(n in path.read_bytes() for n in needles):
            found.append(path)
    return found
