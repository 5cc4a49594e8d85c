"""The daily `soists.insights` job: figures from Meta, then the access logs."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from scheduler.insights.accesslog import DEFAULT_LOG, import_access_logs
from scheduler.insights.api import InsightsApi
from scheduler.insights.mastodon_figures import measure_mastodon
from scheduler.insights.measure import DEFAULT_BUDGET, RunReport, run_insights
from scheduler.publish.graph_api import GraphClient, GraphConfig, NeedsEditor
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig

log = logging.getLogger(__name__)
OWN_HOSTS = ("so-ist-s.de",)


def api_from_env() -> InsightsApi | None:
    try:
        return InsightsApi(GraphClient(GraphConfig.from_env()))
    except NeedsEditor as error:  # no credentials: the logs are still read
        log.info("insights: Meta figures skipped (%s)", error)
        return None


def own_hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    site = urlsplit(env.get("SOISTS_SITE_URL", "")).hostname
    return OWN_HOSTS + ((site,) if site else ())


def run_job(session: Session, now: datetime | None = None, api: InsightsApi | None = None,
            env: Mapping[str, str] | None = None) -> RunReport:
    from plugins.region.registry import load_registry

    env = os.environ if env is None else env
    now = now or datetime.now(timezone.utc)
    api = api if api is not None else api_from_env()
    report = RunReport(stopped="no Graph API credentials") if api is None else \
        run_insights(session, api, now, int(env.get("SOISTS_INSIGHTS_BUDGET", DEFAULT_BUDGET)))
    mastodon = MastodonConfig.from_env(env)
    if mastodon is not None and mastodon.token:  # the optional Fediverse channel's figures
        fediverse = measure_mastodon(session, MastodonClient(mastodon), now)
        log.info("insights (mastodon): %s", fediverse.summary())
    log_path = Path(env.get("SOISTS_ACCESS_LOG", DEFAULT_LOG))
    rows = import_access_logs(session, log_path, own_hosts(env), {m.slug for m in load_registry()})
    log.info("insights: %s; %d referrer row(s) from %s", report.summary(), rows, log_path)
    return report
