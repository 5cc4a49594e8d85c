"""The community wall: reads content/community/*.md, writes /wall/, /wall/<id>/ and municipality feeds."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

from feedgenerator import Atom1Feed
from markupsafe import Markup
from pelican.cache import FileStampDataCacher
from pelican.generators import Generator

from plugins import parallel, source_dates, validation
from plugins.incremental import clock
from plugins.region.figures import fixed_now, site_now
from plugins.region.registry import DEFAULT_PATH as REGISTRY_DEFAULT
from plugins.region.registry import Municipality, UnknownMunicipality, load_registry

from .credit import credit
from .postfile import CommunityPost, read_post_file
from .sanitize import caption_html, plain

logger = logging.getLogger(__name__)
WALL_URL = "wall/"
PAGE_URL = "wall/seite/{number}/"
FEED_SAVE_AS = "kommunen/{slug}/feed.atom"
REGISTRY_FILE = "data/municipalities.csv"  # below the content folder
WALL_TEASER_POSTS = 6  # the newest photos on the home page


@dataclass
class WallPost:
    """What templates and other plugins see of a community post (all text already safe/plain)."""

    source: CommunityPost
    source_path: str
    municipalities: list[Municipality]
    caption_html: Markup
    title: str
    alt: str
    author_name: str

    id = property(lambda self: self.source.id)
    handle = property(lambda self: self.source.handle)
    image = property(lambda self: self.source.image)
    featured = property(lambda self: self.source.featured)
    date = property(lambda self: self.source.featured)  # Pelican-style alias for generic templates
    taken = property(lambda self: self.source.taken)
    platform = property(lambda self: self.source.platform)
    original_url = property(lambda self: self.source.original_url)
    profile_url = property(lambda self: self.source.profile_url)
    consent_date = property(lambda self: self.source.consent_date)
    url = property(lambda self: f"wall/{self.source.id}/")
    save_as = property(lambda self: f"wall/{self.source.id}/index.html")

    @property
    def municipality(self) -> Municipality:
        return self.municipalities[0]

    @property
    def credit(self) -> str:
        """Visible credit (plugins/community/credit.py): "@handle" for Instagram, else the name."""
        return credit(self.source.handle, self.author_name, self.source.platform)

    @property
    def credit_is_handle(self) -> bool:
        return self.credit.startswith("@")

    @property
    def summary(self) -> str:
        return plain(self.source.caption, limit=160)


def hashtag_linker(siteurl: str, own: list[Municipality]):
    registry = load_registry()

    def url_for(tag: str) -> str | None:
        matches = registry.lookup_name(tag)
        if len(matches) > 1:
            matches = tuple(m for m in matches if m in own)
        return f"{siteurl}/{matches[0].url}" if len(matches) == 1 else None

    return url_for


def make_wall_post(post: CommunityPost, path: str, siteurl: str) -> WallPost:
    municipalities = load_registry().resolve_many(post.municipality)
    author_name = plain(post.author_name, limit=80)
    title = plain(post.title, limit=120) or (
        f"{municipalities[0].name}: Foto von {credit(post.handle, author_name, post.platform)}")
    return WallPost(
        source=post,
        source_path=path,
        municipalities=municipalities,
        caption_html=Markup(caption_html(post.caption, hashtag_linker(siteurl, municipalities))),
        title=title,
        alt=plain(post.alt, limit=300),
        author_name=author_name,
    )


# path -> (file stamp and what else the post is made from, the post, its WallPost). A
# long-lived process (the preview, plugins/preview) reads and sanitises only changed files.
_made: dict[str, tuple[tuple, CommunityPost, WallPost]] = {}


def _made_from(path: Path, siteurl: str) -> tuple:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, siteurl, id(load_registry())


def load_posts(content_path: Path, folder: str, siteurl: str,
               read: Callable[[Path], tuple[CommunityPost, list]] = read_post_file) -> list[WallPost]:
    """All valid posts (scheduled ones included), newest featured first; problems go to
    validation.report. `read` may be a cached read_post_file."""
    posts: list[WallPost] = []
    seen: dict[str, str] = {}
    for path in sorted((content_path / folder).glob("*.md")):
        key = _made_from(path, siteurl)
        made = _made.get(str(path))
        if made is not None and made[0] == key:
            post, problems, wall_post = made[1], [], made[2]
        else:
            post, problems = read(path)
            problems = list(problems)  # a cached list must not collect this build's problems
            wall_post = None
        if post.image and not problems and not (content_path / post.image).is_file():
            problems.append(("image", f"{post.image} not found under {content_path}"))
        if post.id in seen:
            problems.append(("id", f"{post.id!r} is already used by {seen[post.id]}"))
        try:
            if not problems and wall_post is None:
                wall_post = make_wall_post(post, str(path), siteurl)
                _made[str(path)] = (key, post, wall_post)
        except UnknownMunicipality as exc:
            problems.append(("municipality", str(exc)))
        for name, message in problems:
            validation.report(str(path), name, message)
        if problems:
            continue
        seen[post.id] = path.name
        posts.append(wall_post)
    posts.sort(key=lambda p: (p.featured, p.id), reverse=True)
    return posts


def paginate(posts: list, size: int) -> list[list]:
    return [posts[i:i + size] for i in range(0, len(posts), size)] or [[]]


def page_url(number: int) -> str:
    return WALL_URL if number == 1 else PAGE_URL.format(number=number)


class StableAtomFeed(Atom1Feed):
    """An Atom feed whose <updated> never is the build time: its newest entry's time, and for
    a feed without entries (most municipalities' at first) a time given from the content."""

    def __init__(self, *args, empty_updated: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_updated = empty_updated

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else self.empty_updated


def municipality_feed(municipality: Municipality, posts: list[WallPost], siteurl: str, sitename: str,
                      image_url, empty_updated: datetime) -> Atom1Feed:
    feed = StableAtomFeed(
        title=f"{sitename}: Fotos aus {municipality.name}",
        link=f"{siteurl}/{municipality.url}",
        description=f"Neue #SoistS-Fotos aus {municipality.name}",
        feed_url=f"{siteurl}/{FEED_SAVE_AS.format(slug=municipality.slug)}",
        language="de",
        empty_updated=empty_updated,
    )
    for post in posts:
        image = image_url(post.image, 800) if image_url else ""
        image_html = Markup('<p><img src="{}" alt="{}"></p>').format(image, post.alt) if image else ""
        feed.add_item(
            title=post.title,
            link=f"{siteurl}/{post.url}",
            unique_id=f"{siteurl}/{post.url}",
            description=str(image_html + post.caption_html + Markup("<p>📷 {}</p>").format(post.credit)),
            author_name=post.credit,
            pubdate=post.featured,
            updateddate=post.featured,
        )
    return feed


def cached_reader(cache: FileStampDataCacher) -> Callable[[Path], tuple[CommunityPost, list]]:
    def read(path: Path) -> tuple[CommunityPost, list]:
        found = cache.get_cached_data(str(path))
        if found is None:
            found = read_post_file(path)
            cache.cache_data(str(path), found)
        return found

    return read


class CommunityGenerator(Generator):
    def generate_context(self):
        source_dates.forget()  # a preview renders again after saves: ask Git afresh
        settings = self.settings
        # read_post_file behind Pelican's own file cache (CACHE_CONTENT, checked by mtime)
        cache = FileStampDataCacher(settings, "CommunityGenerator-posts", settings.get("CACHE_CONTENT", False),
                                    settings.get("LOAD_CONTENT_CACHE", False))
        posts = load_posts(Path(self.path), settings.get("COMMUNITY_PATH", "community"), settings.get("SITEURL", ""),
                           cached_reader(cache))
        cache.save_cache()
        if settings.get("COMMUNITY_SHOW_FUTURE", False):
            self.posts, self.valid_until = posts, None
        else:
            now = site_now(settings)  # SITE_NOW in tests: the figures' „veröffentlicht“
            self.posts = [post for post in posts if post.featured <= now]
            for post in posts:
                if post.featured > now:
                    logger.info("community post %s is scheduled for %s, not shown yet", post.id, post.featured)
            # the next one to appear (never, while the build's "now" is set)
            self.valid_until = None if fixed_now(settings) else clock.first_after((p.featured for p in posts), now)
        by_municipality: dict[str, list[WallPost]] = {}
        for post in self.posts:
            for municipality in post.municipalities:
                by_municipality.setdefault(municipality.slug, []).append(post)
        self.by_municipality = by_municipality
        self.context["community_posts"] = self.posts
        # the home page's teaser gets its own few: a page that read the whole list would be
        # rendered again (all its pages, in both languages) whenever any post changed
        self.context["wall_teaser_posts"] = self.posts[:WALL_TEASER_POSTS]
        self.context["community_posts_by_municipality"] = by_municipality

    def generate_output(self, writer):
        output = Path(self.output_path)
        size = int(self.settings.get("COMMUNITY_WALL_PAGE_SIZE", 24))
        pages = paginate(self.posts, size)
        remove_stale(output, {p.id for p in self.posts}, len(pages))
        post_template = self.get_template("community/post")
        wall_template = self.get_template("community/wall")
        posts = self.posts

        def write_post(index: int) -> None:
            post = posts[index]
            writer.write_file(post.save_as, post_template, self.context, url=post.url, post=post,
                              newer=posts[index - 1] if index else None,
                              older=posts[index + 1] if index + 1 < len(posts) else None)

        def write_wall_page(index: int) -> None:
            number, chunk = index + 1, pages[index]
            writer.write_file(page_url(number) + "index.html", wall_template, self.context, url=page_url(number),
                              posts=chunk, page_number=number, page_count=len(pages),
                              previous_url=page_url(number - 1) if number > 1 else None,
                              next_url=page_url(number + 1) if number < len(pages) else None,
                              first_eager=number == 1)

        # one fork for all of the wall: post pages, wall pages and feeds, each a separate file
        municipalities = list(load_registry())
        jobs = ([lambda i=i: write_post(i) for i in range(len(posts))]
                + [lambda i=i: write_wall_page(i) for i in range(len(pages))]
                + [lambda m=m: self.write_feed(output, m, writer) for m in municipalities])
        parallel.each(self.settings, len(jobs), lambda index: jobs[index](), writer)

    @cached_property
    def registry_changed(self) -> datetime:
        """When the registry (a feed's title and link) last changed: an empty feed's <updated>."""
        local = Path(self.path) / REGISTRY_FILE
        return source_dates.last_changed(local if local.is_file() else REGISTRY_DEFAULT)

    def write_feeds(self, output: Path) -> None:
        for municipality in load_registry():
            self.write_feed(output, municipality)

    def write_feed(self, output: Path, municipality: Municipality, writer=None) -> None:
        siteurl = self.settings.get("FEED_DOMAIN") or self.settings.get("SITEURL", "")
        posts, sitename = self.by_municipality.get(municipality.slug, []), self.settings.get("SITENAME", "")
        target = output / FEED_SAVE_AS.format(slug=municipality.slug)

        def write() -> None:
            feed = municipality_feed(municipality, posts, siteurl, sitename, self.env.globals.get("image_url"),
                                     self.registry_changed)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8") as handle:
                feed.write(handle, "utf-8")

        # the preview (plugins/preview) skips feeds whose posts did not change
        parallel.write_generated(writer, str(target), (municipality.slug, posts, siteurl, sitename), write)


def remove_stale(output: Path, ids: set[str], page_count: int) -> None:
    """Pelican never deletes old output: remove pages of posts that are gone (e.g. taken down)."""
    wall = output / "wall"
    if not wall.is_dir():
        return
    for child in wall.iterdir():
        if child.is_dir() and child.name != "seite" and child.name not in ids:
            shutil.rmtree(child)
    pages = wall / "seite"
    if pages.is_dir():
        for child in pages.iterdir():
            if not (child.name.isdigit() and 2 <= int(child.name) <= page_count):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
