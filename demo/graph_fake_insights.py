"""The insights side of the local Graph API fake (Instagram media/account, Facebook Page/post).

  GET /vXX/{ig-media-id}/insights?metric=views,reach,likes,comments,saved,shares,total_interactions
  GET /vXX/{ig-user-id}?fields=followers_count
  GET /vXX/{ig-user-id}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value
        &breakdown=age|gender|country|city&timeframe=this_week|this_month
  GET /vXX/{page-post-id}/insights?metric=post_media_view,post_total_media_view_unique
  GET /vXX/{page-post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(…),shares
  GET /vXX/{page-id}/insights?metric=page_follows|page_follows_city&period=day

Like the documentation says: an empty data set (not 0) while the figures are not there yet
(the fake lags 30 hours; Meta up to 48 h); "(#10) Not enough viewers for the media to show
insights"; removed metrics (impressions, post_impressions*, page_fans*) answer an invalid-metric
error 100; a deleted object 100/33; a missing permission (#10) on Instagram and (#200) on the
Page — checked against the scopes the fake's tokens were given.

State (persisted with the fake, `fake.extra("insights")`): "now" (a frozen clock, epoch seconds;
absent = real time), "media"/"posts" {id: {"posted", "scale", "deleted", "few_viewers"}}, "account"
{"start", "ig_followers", "ig_daily", "fb_followers", "fb_daily"}. Media and Page photos published
through the fake are measured too (their publication time, a scale derived from the id).
Figures are a deterministic function of the id and the age: the same request gives the same answer.
"""

from __future__ import annotations

import hashlib
import math
import time

from demo.graph_fake_http import select

DAY = 86400.0
IG_METRICS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions")
IG_REMOVED = ("impressions", "plays", "clips_replays_count", "video_views")
FB_METRICS = ("post_media_view", "post_total_media_view_unique")
PAGE_METRICS = ("page_follows", "page_follows_city")
BREAKDOWNS = ("age", "gender", "country", "city")
AGES = {"13-17": 2, "18-24": 21, "25-34": 27, "35-44": 20, "45-54": 15, "55-64": 10, "65+": 5}
GENDERS = {"F": 54, "M": 44, "U": 2}
CITIES = {"Stuttgart, Baden-Württemberg": 38, "Esslingen am Neckar, Baden-Württemberg": 9,
          "Ludwigsburg, Baden-Württemberg": 9, "Böblingen, Baden-Württemberg": 7,
          "Waiblingen, Baden-Württemberg": 6, "Göppingen, Baden-Württemberg": 5,
          "Sindelfingen, Baden-Württemberg": 5, "Fellbach, Baden-Württemberg": 4,
          "Leonberg, Baden-Württemberg": 4, "Schorndorf, Baden-Württemberg": 3}
COUNTRIES = {"DE": 93, "AT": 3, "CH": 2, "FR": 1, "IT": 1}


def unit(text: str) -> float:
    """A stable number in [0, 1) for an id (no random state to persist)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 2 ** 32


LAG_DAYS = 1.25  # Meta: "can be delayed up to 48 hours"; the fake's figures start 30 h after posting


def grown(total: float, age_days: float) -> int:
    """Most of a post's audience comes in the first days; the fake's data lags LAG_DAYS."""
    seen = max(age_days - LAG_DAYS, 0.0)
    return int(round(total * (1 - math.exp(-seen / 2.5)))) if seen > 0 else 0


def split(total: int, shares: dict[str, int]) -> dict[str, int]:
    weight = sum(shares.values())
    return {key: int(total * share / weight) for key, share in shares.items()}


class InsightsFake:
    name = "insights"

    def route(self, fake, method, segments, query, form, token):
        if method != "GET" or not segments:
            return None
        state = fake.extra(self.name)
        now = float(state.get("now") or time.time())
        ig, page = fake.ig_user_id, fake.page_id
        if segments == [ig] and query.get("fields") == "followers_count":
            return 200, {"followers_count": self.followers(state, "ig", now), "id": ig}
        if segments == [ig, "insights"]:
            return self.ig_account(fake, state, query, now)
        if segments == [page, "insights"]:
            return self.page(fake, state, query, now)
        if len(segments) == 2 and segments[1] == "insights":
            if "_" in segments[0]:
                return self.fb_post(fake, state, segments[0], query, now)
            return self.ig_media(fake, state, segments[0], query, now)
        if len(segments) == 1 and "_" in segments[0] and "reactions" in query.get("fields", ""):
            status, body = self.fb_counters(fake, state, segments[0], now)
            return status, (select(body, query["fields"]) if status == 200 else body)  # only what was asked
        return None

    # -- objects -------------------------------------------------------------------------
    @staticmethod
    def known(fake, state: dict, object_id: str) -> dict | None:
        seeded = state.get("posts" if "_" in object_id else "media", {}).get(object_id)
        if seeded:
            return seeded
        if "_" in object_id:
            published = [p for p in fake.state.fb_photos if p.get("post_id") == object_id]
        else:
            published = [m for m in fake.state.ig_media if m["id"] == object_id]
        if not published:
            return None
        return {"posted": published[0].get("published_at", time.time()), "scale": 800 + int(unit(object_id) * 4000)}

    @staticmethod
    def missing(fake, object_id: str) -> tuple[int, dict]:
        return fake.error(400, 100, f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot "
                          "be loaded due to missing permissions, or does not support this operation", 33,
                          "GraphMethodException")

    def ig_media(self, fake, state, media_id, query, now):
        if "instagram_manage_insights" not in fake.tokens.scopes:
            return fake.error(403, 10, "(#10) Application does not have permission for this action")
        item = self.known(fake, state, media_id)
        if item is None or item.get("deleted"):
            return self.missing(fake, media_id)
        asked = [m for m in query.get("metric", "").split(",") if m]
        bad = [m for m in asked if m not in IG_METRICS]
        if not asked or bad:
            removed = [m for m in bad if m in IG_REMOVED]
            message = (f"(#100) The {removed[0]} metric is no longer supported for this media" if removed else
                       f"(#100) metric[0] must be one of the following values: {', '.join(IG_METRICS)}")
            return fake.error(400, 100, message)
        if item.get("few_viewers"):
            return fake.error(400, 10, "(#10) Not enough viewers for the media to show insights")
        reach = grown(item["scale"], (now - item["posted"]) / DAY)
        if reach == 0:
            return 200, {"data": []}  # documented: an empty data set instead of 0
        likes, comments, saved, shares = (int(reach * f) for f in (0.08, 0.006, 0.012, 0.009))
        values = {"views": int(reach * 1.6), "reach": reach, "likes": likes, "comments": comments, "saved": saved,
                  "shares": shares, "total_interactions": likes + comments + saved + shares}
        return 200, {"data": [{"name": m, "period": "lifetime", "values": [{"value": values[m]}],
                               "id": f"{media_id}/insights/{m}/lifetime"} for m in asked]}

    def fb_post(self, fake, state, post_id, query, now):
        if "read_insights" not in fake.tokens.scopes:
            return fake.error(403, 200, "(#200) Requires read_insights permission")
        item = self.known(fake, state, post_id)
        if item is None or item.get("deleted"):
            return self.missing(fake, post_id)
        asked = [m for m in query.get("metric", "").split(",") if m]
        if not asked or any(m not in FB_METRICS for m in asked):
            return fake.error(400, 100, "(#100) The value must be a valid insights metric")
        unique = grown(item["scale"] * 0.35, (now - item["posted"]) / DAY)
        if unique == 0:
            return 200, {"data": []}
        values = {"post_media_view": int(unique * 1.3), "post_total_media_view_unique": unique}
        return 200, {"data": [{"name": m, "period": "lifetime", "values": [{"value": values[m]}],
                               "id": f"{post_id}/insights/{m}/lifetime"} for m in asked]}

    def fb_counters(self, fake, state, post_id, now):
        item = self.known(fake, state, post_id)
        if item is None or item.get("deleted"):
            return self.missing(fake, post_id)
        unique = grown(item["scale"] * 0.35, (now - item["posted"]) / DAY)
        summary = lambda n: {"data": [], "summary": {"total_count": n}}  # noqa: E731
        return 200, {"id": post_id, "reactions": summary(int(unique * 0.05)), "comments": summary(int(unique * 0.004)),
                     "shares": {"count": int(unique * 0.006)}}

    # -- accounts ------------------------------------------------------------------------
    @staticmethod
    def followers(state: dict, channel: str, now: float) -> int:
        account = state.get("account") or {}
        start = float(account.get("start", now))
        days = max((now - start) / DAY, 0.0)
        base = int(account.get(f"{channel}_followers", 12000 if channel == "ig" else 5000))
        daily = float(account.get(f"{channel}_daily", 6.0 if channel == "ig" else 1.5))
        return int(base + daily * days + 40 * math.sin(days / 9))  # growth with a little wobble

    def ig_account(self, fake, state, query, now):
        if "instagram_manage_insights" not in fake.tokens.scopes:
            return fake.error(403, 10, "(#10) Application does not have permission for this action")
        if query.get("metric") != "follower_demographics":
            return fake.error(400, 100, "(#100) metric[0] must be one of the following values: follower_demographics, "
                              "reach, views, …")
        breakdown = query.get("breakdown", "")
        if query.get("period") != "lifetime" or query.get("metric_type") != "total_value" or breakdown not in BREAKDOWNS \
                or query.get("timeframe") not in ("this_week", "this_month"):
            return fake.error(400, 100, "(#100) follower_demographics needs period=lifetime, metric_type=total_value, "
                              "a breakdown (age, gender, country, city) and a timeframe (this_week, this_month)")
        shares = {"age": AGES, "gender": GENDERS, "city": CITIES, "country": COUNTRIES}[breakdown]
        counts = split(self.followers(state, "ig", now), shares)
        results = [{"dimension_values": [key], "value": value} for key, value in counts.items()]
        return 200, {"data": [{"name": "follower_demographics", "period": "lifetime", "title": "Follower demographics",
                               "total_value": {"breakdowns": [{"dimension_keys": [breakdown], "results": results}]},
                               "id": f"{fake.ig_user_id}/insights/follower_demographics/lifetime"}]}

    def page(self, fake, state, query, now):
        if "read_insights" not in fake.tokens.scopes:
            return fake.error(403, 200, "(#200) Requires read_insights permission")
        metric = query.get("metric", "")
        if metric not in PAGE_METRICS or query.get("period", "day") != "day":
            return fake.error(400, 100, "(#100) The value must be a valid insights metric")
        followers = self.followers(state, "fb", now)
        value = followers if metric == "page_follows" else split(followers, CITIES)
        end = time.strftime("%Y-%m-%dT08:00:00+0000", time.gmtime(now))
        return 200, {"data": [{"name": metric, "period": "day", "values": [{"value": value, "end_time": end}],
                               "id": f"{fake.page_id}/insights/{metric}/day"}]}
