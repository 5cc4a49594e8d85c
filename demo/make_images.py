"""Regenerate the demo images for articles and portraits (python -m demo.make_images).

Every image in the demo site is drawn by demo.artwork; none is copied from anywhere.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from .artwork import render_portrait, render_scene, save_jpeg

CONTENT = Path(__file__).resolve().parents[1] / "content"


def seed_for(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def referenced_images(folder: Path) -> list[str]:
    """Image paths named in the `Image:` metadata of the Markdown files below folder."""
    paths = []
    for markdown in sorted(folder.rglob("*.md")):
        for line in markdown.read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("image:"):
                paths.append(line.split(":", 1)[1].strip())
    return paths


def main() -> None:
    for relative in referenced_images(CONTENT / "articles"):
        target = CONTENT / relative
        if target.exists():
            continue
        draw = render_portrait if "/portraits/" in relative else render_scene
        save_jpeg(draw(seed_for(relative)), target)
        print(f"wrote {target.relative_to(CONTENT.parent)}")
    og = CONTENT.parent / "theme" / "static" / "img" / "og-default.png"
    if not og.exists():
        render_scene(7, (1200, 630)).save(og, optimize=True)


if __name__ == "__main__":
    main()
