"""Editor-like edits on a content folder, for the preview's equivalence test and benchmark.

Each edit changes one thing the way an editor's save would (text, a metadata line, a new,
deleted or renamed file, a replaced image, a template or CSS change, a broken file) and
returns an Edit: what it did, the file it saved (None when deleted) and a text the page
shows afterwards (None when the page has no new text to look for). Modification times are moved forward explicitly, so two saves within
the same clock tick are still two changes.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MUNICIPALITIES = ("stuttgart", "esslingen-am-neckar", "ludwigsburg", "leonberg", "plochingen")
CATEGORIES = ("Wirtschaft", "Fachkräfte", "Region")
_clock = [0]


@dataclass(frozen=True)
class Edit:
    what: str
    path: Path | None  # the saved file; None when it was deleted
    marker: str | None  # text its page shows afterwards
    gone: Path | None = None  # a file that no longer exists (deleted, or renamed from)


def touch(path: Path) -> None:
    """Every save gets a modification time later than any before it."""
    _clock[0] += 1
    stamp = path.stat().st_mtime_ns + _clock[0] * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def set_field(path: Path, key: str, value: str) -> None:
    """Replace the metadata line `key` (case as written in the file) or add it."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE | re.IGNORECASE)
    head = pattern.sub(f"{key}: {value}", head) if pattern.search(head) else f"{head}\n{key}: {value}"
    path.write_text(f"{head}\n\n{body}", encoding="utf-8")
    touch(path)


def replace_text(path: Path, old: str, new: str) -> None:
    """Save the file with `old` replaced by `new` (it must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    touch(path)


def append_text(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{text}\n", encoding="utf-8")
    touch(path)


def files(content: Path, folder: str) -> list[Path]:
    return sorted((content / folder).glob("*.md"))


def articles(content: Path) -> list[Path]:
    return files(content, "articles")


def new_article(content: Path, rng: random.Random, number: int) -> str:
    path = content / "articles" / f"neu-{number}.md"
    path.write_text(f"Title: Neuer Artikel {number}\nDate: 2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00\n"
                    f"Category: {rng.choice(CATEGORIES)}\nTags: Neu, Region\nMunicipality: {rng.choice(MUNICIPALITIES)}\n"
                    f"Summary: Kurz gesagt: Artikel {number}.\n\nText des neuen Artikels {number}.\n", encoding="utf-8")
    touch(path)
    return Edit(f"new {path.name}", path, f"Neuer Artikel {number}")


def edit_article(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(articles(content))
    kind = rng.choice(("text", "title", "date", "category", "tags", "municipality"))
    marker = None
    if kind == "text":
        marker = f"Ergänzung {number}: mehr aus der Region."
        append_text(path, marker)
    elif kind == "title":
        marker = f"Geänderter Titel {number}"
        set_field(path, "Title", marker)
    elif kind == "date":
        set_field(path, "Date", f"202{rng.randint(4, 6)}-0{rng.randint(1, 9)}-{rng.randint(10, 28)} 09:00")
    elif kind == "category":
        set_field(path, "Category", rng.choice(CATEGORIES))
    elif kind == "tags":
        set_field(path, "Tags", f"Thema {rng.randint(1, 4)}, Region")
    else:
        set_field(path, "Municipality", rng.choice(MUNICIPALITIES))
    return Edit(f"article {kind} {path.name}", path, marker)


def delete_article(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(articles(content))
    path.unlink()
    return Edit(f"delete {path.name}", None, None, gone=path)


def rename_article(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(articles(content))
    target = path.with_name(f"umbenannt-{number}.md")
    path.rename(target)
    touch(target)
    return Edit(f"rename {path.name} -> {target.name}", target, None, gone=path)


def edit_portrait(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(files(content, "articles/menschen"))
    append_text(path, f"Nachtrag {number}.")
    return Edit(f"portrait text {path.name}", path, f"Nachtrag {number}.")


def edit_page(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(files(content, "pages"))
    append_text(path, f"Aktualisiert ({number}).")
    return Edit(f"page text {path.name}", path, f"Aktualisiert ({number}).")


def edit_event(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(files(content, "events"))
    text = path.read_text(encoding="utf-8")
    # a new date only for single timed events: a rule's exceptions or an all-day range would need more
    movable = re.search(r"^start: \S+ \d\d:\d\d$", text, re.MULTILINE) and not re.search(r"^rrule:", text, re.MULTILINE)
    if rng.random() < 0.5 or not movable:
        append_text(path, f"Hinweis {number}: bitte anmelden.")
        return Edit(f"event text {path.name}", path, f"Hinweis {number}: bitte anmelden.")
    day = f"2027-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
    set_field(path, "start", f"{day} 10:00")
    if re.search(r"^end:", text, re.MULTILINE):  # others give a duration
        set_field(path, "end", f"{day} 12:00")
    return Edit(f"event date {path.name}", path, None)


def edit_post(content: Path, rng: random.Random, number: int) -> str:
    path = rng.choice(files(content, "community"))
    if rng.random() < 0.5:
        append_text(path, f"Noch ein Satz {number}.")
        return Edit(f"post caption {path.name}", path, f"Noch ein Satz {number}.")
    set_field(path, "Municipality", rng.choice(MUNICIPALITIES))
    return Edit(f"post municipality {path.name}", path, None)


def replace_image(content: Path, rng: random.Random, number: int) -> str:
    from demo.artwork import render_scene, save_jpeg

    path = rng.choice(sorted((content / "images" / "community").glob("*.jpg")))
    save_jpeg(render_scene(1000 + number, (640, 480)), path, quality=80)
    touch(path)
    post = path.parent.parent.parent / "community" / f"{path.stem}.md"
    return Edit(f"image {path.name}", post, None)


EDITS: dict[str, Callable[[Path, random.Random, int], Edit]] = {
    "article": edit_article, "new": new_article, "delete": delete_article, "rename": rename_article,
    "portrait": edit_portrait, "page": edit_page, "event": edit_event, "post": edit_post, "image": replace_image,
}


def edit_theme(theme: Path, number: int) -> str:
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", f"<!-- v{number} --></body>", 1),
                    encoding="utf-8")
    touch(base)
    css = theme / "static" / "css" / "site.css"
    append_text(css, f"/* v{number} */")
    return Edit("template and css", None, f"<!-- v{number} -->")


def break_event(content: Path) -> tuple[Path, bytes]:
    """A file with an error (an unknown municipality); returns what to restore."""
    path = files(content, "events")[0]
    original = path.read_bytes()
    set_field(path, "municipality", "nirgendwo")
    return path, original


def copy_site(source_content: Path, theme: Path, target: Path) -> tuple[Path, Path]:
    content, own_theme = target / "content", target / "theme"
    shutil.copytree(source_content, content)
    shutil.copytree(theme, own_theme)
    return content, own_theme
