"""The alerts stage: problems from every job → German e-mails (deduplicated, recovery, digest),
`status --json` and a Prometheus metrics file. See README.md in this folder.

Nothing is imported here on purpose: other stages import `scheduler.alerts.problem`, and
importing the package must not pull in the mailer (and, through it, the secrets file).
"""
