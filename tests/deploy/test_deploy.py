"""deploy/: the systemd units pass `systemd-analyze verify` (in a temporary root, so the
ExecStart paths exist) and are hardened; the nginx server block passes `nginx -t` and, started
on free ports with a self-signed certificate, sends the caching and security headers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from plugins.cms import admin_header_policy
from plugins.headers.policy import COMPANION_HEADERS, header_policy
from tests.alerts.smtp_helpers import free_port, self_signed

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
NGINX_CONF = ROOT / "deploy" / "nginx" / "soists.conf"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def unit_settings(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@pytest.mark.parametrize("name", ["soists-scheduler.service", "soists-once.service", "soists-collect.service",
                                  "soists-review.service", "soists-webhook.service", "soists-backup.service",
                                  "soists-newsletter.service"])
def test_services_are_hardened(name):
    s = unit_settings(UNITS / name)
    assert s["User"] == ["soists"] and s["NoNewPrivileges"] == ["yes"] and s["PrivateTmp"] == ["yes"]
    assert s["ProtectSystem"] == ["strict"] and s["ProtectHome"] == ["yes"]
    assert s["ReadWritePaths"] == (["/srv/soists/var"] if name in ("soists-review.service", "soists-webhook.service",
                                                                  "soists-backup.service", "soists-newsletter.service") else
                                   ["/srv/soists/var /srv/soists/content /srv/soists/output /srv/soists/.cache"])
    assert s["LoadCredential"] == ["secrets.json:/etc/soists/secrets.json"]
    # the service user cannot read /etc/soists/secrets.json: the writable file lives in var/ and the
    # operator's copy comes through LoadCredential= (issue 26: the webhook unit lacked this line)
    assert "SOISTS_SECRETS_FILE=/srv/soists/var/secrets.json" in s["Environment"], name
    assert all(cmd.startswith("/srv/soists/.venv/bin/python -m scheduler ") for cmd in s["ExecStart"])
    assert unit_settings(UNITS / "soists-scheduler.service")["ExecStart"] == [
        "/srv/soists/.venv/bin/python -m scheduler run"]
    assert unit_settings(UNITS / "soists-review.service")["ExecStart"][0].endswith("review --port 8765 --no-browser")


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory) -> Path:
    """A root with the system's units, the project paths and an executable python."""
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze missing: run .ci/setup --browser (installs the systemd package)")
    root = tmp_path_factory.mktemp("unit-root")
    for folder in ("srv/soists/var", "srv/soists/content", "srv/soists/output", "srv/soists/.cache", "etc/soists",
                   "lib/systemd"):
        (root / folder).mkdir(parents=True)
    python = root / "srv/soists/.venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    shutil.copytree("/lib/systemd/system", root / "lib/systemd/system", symlinks=True)
    shutil.copytree(UNITS, root / "etc/systemd/system")
    return root


def verify(root: Path, *names: str) -> subprocess.CompletedProcess:
    return subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", f"--root={root}", *names],
                          cwd=root / "etc/systemd/system", capture_output=True, text=True, timeout=60)


def test_systemd_analyze_verify_passes_without_a_warning(unit_root):
    names = sorted(p.name for p in UNITS.iterdir())
    assert names == ["soists-backup.service", "soists-backup.timer", "soists-build.service", "soists-collect.service",
                     "soists-collect.timer",
                     "soists-newsletter.service", "soists-once.service", "soists-once.timer", "soists-review.service",
                     "soists-scheduler.service", "soists-webhook.service"]
    result = verify(unit_root, *names)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_the_verify_check_does_catch_a_mistake(unit_root):
    bad = unit_root / "etc/systemd/system/soists-bad.service"
    bad.write_text((UNITS / "soists-review.service").read_text().replace("ProtectSystem=strict", "ProtectSytem=strict"))
    try:
        assert "Unknown key 'ProtectSytem'" in verify(unit_root, bad.name).stderr
    finally:
        bad.unlink()


def test_systemd_analyze_security_rates_the_scheduler_ok(unit_root):
    result = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=yes", f"--root={unit_root}",
                             "soists-scheduler.service"], cwd=unit_root / "etc/systemd/system",
                            capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for soists-scheduler.service: ([0-9.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 4.0  # "OK" or better on systemd's 0 (safe) … 10 (exposed) scale


# --- nginx ----------------------------------------------------------------------------------

def nginx_headers(conf: str) -> dict[str, str]:
    """name → value of every `add_header name "value" always;` line of the server block."""
    return dict(re.findall(r'^\s*add_header\s+(\S+)\s+"([^"]*)"', conf, re.M))


def nginx_csp_map(conf: str) -> dict[str, str]:
    """pattern → policy of the `map $uri $soists_csp` block (the policy chosen by path)."""
    block = re.search(r"map \$uri \$soists_csp \{(.*?)\n\}", conf, re.S).group(1)
    return dict(re.findall(r'^\s*(\S+)\s+"([^"]*)";', block, re.M))


def test_nginx_sends_the_one_policy_and_its_companions():
    conf = NGINX_CONF.read_text(encoding="utf-8")
    sent = nginx_headers(conf)
    assert re.search(r"^\s*add_header Content-Security-Policy \$soists_csp always;", conf, re.M)
    policies = nginx_csp_map(conf)
    assert policies == {"default": header_policy(), "~^/admin/": admin_header_policy()}
    sent["Content-Security-Policy"] = policies["default"]
    for name, value in COMPANION_HEADERS:
        assert sent[name] == value, name
    assert "'unsafe-inline'" not in sent["Content-Security-Policy"] and "sha256-" not in sent["Content-Security-Policy"]


def test_no_template_has_an_inline_script():
    """Only src= scripts and JSON-LD data blocks: the policy allows no inline script."""
    for template in (ROOT / "theme/templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for attributes in re.findall(r"<script\b([^>]*)>", text):
            assert "src=" in attributes or "application/ld+json" in attributes, (template, attributes)


def nginx_config(tmp_path: Path, http_port: int, https_port: int, webhook_port: int = 8766,
                 newsletter_port: int = 8767) -> Path:
    cert, key = self_signed(tmp_path)
    site = NGINX_CONF.read_text(encoding="utf-8")
    for old, new in {"127.0.0.1:8766": f"127.0.0.1:{webhook_port}", "127.0.0.1:8767": f"127.0.0.1:{newsletter_port}",
                     "/var/log/nginx/access.log": str(tmp_path / "access.log"),"listen 80;": f"listen 127.0.0.1:{http_port};", "listen [::]:80;": "",
                     "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                     "listen [::]:443 ssl http2;": "", "/srv/soists/output/live": str(tmp_path / "live"),
                     "/etc/letsencrypt/live/so-ist-s.de/fullchain.pem": str(cert),
                     "/etc/letsencrypt/live/so-ist-s.de/privkey.pem": str(key),
                     "/var/www/letsencrypt": str(tmp_path / "acme")}.items():
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "soists.conf").write_text(site, encoding="utf-8")
    return main_config(tmp_path, tmp_path / "soists.conf")


def main_config(tmp_path: Path, site: Path) -> Path:
    """nginx.conf for a test: everything below tmp_path, the one site included."""
    temp = "".join(f"{name}_temp_path {tmp_path / name};\n" for name in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(("user root;\n" if os.geteuid() == 0 else "") +  # workers must read the 0700 test folder
                    f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
                    f"http {{\ninclude /etc/nginx/mime.types;\naccess_log off;\n{temp}"
                    f"include {site};\n}}\n", encoding="utf-8")
    return main


@pytest.fixture
def site(tmp_path) -> Path:
    live = tmp_path / "live"
    (live / "images/community").mkdir(parents=True)
    (live / "kommunen").mkdir()
    (live / ".git").mkdir()
    (live / "index.html").write_text("<!doctype html><title>So ist S</title>", encoding="utf-8")
    (live / "kommunen/index.html").write_text("<!doctype html><title>Kommunen</title>", encoding="utf-8")
    (live / "images/community/plochingen-0123456789-800.webp").write_bytes(b"RIFF0000WEBP")
    (live / "termine.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    (live / ".git/config").write_text("[core]\n", encoding="utf-8")
    return live


def test_nginx_accepts_the_server_block_and_sends_the_headers(tmp_path, site):
    if NGINX is None:
        pytest.skip("nginx missing: run .ci/setup --browser (installs the nginx package)")
    http_port, https_port = free_port(), free_port()
    config = nginx_config(tmp_path, http_port, https_port)
    check = subprocess.run([NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(config)], capture_output=True,
                           text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                home = requests.get(f"{base}/", verify=str(tmp_path / "cert.pem"), timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)
        get = lambda path: requests.get(f"{base}{path}", verify=str(tmp_path / "cert.pem"), timeout=5)  # noqa: E731
        assert home.status_code == 200 and home.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
        csp = home.headers["Content-Security-Policy"]
        assert csp == header_policy() and "frame-ancestors 'none'" in csp and "http" not in csp
        assert home.headers["X-Content-Type-Options"] == "nosniff"
        assert home.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "geolocation=()" in home.headers["Permissions-Policy"]
        assert home.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "nginx/" not in home.headers.get("Server", "")
        image = get("/images/community/plochingen-0123456789-800.webp")
        assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert image.headers["Content-Type"] == "image/webp" and "Content-Security-Policy" in image.headers
        assert get("/kommunen/").headers["Cache-Control"] == "public, max-age=300, must-revalidate"
        calendar = get("/termine.ics")
        assert calendar.headers["Content-Type"].startswith("text/calendar")
        assert calendar.headers["Cache-Control"] == "public, max-age=900"
        missing = get("/gibt-es-nicht/")
        assert missing.status_code == 404 and missing.headers["X-Content-Type-Options"] == "nosniff"
        assert get("/.git/config").status_code == 404
        editor = get("/admin/")  # the web editor's own policy (a 404 here: the test site has no editor)
        assert editor.headers["Content-Security-Policy"] == admin_header_policy()
        assert "'unsafe-eval'" in editor.headers["Content-Security-Policy"]
        redirect = requests.get(f"http://127.0.0.1:{http_port}/kommunen/", allow_redirects=False, timeout=5)
        assert redirect.status_code == 301 and redirect.headers["Location"] == "https://so-ist-s.de/kommunen/"
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the webhook location (issue 26) ---------------------------------------------------------

def test_the_webhook_location_is_never_cached_and_logs_no_query():
    conf = NGINX_CONF.read_text(encoding="utf-8")
    cache = re.search(r"map \$uri \$soists_cache_control \{(.*?)\n\}", conf, re.S).group(1)
    assert re.search(r'^\s*~\^/webhooks/\s+"no-store";', cache, re.M)
    fmt = re.search(r"log_format soists_no_query (.*?);", conf, re.S).group(1)
    for leaky in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$arg_"):
        assert leaky not in fmt, leaky
    location = re.search(r"location = /webhooks/instagram \{(.*?)\n    \}", conf, re.S).group(1)
    assert re.search(r"^\s*access_log \S+ soists_no_query;", location, re.M)
    assert "add_header" not in location  # one there would drop the server's security headers
    assert "proxy_pass http://127.0.0.1:8766;" in location


def test_the_newsletter_location_is_never_cached_logs_no_query_and_passes_the_client():
    conf = NGINX_CONF.read_text(encoding="utf-8")
    cache = re.search(r"map \$uri \$soists_cache_control \{(.*?)\n\}", conf, re.S).group(1)
    assert re.search(r'^\s*~\^/newsletter/\(anmelden\|bestaetigen\|abmelden\)\$\s+"no-store";', cache, re.M)
    assert re.search(r'^\s*~\^/kommunen-post/abmelden\$\s+"no-store";', cache, re.M)
    location = re.search(r"location ~ \^/\(newsletter/\(anmelden\|bestaetigen\|abmelden\)\|kommunen-post/abmelden\)\$ \{(.*?)\n    \}",
                         conf, re.S).group(1)
    assert re.search(r"^\s*access_log \S+ soists_no_query;", location, re.M)
    assert "add_header" not in location and "proxy_pass http://127.0.0.1:8767;" in location
    assert "proxy_set_header X-Real-IP $remote_addr;" in location


def test_nginx_passes_the_webhook_without_caching_or_logging_the_token(tmp_path, site):
    if NGINX is None:
        pytest.skip("nginx missing: run .ci/setup --browser (installs the nginx package)")
    import threading

    from scheduler.collect.webhook import WebhookApp, WebhookSecrets, make_webhook_server

    token = "verify-token-that-must-not-be-logged"
    receiver = make_webhook_server(WebhookApp(None, lambda: WebhookSecrets(token, "app-secret")), port=0)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    https_port = free_port()
    config = nginx_config(tmp_path, free_port(), https_port, receiver.server_address[1])
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"https://127.0.0.1:{https_port}/webhooks/instagram"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": token,
                                                   "hub.challenge": "4711"}, verify=str(tmp_path / "cert.pem"), timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.text == "4711"
        assert answer.headers["Cache-Control"] == "no-store"  # once: the receiver's copy is hidden
        assert answer.headers["X-Frame-Options"] == "DENY"
        wrong = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
                             verify=str(tmp_path / "cert.pem"), timeout=5)
        assert wrong.status_code == 403 and wrong.headers["Cache-Control"] == "no-store"
        unsigned = requests.post(url, data=b"{}", verify=str(tmp_path / "cert.pem"), timeout=5)
        assert unsigned.status_code == 403 and unsigned.headers["Cache-Control"] == "no-store"
    finally:
        process.terminate()
        process.wait(timeout=10)
        receiver.shutdown()
    log = (tmp_path / "access.log").read_text(encoding="utf-8")
    assert log.count("/webhooks/instagram") >= 3 and '"GET /webhooks/instagram HTTP/' in log, log
    assert token not in log and "hub.verify_token" not in log and "nope" not in log, log


BOARD_CONF = ROOT / "deploy" / "nginx" / "soists-board.conf"


def test_nginx_hands_the_board_the_client_and_https_only_with_the_secret(tmp_path):
    """Real nginx in front of the real board: through nginx the board sets Secure __Host- cookies (it
    believes X-Forwarded-Proto because the secret comes along) and never sees a client's own name
    header; directly, the same header without the secret changes nothing."""
    if NGINX is None:
        pytest.skip("nginx missing: run .ci/setup --browser (installs the nginx package)")
    from plugins.region.registry import load_registry
    from scheduler.config import Settings
    from scheduler.curate.review.server import serve_in_thread
    from scheduler.store.db import make_engine, migrate, session_factory

    secret = "ab" * 32
    settings = Settings(root=tmp_path, db_url=f"sqlite:///{tmp_path / 'board.db'}", board_proxy_secret=secret)
    migrate(settings.db_url)
    board = serve_in_thread(session_factory(make_engine(settings.db_url)), settings, load_registry())
    cert, key = self_signed(tmp_path)
    (tmp_path / "secret.conf").write_text(f'proxy_set_header X-Board-Proxy-Secret "{secret}";\n', encoding="utf-8")
    https_port = free_port()
    conf = BOARD_CONF.read_text(encoding="utf-8")
    for old, new in {"listen 80;": f"listen 127.0.0.1:{free_port()};", "listen [::]:80;": "",
                     "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;", "listen [::]:443 ssl http2;": "",
                     "/etc/letsencrypt/live/pruefung.so-ist-s.de/fullchain.pem": str(cert),
                     "/etc/letsencrypt/live/pruefung.so-ist-s.de/privkey.pem": str(key),
                     "/etc/soists/nginx-board-secret.conf": str(tmp_path / "secret.conf"),
                     "/var/www/letsencrypt": str(tmp_path / "acme"),
                     "127.0.0.1:8765": f"127.0.0.1:{board.server_address[1]}"}.items():
        assert old in conf, old
        conf = conf.replace(old, new)
    (tmp_path / "soists-board.conf").write_text(conf, encoding="utf-8")
    main = main_config(tmp_path, tmp_path / "soists-board.conf")
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                page = requests.get(f"https://127.0.0.1:{https_port}/login", verify=str(cert), timeout=5,
                                    headers={"X-Remote-User": "mallory"})
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)
        assert page.status_code == 200 and "Anmelden" in page.text
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("__Host-") and "; Secure" in cookie
        assert "Strict-Transport-Security" in page.headers
        direct = requests.get(f"http://127.0.0.1:{board.server_address[1]}/login", timeout=5,
                              headers={"X-Forwarded-Proto": "https", "X-Board-Proxy-Secret": "wrong" * 13})
        assert direct.status_code == 200 and not direct.headers["Set-Cookie"].startswith("__Host-")
    finally:
        process.terminate()
        process.wait(timeout=10)
        board.shutdown()
