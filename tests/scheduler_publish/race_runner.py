"""One "machine" of the double-post test: wait at the barrier, then publish until nothing is due.

Usage: python tests/scheduler_publish/race_runner.py WORKDIR BASE_URL DB_URL NAME
It writes WORKDIR/ready-NAME, waits for WORKDIR/go (the barrier: every machine starts at the
same instant), then calls publish_due again and again like a cron job that runs often, until
the queue has nothing due. SOISTS_PUBLISH_CRASH_AT makes it SIGKILL itself at a checkpoint.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scheduler.publish.graph_api import GraphClient, GraphConfig, install_token_redaction  # noqa: E402
from scheduler.publish.publisher import Publisher, publish_due  # noqa: E402
from scheduler.publish.queue import due_features  # noqa: E402
from scheduler.store.db import make_engine, session_factory  # noqa: E402
from tests.scheduler_publish.publish_runner import SLOT  # noqa: E402

NOW = SLOT.replace(second=5)


def wait_for(path: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {path.name} within {timeout_s} s")
        time.sleep(0.002)


def main(workdir: Path, base_url: str, db_url: str, name: str) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format=f"{name} %(levelname)s %(name)s %(message)s")
    install_token_redaction()
    engine = make_engine(db_url)
    sessions = session_factory(engine)

    def deploy() -> None:
        with open(workdir / "deploys.log", "a") as log:
            log.write(f"deploy {name}\n")

    config = GraphConfig.from_env({**os.environ, "SOISTS_GRAPH_BASE_URL": base_url})
    publisher = Publisher(client=GraphClient(config, backoff_s=0.01), site_url="http://127.0.0.1:9",
                          content_dir=workdir / "content", deploy=deploy, poll_s=0.0,
                          lock_path=workdir / f"{name}.lock")  # a lock file per machine: only the database lock is shared
    with sessions() as session:
        due_features(session, NOW)  # connected and warmed up before the start signal
    (workdir / f"ready-{name}").touch()
    wait_for(workdir / "go")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sessions() as session:
            if not due_features(session, NOW):
                return 0
            result = publish_due(session, NOW, publisher)
            print(f"{name}: {result or 'lock held elsewhere'}", flush=True)
        time.sleep(0.02)
    return 3


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]))
