"""Which municipality does a post show? Evidence from location, hashtags and caption.

Each place name found is a piece of evidence with a weight (a tagged location says more
than a word in the caption). Names come from the registry (names, aliases), the gazetteer
(Ortsteile, Stadtteile, landmarks: content/data/places.csv), compound names
("Fellbach-Schmiden", "#fellbachschmiden") and aliases that editors taught (passed in by
the caller: this module never touches the database). Ambiguous names (the two Altdorfs,
"Vaihingen"), places outside the region and disagreeing evidence are flagged
``needs_review`` — never guessed silently. Reasons are German: editors read them on the board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from plugins.region.places import Gazetteer, load_places
from plugins.region.registry import Municipality, Registry, normalise

WEIGHTS = {"location": 0.9, "hashtag": 0.8, "caption": 0.6}
CERTAIN = 0.7  # at or above: the suggestion becomes the post's municipality without review
MAX_WORDS = 5  # at least this many words per phrase; longer gazetteer names raise it

# Well-known places just outside the Region Stuttgart that #SoistS posts often show
# (the gazetteer adds more as rows of kind "outside").
OUTSIDE_REGION = (
    "Schwäbisch Gmünd", "Gmünd", "Tübingen", "Reutlingen", "Heilbronn", "Pforzheim", "Karlsruhe",
    "Ulm", "Aalen", "Schwäbisch Hall", "Heidelberg", "Mannheim", "Calw", "Nagold",
    "Rottenburg", "Metzingen", "Bad Urach", "Lorch-Waldhausen", "Freudenstadt",
    "Bad Wildbad", "Mosbach", "Öhringen", "Crailsheim", "München", "Berlin",
    "Hamburg", "Frankfurt", "Köln", "Konstanz", "Freiburg", "Bodensee", "Schwarzwald", "Schwäbische Alb",
)
# Phrases that name the region or the state, not a municipality ("Region Stuttgart" is not Stuttgart).
NOT_A_PLACE = ("Region Stuttgart", "Stuttgart Region", "Verband Region Stuttgart", "soists", "so ist s",
               "wirzeigens", "wir zeigen s", "Baden-Württemberg", "Deutschland", "Germany")

SOURCE_DE = {"location": "Ort", "hashtag": "Hashtag", "caption": "Bildtext"}
KIND_DE = {"ortsteil": "Ortsteil", "stadtteil": "Stadtteil", "landmark": "Sehenswürdigkeit"}
LEARNED = "von Redaktion gelernt"

TOKEN = re.compile(r"\w+(?:[-'’/]\w+)*")
MIN_JOINED = 3  # shortest head or tail when a hashtag is cut in two ("#fellbachschmiden")


@dataclass(frozen=True)
class Entry:
    """What one name may mean: municipalities, a place outside, and why (per AGS)."""

    municipalities: tuple[Municipality, ...] = ()
    outside: str | None = None
    via: tuple[tuple[str, str], ...] = ()  # (AGS, "Stadtteil Zuffenhausen")

    def merged(self, other: Entry) -> Entry:
        towns = self.municipalities + tuple(m for m in other.municipalities if m not in self.municipalities)
        return Entry(towns, self.outside or other.outside, tuple(dict.fromkeys(self.via + other.via)))

    def only(self, towns: Iterable[Municipality]) -> Entry:
        keep = tuple(towns)
        ags = {m.ags for m in keep}
        return Entry(keep, None, tuple(v for v in self.via if v[0] in ags))


IGNORED = Entry()  # a phrase that matches but is evidence of nothing ("Region Stuttgart")


@dataclass(frozen=True)
class Evidence:
    source: str  # location, hashtag, caption
    text: str
    municipalities: tuple[Municipality, ...] = ()
    outside: bool = False
    via: tuple[tuple[str, str], ...] = ()

    @property
    def clear(self) -> bool:
        return len(self.municipalities) == 1 and not self.outside


@dataclass(frozen=True)
class Detection:
    ags: str | None  # the suggestion, if there is one
    confidence: float
    needs_review: bool
    reason: str
    candidates: tuple[str, ...] = ()  # AGS of every municipality the evidence may mean
    evidence: tuple[Evidence, ...] = field(default=(), repr=False)

    @property
    def certain(self) -> bool:
        return self.ags is not None and not self.needs_review


def _words(text: str) -> list[str]:
    return [m.group(0) for m in TOKEN.finditer(text)]


def build_table(registry: Registry, places: Gazetteer,
                learned: Mapping[str, Iterable[str]]) -> dict[str, Entry]:
    """Every known name, folded once, to what it may mean; same key from two sources = union."""
    table: dict[str, Entry] = {}

    def add(key: str, entry: Entry) -> None:
        if key:
            table[key] = table[key].merged(entry) if key in table else entry

    for key, towns in registry.by_name.items():
        add(key, Entry(towns))
    for place in places:
        if place.outside:
            add(normalise(place.name), Entry(outside=place.name))
        elif place.ags in registry.by_ags:
            label = f"{KIND_DE.get(place.kind, place.kind)} {place.name}"
            add(normalise(place.name), Entry((registry.by_ags[place.ags],), via=((place.ags, label),)))
    for name in OUTSIDE_REGION:
        add(normalise(name), Entry(outside=name))
    for phrase, ags_list in learned.items():
        for ags in ags_list:
            if ags in registry.by_ags:  # an alias to a municipality that no longer exists is dropped
                add(normalise(phrase), Entry((registry.by_ags[ags],), via=((ags, LEARNED),)))
    # after everything: these never count, whatever else they match; a district is not its
    # main town ("Landkreis Göppingen" is not Göppingen, "Rems-Murr-Kreis" is not Murr)
    for name in (*NOT_A_PLACE, *(d.name for d in registry.districts)):
        table[normalise(name)] = IGNORED
    return table


class Detector:
    def __init__(self, registry: Registry, places: Gazetteer | None = None,
                 learned: Mapping[str, Iterable[str]] | None = None):
        """`learned`: normalised phrase → AGS list, as the caller loaded them (editors' aliases)."""
        self.registry = registry
        self.places = places if places is not None else load_places()
        self.table = build_table(registry, self.places, learned or {})
        self.towns = dict(registry.by_name)  # heads of compound names: municipality names only
        self.districts = {normalise(d.name): d.name for d in registry.districts}
        longest = max((len(_words(p.name)) for p in self.places), default=1)
        self.max_words = max(MAX_WORDS, longest)

    def lookup(self, phrase: str) -> Entry | None:
        """What a phrase means as a whole, or as "<Gemeinde>-<Ortsteil>"; None if unknown."""
        key = normalise(phrase)
        if not key:
            return None
        hit = self.table.get(key)
        if hit is None and "-" in phrase:
            hit = self._hyphen_compound(phrase)
        return hit

    def lookup_tag(self, tag: str) -> Entry | None:
        """A hashtag has no hyphen: "#fellbachschmiden" is cut where head and tail both fit."""
        hit = self.lookup(tag)
        return hit if hit is not None else self._joined_compound(normalise(tag))

    def _narrow(self, towns: tuple[Municipality, ...], tail: Entry) -> Entry | None:
        """Head and tail must agree: "Stuttgart-Vaihingen" is Stuttgart, "Esslingen-Ludwigsburg" no compound."""
        both = [m for m in towns if m in tail.municipalities]
        return tail.only(both) if both else None

    def _hyphen_compound(self, phrase: str) -> Entry | None:
        parts = phrase.split("-")
        for cut in range(len(parts) - 1, 0, -1):
            head, tail = "-".join(parts[:cut]), "-".join(parts[cut:])
            towns = self.towns.get(normalise(head))
            if not towns:
                continue
            tail_hit = self.table.get(normalise(tail))
            if tail_hit is not None:
                return self._narrow(towns, tail_hit)
            # an unknown single word after a municipality's name ("Stuttgart-Mitte") is its part;
            # real municipality names with hyphens matched whole before we get here
            if normalise(tail) and " " not in tail.strip():
                return Entry(towns)
        return None

    def _joined_compound(self, key: str) -> Entry | None:
        # unlike a hyphen, a joined tail must be a known place of the head: "#kuchenliebe" is no Kuchen
        for cut in range(len(key) - MIN_JOINED, MIN_JOINED - 1, -1):
            towns = self.towns.get(key[:cut])
            tail = self.table.get(key[cut:]) if towns else None
            if towns and tail is not None:
                narrowed = self._narrow(towns, tail)
                if narrowed is not None:
                    return narrowed
        return None

    def scan(self, text: str, source: str) -> list[Evidence]:
        """Greedy longest-first word n-grams, so 'Esslingen am Neckar' wins over 'Esslingen'."""
        words = _words(text)
        found: list[Evidence] = []
        i = 0
        while i < len(words):
            for size in range(min(self.max_words, len(words) - i), 0, -1):
                phrase = " ".join(words[i:i + size])
                hit = self.lookup(phrase)
                if hit is not None:
                    if hit.municipalities or hit.outside:
                        found.append(_evidence(source, phrase, hit))
                    i += size
                    break
            else:
                if re.search(r"[-/]", words[i]):  # "Esslingen-Ludwigsburg": no compound, two names
                    found.extend(self.scan(re.sub(r"[-/]", " ", words[i]), source))
                i += 1
        return found

    def gather(self, location: str | None, caption: str | None, hashtags: Iterable[str]) -> list[Evidence]:
        evidence: list[Evidence] = []
        if location:
            whole = self.lookup(location.strip())
            if whole is not None:
                if whole.municipalities or whole.outside:
                    evidence.append(_evidence("location", location, whole))
            else:
                # "Esslingen am Neckar, Germany", "Marktplatz Ludwigsburg": look at the parts
                # A dash separates parts only with spaces around it: "Korntal-Münchingen" is one name.
                parts = location_parts(location)
                found = [e for part in parts for e in self.scan(part, "location")]
                named = {self.districts[k] for k in map(normalise, parts) if k in self.districts}
                evidence.extend(_in_districts(e, named) for e in found)
        for tag in hashtags:
            hit = self.lookup_tag(tag.lstrip("#"))
            if hit is not None and (hit.municipalities or hit.outside):
                evidence.append(_evidence("hashtag", "#" + tag.lstrip("#"), hit))
        if caption:
            # hashtags in the caption were handled above; scan only the words around them
            evidence.extend(self.scan(re.sub(r"[#@]\w+", " ", caption), "caption"))
        return evidence

    def detect(self, location: str | None, caption: str | None, hashtags: Iterable[str] = ()) -> Detection:
        return decide(self.gather(location, caption, hashtags))

    def resolves(self, phrase: str) -> bool:
        """Does the phrase name anything we know (in the region, outside, or the region itself)?"""
        if self.lookup(phrase.strip()) is not None:
            return True
        return bool(self.gather(phrase, None, ()))


def location_parts(location: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;|·•()]|\s[-–—]\s", location) if p.strip()]


def _in_districts(item: Evidence, districts: set[str]) -> Evidence:
    """"Altdorf (Landkreis Böblingen)": a district named beside an ambiguous name narrows it."""
    keep = tuple(m for m in item.municipalities if m.district in districts)
    if not districts or not keep or len(keep) == len(item.municipalities):
        return item
    ags = {m.ags for m in keep}
    return Evidence(item.source, item.text, keep, False, tuple(v for v in item.via if v[0] in ags))


def _evidence(source: str, text: str, hit: Entry) -> Evidence:
    return Evidence(source, text, hit.municipalities, hit.outside is not None, hit.via)


def _ambiguity(item: Evidence) -> str:
    options = [f"{m.name} ({m.district})" for m in item.municipalities]
    if item.outside:
        options.append("ein Ort außerhalb der Region")
    return f"mehrdeutig: {item.text!r} kann " + " oder ".join(options) + " sein"


def decide(evidence: list[Evidence]) -> Detection:
    scores: dict[str, float] = {}
    names: dict[str, str] = {}
    ambiguous: list[Evidence] = []
    outside = [e.text for e in evidence if e.outside and not e.municipalities]
    for item in evidence:
        for m in item.municipalities:
            names[m.ags] = m.name
        if item.clear:
            ags = item.municipalities[0].ags
            # agreeing evidence adds a little; the strongest source counts most
            scores[ags] = min(0.99, max(scores.get(ags, 0.0), WEIGHTS[item.source]) + (0.05 if ags in scores else 0))
        elif item.municipalities:
            ambiguous.append(item)

    unresolved = [e for e in ambiguous if not any(m.ags in scores for m in e.municipalities)]
    candidates = tuple(dict.fromkeys([*scores, *(m.ags for e in ambiguous for m in e.municipalities)]))
    problems: list[str] = []
    if outside:
        problems.append("außerhalb der Region: " + ", ".join(dict.fromkeys(outside)))
    problems.extend(_ambiguity(item) for item in unresolved)
    if len(scores) > 1:
        problems.append("mehrere Kommunen: " + ", ".join(names[a] for a in scores))

    if not scores:
        reason = "; ".join(problems) or "kein Ortsname gefunden"
        return Detection(None, 0.0, True, reason, candidates, tuple(evidence))
    best = max(scores, key=lambda a: scores[a])
    # disagreement lowers the confidence in proportion to the competing evidence
    confidence = round(scores[best] * scores[best] / sum(scores.values()), 2)
    pointing = [e for e in evidence if e.clear and e.municipalities[0].ags == best]
    sources = ", ".join(sorted({SOURCE_DE[e.source] for e in pointing}))
    via = list(dict.fromkeys(
        f"{label}: {e.text!r}" if label == LEARNED else label
        for e in pointing for ags, label in e.via if ags == best))
    if len(scores) == 1 and confidence < CERTAIN:
        problems.append(f"schwacher Hinweis (nur {sources})")
    reason = f"{names[best]} aus {sources}" + (f" ({'; '.join(via)})" if via else "")
    reason += "; " + "; ".join(problems) if problems else ""
    return Detection(best, confidence, bool(problems), reason, candidates, tuple(evidence))
