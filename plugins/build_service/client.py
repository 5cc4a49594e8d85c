"""Asking the build service (plugins/build_service) for a build, and where it lives.

`ask()` answers None when no service listens (no socket, a refused connection, or a
connection dropped by a service that restarts for new code): the caller then builds with
the one-shot command. Standard library only: tasks.py imports it before any build.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cache_folder() -> Path:
    """BUILD_CACHE_DIR as the environment names it (SOISTS_BUILD_CACHE_DIR), else .cache/builds."""
    return ROOT / os.environ.get("SOISTS_BUILD_CACHE_DIR", ".cache/builds")


# `invoke publish` builds here, kept between publishes inside BUILD_CACHE_DIR: a takedown drops
# that folder whole (scheduler/publish/takedown_purge.py), the post's built pages with it.
PUBLISH_OUTPUT = Path(os.environ.get("SOISTS_PUBLISH_OUTPUT") or cache_folder() / "publish" / "site")
SOCKET = Path(os.environ.get("SOISTS_BUILD_SERVICE") or cache_folder() / "build-service.sock")


def publish_lock(output: Path = PUBLISH_OUTPUT) -> Path:
    """The lock file of one publish at a time (scheduler, operator), beside the publish folder:
    `invoke publish` holds it while it builds and deploys; the service takes it for its first
    build, which must not write into the folder while a publish builds there."""
    return output.parent / ".lock"


def ask(path: Path = SOCKET, timeout: float = 3600.0) -> dict | None:
    """One build by the service at `path`: its result (see service.Result), or None."""
    if not path.is_socket():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(str(path))
            connection.sendall(b'{"build": true}\n')
            answer = connection.makefile("rb").readline()
        except (ConnectionRefusedError, FileNotFoundError, ConnectionResetError):
            return None
    if not answer:
        return None
    result = json.loads(answer)
    return None if result.get("restart") else result
