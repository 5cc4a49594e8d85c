"""The alerts stage: problems from every job → German e-mails (deduplicated, recovery, digest),
`status --json` and a Prometheus metrics file. See README.md in this folder."""

from scheduler.alerts.problem import CRITICAL, WARNING, Problem
from scheduler.alerts.report import AlertSettings, Outcome, report_problems

__all__ = ["CRITICAL", "WARNING", "AlertSettings", "Outcome", "Problem", "report_problems"]
