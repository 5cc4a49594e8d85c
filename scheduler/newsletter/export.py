"""The import file for the team's newsletter service: HTML, text, MJML source and metadata.

The service sends, counts bounces and handles unsubscriptions; it only needs the finished
bodies. Its own unsubscribe merge tag replaces our placeholder (default `{{unsubscribe}}`;
set it to whatever the service expects, e.g. `*|UNSUB|*`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from .compose import GMAIL_CLIP_BYTES, Newsletter, absolute, personalise

DEFAULT_MERGE_TAG = "{{unsubscribe}}"
ITEM_FIELDS = ("kind", "title", "url", "image_url", "image_alt", "date")


def item_rows(newsletter: Newsletter) -> list[dict[str, str]]:
    """Every item of the issue with its absolute link and image: for checking and for the service's archive."""
    issue, url = newsletter.issue, (lambda path: absolute(newsletter.siteurl, path))
    rows = [{"kind": "foto", "title": f.title, "url": url(f.url), "image_url": url(f.image.path),
             "image_alt": f.image.alt, "date": f.when} for f in issue.features]
    rows += [{"kind": "portraet", "title": p.title, "url": url(p.url), "image_url": url(p.image.path),
              "image_alt": p.image.alt, "date": p.when} for p in issue.portraits]
    rows += [{"kind": "termin", "title": e.title, "url": url(e.url), "image_url": "", "image_alt": "",
              "date": e.when} for e in issue.events]
    if issue.campaign:
        rows.append({"kind": "aufruf", "title": issue.campaign.title, "url": url(issue.campaign.url),
                     "image_url": "", "image_alt": "", "date": issue.campaign.closes})
    return rows


def metadata(newsletter: Newsletter, html: str, text: str, merge_tag: str) -> dict:
    html_bytes = len(html.encode("utf-8"))
    return {
        "month": newsletter.issue.month,
        "subject": newsletter.subject,
        "preheader": newsletter.preheader,
        "web_version": newsletter.web_url,
        "archive": absolute(newsletter.siteurl, "newsletter/"),
        "language": "de",
        "unsubscribe_merge_tag": merge_tag,
        "html_file": f"newsletter-{newsletter.issue.month}.html",
        "text_file": f"newsletter-{newsletter.issue.month}.txt",
        "html_bytes": html_bytes,
        "text_bytes": len(text.encode("utf-8")),
        "below_gmail_clip": html_bytes < GMAIL_CLIP_BYTES,
        "html_sha256": hashlib.sha256(html.encode("utf-8")).hexdigest(),
        "counts": {"fotos": len(newsletter.issue.features), "portraets": len(newsletter.issue.portraits),
                   "termine": len(newsletter.issue.events), "aufruf": int(newsletter.issue.campaign is not None)},
    }


def write_import_files(newsletter: Newsletter, folder: Path, merge_tag: str = DEFAULT_MERGE_TAG) -> dict[str, Path]:
    """Write <folder>/newsletter-<month>.{html,txt,mjml}, metadata.json and items.csv; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    month = newsletter.issue.month
    html = personalise(newsletter.html, merge_tag, html=False)  # a merge tag must stay literal, unescaped
    text = personalise(newsletter.text, merge_tag, html=False)
    paths = {"html": folder / f"newsletter-{month}.html", "text": folder / f"newsletter-{month}.txt",
             "mjml": folder / f"newsletter-{month}.mjml", "metadata": folder / "metadata.json",
             "items": folder / "items.csv"}
    paths["html"].write_text(html, encoding="utf-8")
    paths["text"].write_text(text, encoding="utf-8")
    paths["mjml"].write_text(newsletter.mjml, encoding="utf-8")
    paths["metadata"].write_text(json.dumps(metadata(newsletter, html, text, merge_tag), ensure_ascii=False,
                                            indent=1) + "\n", encoding="utf-8")
    with paths["items"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=ITEM_FIELDS)
        writer.writeheader()
        writer.writerows(item_rows(newsletter))
    return paths
