"""The plan view's data: the weeks (or the month) of slots with their features, from the store.

Reads only. The plan itself comes from `scheduler.plan.operations.snapshot` — the same call the
CLI's operations make — so the board shows what `python -m scheduler plan` prints. This module
adds what an editor needs beside it: the photo in its Instagram crop, place, credit, consent,
the caption as it will be posted, and the planner's reason in German.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from plugins.navigation.dates import BERLIN
from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.curate.labels import state_label
from scheduler.curate.review import plan_present as say
from scheduler.plan import editor_choices, operations
from scheduler.plan.caption_preview import figures, final_caption
from scheduler.plan.enqueue import coverage_features
from scheduler.plan.plan_state import CaptionOverride, caption_text
from scheduler.publish.caption import post_credit
from scheduler.publish.platform_image import MAX_ASPECT, MIN_ASPECT
from scheduler.publish.queue import feature_key
from scheduler.publish.state import FeaturePublication
from scheduler.store.models import Post

DEFAULT_WEEKS = 4
MAX_WEEKS = 53
CROP_WIDTH = 400  # the thumbnail's box width; the height follows the Instagram aspect


@dataclass(frozen=True)
class Window:
    view: str  # week | month
    start: date  # a Monday (week view) or the 1st (month view)
    end: date  # exclusive
    weeks: int

    @property
    def previous(self) -> date:
        if self.view == "month":
            return (self.start - timedelta(days=1)).replace(day=1)
        return self.start - timedelta(weeks=self.weeks)

    @property
    def next(self) -> date:
        return self.end


def window(view: str, start: date | None, today: date, weeks: int = DEFAULT_WEEKS) -> Window:
    day = start or today
    if view == "month":
        first = day.replace(day=1)
        return Window("month", first, (first + timedelta(days=32)).replace(day=1), 0)
    weeks = min(max(weeks, 1), MAX_WEEKS)
    monday = day - timedelta(days=day.weekday())
    return Window("week", monday, monday + timedelta(weeks=weeks), weeks)


def calendar(win: Window, cards: list[dict], today: date) -> list[dict]:
    """Month view: the ISO weeks touching the month, Monday to Sunday, each day with its slots
    (by Berlin date, so a slot keeps its day across a clock change); days of the neighbouring
    months are there to fill the rows and hold no slots (the window is the month)."""
    by_day: dict[date, list[dict]] = {}
    for card in cards:
        by_day.setdefault(card["slot"].astimezone(BERLIN).date(), []).append(card)
    weeks, monday = [], win.start - timedelta(days=win.start.weekday())
    while monday < win.end:
        days = [monday + timedelta(days=n) for n in range(7)]
        weeks.append({"kw": monday.isocalendar()[1], "id": f"kw-{monday.isoformat()}", "days": [
            {"date": day, "iso": day.isoformat(), "in_month": win.start <= day < win.end, "today": day == today,
             "label": say.day_label(day), "cards": by_day.get(day, []) if win.start <= day < win.end else []}
            for day in days]})
        monday += timedelta(weeks=1)
    return weeks


def berlin_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(timezone.utc)


def crop_height(width: int, height: int) -> int:
    """The Instagram crop of a photo (aspect fitted into 4:5 … 1.91:1) as a box CROP_WIDTH wide."""
    aspect = min(max(width / height, MIN_ASPECT), MAX_ASPECT) if width and height else MIN_ASPECT
    return round(CROP_WIDTH / aspect)


def newest_texts(session: Session, uids: set[str]) -> dict[str, str]:
    """The newest caption edit of each of these posts, in one query."""
    rows = session.execute(select(CaptionOverride.post_uid, CaptionOverride.text)
                           .where(CaptionOverride.post_uid.in_(uids)).order_by(CaptionOverride.id))
    return {uid: text for uid, text in rows}


class PlanView:
    """Builds the plan page's context; one instance per request (it caches names and posts)."""

    def __init__(self, session: Session, planner: operations.Planner, registry: Registry):
        self.session, self.planner, self.registry = session, planner, registry
        self.texts: dict[str, str] = {}  # post uid → the editor's caption text (newest edit), loaded per page
        self.names: dict[str | None, tuple[str, str, str]] = {}  # AGS → (name, district, slug)

    def municipality(self, ags: str | None) -> tuple[str, str]:
        return self.place(ags)[:2]

    def place(self, ags: str | None) -> tuple[str, str, str]:
        """(name, district, slug) of an AGS, looked up once per page."""
        if ags not in self.names:
            try:
                m = self.registry.get(ags) if ags else None
            except UnknownMunicipality:
                m = None
            self.names[ags] = (m.name, m.district, m.slug) if m else (ags or "", "", "kommune")
        return self.names[ags]

    # -- the page -------------------------------------------------------------------------
    def page(self, win: Window, result=None) -> dict:
        """The page's context; `result` is the plan snapshot reaching the window's end (or made here)."""
        until = berlin_midnight(win.end)
        result = result or operations.snapshot(self.session, self.planner, until)
        choice_rows = editor_choices.all_choices(self.session)
        choices = editor_choices.load_choices(self.session)
        planned = operations.entries(result, choices)
        start = berlin_midnight(win.start)
        queue = list(self.session.scalars(select(FeaturePublication).where(
            FeaturePublication.slot_utc >= start, FeaturePublication.slot_utc < until)))
        shown = {e.slot_utc for e in planned}
        extra = [operations.SlotEntry(f.slot_utc, f.status if f.status != "pending" else "queued", f.post_uid, f.ags,
                                      "", f.key, f.status) for f in queue if f.slot_utc not in shown]
        slots = sorted((e for e in [*planned, *extra] if start <= e.slot_utc < until), key=lambda e: e.slot_utc)
        uids = {e.post_uid for e in slots if e.post_uid}
        posts = {p.uid: p for p in self.session.scalars(
            select(Post).where(Post.uid.in_(uids)).options(selectinload(Post.image), selectinload(Post.consent)))}
        self.texts = {uid: post.caption or "" for uid, post in posts.items()} | newest_texts(self.session, uids)
        features = {f.key: f for f in self.session.scalars(select(FeaturePublication).where(
            FeaturePublication.key.in_({e.feature_key for e in slots if e.feature_key})))}
        reasons = self.reasons(result, planned, choice_rows)
        off_plan = {e.slot_utc for e in extra}  # shown for what happened, never a place to move to or from
        cards = [self.card(e, posts.get(e.post_uid), features.get(e.feature_key), reasons.get(e.slot_utc, ""),
                           e.slot_utc not in off_plan) for e in slots]
        return {"window": win, "groups": self.groups(win, cards) if win.view == "week" else [],
                "calendar": calendar(win, cards, self.planner.now.astimezone(BERLIN).date()) if win.view == "month" else [],
                "slots": len(cards), "holds": self.holds(choice_rows),
                "revision": operations.revision(self.session),
                "targets": [c for c in cards if c["movable_target"]]}

    def holds(self, choice_rows) -> list[dict]:
        """Posts an editor held back: they wait here until someone plans them again."""
        rows = [c for c in choice_rows if c.kind == "hold" and c.post_uid]
        posts = {p.uid: p for p in self.session.scalars(select(Post).where(Post.uid.in_({c.post_uid for c in rows})))}
        return [{"uid": c.post_uid, "id": posts[c.post_uid].id, "editor": c.editor, "reason": c.reason,
                 "municipality": self.municipality(posts[c.post_uid].municipality_ags)[0]}
                for c in rows if c.post_uid in posts]

    def groups(self, win: Window, cards: list[dict]) -> list[dict]:
        """Week view: one group per week."""
        by_week: dict[date, list[dict]] = {}
        day = win.start - timedelta(days=win.start.weekday())
        while day < win.end:
            by_week[day] = []
            day += timedelta(weeks=1)
        for card in cards:
            local = card["slot"].astimezone(BERLIN).date()
            by_week.setdefault(local - timedelta(days=local.weekday()), []).append(card)
        return [{"title": say.week_title(monday), "id": f"kw-{monday.isoformat()}", "cards": items}
                for monday, items in sorted(by_week.items())]

    # -- the planner's reason, in German ----------------------------------------------------
    def reasons(self, result, planned: list[operations.SlotEntry], choice_rows) -> dict[datetime, str]:
        featured: dict[str, list[datetime]] = {}
        for ags, at in coverage_features(self.session, self.planner.config.content_dir, self.registry):
            featured.setdefault(ags, []).append(at)
        for f in result.queued:
            if f.status != "failed" and f.slot_utc not in featured.get(f.ags, []):
                featured.setdefault(f.ags, []).append(f.slot_utc)
        waiting = Counter(c.ags for c in result.candidates)
        pins = {c.slot_utc: c for c in choice_rows if c.kind == "pin"}
        skips = {c.slot_utc: c for c in choice_rows if c.kind == "skip"}
        texts: dict[datetime, str] = {}
        for entry in planned:
            slot = entry.slot_utc
            if entry.kind in ("skipped", "empty"):
                skip = skips.get(slot)
                texts[slot] = say.empty_reason(entry.kind, entry.reason, skip.editor if skip else "",
                                               skip.reason if skip else "")
                continue
            before = [at for at in featured.get(entry.ags, []) if at < slot]
            year = slot.astimezone(BERLIN).year
            facts = say.ReasonFacts(
                self.municipality(entry.ags)[0], sum(1 for at in before if at.astimezone(BERLIN).year == year),
                max(before, default=None), max(waiting[entry.ags], 1) if entry.kind != "queued" else 1,
                pins[slot].editor if entry.kind == "pinned" and slot in pins else "",
                "same author" in entry.reason)
            texts[slot] = say.reason(facts, slot) if entry.kind != "queued" else say.reason(
                facts, slot).split("; ")[0]
            if entry.kind != "queued":
                featured.setdefault(entry.ags, []).append(slot)
                waiting[entry.ags] -= 1
        return texts

    # -- one slot ---------------------------------------------------------------------------
    def card(self, entry: operations.SlotEntry, post: Post | None, feature: FeaturePublication | None,
             reason: str, on_plan: bool = True) -> dict:
        open_slot = entry.kind in ("planned", "pinned", "empty", "skipped")
        releasable = feature is not None and feature.status == "pending" and not feature.steps \
            and not feature.attempts
        upcoming = on_plan and entry.slot_utc > self.planner.now - self.planner.config.catch_up
        card = {
            "slot": entry.slot_utc, "iso": entry.slot_utc.isoformat(), "day": say.local_day(entry.slot_utc),
            "clock": say.local_clock(entry.slot_utc), "kind": entry.kind, "kind_label": say.kind_label(entry.kind),
            "state_label": say.kind_label(say.slot_state(entry.kind, entry.feature_status)),
            "state": say.slot_state(entry.kind, entry.feature_status),
            "reason": reason, "key": entry.feature_key, "status": entry.feature_status, "expected": entry.post_uid or "",
            "movable": bool(entry.post_uid) and upcoming and (open_slot or releasable),
            "movable_target": upcoming and (open_slot or releasable),
            "can_skip": upcoming and entry.kind in ("planned", "pinned", "empty") or releasable,
            "can_publish": bool(entry.post_uid) and upcoming and (entry.kind in ("planned", "pinned") or releasable),
            "post": None,
        }
        if post is not None:
            card["post"] = self.post_facts(post, feature, entry.slot_utc)
        return card

    def post_facts(self, post: Post, feature: FeaturePublication | None, slot: datetime | None = None) -> dict:
        """What a slot or a feature page shows of its post; `slot`: where a not yet queued post is planned
        (its date is in the feature's key and so in the caption's link)."""
        name, district, slug = self.place(post.municipality_ags)
        consent = post.consent
        credit = (consent.credit if consent and consent.credit else "") or ""
        request = feature.request if feature is not None else None
        if request is not None:
            text = request.get("text", "")
            caption = final_caption(request["municipality_name"], request.get("handle", ""), text, feature.key,
                                    tuple(request.get("hashtags", ())), request.get("author_name", ""), request.get("platform", ""))
        else:
            text = self.texts[post.uid] if post.uid in self.texts else caption_text(self.session, post)
            caption = final_caption(name, post.author, text, feature_key(slot or self.planner.now, slug),
                                    author_name=credit or post.author, source=post.source)
        image = post.image
        return {"id": post.id, "uid": post.uid, "author": post_credit(post), "credit": credit,
                "municipality": name, "district": district, "has_image": image is not None,
                "crop_height": crop_height(image.width, image.height) if image else CROP_WIDTH,
                "consent": self.consent_text(post), "caption": caption, "text": text,
                "figures": {channel: [(f"{f.label} {f.value}/{say.number(f.limit)}", f.over) for f in items]
                            for channel, items in figures(caption).items()},
                "version": post.version or 0, "state": post.state}

    def consent_text(self, post: Post) -> str:
        consent = post.consent
        if consent is None:
            return "keine Einwilligung erfasst"
        text = state_label(consent.status)
        if consent.answered_at:
            text += f" am {say.local_day(consent.answered_at)}"
        if consent.status == "rights_requested" and consent.requested_at:
            expiry = consent.requested_at + timedelta(days=getattr(self.planner, "expiry_days", 14))
            return f"{text}; läuft ab am {say.local_day(expiry)}"
        return f"{text}; ohne Ablaufdatum" if consent.status == "granted" else text
