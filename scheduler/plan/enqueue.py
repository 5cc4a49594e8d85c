"""The adapter between the store and the fair rotation planner, and the queue it fills.

store (granted posts with a municipality) ─▶ rotation.Candidate
publish queue + content/community/*.md      ─▶ rotation.FeatureHistory per AGS
slots.py (SOISTS_SLOTS, SOISTS_SKIP_DATES)  ─▶ the upcoming slots
editor_choices table                        ─▶ pins, holds, skips
plan ─▶ publish.queue.enqueue_feature for the slots of the next SOISTS_ENQUEUE_HOURS.

Idempotent: a slot that already has a queued feature (whatever its status) is never planned
again, and a post that is queued or already on the site is never a candidate again. So
re-planning only fills what is still open; a feature being published is never touched.
`build_plan` writes nothing (used by --dry-run); `enqueue_plan` is the only writer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.config import BERLIN, PROJECT_ROOT
from scheduler.curate import workflow
from scheduler.plan.editor_choices import load_choices
from scheduler.plan.plan_state import caption_text
from scheduler.plan.rotation import Candidate, EditorChoices, FeatureHistory, PlannedSlot, plan
from scheduler.plan.slots import DEFAULT_TIMES, ChannelSchedule, WeeklyTime, next_slots, slots_between
from scheduler.publish.queue import FeatureRequest, enqueue_feature, feature_key
from scheduler.publish.state import FeaturePublication
from scheduler.store.models import Post


@dataclass(frozen=True)
class PlanningConfig:
    schedule: ChannelSchedule = ChannelSchedule()
    horizon: int = 12  # upcoming slots shown and planned
    enqueue_within: timedelta = timedelta(hours=48)  # planned slots this close are queued (fixed)
    catch_up: timedelta = timedelta(hours=6)  # a slot missed this recently is still filled
    content_dir: Path = PROJECT_ROOT / "content"
    media_dir: Path = PROJECT_ROOT / "var" / "media"

    @classmethod
    def from_env(cls, media_dir: Path | None = None, env: Mapping[str, str] | None = None) -> "PlanningConfig":
        env = os.environ if env is None else env
        times = tuple(WeeklyTime.parse(t) for t in env.get("SOISTS_SLOTS", "").split(",") if t.strip())
        skips = frozenset(date.fromisoformat(d.strip()) for d in env.get("SOISTS_SKIP_DATES", "").split(",")
                          if d.strip())
        defaults = cls()
        return cls(
            schedule=ChannelSchedule("feature", times or DEFAULT_TIMES, skips),
            horizon=int(env.get("SOISTS_PLAN_SLOTS", defaults.horizon)),
            enqueue_within=timedelta(hours=float(env.get("SOISTS_ENQUEUE_HOURS", 48))),
            catch_up=timedelta(hours=float(env.get("SOISTS_CATCH_UP_HOURS", 6))),
            content_dir=Path(env.get("SOISTS_CONTENT_DIR", str(defaults.content_dir))),
            media_dir=media_dir or Path(env.get("SOISTS_MEDIA_DIR", str(defaults.media_dir))))


@dataclass(frozen=True)
class SiteFeature:
    key: str  # community post id / feature key
    ags: str
    at: datetime
    original_id: str = ""


@dataclass
class PlanResult:
    now: datetime
    slots: list[datetime]
    planned: list[PlannedSlot]  # the open slots, as the planner filled them
    queued: list[FeaturePublication]  # slots already in the queue (fixed)
    candidates: list[Candidate]
    names: dict[str, str]
    to_enqueue: list[PlannedSlot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- inputs ----------------------------------------------------------------------------

def site_features(content_dir: Path, registry: Registry) -> list[SiteFeature]:
    """Features the site already has (content/community/*.md), valid or not, as long as readable."""
    from plugins.community.postfile import read_post_file

    found: list[SiteFeature] = []
    for path in sorted((content_dir / "community").glob("*.md")):
        post, _problems = read_post_file(path)
        if not isinstance(post.featured, datetime):
            continue
        at = post.featured if post.featured.tzinfo else post.featured.replace(tzinfo=BERLIN)
        for ref in str(post.municipality or "").split(","):
            try:
                ags = registry.get(ref.strip()).ags
            except UnknownMunicipality:
                continue
            found.append(SiteFeature(post.id or path.stem, ags, at.astimezone(timezone.utc), post.original_id))
    return found


def queued_features(session: Session) -> list[FeaturePublication]:
    return list(session.scalars(select(FeaturePublication).order_by(FeaturePublication.slot_utc)))


def history(queue: list[FeaturePublication], site: list[SiteFeature]) -> dict[str, FeatureHistory]:
    """Per AGS: every feature done or queued (a queued one counts as featured at its slot).

    A done feature also has its post file; both carry the same key, so it counts once.
    """
    events: dict[tuple[str, str], datetime] = {}
    for f in queue:
        if f.status != "failed":
            events[(f.key, f.ags)] = f.slot_utc
    for s in site:
        events.setdefault((s.key, s.ags), s.at)
    result: dict[str, FeatureHistory] = {}
    for (_key, ags), at in events.items():
        past = result.get(ags, FeatureHistory())
        last = at if past.last_featured is None else max(past.last_featured, at)
        result[ags] = FeatureHistory(past.count + 1, last)
    return result


def coverage_features(session: Session, content_dir: Path, registry: Registry) -> list[tuple[str, datetime]]:
    """(AGS, instant) of every feature that is done or already on the site, for coverage.py."""
    from scheduler.publish.queue import published_features

    done = {f.key for f in session.scalars(select(FeaturePublication).where(FeaturePublication.status == "done"))}
    features = list(published_features(session))
    features += [(s.ags, s.at) for s in site_features(content_dir, registry) if s.key not in done]
    return features


def _quality(post: Post) -> float:
    if post.image is None:
        return 0.0
    return round(min(1.0, min(post.image.width, post.image.height) / 1080), 3)


def candidates(session: Session, registry: Registry, exclude_uids: set[str] = frozenset(),
               exclude_shortcodes: set[str] = frozenset()) -> list[Candidate]:
    result = []
    # the images in one query, not one per post (the plan view plans a year: 156 slots)
    for post in session.scalars(workflow.plannable(session).options(selectinload(Post.image))):
        if post.uid in exclude_uids or (post.shortcode and post.shortcode in exclude_shortcodes):
            continue
        if post.image is None:
            continue  # nothing to publish
        try:
            municipality = registry.get(post.municipality_ags)
        except UnknownMunicipality:
            continue
        result.append(Candidate(post.uid, municipality.ags, municipality.district_slug, post.author.casefold(),
                                post.taken_at or post.collected_at, _quality(post)))
    return result


def upcoming_slots(config: PlanningConfig, now: datetime) -> list[datetime]:
    missed = slots_between(config.schedule, now - config.catch_up, now + timedelta(microseconds=1))
    return missed + next_slots(config.schedule, now, config.horizon)


# --- planning ----------------------------------------------------------------------------

def build_plan(session: Session, registry: Registry, config: PlanningConfig, now: datetime,
               choices: EditorChoices | None = None) -> PlanResult:
    """Plan the open slots; reads only."""
    queue = queued_features(session)
    site = site_features(config.content_dir, registry)
    slots = upcoming_slots(config, now)
    queued_slots = {f.slot_utc for f in queue}
    open_slots = [s for s in slots if s not in queued_slots]
    pool = candidates(session, registry, exclude_uids={f.post_uid for f in queue},
                      exclude_shortcodes={s.original_id for s in site if s.original_id})
    choices = choices if choices is not None else load_choices(session)
    notes = [f"pin for {s:%Y-%m-%d %H:%M} UTC ignored: the slot is already queued"
             for s in choices.pins if s in queued_slots]
    names = {m.ags: m.name for m in registry}
    previous = max((f for f in queue if f.slot_utc <= (open_slots[0] if open_slots else now)),
                   key=lambda f: f.slot_utc, default=None)
    previous_author = ((previous.request or {}).get("handle") or "").casefold() or None if previous else None
    planned = plan(open_slots, pool, history(queue, site), choices, names, previous_author)
    horizon = now + config.enqueue_within
    return PlanResult(now, slots, planned, [f for f in queue if f.slot_utc in set(slots)], pool, names,
                      [p for p in planned if p.post_id and p.slot_utc <= horizon], notes)


def _alt_text(post: Post, name: str) -> str:
    """Alt text from the author's own words (the store has no description field)."""
    words = re.sub(r"[#@]\S+", "", post.caption or "").strip().splitlines()
    first = next((line.strip(" .,;:-–") for line in words if line.strip(" .,;:-–")), "")
    described = f"{first[:120]} – " if first else ""
    place = f", {post.location_name}" if post.location_name else ""
    return f"{described}Foto aus {name}{place}"


def feature_request(post: Post, slot: datetime, registry: Registry, media_dir: Path) -> FeatureRequest:
    municipality = registry.get(post.municipality_ags)
    consent = post.consent
    answered = (consent.answered_at if consent and consent.answered_at else post.state_changed_at)
    manual = post.source == "manual"
    credit = (consent.credit if consent and consent.credit else "") or ""
    if post.source == "fediverse":  # "user@home": no Instagram handle; credited by name or that address
        return FeatureRequest(
            key=feature_key(slot, municipality.slug), slot_utc=slot, post_uid=post.uid, ags=municipality.ags,
            municipality_slug=municipality.slug, municipality_name=municipality.name,
            source_image=str(media_dir / post.image.path), handle="", platform="fediverse",
            taken=(post.taken_at or post.collected_at).astimezone(BERLIN).date(),
            alt=_alt_text(post, municipality.name), consent_date=answered.astimezone(BERLIN).date(),
            consent_method="Fediverse-Antwort mit #jaSoistS", text=caption_text(object_session(post), post),
            author_name=credit or post.author, original_url=post.permalink or "", original_id="")
    return FeatureRequest(
        key=feature_key(slot, municipality.slug), slot_utc=slot, post_uid=post.uid, ags=municipality.ags,
        municipality_slug=municipality.slug, municipality_name=municipality.name,
        source_image=str(media_dir / post.image.path),
        handle="" if manual else post.author, platform="email" if manual else "instagram",
        taken=(post.taken_at or post.collected_at).astimezone(BERLIN).date(),
        alt=_alt_text(post, municipality.name),
        consent_date=answered.astimezone(BERLIN).date(),
        consent_method="E-Mail" if manual else "Instagram-Direktnachricht",
        text=caption_text(object_session(post), post), author_name=credit or (post.author if manual else ""),
        original_url="" if manual else (post.permalink or (
            f"https://www.instagram.com/p/{post.shortcode}/" if post.shortcode else "")),
        original_id=post.shortcode or "")


def enqueue_plan(session: Session, result: PlanResult, registry: Registry, media_dir: Path) -> list[str]:
    """Queue the near planned slots (idempotent: queued slots and posts were excluded)."""
    keys = []
    for planned in result.to_enqueue:
        post = session.scalar(select(Post).where(Post.uid == planned.post_id))
        if post is None:
            continue
        request = feature_request(post, planned.slot_utc, registry, media_dir)
        taken = session.scalar(select(FeaturePublication).where(FeaturePublication.key == request.key))
        if taken is not None and taken.slot_utc != planned.slot_utc:  # same day, same municipality
            request = replace(request, key=f"{request.key}-{planned.slot_utc:%H%M}")
        enqueue_feature(session, request)
        keys.append(request.key)
    return keys


def plan_and_enqueue(session: Session, registry: Registry, config: PlanningConfig, now: datetime,
                     dry_run: bool = False) -> tuple[PlanResult, list[str]]:
    result = build_plan(session, registry, config, now)
    if dry_run:
        return result, []
    return result, enqueue_plan(session, result, registry, config.media_dir)


def slot_from_text(text: str) -> datetime:
    """'2026-11-25 18:00' (Berlin wall-clock time) or an ISO instant with offset → aware UTC."""
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    if value.tzinfo is None:
        value = datetime.combine(value.date(), time(value.hour, value.minute), tzinfo=BERLIN)
    return value.astimezone(timezone.utc)
