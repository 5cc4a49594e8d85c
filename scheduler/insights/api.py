"""The insights calls, made through the publisher's GraphClient (one transport, one error
classification, tokens in the Authorization header and redacted from logs).

  GET /{ig-media-id}/insights?metric=views,reach,…                      → {"data": [{name, values: [{value}]}]}
  GET /{ig-user-id}?fields=followers_count                              → {"followers_count": n}
  GET /{ig-user-id}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value
      &breakdown=age&timeframe=this_month          → {"data": [{total_value: {breakdowns: [{results: […]}]}}]}
  GET /{page-post-id}/insights?metric=post_media_view,post_total_media_view_unique
  GET /{page-post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(…),shares
  GET /{page-id}/insights?metric=page_follows|page_follows_city&period=day
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.insights import metrics as M
from scheduler.publish.graph_api import GraphClient, GraphError, RetryLater

GAP_REASONS_DE = {
    "too_few_viewers": "zu wenige Aufrufe für Statistiken (Meta-Fehler #10)",
    "permission": "Berechtigung fehlt (z. B. instagram_manage_insights oder read_insights)",
    "deleted": "Beitrag gelöscht oder nicht mehr erreichbar",
    "invalid_metric": "Kennzahl von Meta nicht mehr unterstützt",
    "token": "Zugangstoken ungültig",
    "not_available": "noch keine Daten (bis zu 48 Stunden Verzögerung)",
    "error": "anderer Fehler",
}


def gap_reason(error: GraphError) -> str | None:
    """Why a reading failed, as a stored reason; None when it may work on the next run."""
    text = str(error).lower()
    code, subcode = error.code, error.subcode
    if code == 10 and "viewers" in text:  # #10 is also the code of missing permissions
        return "too_few_viewers"
    if code == 10 or (code is not None and 200 <= code < 300):
        return "permission"
    if code == 100 and subcode == 33:  # "Object with ID … does not exist"
        return "deleted"
    if code == 100 and "metric" in text:
        return "invalid_metric"
    if code in (102, 190):
        return "token"
    if isinstance(error, RetryLater):
        return None
    return "error"


def lifetime_values(body: dict) -> dict[str, int]:
    """{"data": [{"name": "reach", "values": [{"value": 12}]}, …]} → {"reach": 12}."""
    found = {}
    for item in body.get("data") or []:
        values = item.get("values") or []
        value = values[-1].get("value") if values else (item.get("total_value") or {}).get("value")
        if isinstance(value, (int, float)):
            found[str(item.get("name"))] = int(value)
    return found


def breakdown_values(body: dict) -> dict[str, int]:
    """follower_demographics with one breakdown → {bucket: count}."""
    result: dict[str, int] = {}
    for item in body.get("data") or []:
        for breakdown in (item.get("total_value") or {}).get("breakdowns") or []:
            for row in breakdown.get("results") or []:
                key = "/".join(str(v) for v in row.get("dimension_values") or [])
                result[key] = result.get(key, 0) + int(row.get("value") or 0)
    return result


def counters(body: dict) -> dict[str, int]:
    """reactions/comments summaries and the shares count of a Page post."""
    return {"reactions": int(((body.get("reactions") or {}).get("summary") or {}).get("total_count") or 0),
            "comments": int(((body.get("comments") or {}).get("summary") or {}).get("total_count") or 0),
            "shares": int((body.get("shares") or {}).get("count") or 0)}


@dataclass
class InsightsApi:
    client: GraphClient

    @property
    def ig_token(self) -> str:
        return self.client.config.ig_token

    @property
    def page_token(self) -> str:
        return self.client.config.fb_page_token

    def facebook_post_id(self, photo_id: str) -> str:
        """Only for facebook steps stored before `post_id` was kept: Meta's answer to POST /{page-id}/photos
        carries the post id itself (graph-api/reference/page/photos), which need not be "<page-id>_<photo-id>"."""
        return photo_id if "_" in photo_id else f"{self.client.config.fb_page_id}_{photo_id}"

    def _get(self, path: str, token: str, params: dict) -> dict:
        return self.client.request("GET", path, params=params, token=token)

    def media_insights(self, media_id: str) -> dict[str, int]:
        body = self._get(f"{media_id}/insights", self.ig_token,
                                {"metric": ",".join(m.name for m in M.IG_MEDIA_METRICS)})
        return lifetime_values(body)

    def post_insights(self, post_id: str) -> dict[str, int]:
        body = self._get(f"{post_id}/insights", self.page_token,
                                {"metric": ",".join(m.name for m in M.FB_POST_METRICS)})
        return lifetime_values(body)

    def post_counters(self, post_id: str) -> dict[str, int]:
        return counters(self._get(post_id, self.page_token, {"fields": M.FB_POST_FIELDS}))

    def ig_followers(self) -> int:
        body = self._get(self.client.config.ig_user_id, self.ig_token, {"fields": M.IG_FOLLOWERS_FIELD.name})
        return int(body.get("followers_count") or 0)

    def ig_demographics(self, breakdown: str) -> dict[str, int]:
        body = self._get(f"{self.client.config.ig_user_id}/insights", self.ig_token,
                                {"metric": M.IG_DEMOGRAPHICS.name, "period": "lifetime", "metric_type": "total_value",
                                 "breakdown": breakdown, "timeframe": M.IG_DEMOGRAPHICS_TIMEFRAME})
        return breakdown_values(body)

    def page_metric(self, metric: str):
        """The latest daily value of a Page metric (a number, or a dict for *_city)."""
        body = self._get(f"{self.client.config.fb_page_id}/insights", self.page_token,
                                {"metric": metric, "period": "day"})
        for item in body.get("data") or []:
            values = item.get("values") or []
            if values:
                return values[-1].get("value")
        return None
