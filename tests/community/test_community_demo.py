"""The demo site: a full wall, every image accessible and stripped, municipality pages with their photos."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from PIL import Image

from plugins.community.postfile import read_post_file
from plugins.region.registry import load_registry
from tests.conftest import ROOT


def test_demo_wall_spans_the_region():
    posts = [read_post_file(p) for p in sorted((ROOT / "content/community").glob("*.md"))]
    assert len(posts) >= 40
    assert all(not problems for _post, problems in posts)
    registry = load_registry()
    places = {registry.get(post.municipality) for post, _ in posts}
    assert len(places) >= 25
    assert {m.district_slug for m in places} == {d.slug for d in registry.districts}
    for post, _ in posts:
        with Image.open(ROOT / "content" / post.image) as image:
            assert image.width == 1600


def test_demo_wall_pages_built(demo_site: Path):
    post_pages = [p for p in (demo_site / "wall").iterdir() if p.is_dir() and p.name != "seite"]
    assert len(post_pages) >= 40
    assert (demo_site / "wall/seite/2/index.html").is_file()
    home = BeautifulSoup((demo_site / "index.html").read_text(encoding="utf-8"), "lxml")
    assert home.select(".post-card"), "the home page leads with the newest photos"


def test_every_img_in_demo_has_alt(demo_site: Path):
    for page in demo_site.rglob("*.html"):
        for img in BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find_all("img"):
            assert img.has_attr("alt"), f"{page}: {img}"
            if img.find_parent("picture"):
                assert img.get("srcset") and img.get("width") and img.get("height"), f"{page}: {img}"


def test_no_metadata_in_any_demo_image(demo_site: Path):
    images = [p for p in demo_site.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".webp", ".png")]
    assert len(images) >= 40 * 8
    for path in images:
        with Image.open(path) as image:
            assert not image.getexif(), path
            assert "exif" not in image.info and "xmp" not in image.info, path


def test_municipality_pages_show_their_photos(demo_site: Path):
    registry = load_registry()
    post = read_post_file(sorted((ROOT / "content/community").glob("*.md"))[0])[0]
    municipality = registry.get(post.municipality)
    page = demo_site / municipality.url / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    assert soup.find("a", href=f"/wall/{post.id}/")
    assert (demo_site / municipality.url / "feed.atom").is_file()
