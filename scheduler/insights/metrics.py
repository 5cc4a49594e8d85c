"""Every figure the insights job asks Meta for, in one place, with the page that documents it.

Checked against Meta's documentation (December 2026):
  IG_MEDIA_DOC     Instagram Media Insights: views, reach, likes, comments, saved, shares,
                   total_interactions; `impressions` deprecated (April 2025: error for newer media);
                   "data … can be delayed up to 48 hours", "stored for up to 2 years",
                   error 10 "(#10) Not enough viewers for the media to show insights",
                   an empty data set instead of 0 when data is unavailable.
  IG_ACCOUNT_DOC   Instagram Account Insights: follower_demographics (period lifetime,
                   metric_type total_value, breakdown age | gender | country | city, timeframe).
  IG_USER_DOC      IG User fields: followers_count ("Total number of Instagram users following the user").
  FB_INSIGHTS_DOC  Page Insights: post_media_view, post_total_media_view_unique, page_follows,
                   page_follows_city; deprecated metrics (post_impressions*, page_fans*) answer
                   with an invalid-metric error; "Only the last two years of insights data is available".
  FB_REACTIONS_DOC Object reactions: `?fields=reactions.summary(total_count)`; comments and shares likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

IG_MEDIA_DOC = "https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights"
IG_ACCOUNT_DOC = "https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights"
IG_USER_DOC = "https://developers.facebook.com/docs/instagram-api/reference/ig-user"
FB_INSIGHTS_DOC = "https://developers.facebook.com/docs/graph-api/reference/insights"
FB_REACTIONS_DOC = "https://developers.facebook.com/docs/graph-api/reference/object/reactions"


@dataclass(frozen=True)
class Metric:
    name: str  # what Meta calls it
    doc: str  # where it is documented
    label_de: str  # how the report calls it


# Instagram media (GET /{ig-media-id}/insights?metric=…), lifetime values.
IG_MEDIA_METRICS = (
    Metric("views", IG_MEDIA_DOC, "Aufrufe"),
    Metric("reach", IG_MEDIA_DOC, "Reichweite"),
    Metric("likes", IG_MEDIA_DOC, "Likes"),
    Metric("comments", IG_MEDIA_DOC, "Kommentare"),
    Metric("saved", IG_MEDIA_DOC, "Gespeichert"),
    Metric("shares", IG_MEDIA_DOC, "Geteilt"),
    Metric("total_interactions", IG_MEDIA_DOC, "Interaktionen"),
)
# Facebook Page post (GET /{page-post-id}/insights?metric=…), lifetime values.
FB_POST_METRICS = (
    Metric("post_media_view", FB_INSIGHTS_DOC, "Aufrufe"),
    Metric("post_total_media_view_unique", FB_INSIGHTS_DOC, "Reichweite"),
)
# Facebook Page post fields (GET /{page-post-id}?fields=…): engagement counters.
FB_POST_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
FB_POST_COUNTERS = (
    Metric("reactions", FB_REACTIONS_DOC, "Reaktionen"),
    Metric("comments", FB_REACTIONS_DOC, "Kommentare"),
    Metric("shares", FB_REACTIONS_DOC, "Geteilt"),
)
# Account level, once a day.
IG_FOLLOWERS_FIELD = Metric("followers_count", IG_USER_DOC, "Follower (Instagram)")
IG_DEMOGRAPHICS = Metric("follower_demographics", IG_ACCOUNT_DOC, "Follower nach Alter, Geschlecht, Ort")
IG_DEMOGRAPHIC_BREAKDOWNS = ("age", "gender", "city")
IG_DEMOGRAPHICS_TIMEFRAME = "this_month"
FB_PAGE_FOLLOWS = Metric("page_follows", FB_INSIGHTS_DOC, "Follower (Facebook)")
FB_PAGE_FOLLOWS_CITY = Metric("page_follows_city", FB_INSIGHTS_DOC, "Facebook-Follower nach Ort")

ALL_METRICS = (*IG_MEDIA_METRICS, *FB_POST_METRICS, *FB_POST_COUNTERS, IG_FOLLOWERS_FIELD, IG_DEMOGRAPHICS,
               FB_PAGE_FOLLOWS, FB_PAGE_FOLLOWS_CITY)

# Reach and interactions per channel, as the report adds them up.
# Mastodon reports no reach or views (entities/Status: only the counts): its reach adds 0, its
# favourites, reblogs and replies count as interactions (insights/mastodon_figures.py).
REACH = {"instagram": "reach", "facebook": "post_total_media_view_unique", "mastodon": ""}
INTERACTIONS = {"instagram": ("total_interactions",), "facebook": ("reactions", "comments", "shares"),
                "mastodon": ("favourites", "reblogs", "replies")}

# When a feature is measured: days after posting. Day 1 is provisional (Meta's data can be
# up to 48 h late); then 2, 7 and 28 days, then monthly up to two years (Meta keeps 2 years).
MEASURE_AGES = (1, 2, 7, 28, *range(60, 731, 30))
PROVISIONAL_HOURS = 48
