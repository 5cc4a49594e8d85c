"""The process layer: scheduled jobs, the APScheduler runner, `once`, status and the demo.

The job functions are re-exported here because the job store keeps references such as
"scheduler.jobs:publish_job"; they stay valid whatever module a job function lives in.
"""

from scheduler.jobs.once import ONCE_ORDER, OnceReport, dry_run, plan_lines, run_once, tables_ready
from scheduler.jobs.runner import (
                                  JOB_IDS,
                                  JOBS_TABLE,
                                  RunnerConfig,
                                  job_specs,
                                  make_scheduler,
                                  register_jobs,
                                  run_forever,
)
from scheduler.jobs.status import next_runs, quota_left, recent_failures
from scheduler.credentials.refresh import tokens_job
from scheduler.partners.calendars.job import calendars_job
from scheduler.jobs.tasks import (alerts_job, campaigns_job, collect_job, deploy_job, expire_job, insights_job, job_settings,
                                  partner_mail_job, plan_job, publish_job, sessions_for)

__all__ = ["JOB_IDS", "JOBS_TABLE", "ONCE_ORDER", "OnceReport", "RunnerConfig", "alerts_job", "calendars_job", "campaigns_job", "collect_job",
           "deploy_job", "dry_run", "expire_job", "insights_job", "job_settings", "job_specs", "make_scheduler", "next_runs", "partner_mail_job", "plan_job",
           "plan_lines", "publish_job", "quota_left", "recent_failures", "register_jobs", "run_forever",
           "run_once", "sessions_for", "tables_ready", "tokens_job"]
