"""Issue 26 part 1: the receiver reads its secrets the way the shipped unit hands them over.

Under soists-webhook.service the writable SOISTS_SECRETS_FILE (/srv/soists/var/secrets.json) does
not exist until the first token refresh; the operator's secrets arrive read-only through
LoadCredential= ($CREDENTIALS_DIRECTORY/secrets.json). A problem with the secrets is a clean
503 (or 403) and one log line, never a 500 with a traceback.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from scheduler.collect.official import webhook_secrets
from scheduler.collect.webhook import WebhookApp, sign

BODY = json.dumps({"object": "instagram", "entry": []}).encode()


def credential_dir(tmp_path: Path, data: dict, mode: int = 0o600) -> Path:
    folder = tmp_path / "credentials"
    folder.mkdir()
    path = folder / "secrets.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    path.chmod(mode)
    return folder


def call(app, method: str, query: str = "", body: bytes = b"", signature: str | None = None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/webhooks/instagram", "QUERY_STRING": query,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if signature is not None:
        environ["HTTP_X_HUB_SIGNATURE_256"] = signature
    seen = {}
    answer = b"".join(app(environ, lambda status, headers: seen.update(status=status, headers=dict(headers))))
    return int(seen["status"].split()[0]), answer, seen["headers"]


def test_the_credential_copy_is_used_while_the_writable_file_does_not_exist(tmp_path, sessions):
    env = {"SOISTS_SECRETS_FILE": str(tmp_path / "var" / "secrets.json"),  # not there before the first refresh
           "CREDENTIALS_DIRECTORY": str(credential_dir(tmp_path, {
               "app": {"id": "1", "secret": "from-the-credential"}, "tokens": {"webhook_verify": "verify-123"}}))}
    secrets = webhook_secrets(env)
    assert (secrets.verify_token, secrets.app_secret) == ("verify-123", "from-the-credential")
    app = WebhookApp(sessions, lambda: webhook_secrets(env))
    assert call(app, "POST", body=BODY, signature=sign(BODY, "from-the-credential"))[0] == 200
    assert call(app, "GET", "hub.mode=subscribe&hub.verify_token=verify-123&hub.challenge=7")[:2] == (200, b"7")


def test_the_writable_file_wins_key_by_key_and_the_environment_stays_a_fallback(tmp_path):
    writable = tmp_path / "var" / "secrets.json"
    writable.parent.mkdir()
    writable.write_text(json.dumps({"tokens": {"instagram": "refreshed"}}), encoding="utf-8")
    writable.chmod(0o600)
    env = {"SOISTS_SECRETS_FILE": str(writable), "SOISTS_FB_APP_SECRET": "env-secret",
           "CREDENTIALS_DIRECTORY": str(credential_dir(tmp_path, {"tokens": {"webhook_verify": "verify-123"}}))}
    assert webhook_secrets(env) == type(webhook_secrets(env))("verify-123", "env-secret")


@pytest.mark.parametrize("problem", ["world-readable", "not-json", "a-folder", "permission"])
def test_a_secrets_problem_is_a_clean_503_and_one_log_line(tmp_path, sessions, problem, caplog, monkeypatch):
    folder = tmp_path / "credentials"
    folder.mkdir()
    path = folder / "secrets.json"
    if problem == "a-folder":  # unreadable (the service user's PermissionError as root cannot be staged)
        path.mkdir()
    else:
        path.write_text("{not json" if problem == "not-json" else json.dumps({"app": {"secret": "s3cr3t-value"}}),
                        encoding="utf-8")
        path.chmod(0o644 if problem == "world-readable" else 0o600)
    if problem == "permission":  # the service user reading root's 0600 file (root itself may read it)
        real = Path.read_text
        monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (_ for _ in ()).throw(
            PermissionError(13, "Permission denied", str(self))) if self == path else real(self, *a, **k))
    env = {"SOISTS_SECRETS_FILE": str(tmp_path / "missing.json"), "CREDENTIALS_DIRECTORY": str(folder)}
    app = WebhookApp(sessions, lambda: webhook_secrets(env))
    logger = logging.getLogger("scheduler.collect.webhook")
    filters, logger.filters = logger.filters, []  # pelican's LimitFilter drops repeats of a message
    try:
        with caplog.at_level(logging.INFO, logger="scheduler.collect.webhook"):
            post = call(app, "POST", body=BODY, signature=sign(BODY, "s3cr3t-value"))
            get = call(app, "GET", "hub.mode=subscribe&hub.verify_token=x&hub.challenge=7")
    finally:
        logger.filters = filters
    for status, answer, headers in (post, get):
        assert status == 503 and b"Traceback" not in answer and headers["Cache-Control"] == "no-store"
    lines = [r.getMessage() for r in caplog.records if "secrets" in r.getMessage()]
    assert lines and all("s3cr3t-value" not in line for line in lines), lines
    assert all(r.exc_info is None for r in caplog.records)
