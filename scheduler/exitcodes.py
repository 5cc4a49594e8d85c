"""Exit codes of every command and job, for cron and systemd (documented in scheduler/README.md)."""

from __future__ import annotations

from scheduler.collect.sources.base import SourceStopped

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_LOGIN, EXIT_RATE_LIMITED = 0, 1, 2, 3, 4

STOP_EXIT = {SourceStopped.LOGIN: EXIT_LOGIN, SourceStopped.RATE_LIMITED: EXIT_RATE_LIMITED,
             SourceStopped.FAILED: EXIT_FAILURE}
