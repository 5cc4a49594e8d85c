"""„So ist S in Ihrer Kommune“: one municipality's monthly mail (MJML → HTML, and a text part).

The words are German in the Sie-form (docs/STYLEGUIDE.md: text aimed at town halls). The HTML
goes through the newsletter's path (newsletter/compose.py: mjml-python without web fonts, CSS
inlined by css-inline); the unsubscribe link is the newsletter's placeholder until a contact is
known (`personalise`). Every link to the site carries the month's campaign parameter
(`?mtm_campaign=kommune-2026-11&mtm_kwd=plochingen`; insights/accesslog.py counts them as the
mail's clicks); images and the badge snippet do not. No tracking pixel, nothing from third parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from plugins.navigation.dates import german_date, german_number
from scheduler.newsletter.compose import UNSUBSCRIBE_PLACEHOLDER, absolute, personalise, to_html

from .monthly import MonthFigures

TEMPLATES = Path(__file__).resolve().parent / "templates"
MONTHLY, QUIET = "monthly", "quiet"
SERIES = "So ist S in Ihrer Kommune"
# The badge as PNG for the preview in the mail (mail programs show no SVG); the snippet keeps the SVG.
BADGE_PREVIEW = "theme/img/badge.png"


def campaign(month_slug: str) -> str:
    return f"kommune-{month_slug}"


@dataclass(frozen=True)
class Links:
    siteurl: str
    month: str  # YYYY-MM
    slug: str  # the municipality

    def site(self, path: str) -> str:
        """An absolute link to the site with the mail's campaign parameter (before any #anchor)."""
        target, _, anchor = absolute(self.siteurl, path).partition("#")
        query = urlencode({"mtm_campaign": campaign(self.month), "mtm_kwd": self.slug})
        return f"{target}{'&' if '?' in target else '?'}{query}" + (f"#{anchor}" if anchor else "")

    def asset(self, path: str) -> str:
        """An image: absolute, without a parameter (a mail client fetching it is no click)."""
        return absolute(self.siteurl, path)


@dataclass(frozen=True)
class PartnerMail:
    figures: MonthFigures
    kind: str  # monthly | quiet
    subject: str
    preheader: str
    mjml: str
    html: str  # with the unsubscribe placeholder
    text: str

    @property
    def ags(self) -> str:
        return self.figures.municipality.ags

    def personal(self, unsubscribe_url: str) -> tuple[str, str]:
        """(text, html) with one contact's unsubscribe link."""
        return (personalise(self.text, unsubscribe_url, html=False),
                personalise(self.html, unsubscribe_url, html=True))


def badge_snippet(siteurl: str, name: str, slug: str) -> str:
    """The code a municipality pastes into its website: the same as on its page
    (theme/templates/partials/municipality_badge.html): a link and an image, no script."""
    site = siteurl.rstrip("/")
    return (f'<a href="{site}/kommunen/{slug}/"><img src="{site}/theme/img/badge.svg" '
            f'alt="So ist S: {name} in Bildern" width="200" height="44"></a>')


def count(n: int, one: str, many: str) -> str:
    return f"{german_number(n)} {one if n == 1 else many}"


def subject(figures: MonthFigures, kind: str) -> str:
    name = figures.municipality.name
    if kind == QUIET:
        return f"{SERIES}: {name} – neue Fotos und Termine willkommen"
    return f"{SERIES}: {name} im {figures.month.label}"


def preheader(figures: MonthFigures, kind: str) -> str:
    name, label = figures.municipality.name, figures.month.label
    if kind == QUIET:
        return f"Im {label} haben wir kein Foto aus {name} vorgestellt. So schicken Sie uns Fotos und Termine."
    parts = []
    if figures.features:
        parts.append(f"{count(len(figures.features), 'Foto', 'Fotos')} aus {name} vorgestellt")
    if figures.waiting:
        parts.append(f"{count(figures.waiting, 'Foto wartet', 'Fotos warten')} auf einen Sendeplatz")
    if figures.own_visits:
        parts.append(f"{count(figures.own_visits, 'Aufruf', 'Aufrufe')} über Ihre Website")
    return f"Im {label}: " + ", ".join(parts) + "."


def reach_sentence(figures: MonthFigures) -> str:
    """„Zusammen erreichten sie 1.500 Konten auf Instagram und Facebook (Reichweite) …“"""
    if figures.reach is None:
        return ("Zahlen zur Reichweite liegen (noch) nicht vor: Instagram und Facebook melden sie erst nach "
                "einigen Tagen, bei wenigen Aufrufen gar nicht.")
    several = len(figures.features) > 1
    text = (f"{'Zusammen erreichten sie' if several else 'Es erreichte'} {german_number(figures.reach)} Konten "
            "auf Instagram und Facebook (Reichweite)")
    if figures.interactions:
        text += (f" und {'bekamen' if several else 'bekam'} "
                 f"{count(figures.interactions, 'Interaktion', 'Interaktionen')} (Reaktionen, Kommentare, Teilungen)")
    return text + "."


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=german_number, day=german_date)
    return env


def compose(figures: MonthFigures, siteurl: str, kind: str = MONTHLY) -> PartnerMail:
    if not siteurl.startswith(("https://", "http://")):
        raise ValueError(f"SITEURL {siteurl!r} must be an absolute http(s) address: mails need absolute links")
    m = figures.municipality
    links = Links(siteurl.rstrip("/"), figures.month.slug, m.slug)
    context = dict(f=figures, m=m, kind=kind, quiet=kind == QUIET, link=links.site, asset=links.asset,
                   subject=subject(figures, kind), preheader=preheader(figures, kind),
                   reach_sentence=reach_sentence(figures), count=count, unsubscribe=UNSUBSCRIBE_PLACEHOLDER,
                   snippet=badge_snippet(siteurl, m.name, m.slug), series=SERIES,
                   visits=visits_sentence(figures), badge=BADGE_PREVIEW,
                   linking=linking_sentence(figures), waiting=waiting_sentence(figures))
    source = _environment().get_template("partner.mjml").render(**context)
    return PartnerMail(figures, kind, context["subject"], context["preheader"], source, to_html(source),
                       plain_text(figures, links, kind, context["snippet"]))


def plain_text(f: MonthFigures, links: Links, kind: str, snippet: str) -> str:
    name, label = f.municipality.name, f.month.label
    title = f"{SERIES}: {name}"
    lines = [title, "=" * len(title), "", "Guten Tag,", ""]
    if kind == QUIET:
        lines += [f"im {label} haben wir kein Foto aus {name} vorgestellt, und für {name} liegen zurzeit "
                  "keine freigegebenen Fotos bereit. Das können Sie ändern: Mit Ihren Fotos und Terminen "
                  f"zeigen wir {name} in der ganzen Region.", ""]
    else:
        lines += [f"hier ist Ihr Überblick für {label}: was So ist S aus {name} vorgestellt hat, was als "
                  "Nächstes kommt und wie Ihre Website mit So ist S verlinkt ist.", ""]
        lines += [f"VORGESTELLTE FOTOS IM {label.upper()}", ""]
        if f.features:
            lines += [f"Im {label} haben wir {count(len(f.features), 'Foto', 'Fotos')} aus {name} vorgestellt. "
                      + reach_sentence(f), ""]
            for feature in f.features:
                figures = "noch keine Zahlen" if feature.reach is None else \
                    f"Reichweite {german_number(feature.reach)}" + \
                    (f", {count(feature.interactions, 'Interaktion', 'Interaktionen')}" if feature.interactions else "")
                lines += [f"* {german_date(feature.day)}: {feature.alt or 'Foto'}",
                          f"  Foto: {feature.credit} · {figures}", f"  {links.site(feature.url)}", ""]
        else:
            lines += [f"Im {label} haben wir kein Foto aus {name} vorgestellt.", ""]
        if f.waiting:
            lines += [waiting_sentence(f), ""]
        lines += ["AUFRUFE ÜBER IHRE WEBSITE", ""]
        lines += [visits_sentence(f), ""]
        if f.linking:
            lines += [linking_sentence(f), ""]
    lines += ["IHRE TERMINE AUF SO IST S", ""]
    for event in f.events:
        lines += [f"* {event.date_label}{' – abgesagt' if event.cancelled else ''}", f"  {event.title}",
                  f"  {event.location}", f"  {links.site(event.url)}", ""]
    if not f.events:
        lines += [f"Zurzeit stehen keine Termine aus {name} auf So ist S.", ""]
    lines += [f"Alle Termine in {name}: {links.site(f.municipality.url)}", "",
              "SO SCHICKEN SIE UNS FOTOS UND TERMINE", "",
              "* Fotos: Bürgerinnen und Bürger posten mit #SoistS oder markieren @wirzeigenS. Eigene Fotos "
              "schicken Sie uns als Antwort auf diese Mail, mit dem Namen der fotografierenden Person.",
              "* Termine: Antworten Sie auf diese Mail mit Datum, Uhrzeit, Ort und einem Satz zum Inhalt. Hat "
              f"{name} einen Veranstaltungskalender (iCal, RSS oder Atom)? Nennen Sie uns die Adresse: Neue "
              "Termine kommen dann als Vorschlag zu unserer Redaktion.",
              f"* So machen alle mit: {links.site('mitmachen/')}", "",
              "FÜR IHRE WEBSITE", "",
              "Verlinken Sie Ihre Seite bei So ist S: Kopieren Sie diesen Code in Ihre Website. Er enthält "
              "nur einen Link und ein Bild, kein Skript.", "", snippet, "",
              "-- ", f"Sie bekommen diese Mail, weil Ihre Adresse als Kontakt für {name} bei So ist S eingetragen ist.",
              *(["Diese kurze Nachricht kommt höchstens einmal im Quartal."] if kind == QUIET else []),
              f"Keine Mails mehr: {UNSUBSCRIBE_PLACEHOLDER}",
              f"Ihre Seite bei So ist S: {links.site(f.municipality.url)}",
              f"Impressum: {links.site('impressum/')} · Datenschutz: {links.site('datenschutz/')}"]
    return "\n".join(lines).replace("\u2060", "") + "\n"


def times(n: int) -> str:
    return "einmal" if n == 1 else f"{german_number(n)}-mal"


def visits_sentence(f: MonthFigures) -> str:
    """Requests to its page, badge or feed that came from a link on its own website."""
    name, label = f.municipality.name, f.month.label
    own = " oder ".join(f.own_hosts) or "Ihre Website"
    if f.own_visits:
        return (f"Über Ihre Website ({own}) wurde So ist S im {label} {times(f.own_visits)} aufgerufen – "
                f"die Seite von {name}, das Badge oder der Feed.")
    return (f"Über Ihre Website ({own}) kam im {label} kein Aufruf zu So ist S. Mit dem Badge unten "
            "verlinken Sie Ihre Seite in einer Minute.")


def linking_sentence(f: MonthFigures) -> str:
    return "Auch diese Websites verlinken auf Ihre Seite bei So ist S: " + ", ".join(
        f"{host} ({count(n, 'Aufruf', 'Aufrufe')})" for host, n in f.linking[:5]) + "."


def waiting_sentence(f: MonthFigures) -> str:
    """„1 weiteres Foto aus Waiblingen ist freigegeben …“ (weiteres only after featured ones)."""
    one, many = ("weiteres Foto", "weitere Fotos") if f.features else ("Foto", "Fotos")
    verb = "ist freigegeben und wartet" if f.waiting == 1 else "sind freigegeben und warten"
    return f"{count(f.waiting, one, many)} aus {f.municipality.name} {verb} auf einen Sendeplatz."
