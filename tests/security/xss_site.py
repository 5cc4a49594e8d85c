"""A small site whose every free-text field of every content type carries one XSS vector.

One content file per vector and content type; within a file the same vector fills every
field that reaches HTML. Fields with a fixed format (dates, municipality slugs, image paths,
handles, ids) stay valid so the build runs; URL fields carry the vector inside an https link.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from demo.artwork import render_scene, save_jpeg
from plugins.community.postfile import CommunityPost, write_post_file
from tests.community.smallsite import make_content
from tests.conftest import build_site
from tests.security.corpus import VECTORS, in_url, no_commas, one_line

EVENTS_NOW = "2026-11-02T10:00:00+01:00"
IMAGE = "images/xss/photo.jpg"
POST_IMAGE = "images/community/xss.jpg"
MUNICIPALITIES = ("esslingen-am-neckar", "plochingen", "stuttgart", "suessen", "backnang", "boeblingen")
# The fields each content type fills with the vector (what the figures count).
FIELDS = {
    "article": ("title", "summary", "tags", "category", "author", "alt", "credit", "body"),
    "portrait": ("title", "firstname", "quote", "alt", "credit", "summary", "tags", "body"),
    "page": ("title", "summary", "body"),
    "event": ("title", "location", "address", "organizer", "registration", "summary", "body"),
    "intro": ("title", "summary", "body"),
    "community": ("title", "alt", "author_name", "consent_method", "original_url", "caption"),
}
# The title with the character that must be escaped exactly once in <title> and meta tags.
AMPERSAND_TITLE = "Müller & Söhne"


@dataclass(frozen=True)
class XssSite:
    output: Path
    log: str
    intro_slugs: tuple[str, ...]

    @property
    def field_count(self) -> int:
        return sum(len(fields) for fields in FIELDS.values())


def _write(path: Path, header: dict[str, str], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}: {value}" for key, value in header.items()]
    path.write_text("\n".join(lines) + "\n\n" + body + "\n", encoding="utf-8")


def _body(vector: str) -> str:
    # raw, inside emphasis, and as a Markdown link and image target
    return f"Text davor.\n\n{vector}\n\n*{vector}*\n\n[Link]({in_url(vector)})\n"


def write_article(content: Path, index: int, vector: str, portrait: bool = False) -> None:
    v = one_line(vector)
    header = {"Title": v, "Date": f"2026-10-{1 + index % 28:02d} 10:00", "Summary": v,
              "Tags": f"Thema {index} {no_commas(v)}", "Author": v, "Image": IMAGE, "Alt": v, "Credit": v,
              "Municipality": MUNICIPALITIES[index % len(MUNICIPALITIES)]}
    if portrait:
        header |= {"Category": "Menschen in der Region", "Firstname": v, "Quote": v}
    else:
        header["Category"] = f"Rubrik {index} {no_commas(v)}"
    folder = "articles/menschen" if portrait else "articles"
    _write(content / folder / f"{'portrait' if portrait else 'article'}-{index}.md", header, _body(vector))


def write_page(content: Path, index: int, vector: str) -> None:
    v = one_line(vector)
    _write(content / "pages" / f"seite-{index}.md", {"Title": v, "Summary": v}, _body(vector))


def write_event(content: Path, index: int, vector: str) -> None:
    v = one_line(vector)
    street = no_commas(v) or "Straße"
    start = datetime(2026, 12, 1, 18, 0) + timedelta(days=index)
    _write(content / "events" / f"termin-{index}.md", {
        "Title": v, "Uid": f"xss-{index:03d}@so-ist-s.test", "Start": f"{start:%Y-%m-%d %H:%M}", "Duration": "2h",
        "Category": "netzwerk", "Location": v, "Address": f"{street} 1, 70173 {street}",
        "Municipality": MUNICIPALITIES[index % len(MUNICIPALITIES)], "Organizer": v,
        "Registration": "https://example.org/anmeldung/" + in_url(vector), "Summary": v,
    }, _body(vector))


def write_intro(content: Path, slug: str, vector: str) -> None:
    v = one_line(vector)
    _write(content / "kommunen" / f"{slug}.md", {"Title": v, "Summary": v}, _body(vector))


def write_post(content: Path, index: int, vector: str) -> None:
    v = one_line(vector)
    berlin = timezone(timedelta(hours=1))
    write_post_file(CommunityPost(
        id=f"xss-{index}", platform="instagram", handle="probe_handle", author_name=v[:80],
        original_url="https://www.instagram.com/p/" + in_url(vector), original_id=f"X{index}",
        municipality=MUNICIPALITIES[index % len(MUNICIPALITIES)], taken=date(2026, 10, 1),
        featured=datetime(2026, 10, 5, 18, 0, tzinfo=berlin) + timedelta(hours=index), image=POST_IMAGE,
        alt=v[:300], consent_date=date(2026, 10, 2), consent_method=v, title=v, caption=vector,
    ), content)


def write_corpus(content: Path, intro_slugs: list[str]) -> None:
    save_jpeg(render_scene(7, (900, 600)), content / IMAGE, quality=80)
    save_jpeg(render_scene(8, (900, 600)), content / POST_IMAGE, quality=80)
    for index, vector in enumerate(VECTORS):
        write_article(content, index, vector)
        write_article(content, index, vector, portrait=True)
        write_page(content, index, vector)
        write_event(content, index, vector)
        write_intro(content, intro_slugs[index], vector)
        write_post(content, index, vector)
    _write(content / "articles" / "mueller.md", {"Title": AMPERSAND_TITLE, "Date": "2026-09-01 10:00",
                                                 "Summary": "Tradition & Handwerk in Esslingen"},
           "Seit 1900: **Müller & Söhne** in Esslingen.")


def build_xss_site(root: Path) -> XssSite:
    """Write the corpus and build it once (non-strict: removals are warnings)."""
    slugs = _slugs()
    content = make_content(root)
    write_corpus(content, slugs[: len(VECTORS)])
    output = root / "output"
    settings = {"IMAGE_CACHE_DIR": str(root / "image-cache"), "EVENTS_NOW": EVENTS_NOW,
                "COMMUNITY_SHOW_FUTURE": True, "BUILD_WORKERS": 2}
    extra = [arg for key, value in settings.items() for arg in ("-e", f"{key}={json.dumps(value)}")]
    result = build_site(output, content=content, extra=extra)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return XssSite(output, result.stdout + result.stderr, tuple(slugs[: len(VECTORS)]))


def _slugs() -> list[str]:
    from plugins.region.registry import load_registry

    return [m.slug for m in load_registry()]


def shared_xss_site(base: Path) -> XssSite:
    """Build once per test run, also with pytest-xdist: the first worker builds under a file
    lock into the run's shared temporary folder, the others wait and reuse the output."""
    root = base / "xss-site"
    root.mkdir(parents=True, exist_ok=True)
    with open(base / "xss-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "done.json"
        if done.exists():
            saved = json.loads(done.read_text(encoding="utf-8"))
            return XssSite(Path(saved["output"]), saved["log"], tuple(saved["intro_slugs"]))
        site = build_xss_site(root)
        done.write_text(json.dumps({"output": str(site.output), "log": site.log,
                                    "intro_slugs": list(site.intro_slugs)}), encoding="utf-8")
        return site


def shared_base(tmp_path_factory) -> Path:
    """The temporary folder all xdist workers of this run share (their own one without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
