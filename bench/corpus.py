"""Generated benchmark corpora: our content tree and an equally large vanilla one.

At scale 1: 5,000 community posts with images, 200 articles, 500 events, plus the 179
municipality and 6 district pages the region plugin makes from the registry. The vanilla
tree holds the same Markdown files (articles, events, community posts; a Title and Date
line added where our format has none), for Pelican's default theme without plugins. Corpora are cached under bench/.corpus/ by scale
(SOISTS_BENCH_CACHE moves them, e.g. for the smoke test).
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import ImageDraw

from demo.artwork import render_scene
from plugins.community.postfile import CommunityPost, write_post_file
from plugins.region.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("SOISTS_BENCH_CACHE", ROOT / "bench" / ".corpus"))  # corpora and image cache
BERLIN = ZoneInfo("Europe/Berlin")
BASE_COUNTS = {"community": 5000, "articles": 200, "events": 500}
IMAGE_SIZE = (1280, 960)
FEATURE_WINDOW_MINUTES = 730 * 24 * 60
WORDS = ("Region Stuttgart Neckar Weinberg Streuobstwiese Rathaus Marktplatz Fachwerk Sonnenuntergang "
         "Wochenmarkt Radweg Schurwald Schönbuch Alb Kelter Brücke Bahnhof Innenstadt Sommer Herbst").split()


@dataclass(frozen=True)
class Corpus:
    ours: Path
    vanilla: Path
    counts: dict[str, int]

    @property
    def markdown_files(self) -> int:
        return sum(self.counts.values())


def counts_for(scale: float) -> dict[str, int]:
    return {kind: max(1, round(n * scale)) for kind, n in BASE_COUNTS.items()}


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def _unique_image(base, index: int, path: Path) -> None:
    """Picture number `index`: distinct per post up to scale 1 (the image cache keys on content, so no two
    may be equal). Larger scales repeat the pictures of scale 1 under new names, so the
    growth check pays for encoding 5,000 photos once, not 35,000."""
    image = base.copy()
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 20 + (index % 97) * 3, 40 + (index // 97) % 50], fill=(index % 255, 90, 160))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=80)


def _write_community(content: Path, count: int, rng: random.Random, pictures: int = BASE_COUNTS["community"]) -> None:
    municipalities = list(load_registry())
    bases = [render_scene(seed, IMAGE_SIZE) for seed in range(12)]
    start = datetime(2024, 1, 1, 18, tzinfo=BERLIN)
    for index in range(count):
        municipality = municipalities[int(rng.paretovariate(1.2)) % len(municipalities)]
        post_id = f"bench-{index:05d}"
        image = f"images/community/{post_id}.jpg"
        picture = index % pictures
        _unique_image(bases[picture % len(bases)], picture, content / image)
        featured = start + timedelta(minutes=FEATURE_WINDOW_MINUTES * index // count)  # in the past at every scale
        write_post_file(CommunityPost(
            id=post_id, platform="instagram", municipality=municipality.slug,
            taken=(featured - timedelta(days=3)).date(), featured=featured, image=image,
            alt=f"Foto aus {municipality.name}: {_text(rng, 6)}", consent_date=(featured - timedelta(days=1)).date(),
            consent_method="Instagram-Direktnachricht", caption=f"{_text(rng, 25)} #SoistS #{municipality.slug.replace('-', '')}",
            handle=f"user_{index % 1500}", original_url=f"https://www.instagram.com/p/B{index:08d}/",
        ), content)


def _write_articles(content: Path, count: int, rng: random.Random) -> None:
    municipalities = list(load_registry())
    folder = content / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        municipality = rng.choice(municipalities)
        day = date(2023, 1, 1) + timedelta(days=index * 3)
        (folder / f"artikel-{index:04d}.md").write_text(
            f"Title: Artikel {index}: {_text(rng, 4)}\nDate: {day} 10:00\nCategory: Wirtschaft\n"
            f"Tags: Region, Thema {index % 10}\nMunicipality: {municipality.slug}\nSummary: {_text(rng, 18)}\n\n"
            + "\n\n".join(_text(rng, 60) for _ in range(4)) + "\n", encoding="utf-8")


def _write_events(content: Path, count: int, rng: random.Random) -> None:
    municipalities = list(load_registry())
    folder = content / "events"
    folder.mkdir(parents=True, exist_ok=True)
    categories = ("netzwerk", "flaechen", "fachkraefte", "instawalk", "messe", "medien")
    for index in range(count):
        municipality = rng.choice(municipalities)
        start = datetime(2025, 1, 6, 9) + timedelta(days=index * 2, hours=index % 8)
        (folder / f"termin-{index:04d}.md").write_text(
            f"title: Termin {index}: {_text(rng, 3)}\nuid: bench-{index:04d}@so-ist-s.de\n"
            f"start: {start:%Y-%m-%d %H:%M}\nend: {start + timedelta(hours=2):%Y-%m-%d %H:%M}\n"
            f"category: {categories[index % len(categories)]}\nmunicipality: {municipality.slug}\n"
            f"location: Rathaus {municipality.name}\naddress: Marktplatz 1, 70000 {municipality.name}\n"
            f"modified: 2025-01-01 10:00\nsummary: {_text(rng, 12)}\n\n{_text(rng, 60)}\n", encoding="utf-8")


def _header(text: str) -> dict[str, str]:
    """The `Key: value` lines before the first blank line, keys lower-cased (as Pelican reads them)."""
    head = text.split("\n\n", 1)[0]
    return {key.strip().lower(): value.strip() for key, _, value in
            (line.partition(":") for line in head.splitlines()) if value}


def _write_vanilla(ours: Path, vanilla: Path) -> None:
    """The same Markdown files for vanilla Pelican: every article, event and community post of
    our tree as it is, with a Title and Date line added where Pelican needs one and our
    format has none (an event's date is its start, a post's its feature time)."""
    vanilla.mkdir(parents=True)
    for kind in ("articles", "events", "community"):
        for path in sorted((ours / kind).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            meta, added = _header(text), []
            if "title" not in meta:
                added.append(f"Title: Beitrag {meta.get('id', path.stem)}")
            if "date" not in meta:
                added.append(f"Date: {meta.get('start') or meta['featured']}")
            (vanilla / f"{kind}-{path.name}").write_text("".join(line + "\n" for line in added) + text, encoding="utf-8")


def _prepared(folder: Path, counts: dict[str, int], pictures: int = BASE_COUNTS["community"]) -> Corpus:
    """Our tree and the vanilla tree in `folder`, written once (a `.complete` marker) with the
    same seed, so every run of a benchmark compares the same files."""
    ours, vanilla = folder / "content", folder / "vanilla"
    done, same = folder / ".complete", folder / ".vanilla-same-markdown"
    if done.exists() and not same.exists():  # a corpus from before the vanilla tree read our files
        shutil.rmtree(vanilla, ignore_errors=True)
        _write_vanilla(ours, vanilla)
        same.write_text("ok\n")
    if not done.exists():
        if folder.exists():
            shutil.rmtree(folder)
        rng = random.Random(42)
        shutil.copytree(ROOT / "content" / "data", ours / "data")
        shutil.copytree(ROOT / "content" / "pages", ours / "pages")
        (ours / "community").mkdir(parents=True, exist_ok=True)
        _write_community(ours, counts.get("community", 0), rng, pictures=pictures)
        _write_articles(ours, counts.get("articles", 0), rng)
        _write_events(ours, counts.get("events", 0), rng)
        _write_vanilla(ours, vanilla)
        same.write_text("ok\n")
        done.write_text("ok\n")
    return Corpus(ours, vanilla, counts)


def build_corpus(scale: float = 1.0) -> Corpus:
    return _prepared(CACHE / f"scale-{scale:g}", counts_for(scale))


# Content mixes at a given file count (bench/content_mix.py, bench/preview_latency.py). Share
# of each kind; the 185 region pages come on top, as in every build of ours.
MIXES = {
    "articles": {"articles": 1.0},
    "community": {"community": 0.8, "articles": 0.1, "events": 0.1},
    "events": {"events": 0.8, "articles": 0.1, "community": 0.1},
    "mixed": {"articles": 0.4, "events": 0.3, "community": 0.3},
}
# Photos repeat after this many: the image cache is keyed on content, so a repeat costs one
# copy of its derivatives, never an encode (encoding 0.2-0.3 s per photo on 2 cores would
# otherwise dominate the preparation of every corpus, not the builds being compared).
MIX_PICTURES = 600


def mix_counts(mix: str, files: int) -> dict[str, int]:
    shares = MIXES[mix]
    counts = {kind: round(files * share) for kind, share in shares.items()}
    first = next(iter(shares))
    counts[first] += files - sum(counts.values())  # exactly `files` Markdown files in all
    return counts


def build_mix(mix: str, files: int) -> Corpus:
    """Our tree with `files` Markdown files in the proportions of MIXES[mix], and a vanilla
    tree with the same number of plain articles."""
    return _prepared(CACHE / f"mix-{mix}-{files}", mix_counts(mix, files), pictures=MIX_PICTURES)
