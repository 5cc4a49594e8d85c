"""One newsletter issue as an e-mail: MJML -> responsive HTML (CSS inlined) + plain text.

The issue comes from the site build (issue.json, see plugins/newsletter/selection.py): the
mail shows exactly the items of the web version. Links and images get the public SITEURL
here, because a mail is read far away from the site and relative URLs mean nothing there.

The unsubscribe link is a placeholder until a recipient is known (`personalise`): the SMTP
sender puts each recipient's own link in, the export for the newsletter service its merge tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import css_inline
import mjml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from plugins.newsletter.selection import Issue, issue_from_dict

TEMPLATES = Path(__file__).resolve().parent / "templates"
UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_URL__"
GMAIL_CLIP_BYTES = 102 * 1024  # Gmail cuts a message body off beyond about 102 kB


@dataclass(frozen=True)
class Newsletter:
    issue: Issue
    siteurl: str
    preheader: str
    mjml: str
    html: str  # with UNSUBSCRIBE_PLACEHOLDER
    text: str  # with UNSUBSCRIBE_PLACEHOLDER

    @property
    def subject(self) -> str:
        return self.issue.subject

    @property
    def web_url(self) -> str:
        return absolute(self.siteurl, self.issue.url)


def absolute(siteurl: str, path: str) -> str:
    return f"{siteurl.rstrip('/')}/{path.lstrip('/')}"


def load_issue(path: Path) -> Issue:
    return issue_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def preheader(issue: Issue) -> str:
    """The line mail clients show after the subject."""
    places = list(dict.fromkeys(f.municipality for f in issue.features))
    if places:
        more = f" und {len(places) - 3} weiteren Orten" if len(places) > 3 else ""
        return f"Fotos aus {', '.join(places[:3])}{more} – und die Termine im {issue.events_label}."
    return f"Menschen aus der Region und die Termine im {issue.events_label}."


def _environment() -> Environment:
    # Autoescape on: every title, alt text and credit is printed escaped into the MJML.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render_mjml(issue: Issue, siteurl: str) -> str:
    template = _environment().get_template("issue.mjml")
    return template.render(issue=issue, url=lambda path: absolute(siteurl, path),
                           unsubscribe=UNSUBSCRIBE_PLACEHOLDER, preheader=preheader(issue))


def to_html(source: str) -> str:
    # fonts={}: MJML would otherwise link web fonts from a third-party host.
    rendered = mjml.mjml2html(source, disable_comments=True, fonts={})
    # Inlined styles survive clients that drop <style>; the media queries stay in <head>.
    inliner = css_inline.CSSInliner(keep_at_rules=True, minify_css=True, load_remote_stylesheets=False)
    return inliner.inline(rendered)


def plain_text(issue: Issue, siteurl: str) -> str:
    """The text/plain alternative: the same items, each with its address."""
    def url(path: str) -> str:
        return absolute(siteurl, path)

    lines = [f"So ist S im {issue.label}", "=" * len(f"So ist S im {issue.label}"), "",
             f"Hallo! Das war der {issue.label} in der Region Stuttgart: deine Fotos mit #SoistS, "
             f"Menschen aus der Region und die Termine im {issue.events_label}.", "",
             f"Im Browser lesen: {url(issue.url)}", ""]
    if issue.campaign:
        call = issue.campaign
        lines += [f"MITMACHEN: {call.title}", *([call.summary] if call.summary else []),
                  f"Du kannst bis zum {call.closes_label} mitmachen: {url(call.url)}", ""]
    if issue.features:
        lines += ["FOTOS DES MONATS", ""]
        for f in issue.features:
            lines += [f"* {f.title}", f"  {f.municipality} · Foto: {f.credit} · {f.date_label}", f"  {url(f.url)}", ""]
        if issue.more_features:
            lines += [f"{issue.more_features} weitere Fotos auf der Fotowand: {url('wall/')}", ""]
    if issue.portraits:
        lines += ["MENSCHEN IN DER REGION", ""]
        for p in issue.portraits:
            lines += [f"„{p.quote}“", f"  {p.firstname} / {p.municipality}", f"  {url(p.url)}", ""]
    lines += [f"TERMINE IM {issue.events_label.upper()}", ""]
    for e in issue.events:
        place = f"{e.location}, {e.municipality}" if e.municipality else e.location
        lines += [f"* {e.date_label}", f"  {e.title}", f"  {place}", f"  {url(e.url)}", ""]
    if not issue.events:
        lines += [f"Für den {issue.events_label} stehen noch keine Termine fest: {url('termine/')}", ""]
    lines += ["Zeig uns deine Region: Poste dein Foto mit #SoistS oder markiere @wirzeigenS.",
              f"So machst du mit: {url('mitmachen/')}", "", "-- ",
              "Du bekommst diese Mail, weil du den Newsletter von So ist S bestellt hast.",
              f"Newsletter abbestellen: {UNSUBSCRIBE_PLACEHOLDER}",
              f"Alle Ausgaben: {url('newsletter/')}",
              f"Impressum: {url('impressum/')} · Datenschutz: {url('datenschutz/')}"]
    # The site's dates keep "–" and the next word together with a word joiner (U+2060); a plain-text
    # reader wraps as it likes, and some show the invisible character as a box.
    return "\n".join(lines).replace("\u2060", "") + "\n"


def compose(issue: Issue, siteurl: str) -> Newsletter:
    if not siteurl.startswith(("https://", "http://")):
        raise ValueError(f"SITEURL {siteurl!r} must be an absolute http(s) address: mails need absolute links")
    source = render_mjml(issue, siteurl)
    return Newsletter(issue=issue, siteurl=siteurl.rstrip("/"), preheader=preheader(issue), mjml=source,
                      html=to_html(source), text=plain_text(issue, siteurl))


def personalise(body: str, unsubscribe_url: str, html: bool) -> str:
    """Put one recipient's unsubscribe link (or a service's merge tag) into a body."""
    return body.replace(UNSUBSCRIBE_PLACEHOLDER, str(escape(unsubscribe_url)) if html else unsubscribe_url)
