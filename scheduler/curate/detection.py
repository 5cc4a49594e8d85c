"""Which municipality does a post show? Evidence from location, hashtags and caption.

Each place name found is a piece of evidence with a weight (a tagged location says more
than a word in the caption). Ambiguous names (the two Altdorfs), places outside the
region and disagreeing evidence are flagged ``needs_review`` — never guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from plugins.region.registry import Municipality, Registry, normalise

WEIGHTS = {"location": 0.9, "hashtag": 0.8, "caption": 0.6}
CERTAIN = 0.7  # at or above: the suggestion becomes the post's municipality without review
MAX_WORDS = 5  # longest place name in words ("Vaihingen auf den Fildern" has 4)

# Well-known places just outside the Region Stuttgart that #SoistS posts often show.
OUTSIDE_REGION = (
    "Schwäbisch Gmünd", "Gmünd", "Tübingen", "Reutlingen", "Heilbronn", "Pforzheim", "Karlsruhe",
    "Ulm", "Aalen", "Schwäbisch Hall", "Heidelberg", "Mannheim", "Calw", "Nagold", "Herrenberg-Gültstein",
    "Rottenburg", "Metzingen", "Bad Urach", "Nürtingen-Zizishausen", "Lorch-Waldhausen", "Freudenstadt",
    "Bad Wildbad", "Mosbach", "Öhringen", "Crailsheim", "Backnang-Heiningen", "München", "Berlin",
    "Hamburg", "Frankfurt", "Köln", "Konstanz", "Freiburg", "Bodensee", "Schwarzwald", "Schwäbische Alb",
)
# Phrases that name the region, not a municipality ("Region Stuttgart" is not Stuttgart).
NOT_A_PLACE = ("Region Stuttgart", "Stuttgart Region", "Verband Region Stuttgart", "soists", "so ist s",
               "wirzeigens", "wir zeigen s")

TOKEN = re.compile(r"\w+(?:[-'’/]\w+)*")


@dataclass(frozen=True)
class Evidence:
    source: str  # location, hashtag, caption
    text: str
    municipalities: tuple[Municipality, ...] = ()
    outside: bool = False


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


class Detector:
    def __init__(self, registry: Registry):
        self.registry = registry
        self.outside = {normalise(name): name for name in OUTSIDE_REGION}
        self.ignored = {normalise(name) for name in NOT_A_PLACE}

    def _match(self, phrase: str) -> tuple[tuple[Municipality, ...], str | None] | None:
        key = normalise(phrase)
        if not key or key in self.ignored:
            return ((), None) if key in self.ignored else None
        found = self.registry.lookup_name(phrase)
        if found:
            return found, None
        if key in self.outside:
            return (), self.outside[key]
        return None

    def scan(self, text: str, source: str) -> list[Evidence]:
        """Greedy longest-first word n-grams, so 'Esslingen am Neckar' wins over 'Esslingen'."""
        words = _words(text)
        found: list[Evidence] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_WORDS, len(words) - i), 0, -1):
                phrase = " ".join(words[i:i + size])
                match = self._match(phrase)
                if match is not None:
                    municipalities, outside = match
                    if municipalities or outside:
                        found.append(Evidence(source, phrase, municipalities, outside is not None))
                    i += size
                    break
            else:
                i += 1
        return found

    def gather(self, location: str | None, caption: str | None, hashtags: Iterable[str]) -> list[Evidence]:
        evidence: list[Evidence] = []
        if location:
            whole = self._match(location)
            if whole is not None and (whole[0] or whole[1]):
                evidence.append(Evidence("location", location, whole[0], whole[1] is not None))
            else:
                # "Esslingen am Neckar, Germany", "Marktplatz Ludwigsburg": look at the parts
                # A dash separates parts only with spaces around it: "Korntal-Münchingen" is one name.
                for part in re.split(r"[,;|·•()]|\s[-–—]\s", location):
                    evidence.extend(self.scan(part, "location"))
        for tag in hashtags:
            match = self._match(tag.lstrip("#"))
            if match is not None and (match[0] or match[1]):
                evidence.append(Evidence("hashtag", "#" + tag.lstrip("#"), match[0], match[1] is not None))
        if caption:
            # hashtags in the caption were handled above; scan only the words around them
            evidence.extend(self.scan(re.sub(r"[#@]\w+", " ", caption), "caption"))
        return evidence

    def detect(self, location: str | None, caption: str | None, hashtags: Iterable[str] = ()) -> Detection:
        evidence = self.gather(location, caption, hashtags)
        return decide(evidence)


def decide(evidence: list[Evidence]) -> Detection:
    scores: dict[str, float] = {}
    names: dict[str, str] = {}
    ambiguous: list[Evidence] = []
    outside = [e.text for e in evidence if e.outside]
    for item in evidence:
        for m in item.municipalities:
            names[m.ags] = m.name
        if len(item.municipalities) == 1:
            ags = item.municipalities[0].ags
            # agreeing evidence adds a little; the strongest source counts most
            scores[ags] = min(0.99, max(scores.get(ags, 0.0), WEIGHTS[item.source]) + (0.05 if ags in scores else 0))
        elif len(item.municipalities) > 1:
            ambiguous.append(item)

    unresolved = [e for e in ambiguous if not any(m.ags in scores for m in e.municipalities)]
    candidates = tuple(dict.fromkeys([*scores, *(m.ags for e in ambiguous for m in e.municipalities)]))
    problems: list[str] = []
    if outside:
        problems.append("outside the region: " + ", ".join(dict.fromkeys(outside)))
    for item in unresolved:
        problems.append(f"ambiguous: {item.text!r} may be " + " or ".join(
            f"{m.name} ({m.district})" for m in item.municipalities))
    if len(scores) > 1:
        problems.append("several municipalities: " + ", ".join(names[a] for a in scores))

    if not scores:
        reason = "; ".join(problems) or "no place name found"
        return Detection(None, 0.0, True, reason, candidates, tuple(evidence))
    best = max(scores, key=lambda a: scores[a])
    # disagreement lowers the confidence in proportion to the competing evidence
    confidence = round(scores[best] * scores[best] / sum(scores.values()), 2)
    sources = ", ".join(sorted({e.source for e in evidence if any(m.ags == best for m in e.municipalities)}))
    if len(scores) == 1 and confidence < CERTAIN:
        problems.append(f"weak evidence ({sources} only)")
    reason = f"{names[best]} from {sources}" + ("; " + "; ".join(problems) if problems else "")
    return Detection(best, confidence, bool(problems), reason, candidates, tuple(evidence))
