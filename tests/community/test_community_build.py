"""Real builds of small community sites: wall, pages, feeds, hostile input, takedown."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from plugins.community.takedown import takedown
from tests.community.smallsite import add_post, build, make_content, sample_post

HOSTILE = {
    "caption": '<script>alert("c")</script> <img src=x onerror=alert(1)> <a href="javascript:alert(2)">x</a> '
               '<svg onload=alert(3)> "><script>alert(4)</script> data:text/html,<script>alert(5)</script> '
               "\u202e<iframe src=javascript:alert(6)>",
    "author_name": '"><script>alert("n")</script><img src=x onerror=alert(7)>',
    "alt": '" onerror="alert(8)" x="<script>alert(9)</script>',
    "title": '</title><script>alert(10)</script>',
}
ATOM = "{http://www.w3.org/2005/Atom}"


def assert_inert_html(html: str, where: str, allow_local_scripts: bool = False) -> None:
    soup = BeautifulSoup(html, "lxml")
    for script in soup.find_all("script"):
        assert allow_local_scripts and "alert" not in script.get_text(), f"{where}: {script}"
        assert not script.get("src", "/").startswith(("http:", "https:", "//", "data:")), where
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), f"{where}: {str(tag)[:200]}"
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not text.strip().lower().startswith(("javascript:", "data:", "vbscript:")), f"{where}: {str(tag)[:200]}"
    # (inline SVG is legitimate theme markup; an svg with onload is caught by the on* check above)
    for tag in soup.find_all(["iframe", "embed", "object"]):
        raise AssertionError(f"{where}: {str(tag)[:200]}")


@pytest.fixture(scope="module")
def wall_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("wall-site")
    content = make_content(root)
    for index, place in enumerate(["stuttgart", "ludwigsburg", "backnang", "goeppingen"]):
        add_post(content, sample_post(f"post-{index}", municipality=place, handle=f"fan_{index}",
                                      featured=sample_post().featured.replace(day=index + 10)), seed=index)
    add_post(content, sample_post("hostile-insta", **HOSTILE), seed=8, raw=True)
    add_post(content, sample_post("hostile-mail", platform="email", handle="", original_url="", original_id="",
                                  **HOSTILE), seed=9, raw=True)
    result = build(content, root / "out", root / "cache", {"COMMUNITY_WALL_PAGE_SIZE": 2})
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out"


def test_wall_is_paginated_newest_first(wall_site):
    pages = [wall_site / "wall" / "index.html", wall_site / "wall/seite/2/index.html",
             wall_site / "wall/seite/3/index.html"]
    ids = []
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        ids += [a["href"].split("/")[2] for a in soup.select(".post-card .card__title a")]
    # newest featured first; equal times ordered by id (descending), so the order is stable
    assert ids == ["post-3", "post-2", "post-1", "post-0", "hostile-mail", "hostile-insta"]
    assert not (wall_site / "wall/seite/4").exists()


def test_post_page_credits_author_and_links_original(wall_site):
    soup = BeautifulSoup((wall_site / "wall/post-1/index.html").read_text(encoding="utf-8"), "lxml")
    credit = soup.select_one(".post-credit a")
    assert credit.get_text(strip=True) == "@fan_1" and credit["href"] == "https://www.instagram.com/fan_1/"
    assert "nofollow" in credit["rel"]
    assert soup.find("a", href="https://www.instagram.com/p/Probe123/")
    chip = soup.select_one(".chip")
    assert chip["href"] == "/kommunen/ludwigsburg/" and chip.get_text() == "Ludwigsburg"
    assert soup.select_one("[data-pagefind-body]")
    assert soup.find("a", class_="hashtag", href="/kommunen/esslingen-am-neckar/")


def test_municipality_page_and_feed_list_posts(wall_site):
    soup = BeautifulSoup((wall_site / "kommunen/ludwigsburg/index.html").read_text(encoding="utf-8"), "lxml")
    assert soup.find("a", href="/wall/post-1/")
    feed = etree.parse(str(wall_site / "kommunen/ludwigsburg/feed.atom"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == ["/wall/post-1/"]
    assert feed.getroot().get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    empty = etree.parse(str(wall_site / "kommunen/aidlingen/feed.atom"))
    assert empty.findall(f"{ATOM}entry") == []


def test_hostile_input_never_executes(wall_site):
    for page in wall_site.rglob("*.html"):
        assert_inert_html(page.read_text(encoding="utf-8"), str(page),
                          allow_local_scripts=page.parent.name in ("suche", "admin"))  # admin: plugins/cms
    for feed in (wall_site / "kommunen/esslingen-am-neckar/feed.atom",):
        for summary in etree.parse(str(feed)).iter(f"{ATOM}summary"):
            assert_inert_html(summary.text, str(feed))
    hostile = (wall_site / "wall/hostile-mail/index.html").read_text(encoding="utf-8")
    assert "alert" in hostile  # the text is shown, as text


def test_hostile_handle_is_refused(tmp_path):
    content = make_content(tmp_path)
    add_post(content, sample_post("bad-handle", handle='x"><script>alert(1)</script>'), raw=True)
    result = build(content, tmp_path / "out", tmp_path / "cache")
    log = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in log
    assert "bad-handle.md" in log and "handle" in log
    assert not (tmp_path / "out" / "wall" / "bad-handle").exists()


def test_unknown_municipality_is_reported_with_suggestion(tmp_path):
    content = make_content(tmp_path)
    add_post(content, sample_post("typo", municipality="esslingen-am-necker"), raw=True)
    result = build(content, tmp_path / "out", tmp_path / "cache")
    log = result.stdout + result.stderr
    assert result.returncode != 0 and "typo.md" in log and "esslingen-am-neckar" in log


def _all_text(out: Path, only_search_index: bool = False) -> str:
    """Every output file as text; Pagefind's compressed index files are decompressed first."""
    chunks = []
    for path in (out / "pagefind" if only_search_index else out).rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if "pagefind" in path.parts:
            try:
                data = gzip.decompress(data)
            except OSError:
                pass
        chunks.append(path.relative_to(out).as_posix())
        chunks.append(data.decode("utf-8", "ignore"))
    return "\n".join(chunks)


def test_takedown_leaves_no_trace(tmp_path):
    content = make_content(tmp_path)
    cache, out = tmp_path / "cache", tmp_path / "out"
    add_post(content, sample_post("bleibt", municipality="backnang"), seed=3)
    secret = sample_post("takedown-probe", municipality="backnang", handle="geheime_fotografin",
                         author_name="Gerda Geheim", caption="Quittenbluetenzauber am Morgen #Backnang #SoistS")
    add_post(content, secret, seed=4)
    first = build(content, out, cache)
    assert first.returncode == 0, first.stdout + first.stderr
    traces = ("takedown-probe", "geheime_fotografin", "Gerda Geheim", "quittenbluetenzauber")
    before = _all_text(out).lower()
    for trace in traces:
        assert trace.lower() in before, f"{trace} should be in the first build"

    search_index = _all_text(out, only_search_index=True).lower()
    assert "quittenbluetenzauber" in search_index and "takedown-probe" in search_index

    removed = takedown("takedown-probe", content, cache_dir=cache, output_dir=out)
    assert content / "community/takedown-probe.md" in removed
    assert content / "images/community/takedown-probe.jpg" in removed
    assert not (content / "images/community/takedown-probe.jpg").exists()
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1  # only the remaining post's entry
    second = build(content, out, cache)
    assert second.returncode == 0, second.stdout + second.stderr
    after = _all_text(out).lower()
    for trace in traces:
        assert trace.lower() not in after, f"{trace} still in the output"
    assert "bleibt" in after


def test_a_card_names_the_credit_once(demo_site):
    """„Owen: Foto von @david_heimat43“ above „📷 @david_heimat43“ said it twice; a card whose title
    does not name the author still carries the credit line."""
    cards = BeautifulSoup((demo_site / "index.html").read_text(encoding="utf-8"), "lxml").select(".post-card")
    assert cards
    for card in cards:
        title = card.select_one(".card__title").get_text(" ", strip=True)
        line = card.select_one(".post-credit").get_text(" ", strip=True)
        if "Foto von " in title:
            assert title.split("Foto von ", 1)[1] not in line and "📷" not in line, (title, line)
        else:
            assert "📷" in line, (title, line)


def test_the_home_page_shows_the_newest_photos_and_the_next_dates(demo_site):
    """The home page's teasers (their own context slices, so an edit elsewhere in the lists does
    not re-render every page of the home list): the first six photos of the wall and the first
    three dates of /termine/, in the same order."""
    def links(path: str, selector: str, count: int) -> list[str]:
        soup = BeautifulSoup((demo_site / path).read_text(encoding="utf-8"), "lxml")
        return list(dict.fromkeys(a["href"] for a in soup.select(selector)))[:count]  # a card links twice

    photos = links("index.html", ".post-card a[href*='/wall/']", 100)
    assert len(photos) == 6
    assert photos == links("wall/index.html", ".post-card a[href*='/wall/']", 6)
    dates = links("index.html", ".event-list--teaser .event-item__title", 100)
    assert len(dates) == 3
    assert dates == links("termine/index.html", ".event-item__title", 3)
