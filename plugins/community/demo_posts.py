"""Write the demo wall: community posts with drawn images, through the same write_post_file the scheduler uses.

Run: .venv/bin/python -m plugins.community.demo_posts [content_dir]
Same output every run (seeded), so re-running changes nothing and the image cache stays warm.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from demo.artwork import render_scene, save_jpeg
from plugins.navigation.dates import BERLIN
from plugins.region.registry import Municipality, load_registry

from .postfile import CommunityPost, write_post_file

POST_COUNT = 44
PER_DISTRICT = 6  # plus Stuttgart: 31 municipalities in all six districts
FIRST_FEATURE = datetime(2026, 6, 1, 18, 0, tzinfo=BERLIN)
IMAGE_SIZE = (1600, 1200)

SUBJECTS = [
    ("Abendlicht über den Weinbergen", "Weinberge im warmen Abendlicht"),
    ("Morgennebel im Tal", "Nebel liegt im Tal, dahinter sanfte Hügel"),
    ("Streuobstwiese in voller Blüte", "Blühende Obstbäume auf einer Wiese am Hang"),
    ("Sonnenuntergang am Aussichtspunkt", "Die Sonne steht tief über hügeliger Landschaft"),
    ("Herbstfarben am Ortsrand", "Bunte Hügel und ein paar Häuser am Ortsrand"),
    ("Sommerabend über den Dächern", "Häuser mit roten Dächern vor einem hellen Abendhimmel"),
    ("Winterstimmung auf der Alb", "Blasse Wintersonne über hügeligem Land"),
    ("Blick vom Hausberg", "Weiter Blick über Felder, Wälder und Dörfer"),
]
PHRASES = [
    "Jedes Mal wieder schön, hier nach Hause zu kommen.",
    "Kurz angehalten, weil das Licht so besonders war.",
    "Unsere Sonntagsrunde – mit Brezel, natürlich.",
    "Wer braucht da noch Urlaub?",
    "Auf dem Heimweg vom Training entdeckt.",
    "Mit dem Rad unterwegs und einfach stehen geblieben.",
    "Danke an alle, die hier die Wiesen pflegen!",
    "Heimat ist, wo man sich über solche Ausblicke freut.",
]
FIRST_NAMES = ["Lena", "Jonas", "Aylin", "Marco", "Sophie", "Emre", "Hannah", "Luca", "Mia", "Niklas", "Sara",
               "David", "Elif", "Tim", "Nora", "Felix"]
HANDLE_WORDS = ["blick", "fotos", "unterwegs", "heimat", "licht", "moments", "draussen", "views"]


def demo_municipalities() -> list[Municipality]:
    chosen: list[Municipality] = []
    for district in load_registry().districts:
        members = district.municipalities
        step = max(1, len(members) // PER_DISTRICT)
        chosen += list(members[::step][:PER_DISTRICT])
    return chosen


def hashtag_for(municipality: Municipality) -> str:
    return "".join(ch for ch in municipality.name.title() if ch.isalnum())


def demo_post(index: int, municipality: Municipality, rng: random.Random) -> CommunityPost:
    subject, alt = SUBJECTS[index % len(SUBJECTS)]
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    featured = FIRST_FEATURE + timedelta(days=index * 4, hours=rng.randint(0, 2))
    taken = (featured - timedelta(days=rng.randint(1, 20))).date()
    post_id = f"{featured:%Y-%m-%d}-{municipality.slug}"[:80].rstrip("-")
    platform = "email" if index % 11 == 5 else ("facebook" if index % 9 == 4 else "instagram")
    handle = "" if platform == "email" else f"{first.lower()}_{HANDLE_WORDS[index % len(HANDLE_WORDS)]}{index:02d}"
    caption = (f"{subject} in #{hashtag_for(municipality)} 📸\n{PHRASES[index % len(PHRASES)]}\n\n"
               f"#SoistS #RegionStuttgart" + (" @wirzeigenS" if platform == "instagram" else ""))
    original_url = {"instagram": f"https://www.instagram.com/p/Demo{index:04d}xYz/",
                    "facebook": f"https://www.facebook.com/{handle}/posts/{100000 + index}"}.get(platform, "")
    return CommunityPost(
        id=post_id,
        platform=platform,
        handle=handle,
        author_name=f"{first} {chr(65 + index % 26)}.",
        original_url=original_url,
        original_id=f"Demo{index:04d}xYz" if platform == "instagram" else "",
        municipality=municipality.slug,
        taken=taken,
        featured=featured,
        image=f"images/community/{post_id}.jpg",
        alt=f"{alt} in {municipality.name} (gezeichnetes Demobild)",
        consent_date=taken + timedelta(days=1) if taken + timedelta(days=1) <= featured.date() else featured.date(),
        consent_method={"instagram": "Instagram-Direktnachricht", "facebook": "Facebook-Nachricht"}.get(platform, "E-Mail"),
        caption=caption,
    )


def write_demo_posts(content_dir: Path, count: int = POST_COUNT) -> list[Path]:
    rng = random.Random(20261123)
    places = demo_municipalities()
    written: list[Path] = []
    for index in range(count):
        post = demo_post(index, places[index % len(places)], rng)
        image = content_dir / post.image
        if not image.exists():
            save_jpeg(render_scene(1000 + index, IMAGE_SIZE), image, quality=80)
        written.append(write_post_file(post, content_dir))
    return written


def main(argv: list[str]) -> None:
    content_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "content"
    paths = write_demo_posts(content_dir)
    print(f"wrote {len(paths)} community posts to {content_dir / 'community'}")


if __name__ == "__main__":
    main(sys.argv)
