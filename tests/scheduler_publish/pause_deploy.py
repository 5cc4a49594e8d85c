"""A deploy command for the database-restart test: the first call pauses between two steps.

Usage (as SOISTS_DEPLOY_COMMAND): python tests/scheduler_publish/pause_deploy.py WORKDIR
The first call writes WORKDIR/paused and waits for WORKDIR/resume (the test restarts the
database server meanwhile); every call appends a line to WORKDIR/deploys.log.
"""

import sys
import time
from pathlib import Path

workdir = Path(sys.argv[1])
if not (workdir / "paused").exists():
    (workdir / "paused").touch()
    deadline = time.monotonic() + 60
    while not (workdir / "resume").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
with open(workdir / "deploys.log", "a") as log:
    log.write("deploy\n")
