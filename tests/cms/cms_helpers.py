"""The web editor's test setup: the installed Decap CMS (or a skip outside CI), a temporary Git
repository holding a copy of content/, and decap-server in git mode on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from plugins.cms import DEFAULT_DIST, ENTRY_SCRIPT, INSTALL_HINT

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "plugins" / "cms" / "node_modules"
DECAP_SERVER = NODE_MODULES / "decap-server" / "dist" / "index.js"


def require_decap() -> None:
    """Skip with the reason on a developer's machine without the npm package; fail in CI."""
    missing = [str(p) for p in (DEFAULT_DIST / ENTRY_SCRIPT, DECAP_SERVER) if not p.is_file()]
    if shutil.which("node") is None:
        missing.append("node")
    if missing:
        message = f"Decap CMS not installed ({', '.join(missing)} missing); run {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def content_repo(folder: Path) -> Path:
    """A Git repository whose only commit is a copy of the project's content/."""
    repo = folder / "repo"
    shutil.copytree(ROOT / "content", repo / "content")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "redaktion@example.org")
    git(repo, "config", "user.name", "Redaktion")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "content")
    return repo


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_proxy(repo: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """decap-server in git mode (the mode with the editorial workflow) on 127.0.0.1; returns
    the process and its API URL once it answers."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "MODE": "git", "GIT_REPO_DIRECTORY": str(repo), "BIND_HOST": "127.0.0.1"}
    process = subprocess.Popen(["node", str(DECAP_SERVER)], cwd=repo, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, data=b'{"action":"info"}', headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"decap-server did not start: {log.read_text()}")
