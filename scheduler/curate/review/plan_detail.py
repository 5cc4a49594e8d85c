"""The plan view's other data: one feature's steps and links, the coverage strip, past features
with the insights stage's figures. Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from plugins.navigation.dates import BERLIN
from plugins.region.figures import figures, this_year
from plugins.region.registry import Registry
from scheduler.curate.review import plan_present as say
from scheduler.curate.review.plan_view import PlanView
from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.insights.state import Measurement
from scheduler.plan import operations
from scheduler.plan.caption_preview import site_url, wall_url
from scheduler.plan.enqueue import PlanResult, coverage_features, site_features
from scheduler.plan.operations import caption_locked
from scheduler.publish.side_channels import SIDE_CHANNELS
from scheduler.publish.state import STEPS, FeaturePublication
from scheduler.store.models import Post


@dataclass(frozen=True)
class WallFeature:
    """A feature on the site's wall without a publication in this store (an editor's file, an
    older run): veröffentlicht on the website only, so no insights figures."""

    key: str
    ags: str
    slot_utc: datetime


VIEWS_METRIC = {"instagram": "views", "facebook": "post_media_view"}
PAST_WEEKS = 8
PIN_WEEKS = 8


def steps(feature: FeaturePublication) -> list[dict]:
    """Every step of the publisher, also those not begun, with state, time and German error."""
    recorded = {s.step: s for s in feature.steps}
    rows = []
    for name in STEPS:
        step = recorded.get(name)
        error = (step.data or {}).get("error", {}) if step else {}
        failed = step is not None and step.state == "failed"
        text = say.error_text(error.get("kind"), error.get("code")) if failed else ""
        if failed and name in SIDE_CHANNELS:  # Mastodon: its own retry, the feature is not held back
            text = say.side_channel_error(say.STEP_LABELS[name], error, (step.data or {}).get("retry_utc"))
        rows.append({"name": name, "label": say.STEP_LABELS[name], "state": step.state if step else "",
                     "state_label": say.step_state_label(step.state if step else None),
                     "at": say.when(step.finished_utc or step.started_utc) if step else "",
                     "error": text, "detail": step.error if failed else ""})
    return rows


def links(feature: FeaturePublication) -> list[tuple[str, str]]:
    """Where the published feature is: the website, the Instagram post, the Facebook photo, the Mastodon status."""
    data = {s.step: (s.data or {}) for s in feature.steps if s.state == "done"}
    found = []
    if "website" in data:
        found.append(("Website", wall_url(feature.key)))
    instagram = data.get("instagram", {})
    if instagram.get("permalink"):
        found.append(("Instagram", instagram["permalink"]))
    if data.get("facebook", {}).get("photo_id"):
        found.append(("Facebook", f"https://www.facebook.com/{data['facebook']['photo_id']}"))
    if data.get("mastodon", {}).get("url"):  # the status's `url` as the server answered it
        found.append(("Mastodon", data["mastodon"]["url"]))
    return found


def feature_detail(session: Session, view: PlanView, key: str) -> dict | None:
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key)
                             .options(selectinload(FeaturePublication.steps)))
    if feature is None:
        return None
    post = session.scalar(select(Post).where(Post.uid == feature.post_uid)
                          .options(selectinload(Post.image), selectinload(Post.consent)))
    sent = caption_locked(feature)
    place = view.municipality(feature.ags)[0] or "Kommune unbekannt"
    return {"title": f"{place}, {say.when(feature.slot_utc)}", "key": feature.key, "status": feature.status,
            "status_label": say.kind_label(feature.status), "slot": say.when(feature.slot_utc),
            "attempts": feature.attempts, "steps": steps(feature), "links": links(feature),
            "media_id": next((s.data or {}).get("media_id", "") for s in feature.steps if s.step == "instagram")
            if any(s.step == "instagram" for s in feature.steps) else "",
            "can_retry": feature.status in ("failed", "needs_editor"), "can_edit": not sent and post is not None,
            "post": view.post_facts(post, feature) if post is not None else None,
            "last_error": feature.last_error or ""}


def post_detail(session: Session, view: PlanView, post_id: int) -> dict | None:
    post = session.get(Post, post_id, options=[selectinload(Post.image), selectinload(Post.consent)])
    if post is None:
        return None
    queued = session.scalar(select(FeaturePublication).where(FeaturePublication.post_uid == post.uid))
    if queued is not None:
        return feature_detail(session, view, queued.key)
    planner = view.planner
    entries = operations.current_entries(session, planner, planner.now + timedelta(weeks=PIN_WEEKS))
    slot = next((e.slot_utc for e in entries if e.post_uid == post.uid), None)
    place = view.municipality(post.municipality_ags)[0] or "Kommune noch offen"
    return {"title": f"{place}, {say.when(slot)}" if slot else f"{place}: Beitrag #{post.id}, noch ohne Sendeplatz",
            "key": None, "status": "",
            "status_label": "geplant" if slot else "wartet", "slot": say.when(slot), "attempts": 0, "steps": [],
            "links": [], "can_retry": False, "can_edit": True, "post": view.post_facts(post, None, slot),
            "last_error": "", "plannable": post.plannable,
            "pin_slots": [{"iso": e.slot_utc.isoformat(), "label": say.when(e.slot_utc), "kind": say.kind_label(e.kind)}
                          for e in entries if e.kind != "queued"]}  # queued slots are fixed


def coverage_strip(session: Session, registry: Registry, result: PlanResult, content_dir, now: datetime) -> dict:
    """Municipalities vorgestellt in diesem Jahr (plugins/region/figures.py: the site's, the
    report's and the newsletter's definition), those with approved posts waiting, and those with
    nothing yet: never vorgestellt and no post collected."""
    features = coverage_features(session, content_dir, registry)
    counted = figures((m.ags for m in registry), features, now, *this_year(now))
    ever = figures((m.ags for m in registry), features, now).featured
    featured = counted.featured
    waiting = {c.ags for c in result.candidates}
    with_posts = set(session.scalars(select(Post.municipality_ags).where(Post.municipality_ags.is_not(None))
                                     .distinct())) | ever
    everyone = sorted(registry, key=lambda m: m.name)

    def listed(keep) -> list[dict]:
        return [{"ags": m.ags, "name": m.name, "district": m.district} for m in everyone if keep(m.ags)]

    return {"total": len(everyone), "year": counted.end.year, "featured": listed(lambda a: a in featured),
            "waiting": listed(lambda a: a in waiting), "none": listed(lambda a: a not in with_posts)}


def past_weeks(session: Session, view: PlanView, now: datetime, content_dir=None,
               weeks: int = PAST_WEEKS) -> list[dict]:
    """Features veröffentlicht in the last weeks (figures.py: done, or on the site's wall with an
    instant not after now) with their newest figures per channel; wall-only ones have none."""
    since = now - timedelta(weeks=weeks)
    done = list(session.scalars(select(FeaturePublication).where(
        FeaturePublication.status == "done", FeaturePublication.slot_utc >= since,
        FeaturePublication.slot_utc <= now).order_by(FeaturePublication.slot_utc.desc())))
    keys = {f.key for f in done}
    if content_dir is not None:
        done += [WallFeature(s.key, s.ags, s.at) for s in site_features(content_dir, view.registry)
                 if s.key not in keys and since <= s.at <= now]
        done.sort(key=lambda f: f.slot_utc, reverse=True)
    newest: dict[tuple[str, str], Measurement] = {}
    for m in session.scalars(select(Measurement).where(Measurement.feature_key.in_([f.key for f in done]),
                                                       Measurement.gap.is_(None)).order_by(Measurement.age_days)):
        newest[(m.feature_key, m.channel)] = m
    by_week: dict[str, list[dict]] = defaultdict(list)
    for f in done:
        local = f.slot_utc.astimezone(BERLIN).date()
        monday = local - timedelta(days=local.weekday())
        by_week[monday.isoformat()].append({
            "key": f.key, "when": say.when(f.slot_utc), "municipality": view.municipality(f.ags)[0],
            "wall_only": isinstance(f, WallFeature), "url": wall_url(f.key),
            "channels": [{"channel": "Website", "views": "–", "reach": "–", "interactions": "–",
                          "age": "keine Zahlen: nur auf der Website"}] if isinstance(f, WallFeature) else
            [figures_of(channel, newest.get((f.key, channel))) for channel in ("instagram", "facebook")]})
    return [{"title": say.week_title(datetime.fromisoformat(monday).date()), "features": items}
            for monday, items in by_week.items()]


def figures_of(channel: str, measurement: Measurement | None) -> dict:
    label = "Instagram" if channel == "instagram" else "Facebook"
    if measurement is None:
        return {"channel": label, "views": "–", "reach": "–", "interactions": "–", "age": ""}
    values = measurement.values or {}
    interactions = sum(int(values.get(name) or 0) for name in INTERACTIONS[channel])
    return {"channel": label, "views": say.number(values.get(VIEWS_METRIC[channel])),
            "reach": say.number(values.get(REACH[channel])), "interactions": say.number(interactions),
            "age": f"nach {say.plural(measurement.age_days, 'Tag', 'Tagen')}"
                   + (" (vorläufig)" if measurement.provisional else "")}


__all__ = ["coverage_strip", "feature_detail", "past_weeks", "post_detail", "site_url"]
