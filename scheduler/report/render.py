"""Write one report folder: HTML (self-contained), the same as PDF, CSV and JSON of the figures.

The HTML has its CSS inline, its charts as inline SVG and its thumbnails as data URIs, so the
folder can be mailed and opened anywhere without a request to a third party. Jinja's autoescape
is on; the only markup marked safe is the SVG this package draws (every text in it escaped).
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from plugins.region.registry import german_order
from scheduler.insights.api import GAP_REASONS_DE
from scheduler.insights.metrics import ALL_METRICS
from scheduler.report import german
from scheduler.report.build import Report
from scheduler.report.charts import SHADES
from scheduler.report.data import WEBSITE_ONLY
from scheduler.report.figures import MastodonRow

TEMPLATES = Path(__file__).parent / "templates"
THUMB_PX = 240
GAP_LABELS = {**GAP_REASONS_DE, WEBSITE_ONLY: "nur auf der Website veröffentlicht, ohne Zahlen"}


def german_sort(items, attribute: str) -> list:
    """Jinja's `sort` compares code points; names are listed in German order."""
    name = attrgetter(attribute)
    return sorted(items, key=lambda item: german_order(name(item)))


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True,
                      default_for_string=True), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=german.number, percent=german.percent, signed=german.signed, day=german.day,
                       short_day=german.short_day, month=german.month_label,
                       nbsp=lambda text: text.replace(" ", "\u00a0"), german_sort=german_sort)
    return env


def thumbnail(feature_key: str, image: str, content_dir: Path) -> str:
    """A small JPEG as a data URI: the site's copy of the photo, else the original from the media store."""
    from PIL import Image

    for path in (content_dir / "images" / "community" / f"{feature_key}.jpg", Path(image) if image else None):
        if path is not None and path.is_file():
            with Image.open(path) as img:
                img = img.convert("RGB")
                img.thumbnail((THUMB_PX, THUMB_PX))
                buffer = io.BytesIO()
                img.save(buffer, "JPEG", quality=72, optimize=True)  # no EXIF is carried over
            return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    return ""


def stylesheet(print_mode: bool) -> str:
    """The report's CSS; the screen-only rules (media queries, scrolling, aspect ratios) stay out of
    the PDF, where WeasyPrint would warn about each of them."""
    names = ("report.css",) if print_mode else ("report.css", "report-screen.css")
    return "\n".join((TEMPLATES / name).read_text(encoding="utf-8") for name in names)


def html(report: Report, content_dir: Path, print_mode: bool = False) -> str:
    thumbs = {f.key: thumbnail(f.key, f.image, content_dir) for f in report.top}
    template = environment().get_template("report.html.j2")
    return template.render(r=report, charts={k: Markup(v) for k, v in report.charts.items()}, thumbs=thumbs,
                           css=Markup(stylesheet(print_mode)),
                           gap_labels=GAP_LABELS, shades=list(zip(SHADES, report.map_bounds)),
                           print_mode=print_mode)


def rows_csv(report: Report) -> str:
    """Per municipality, for a spreadsheet (semicolon and decimal comma, as German Excel expects)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["AGS", "Kommune", "Landkreis", "Vorgestellte Fotos", "Daten", "Reichweite", "Interaktionen",
                     "Interaktionsrate (%)", "#SoistS-Beiträge gesammelt", "Verlinkende Websites",
                     "Mastodon: Fotos", "Mastodon: Favoriten", "Mastodon: Geteilt", "Mastodon: Antworten"])
    mastodon = {row.m.ags: row for row in report.mastodon}
    for row in report.municipalities:
        on = mastodon.get(row.m.ags) or MastodonRow(row.m)
        writer.writerow([row.m.ags, row.m.name, row.m.district, row.features,
                         ", ".join(d.isoformat() for d in row.dates), row.reach, row.interactions,
                         german.number(row.engagement * 100, 2) if row.engagement is not None else "",
                         row.collected, ", ".join(f"{h} ({n})" for h, n in row.linking),
                         on.features, on.favourites, on.reblogs, on.replies])
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8 (umlauts)


def figures_json(report: Report) -> dict:
    def headline(h) -> dict:
        return {"features": h.features, "municipalities_featured": h.featured, "municipalities": h.municipalities,
                "reach": h.reach, "interactions": h.interactions, "engagement_rate": h.engagement,
                "followers": h.followers, "followers_growth": h.growth, "share_aged_18_34": h.young_share}

    return {
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "previous_period": {"from": report.period.previous().start.isoformat(),
                            "to": report.period.previous().end.isoformat()},
        "scope": {"kind": report.scope.kind, "label": report.scope.label}, "generated": report.today.isoformat(),
        "headline": headline(report.current), "headline_previous_year": headline(report.previous),
        "reach_per_month": [{"month": f"{y}-{m:02d}", "reach": v} for y, m, v in report.months],
        "followers_per_day": [{"day": d.isoformat(), "followers": n} for d, n in report.followers],
        "instagram_followers_by_age": [{"age": b, "followers": n, "share": s} for b, n, s in report.ages],
        "soists_posts_per_week": [{"week": d.isoformat(), "posts": n} for d, n in report.weekly],
        "districts": [{"slug": d.slug, "name": d.name, "municipalities": d.municipalities, "featured": d.featured,
                       "features": d.features, "reach": d.reach, "interactions": d.interactions,
                       "engagement_rate": d.engagement, "posts_collected": d.collected,
                       "linking_sites": d.linking_sites} for d in report.districts],
        "municipalities": [{"ags": r.m.ags, "slug": r.m.slug, "name": r.m.name, "district": r.m.district_slug,
                            "features": r.features, "dates": [d.isoformat() for d in r.dates], "reach": r.reach,
                            "interactions": r.interactions, "engagement_rate": r.engagement,
                            "posts_collected": r.collected, "linking_sites": [{"host": h, "requests": n}
                                                                              for h, n in r.linking]}
                           for r in report.municipalities],
        "not_featured": [r.m.slug for r in report.todo],
        "partner_mail": [{"ags": r.m.ags, "slug": r.m.slug, "mails_sent": r.mails, "clicks": r.clicks,
                          "events_imported": r.events_imported, "events_accepted": r.events_accepted}
                         for r in report.partner_mail],
        "top_features": [{"key": f.key, "municipality": report.names.get(f.ags, f.ags), "day": f.day.isoformat(),
                          "credit": f.credit, "reach": f.total_reach, "interactions": f.total_interactions}
                         for f in report.top],
        "mastodon": {"totals": mastodon_json(report.mastodon_total),
                     "municipalities": [{"ags": r.m.ags, "slug": r.m.slug, "name": r.m.name, **mastodon_json(r)}
                                        for r in report.on_mastodon]},
        "gaps": report.gaps,
        "metrics": [{"name": m.name, "documentation": m.doc} for m in ALL_METRICS],
    }


def mastodon_json(row: MastodonRow) -> dict:
    return {"features": row.features, "favourites": row.favourites, "reblogs": row.reblogs, "replies": row.replies}


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path | None
    csv: Path
    json: Path


def write(report: Report, out: Path, content_dir: Path, pdf: bool = True) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    stem = f"soists-bericht-{report.scope.slug}-{report.period.start}_{report.period.end}"
    paths = Written(out / f"{stem}.html", out / f"{stem}.pdf" if pdf else None, out / f"{stem}-kommunen.csv",
                    out / f"{stem}.json")
    paths.html.write_text(html(report, content_dir), encoding="utf-8")
    paths.csv.write_text(rows_csv(report), encoding="utf-8")
    paths.json.write_text(json.dumps(figures_json(report), ensure_ascii=False, indent=1), encoding="utf-8")
    if paths.pdf is not None:
        from weasyprint import HTML

        HTML(string=html(report, content_dir, print_mode=True), base_url=str(out)).write_pdf(
            paths.pdf, pdf_variant="pdf/ua-1")  # tagged: structure tree, /Lang, the title shown
    return paths
