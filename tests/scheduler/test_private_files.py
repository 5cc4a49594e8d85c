"""Issue 15 part 6, "files": the store, media and session files are the service user's alone,
an instaloader session file anyone else could have written is never loaded, and no token
reaches the CLI's logs or output."""

from __future__ import annotations

import http.server
import json
import os
import pickle
import stat
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.cli import main as cli
from scheduler.collect.sources.base import SourceStopped
from scheduler.collect.sources.instaloader_hashtag import check_session_file, logged_in_context
from tests.scheduler.test_import_images import gps_jpeg

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "EAAGsecretTOKENthatmustneverleak0123456789"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_cli(*args: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler", *args], cwd=ROOT, input=stdin, text=True,
                          capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": env["HOME"], **env}, timeout=120)


def test_cli_creates_store_and_media_for_the_service_user_only(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "IMG_1.jpg").write_bytes(gps_jpeg())
    (inbox / "IMG_1.json").write_text(json.dumps({"author": "anna", "email": "anna@example.org",
                                                  "consent_evidence": "E-Mail vom 20.11."}))
    env = {"HOME": str(tmp_path), "SOISTS_DB_URL": f"sqlite:///{tmp_path / 'var' / 'soists.db'}",
           "SOISTS_MEDIA_DIR": str(tmp_path / "var" / "media"), "SOISTS_MIN_IMAGE_PX": "100",
           "SOISTS_SECRETS_FILE": str(tmp_path / "no-secrets.toml")}
    os.umask(old := os.umask(0o022))  # the test process keeps the usual umask; the CLI must not care
    result = run_cli("import", "--manual", str(inbox), env=env)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "var" / "soists.db"
    assert mode(database) == 0o600
    for extra in (database.with_name("soists.db-wal"), database.with_name("soists.db-shm")):
        assert not extra.exists() or mode(extra) == 0o600
    media = tmp_path / "var" / "media"
    assert mode(media) == 0o700
    kept = [p for p in media.rglob("*")]
    assert kept and all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in kept), {str(p): oct(mode(p)) for p in kept}
    assert old == 0o022


def test_explicit_modes_without_the_cli_umask(settings, sessions, registry):
    """The board or a test that calls the collector in-process (umask 022) still writes 0600/0700."""
    from scheduler.collect.ingest import Collector
    from tests.scheduler.test_scheduler_store import collected

    assert Collector(sessions, settings, registry).store(collected(1, image=gps_jpeg())) == "ok"
    files = [p for p in settings.media_dir.rglob("*")]
    assert all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in files), {str(p): oct(mode(p)) for p in files}
    assert mode(Path(settings.db_url.removeprefix("sqlite:///"))) == 0o600


class Boom:
    """A pickle that runs code when loaded: what a writable session file could become."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("file_mode, owner, why", [(0o666, None, "group or others may write"),
                                                   (0o620, None, "group or others may write"),
                                                   (0o600, 65534, "not to the service user")])
def test_a_session_file_others_could_write_is_never_loaded(tmp_path, settings, capsys, file_mode, owner, why):
    if owner is not None and os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    marker = tmp_path / "code-ran"
    session_file = tmp_path / "session-soists_bot"
    session_file.write_bytes(pickle.dumps(Boom(marker)))
    session_file.chmod(file_mode)
    if owner is not None:
        os.chown(session_file, owner, owner)
    with pytest.raises(SourceStopped) as stopped:
        logged_in_context("soists_bot", session_file)
    assert stopped.value.kind == SourceStopped.LOGIN and why in stopped.value.message
    ours = replace(settings, instagram_user="soists_bot", session_file=session_file)
    assert cli.main(["collect", "--via", "instaloader"], ours) == 3  # exit 3: a login problem for a person
    assert why in capsys.readouterr().err.replace("\n", " ")
    assert not marker.exists()  # the pickle was never loaded


def test_a_private_session_file_passes_the_check(tmp_path):
    session_file = tmp_path / "session-soists_bot"
    session_file.write_bytes(b"x")
    session_file.chmod(0o600)
    check_session_file(session_file)  # no exception


class EchoingGraph(http.server.BaseHTTPRequestHandler):
    """A failing Graph API that repeats the caller's token in its error (as broken proxies do)."""

    def do_GET(self):
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("OAuth ")
        body = json.dumps({"error": {"message": f"Invalid OAuth access token {token}", "type": "OAuthException",
                                     "code": 2, "fbtrace_id": "x"}}).encode()
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_no_token_in_cli_logs_or_output_when_a_request_fails(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoingGraph)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"HOME": str(tmp_path), "SOISTS_DB_URL": f"sqlite:///{tmp_path / 'soists.db'}",
               "SOISTS_MEDIA_DIR": str(tmp_path / "media"), "SOISTS_SECRETS_FILE": str(tmp_path / "none.toml"),
               "SOISTS_IG_TOKEN": TOKEN, "SOISTS_FB_PAGE_TOKEN": TOKEN[::-1], "SOISTS_IG_USER_ID": "1789",
               "SOISTS_FB_PAGE_ID": "1012", "SOISTS_LOG_LEVEL": "DEBUG",
               "SOISTS_GRAPH_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/v26.0"}
        result = run_cli("status", env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "unknown" in result.stdout and "[redacted]" in result.stdout  # the echo arrived, redacted
    assert "DEBUG" in result.stderr  # the logs were written (urllib3's request lines)
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream and TOKEN[::-1] not in stream


def test_runner_logging_redacts_tokens(tmp_path):
    """The runner calls configure_logging too: a job that logs a token logs "[redacted]"."""
    script = ("import logging; from scheduler.jobs.logs import configure_logging; configure_logging('INFO'); "
              "logging.getLogger('apscheduler.executors').error('job failed: token %s in reply', "
              f"{TOKEN!r})")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SOISTS_IG_TOKEN": TOKEN,
                                 "SOISTS_SECRETS_FILE": str(tmp_path / "none.toml")})
    assert "job failed: token [redacted] in reply" in result.stderr and TOKEN not in result.stderr, result.stderr
    assert "configure_logging" in Path(ROOT / "scheduler" / "jobs" / "runner.py").read_text()
