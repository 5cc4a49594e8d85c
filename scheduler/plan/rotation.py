"""Fair rotation planner: which approved post is featured in which slot, and why.

Pure functions over plain dataclasses, so the planner can be tested and simulated without
a database. The rule, in order of precedence:

1. Rotation: the municipality chosen is always the one featured least recently among all
   municipalities that still have plannable content (never featured counts as longest
   ago). So no municipality is featured again before every municipality with content has
   had its turn.
2. Among equals (in practice: the never-featured ones), the one waiting longest — whose
   oldest available photo was taken/collected earliest — goes first, and districts are
   balanced: the district featured least recently wins.
3. No author twice in a row: a municipality whose only posts are by the previous slot's
   author waits for the next slot (it keeps its place in the rotation).
4. Within a municipality, better photos first (quality score), then newer ones.

Editors can pin a post to a slot (it is then taken out of the pool), hold a post (never
planned) or skip a slot (left empty).

Performance: one heap of municipalities per district keyed by (last featured, waiting
since); choosing a slot looks at the six district heads only, so 156 slots over 50,000
candidates cost a sort of the candidates plus O(slots · districts · log n).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Mapping, Sequence

NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Candidate:
    """A post with granted rights and a municipality: it may be featured."""

    post_id: str
    ags: str
    district_slug: str
    author: str
    taken: datetime  # when the photo was taken (or collected, if unknown); aware
    quality: float = 0.0  # editor/automatic score, higher is better


@dataclass(frozen=True)
class FeatureHistory:
    """How often and when a municipality was featured before this plan."""

    count: int = 0
    last_featured: datetime | None = None


@dataclass(frozen=True)
class EditorChoices:
    pins: Mapping[datetime, str] = field(default_factory=dict)  # slot (UTC) → post_id
    holds: frozenset[str] = frozenset()  # post ids never to plan
    skips: frozenset[datetime] = frozenset()  # slots (UTC) to leave empty


@dataclass(frozen=True)
class PlannedSlot:
    slot_utc: datetime
    post_id: str | None
    ags: str | None
    reason: str
    channel: str | None = None  # None: the feature goes to every channel
    author: str | None = None


def _label(ags: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(ags, ags)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _explain(name: str, last: datetime, count: int, remaining: int, slot: datetime,
             district: str, note: str = "") -> str:
    if last == NEVER:
        waited = "never featured"
    else:
        days = (slot - last).days
        waited = f"last featured {last.date().isoformat()} ({days} days ago, {_plural(count, 'feature')})"
    text = f"{name}: {waited}; {_plural(remaining, 'candidate')}; district {district}"
    return f"{text}; {note}" if note else text


@dataclass
class _Municipality:
    ags: str
    district: str
    last: datetime
    count: int
    posts: list[Candidate]  # best first
    cursor: int = 0  # posts before the cursor are used (or taken out)
    used: set[str] = field(default_factory=set)

    @property
    def waiting_since(self) -> datetime:
        return self.posts[self.cursor].taken if self.cursor < len(self.posts) else NEVER

    def remaining(self) -> int:
        return sum(1 for p in self.posts[self.cursor:] if p.post_id not in self.used)

    def _advance(self) -> None:
        while self.cursor < len(self.posts) and self.posts[self.cursor].post_id in self.used:
            self.cursor += 1

    def best_not_by(self, author: str | None) -> Candidate | None:
        self._advance()
        for post in self.posts[self.cursor:]:
            if post.post_id not in self.used and post.author != author:
                return post
        return None

    def take(self, post: Candidate) -> None:
        self.used.add(post.post_id)
        self._advance()

    def has_content(self) -> bool:
        self._advance()
        return self.cursor < len(self.posts)


def _preference(post: Candidate) -> tuple:
    # Better first, then newer, then a stable id order so plans are reproducible.
    return (-post.quality, -post.taken.timestamp(), post.post_id)


def plan(
    slots: Sequence[datetime],
    candidates: Iterable[Candidate],
    history: Mapping[str, FeatureHistory] | None = None,
    choices: EditorChoices | None = None,
    names: Mapping[str, str] | None = None,
    previous_author: str | None = None,
) -> list[PlannedSlot]:
    """Fill `slots` (UTC instants) fairly; one PlannedSlot per slot, in time order."""
    history = history or {}
    choices = choices or EditorChoices()
    pinned_ids = set(choices.pins.values())
    by_id: dict[str, Candidate] = {}
    grouped: dict[str, list[Candidate]] = {}
    for post in candidates:
        by_id[post.post_id] = post
        if post.post_id in choices.holds or post.post_id in pinned_ids:
            continue
        grouped.setdefault(post.ags, []).append(post)

    munis: dict[str, _Municipality] = {}
    for ags, posts in grouped.items():
        posts.sort(key=_preference)
        past = history.get(ags, FeatureHistory())
        munis[ags] = _Municipality(ags, posts[0].district_slug, past.last_featured or NEVER,
                                   past.count, posts)
    # Municipalities that only have pinned posts still have a rotation position.
    positions: dict[str, tuple[datetime, int]] = {
        ags: (h.last_featured or NEVER, h.count) for ags, h in history.items()}

    heaps: dict[str, list[tuple]] = {}
    district_last: dict[str, datetime] = {}
    for m in munis.values():
        heaps.setdefault(m.district, []).append((m.last, min(p.taken for p in m.posts), m.ags))
        district_last.setdefault(m.district, NEVER)
    for ags, h in history.items():
        if ags in munis and h.last_featured:
            d = munis[ags].district
            district_last[d] = max(district_last[d], h.last_featured)
    for heap in heaps.values():
        heapq.heapify(heap)

    result: list[PlannedSlot] = []
    author = previous_author
    for slot in sorted(slots):
        if slot in choices.skips:
            result.append(PlannedSlot(slot, None, None, "slot skipped by an editor"))
            continue
        pinned = choices.pins.get(slot)
        if pinned is not None:
            post = by_id.get(pinned)
            if post is None:
                result.append(PlannedSlot(slot, None, None, f"pinned post {pinned} is not plannable"))
                continue
            last, count = positions.get(post.ags, (NEVER, 0))
            if post.ags in munis:
                m = munis[post.ags]
                last, count = m.last, m.count
                m.last, m.count = slot, m.count + 1
                _reposition(heaps[m.district], m)
            positions[post.ags] = (slot, count + 1)
            district_last[post.district_slug] = slot
            result.append(PlannedSlot(slot, post.post_id, post.ags, _explain(
                _label(post.ags, names), last, count, 1, slot, post.district_slug,
                "pinned by an editor"), author=post.author))
            author = post.author
            continue

        choice = _choose(heaps, munis, district_last, author)
        if choice is None:
            result.append(PlannedSlot(slot, None, None, "no plannable content left"))
            continue
        m, post, note = choice
        remaining = m.remaining()
        reason = _explain(_label(m.ags, names), m.last, m.count, remaining, slot, m.district, note)
        m.take(post)
        m.last, m.count = slot, m.count + 1
        positions[m.ags] = (slot, m.count)
        district_last[m.district] = slot
        if m.has_content():
            heapq.heappush(heaps[m.district], (m.last, m.waiting_since, m.ags))
        result.append(PlannedSlot(slot, post.post_id, m.ags, reason, author=post.author))
        author = post.author
    return result


def _reposition(heap: list[tuple], m: _Municipality) -> None:
    # Rare (pins only): rebuild that district's heap with the new position.
    heap[:] = [entry for entry in heap if entry[2] != m.ags]
    if m.has_content():
        heap.append((m.last, m.waiting_since, m.ags))
    heapq.heapify(heap)


def _choose(heaps: dict[str, list[tuple]], munis: dict[str, _Municipality],
            district_last: dict[str, datetime], author: str | None
            ) -> tuple[_Municipality, Candidate, str] | None:
    """Pop the fairest municipality whose best post is not by `author` (else relax it)."""
    # Pop in fairness order; a municipality with only the previous author's posts keeps its place.
    deferred: list[tuple[str, tuple]] = []
    found = None
    while True:
        heads = sorted(
            ((heap[0][0], district_last[d], heap[0][1], heap[0][2], d) for d, heap in heaps.items() if heap))
        if not heads:
            break
        last, _dl, _w, ags, district = heads[0]
        entry = heapq.heappop(heaps[district])
        post = munis[ags].best_not_by(author)
        if post is not None:
            found = (munis[ags], post, "")
            break
        deferred.append((district, entry))
    for district, entry in deferred:
        heapq.heappush(heaps[district], entry)
    if found is not None:
        return found
    # Every remaining post is by the previous author: allow the repeat rather than leave the slot empty.
    heads = sorted(
        ((heap[0][0], district_last[d], heap[0][1], heap[0][2], d) for d, heap in heaps.items() if heap))
    if not heads:
        return None
    last, _dl, _w, ags, district = heads[0]
    heapq.heappop(heaps[district])
    return munis[ags], munis[ags].best_not_by(None), "same author as the previous slot: no alternative"


def plan_fifo(slots: Sequence[datetime], candidates: Iterable[Candidate],
              choices: EditorChoices | None = None) -> list[PlannedSlot]:
    """Baseline for comparison: first collected, first featured; no fairness at all."""
    choices = choices or EditorChoices()
    queue = sorted((c for c in candidates if c.post_id not in choices.holds),
                   key=lambda c: (c.taken, c.post_id))
    result: list[PlannedSlot] = []
    index = 0
    for slot in sorted(slots):
        if slot in choices.skips:
            result.append(PlannedSlot(slot, None, None, "slot skipped by an editor"))
        elif index < len(queue):
            post = queue[index]
            index += 1
            result.append(PlannedSlot(slot, post.post_id, post.ags, f"{post.ags}: next in queue",
                                      author=post.author))
        else:
            result.append(PlannedSlot(slot, None, None, "queue empty"))
    return result


def distinct_municipalities(planned: Iterable[PlannedSlot]) -> int:
    """The fairness figure: how many different municipalities a plan features."""
    return len({p.ags for p in planned if p.ags is not None})


def best_possible(slots: Sequence[datetime], candidates: Iterable[Candidate],
                  choices: EditorChoices | None = None) -> int:
    """Upper bound for the fairness figure: min(usable slots, municipalities with content)."""
    choices = choices or EditorChoices()
    usable = sum(1 for s in slots if s not in choices.skips)
    with_content = {c.ags for c in candidates if c.post_id not in choices.holds}
    return min(usable, len(with_content))
