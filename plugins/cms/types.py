"""Every content type editors write, as Field schemas made from the project's own definitions.

Options and patterns come from where the validators keep them: event categories and statuses
(plugins/events/categories.py), the uid and address patterns (plugins/events/model.py),
campaign kinds and hashtag/image patterns (plugins/campaigns/model.py), the portrait's
required fields (plugins/portraits) and the 179 municipalities and their districts
(plugins/region/registry.py). tests/cms/test_schema_drift.py runs those validators on files
made from these schemas and fails when a field, a required flag or a pattern drifts.
"""

from __future__ import annotations

from plugins.campaigns.model import HASHTAG, IMAGE, KINDS
from plugins.events.categories import CATEGORIES, STATUSES
from plugins.events.model import ADDRESS_PATTERN, UID_PATTERN
from plugins.portraits import REQUIRED_FIELDS as PORTRAIT_REQUIRED
from plugins.region.registry import Registry

from .fields import (
    BODY,
    DATE_LIST,
    DATE_MESSAGE,
    DATE_OR_TIME,
    HTTPS,
    WHOLE_NUMBER,
    ContentType,
    Field,
    Option,
    js_pattern,
)

PORTRAIT_CATEGORY = "Menschen in der Region"
HASHTAG_WORD = "#?" + HASHTAG.pattern.strip("^$")


def municipality_options(registry: Registry) -> tuple[Option, ...]:
    """All 179, by name, each with its district: the editor's municipality field (widget
    `kommune`) searches the names only and shows the district beside each, so „Esslingen“ finds
    Esslingen am Neckar first and the two Altdorfs stay apart."""
    ordered = sorted(registry, key=lambda m: (m.name, m.district))
    return tuple(Option(m.name, m.slug, m.district) for m in ordered)


def district_options(registry: Registry) -> tuple[Option, ...]:
    return tuple(Option(d.name, d.slug) for d in registry.districts)


def _title(example: str) -> Field:
    return Field("title", "Titel", required=True, hint="Die Überschrift, die Besucherinnen und Besucher sehen.",
                 example=example)


def _body(required: bool = False) -> Field:
    return Field(BODY, "Text", widget="markdown", required=required, example="Ein Absatz mit **Markdown**.")


def _municipalities(registry: Registry, hint: str, required: bool = False, single: bool = False) -> Field:
    """Always a list in the editor (static/soists-cms.js reads `municipality` as one); `single`
    allows one entry, as a portrait has one place."""
    return Field("municipality", "Kommune" if single else "Kommunen", widget="kommune", required=required,
                 multiple=True, max_items=1 if single else 0, options=municipality_options(registry), hint=hint,
                 example="plochingen")


def _image(required: bool, folder_hint: str) -> tuple[Field, Field]:
    return (
        Field("image", "Bild", widget="image", required=required, example="images/articles/green-tech-region.jpg",
              hint=f"JPEG, PNG oder WebP, höchstens 10 MB; landet unter content/images/<Ordner des Inhaltstyps>/. {folder_hint}"),
        Field("alt", "Bildbeschreibung (Alternativtext)", widget="text", required=required, required_with="image",
              example="Weinberge an einem sonnigen Hang",
              hint="Pflicht, sobald ein Bild gewählt ist: Was ist zu sehen? Für Menschen, die das Bild nicht sehen."),
    )


def _summary() -> Field:
    return Field("summary", "Kurzfassung", widget="text", example="Ein Satz für Listen und Suchmaschinen.",
                 hint="Ein oder zwei Sätze für Listen, Feeds und Suchmaschinen; reiner Text.")


def article(registry: Registry) -> ContentType:
    return ContentType(
        "artikel", "Artikel", "Artikel", "articles", slug="{{slug}}", media="articles",
        description="Nachrichten und Berichte (content/articles/).",
        fields=(
            _title("Green Tech in der Region"),
            Field("date", "Datum", required=True, widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
                  example="2026-08-18 11:00", hint="Erscheinungsdatum, z. B. 2026-08-18 11:00."),
            Field("category", "Rubrik", required=True, example="Wirtschaft", hint="z. B. Wirtschaft, Region"),
            Field("tags", "Themen", example="Green Tech, Strategie", hint="Durch Kommas getrennt."),
            _municipalities(registry, "Kommunen, um die es geht; der Artikel erscheint auf ihren Seiten."),
            *_image(False, "Empfohlen: 1600 px breit."),
            _summary(),
            _body(),
        ),
    )


def portrait(registry: Registry) -> ContentType:
    fields = (
        _title("Anna: Der Viadukt ist mein Lieblingsort"),
        Field("date", "Datum", required=True, widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
              example="2026-08-12 12:00"),
        Field("category", "Rubrik", widget="hidden", default=PORTRAIT_CATEGORY, example=PORTRAIT_CATEGORY),
        Field("firstname", "Vorname", required="firstname" in PORTRAIT_REQUIRED, example="Anna",
              hint="Nur der Vorname („Vorname / Ort“)."),
        Field("quote", "Zitat", widget="text", required="quote" in PORTRAIT_REQUIRED,
              example="Der Viadukt ist mein Lieblingsort.", hint="In der ersten Person, wie gesagt."),
        _municipalities(registry, "Der Ort des Porträts.", required="municipality" in PORTRAIT_REQUIRED,
                        single=True),
        *_image("image" in PORTRAIT_REQUIRED, "Hochformat, mindestens 1200 px hoch."),
        _summary(),
        _body(),
    )
    return ContentType("menschen", "Porträts „Menschen in der Region“", "Porträt", "articles/menschen",
                       fields=fields, media="portraits",
                       description="Vorname, Zitat, Ort und Bild (content/articles/menschen/).")


def page() -> ContentType:
    return ContentType(
        "seiten", "Seiten", "Seite", "pages", description="Feste Seiten wie Mitmachen oder Impressum.",
        fields=(
            _title("Mitmachen"),
            Field("slug", "Adresse", required=True, pattern=r"^[a-z0-9][a-z0-9-]*$", example="mitmachen",
                  pattern_message="Kleinbuchstaben, Ziffern und Bindestriche", hint="Die Seite erscheint unter /<Adresse>/."),
            _summary(),
            _body(),
        ),
    )


def municipality_intro(registry: Registry) -> ContentType:
    return ContentType(
        "kommunen", "Kommunen-Einleitungen", "Kommunen-Einleitung", "kommunen", slug="{{fields.kommune}}",
        description="Ein Text über einer Kommunenseite (content/kommunen/<kommune>.md).",
        fields=(
            # The file name is the municipality's slug (plugins/region/generator.py); this field names it.
            Field("kommune", "Kommune", widget="kommune", required=True, options=municipality_options(registry),
                  example="plochingen", hint="Die Kommune, deren Seite der Text einleitet (bestimmt den Dateinamen)."),
            _title("Plochingen"),
            _body(required=True),
        ),
    )


def event(registry: Registry) -> ContentType:
    categories = tuple(Option(c.label, c.slug) for c in CATEGORIES.values())
    statuses = tuple(Option(label, value) for value, (label, _ics, _schema) in STATUSES.items())
    return ContentType(
        "termine", "Termine", "Termin", "events", description="Veranstaltungen für /termine/ und die Kalender.",
        fields=(
            _title("Netzwerkgespräch Transformation"),
            # Made by the system on the first save (static/soists-editor.js) and never changed.
            Field("uid", "Kalender-Kennung (uid)", required=True, system=True, pattern=js_pattern(UID_PATTERN.pattern),
                  pattern_message="8–255 Zeichen: Buchstaben, Ziffern und . _ @ + -",
                  example="2026-netzwerk-esslingen@so-ist-s.de"),
            Field("start", "Beginn", required=True, widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
                  example="2026-12-03 18:00", hint="Datum wählen; ohne Uhrzeit ist der Termin ganztägig."),
            Field("end", "Ende", alternative="duration", widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE, example="2026-12-03 20:30",
                  hint="Ende oder Dauer (bei Terminen mit Uhrzeit eines von beiden). Ganztägig: der letzte Tag."),
            Field("duration", "Dauer", pattern=r"^(\d+\s*d)?\s*(\d+\s*h)?\s*(\d+\s*min)?$|^P",
                  pattern_message="z. B. 90min, 2h, 1h 30min, 3d", example="",
                  hint="Statt eines Endes, z. B. 2h oder 1h 30min; nicht zusammen mit Ende."),
            # ganztägig follows from a start without a time; a hand-written allday is kept consistent
            Field("allday", "Ganztägig (Gegenprobe)", system=True, widget="select",
                  options=(Option("ja", "ja"), Option("nein", "nein")), example=""),
            Field("category", "Kategorie", widget="select", required=True, options=categories, example="netzwerk"),
            _municipalities(registry, "Kommunen der Region; leer lassen für Termine außerhalb (z. B. München)."),
            Field("location", "Ort", required=True, example="Haus der Wirtschaft", hint="Name des Veranstaltungsorts."),
            Field("address", "Adresse", required=True, pattern=js_pattern(ADDRESS_PATTERN.pattern),
                  pattern_message="Straße Nummer, PLZ Ort – z. B. Willi-Bleicher-Straße 19, 70174 Stuttgart",
                  example="Willi-Bleicher-Straße 19, 70174 Stuttgart"),
            Field("country", "Land", example="DE", hint="Ländercode der Adresse, z. B. AT; ohne Angabe DE."),
            Field("organizer", "Veranstalter", example="Verband Region Stuttgart",
                  hint="Ohne Angabe: Wirtschaftsförderung Region Stuttgart GmbH."),
            Field("registration", "Anmeldung (Link)", pattern=HTTPS, pattern_message="ein Link mit https://",
                  example="https://www.wrs.region-stuttgart.de/veranstaltungen/"),
            Field("status", "Status", widget="select", options=statuses, default="geplant", example="geplant",
                  hint="Abgesagte Termine nie löschen: „abgesagt“ wählen; die Kalender erfahren es beim Speichern."),
            # plain fields (widget `wiederholung`, static/soists-editor.js) that write the RRULE
            Field("rrule", "Wiederholung", widget="wiederholung", pattern=r"^FREQ=.*(COUNT|UNTIL)=",
                  pattern_message="Ein Ende ist nötig: „bis“ mit einem Datum TT.MM.JJJJ oder eine Anzahl",
                  example="FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271231",
                  hint="z. B. monatlich am ersten Dienstag bis 31.12.2027 oder wöchentlich, sechsmal."),
            Field("exdate", "Ausfallende Termine", pattern=DATE_LIST, pattern_message="Daten JJJJ-MM-TT, durch Kommas",
                  example="", hint="Daten der Wiederholung, die nicht stattfinden, z. B. 2027-01-05, 2027-04-06."),
            # raised with `modified` by the system when date, time, place or status change
            Field("sequence", "Revision", system=True, pattern=WHOLE_NUMBER, pattern_message="eine ganze Zahl ab 0",
                  example="0"),
            Field("modified", "Geändert am", system=True, pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
                  example="2026-11-20 10:15"),
            _summary(),
            Field("slug", "Adresse der Seite", pattern=r"^[a-z0-9][a-z0-9-]*$", example="",
                  pattern_message="Kleinbuchstaben, Ziffern und Bindestriche",
                  hint="Ersetzt den Dateinamen in der Adresse /termine/<Adresse>/; die Kalender-Kennung bleibt."),
            _body(),
        ),
    )


def campaign(registry: Registry) -> ContentType:
    kinds = tuple(Option(label, value) for value, label in KINDS.items())
    number = dict(pattern=WHOLE_NUMBER, pattern_message="eine ganze Zahl")
    image, alt = _image(False, "Das Bild oben auf der Kampagnenseite.")
    return ContentType(
        "kampagnen", "Kampagnen", "Kampagne", "kampagnen", media="articles",
        description="Instawalks, Gewinnspiele, Influencertouren.",
        fields=(
            _title("Instawalk Esslinger Altstadt"),
            Field("kind", "Art", widget="select", required=True, options=kinds, example="instawalk"),
            Field("hashtags", "Hashtags", required=True, example="#InstawalkES, #AltstadtES",
                  pattern=f"^{HASHTAG_WORD}([\\s,]+{HASHTAG_WORD})*$",
                  pattern_message="Hashtags aus Buchstaben und Ziffern, durch Kommas getrennt",
                  hint="Die eigenen Hashtags der Kampagne; #SoistS kommt immer dazu."),
            Field("start", "Beginn", required=True, widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
                  example="2026-12-12 14:00"),
            Field("end", "Ende", required=True, widget="zeitpunkt", pattern=DATE_OR_TIME, pattern_message=DATE_MESSAGE,
                  example="2026-12-12 18:00", hint="Nur ein Datum bedeutet 23:59:59 an diesem Tag."),
            _municipalities(registry, "Kommune(n) oder ein Landkreis – eines von beiden ist nötig "
                                      "(außer bei einer Influencertour)."),
            Field("district", "Landkreis", widget="select", options=district_options(registry), example="esslingen",
                  hint="Statt einzelner Kommunen."),
            Field("events", "Termine", example="", hint="Dateinamen aus content/events/, durch Kommas getrennt."),
            Field("prize", "Gewinn", example="", hint="Bei Gewinnspielen Pflicht: was es zu gewinnen gibt."),
            Field(image.name, image.label, widget="image", hint=image.hint, pattern=IMAGE.pattern,
                  pattern_message="ein Bild unter content/images/", example=image.example),
            alt,
            _summary(),
            Field("stops", "Stationen", example="",
                  hint="Influencertour: „kommune JJJJ-MM-TT [termin]“ je Station, Stationen durch ; getrennt."),
            Field("winners", "Zahl der Gewinne", example="1", **number),
            Field("reserves", "Nachrückende", example="3", **number),
            Field("entries_per_account", "Beiträge je Konto", example="1", **number),
            Field("excluded", "Ausgeschlossene Konten", example="wirzeigens",
                  hint="Instagram-Namen, die nicht gewinnen dürfen, durch Kommas getrennt."),
            Field("grace_days", "Nachfrist (Tage)", example="3", **number),
            Field("answer_days", "Antwortfrist (Tage)", example="7", **number),
            _body(),
        ),
    )


def content_types(registry: Registry) -> tuple[ContentType, ...]:
    return (article(registry), portrait(registry), page(), event(registry), municipality_intro(registry),
            campaign(registry))

