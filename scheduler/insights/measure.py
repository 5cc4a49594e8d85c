"""One insights run: due feature measurements and today's account snapshots.

Pure parts (`due_age`, `published_objects` rows → objects) are separate from the calls, so
the schedule is testable without the API. A failed reading is stored as a gap with its
reason and never crashes the run; a rate limit or transient failure ends the run quietly
(nothing stored, the next run tries again); the call budget keeps a run small.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.config import BERLIN
from scheduler.insights import metrics as M
from scheduler.insights.api import InsightsApi, gap_reason
from scheduler.insights.state import AccountSnapshot, Measurement
from scheduler.publish.graph_api import GraphError
from scheduler.publish.state import FeaturePublication

log = logging.getLogger(__name__)
DEFAULT_BUDGET = 400  # calls per run; Meta's limits are per hour, a daily run stays far below


class OutOfBudget(Exception):
    """This run's call budget is used up: the rest waits for the next run."""


@dataclass(frozen=True)
class PublishedObject:
    feature_key: str
    ags: str
    channel: str  # instagram | facebook
    object_id: str
    posted_utc: datetime


@dataclass
class RunReport:
    measured: int = 0
    gaps: dict[str, int] = field(default_factory=dict)
    snapshots: int = 0
    stopped: str = ""

    def summary(self) -> str:
        gaps = ", ".join(f"{k} {v}" for k, v in sorted(self.gaps.items())) or "none"
        return (f"{self.measured} measurement(s), gaps: {gaps}, {self.snapshots} account snapshot(s)"
                + (f"; stopped early: {self.stopped}" if self.stopped else ""))


def due_age(posted: datetime, now: datetime, done: set[int]) -> int | None:
    """The oldest-scheduled age not measured yet whose time has come, skipping ages that a
    later one already covers (after downtime one reading is enough, not a burst)."""
    days = (now - posted).total_seconds() / 86400
    passed = [age for age in M.MEASURE_AGES if age <= days]
    if not passed or passed[-1] in done:
        return None
    return passed[-1]


def provisional(posted: datetime, now: datetime) -> bool:
    return now - posted < timedelta(hours=M.PROVISIONAL_HOURS)


def published_objects(session: Session, api: InsightsApi) -> list[PublishedObject]:
    """Instagram media and Facebook Page posts of every published feature (from the step records)."""
    found = []
    for feature in session.scalars(select(FeaturePublication).where(FeaturePublication.status == "done")
                                   .options(selectinload(FeaturePublication.steps))):
        for step in feature.steps:
            data = step.data or {}
            posted = step.finished_utc or feature.slot_utc
            if step.step == "instagram" and str(data.get("media_id", "")).isdigit():
                found.append(PublishedObject(feature.key, feature.ags, "instagram", str(data["media_id"]), posted))
            elif step.step == "facebook" and data.get("photo_id"):
                post_id = str(data.get("post_id") or api.facebook_post_id(str(data["photo_id"])))
                found.append(PublishedObject(feature.key, feature.ags, "facebook", post_id, posted))
    return found


class Run:
    def __init__(self, session: Session, api: InsightsApi, now: datetime, budget: int = DEFAULT_BUDGET):
        self.session, self.api, self.now, self.budget = session, api, now, budget
        self.report = RunReport()

    def call(self, fn, *args):
        if self.budget <= 0:
            raise OutOfBudget()
        self.budget -= 1
        return fn(*args)

    def gap(self, error: GraphError) -> str:
        reason = gap_reason(error)
        if reason in (None, "token"):
            raise error  # rate limit, transient or a dead token (the tokens job reports it): wait for the next run
        self.report.gaps[reason] = self.report.gaps.get(reason, 0) + 1
        return reason

    # -- features ------------------------------------------------------------------------
    def read_object(self, obj: PublishedObject) -> tuple[dict[str, int], str | None, str]:
        values: dict[str, int] = {}
        reads = ((self.api.media_insights,) if obj.channel == "instagram"
                 else (self.api.post_insights, self.api.post_counters))
        for read in reads:
            try:
                values.update(self.call(read, obj.object_id))
            except GraphError as error:
                return values, self.gap(error), str(error)[:500]
        if not values:  # Meta answers an empty set while the data is not there yet
            return values, "not_available", ""
        return values, None, ""

    def measure(self, obj: PublishedObject, age: int) -> None:
        values, gap, detail = self.read_object(obj)
        self.session.add(Measurement(feature_key=obj.feature_key, ags=obj.ags, channel=obj.channel,
                                     object_id=obj.object_id, posted_utc=obj.posted_utc, age_days=age,
                                     measured_utc=self.now, values=values,
                                     provisional=provisional(obj.posted_utc, self.now), gap=gap, gap_detail=detail))
        self.session.commit()
        self.report.measured += 1

    def features(self) -> None:
        done: dict[tuple[str, str], set[int]] = {}
        for key, channel, age, gap in self.session.execute(
                select(Measurement.feature_key, Measurement.channel, Measurement.age_days, Measurement.gap)):
            done.setdefault((key, channel), set()).add(age)
            if gap == "deleted":  # a deleted post is not asked again
                done[(key, channel)].update(M.MEASURE_AGES)
        for obj in published_objects(self.session, self.api):
            age = due_age(obj.posted_utc, self.now, done.get((obj.feature_key, obj.channel), set()))
            if age is not None:
                self.measure(obj, age)

    # -- account -------------------------------------------------------------------------
    def snapshot(self, day: date, channel: str, read) -> None:
        if self.session.scalar(select(AccountSnapshot.id).where(AccountSnapshot.day == day,
                                                                AccountSnapshot.channel == channel)):
            return
        row = AccountSnapshot(day=day, channel=channel, followers=None, demographics={}, measured_utc=self.now)
        try:
            read(row)
        except GraphError as error:
            row.gap, row.gap_detail = self.gap(error), str(error)[:500]
        self.session.add(row)
        self.session.commit()
        self.report.snapshots += 1

    def read_instagram(self, row: AccountSnapshot) -> None:
        row.followers = self.call(self.api.ig_followers)
        row.demographics = {b: self.call(self.api.ig_demographics, b) for b in M.IG_DEMOGRAPHIC_BREAKDOWNS}

    def read_facebook(self, row: AccountSnapshot) -> None:
        follows = self.call(self.api.page_metric, M.FB_PAGE_FOLLOWS.name)
        row.followers = int(follows) if isinstance(follows, (int, float)) else None
        city = self.call(self.api.page_metric, M.FB_PAGE_FOLLOWS_CITY.name)
        row.demographics = {"city": {str(k): int(v) for k, v in (city or {}).items()}}

    def accounts(self) -> None:
        day = self.now.astimezone(BERLIN).date()
        self.snapshot(day, "instagram", self.read_instagram)
        self.snapshot(day, "facebook", self.read_facebook)


def run_insights(session: Session, api: InsightsApi, now: datetime, budget: int = DEFAULT_BUDGET) -> RunReport:
    """Account snapshots first (one a day, cheap), then the due feature measurements."""
    run = Run(session, api, now, budget)
    try:
        run.accounts()
        run.features()
    except OutOfBudget:
        run.report.stopped = "call budget used up"
    except GraphError as error:  # rate limit / transient: try again on the next run
        session.rollback()
        run.report.stopped = f"{type(error).__name__}: {error}"
        log.warning("insights stopped: %s", error)
    return run.report
