"""deploy/install.sh into a temporary root (--root): folders and modes, the units pass
`systemd-analyze verify`, idempotence, upgrade/rollback/remove; then `connect` fills the secrets
against the Graph fake and each service's ExecStart runs as an unprivileged user with the unit's
environment and a $CREDENTIALS_DIRECTORY holding secrets.json (as LoadCredential= would), with no
writable secrets file yet: the board answers /login, the webhook receiver answers Meta's
handshake and a signed delivery, and `once` finishes against the fake."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from demo.graph_fake import GraphFake
from demo.graph_fake_tokens import APP_ID, APP_SECRET
from tests.alerts.smtp_helpers import free_port
from tests.deploy.test_deploy import SYSTEMD_ANALYZE, unit_settings

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "deploy" / "install.sh"
UNITS = sorted(p.name for p in (ROOT / "deploy" / "systemd").iterdir())
SEED = Path(sys.prefix)  # the test venv: its site-packages stand in for the pinned packages
USER = "nobody"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not Path("/usr/bin/python3").exists(),
                                reason="needs root (chown to the service user), setpriv and Debian's python3")


def install(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--user", USER, "--venv-seed", str(SEED),
                             *args], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def fresh_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="soists-root-", dir="/tmp"))
    root.chmod(0o755)  # the unprivileged user must reach the code below it
    return root


@pytest.fixture(scope="module")
def installed():
    root = fresh_root()
    result = install(root)
    yield root, result.stdout
    shutil.rmtree(root, ignore_errors=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_install_lays_out_folders_with_their_modes(installed):
    root, output = installed
    app, etc = root / "srv/soists", root / "etc/soists"
    nobody = pwd.getpwnam(USER).pw_uid
    assert mode(etc) == 0o700 and etc.stat().st_uid == 0
    assert mode(etc / "secrets.json") == 0o600 and mode(etc / "soists.env") == 0o600
    template = json.loads((etc / "secrets.json").read_text())
    assert template["smtp"]["host"] == "set-SOISTS_SMTP_HOST" and template["tokens"] == {}
    assert template["app"]["secret"] == ""  # no known HMAC key for the webhook before `connect`
    for name in ("var", "content", "output", ".cache"):
        assert (app / name).is_dir() and not (app / name).is_symlink() and (app / name).stat().st_uid == nobody
        assert mode(app / name) == 0o750, name
    assert (app / "var/soists.db").exists() and (app / "var/soists.db").stat().st_uid == nobody  # migrated
    current = app / "current"
    assert current.is_symlink() and os.readlink(current).startswith("releases/")
    assert (current / "var").resolve() == (app / "var").resolve()  # the code finds var/ beside itself
    assert (app / "scheduler").resolve() == (current / "scheduler").resolve()
    assert not (current / "tests").exists() and (current / "content").is_symlink()
    assert sorted(p.name for p in (root / "etc/systemd/system").iterdir()) == UNITS
    for name in UNITS:
        assert (root / "etc/systemd/system" / name).read_bytes() == (ROOT / "deploy/systemd" / name).read_bytes()
    assert (root / "etc/nginx/sites-available/soists.conf").exists()
    assert not (root / "etc/nginx/sites-enabled/soists.conf").exists()  # no certificate: not enabled
    # the board behind nginx: one shared secret, in a root-only include for nginx and in the board's env
    include = etc / "nginx-board-secret.conf"
    secret = re.fullmatch(r'proxy_set_header X-Board-Proxy-Secret "([0-9a-f]{64})";\n', include.read_text()).group(1)
    env = (etc / "soists.env").read_text()
    assert mode(include) == 0o600 and f"SOISTS_BOARD_PROXY_SECRET={secret}\n" in env and "SOISTS_BOARD_HTTPS=1\n" in env
    assert (root / "etc/nginx/sites-available/soists-board.conf").exists()
    assert not (root / "etc/nginx/sites-enabled/soists-board.conf").exists()
    # the site settings a production build reads: a template to fill in, readable by the service
    assert "SOISTS_SITE_SETTINGS=/etc/soists/site.toml" in env and mode(etc / "site.toml") == 0o640
    assert 'vat_id = ""' in (etc / "site.toml").read_text()
    assert "skipped (no real system" in output and "useradd" not in output  # the user exists: not created


def test_installed_units_pass_systemd_analyze_verify(installed):
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze missing")
    root, _ = installed
    if not (root / "lib/systemd/system").exists():
        shutil.copytree("/lib/systemd/system", root / "lib/systemd/system", symlinks=True)
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", f"--root={root}", *UNITS],
                            cwd=root / "etc/systemd/system", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_nginx_certificate_domain_and_postgresql_settings(tmp_path):
    root = fresh_root()
    try:
        (root / "etc/ssl/board").mkdir(parents=True)
        (root / "etc/ssl/board/cert.pem").write_text("certificate")
        output = install(root, "--cert", "/etc/ssl/soists/cert.pem", "--key", "/etc/ssl/soists/key.pem",
                         "--domain", "s.test", "--db", "postgresql", "--board-cert", "/etc/ssl/board/cert.pem",
                         "--board-key", "/etc/ssl/board/key.pem").stdout
        env = (root / "etc/soists/soists.env").read_text()
        assert f"SOISTS_DB_URL=postgresql+psycopg://{USER}@/soists?host=/var/run/postgresql" in env
        assert "SOISTS_SITE_URL=https://s.test" in env
        assert "skipped (no real system: --root or not root): PostgreSQL role and database" in output
        assert "migrate (PostgreSQL needs the real system)" in output
        site = (root / "etc/nginx/sites-available/soists.conf").read_text()
        assert "ssl_certificate     /etc/ssl/soists/cert.pem;" in site and "ssl_certificate_key /etc/ssl/soists/key.pem;" in site
        assert "server_name s.test www.s.test;" in site and "letsencrypt/live" not in site
        assert (root / "etc/nginx/sites-enabled/soists.conf").resolve() == root / "etc/nginx/sites-available/soists.conf"
        board = (root / "etc/nginx/sites-available/soists-board.conf").read_text()
        assert "server_name pruefung.s.test;" in board and "ssl_certificate     /etc/ssl/board/cert.pem;" in board
        assert (root / "etc/nginx/sites-enabled/soists-board.conf").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_install_again_upgrade_rollback_and_remove(tmp_path):
    root = fresh_root()
    app = root / "srv/soists"
    try:
        install(root)
        first = os.readlink(app / "current")
        (root / "etc/soists/secrets.json").write_text('{"app": {"id": "1", "secret": "kept"}}')
        (app / "var/kept.txt").write_text("data")
        install(root)  # idempotent: same release, the operator's secrets untouched
        assert os.readlink(app / "current") == first and len(list((app / "releases").iterdir())) == 1
        assert "kept" in (root / "etc/soists/secrets.json").read_text()
        assert mode(root / "etc/soists/secrets.json") == 0o600  # and tightened
        time.sleep(1.1)
        install(root, "--upgrade")
        second = os.readlink(app / "current")
        assert second != first and os.readlink(app / "previous") == first
        assert [b for b in (app / "var/backups").glob("soists-*Z") if (b / "manifest.json").exists()]  # taken first
        # the installed copy of the script upgrades from its own release (physical path, not the links)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        time.sleep(1.1)
        again = subprocess.run(["bash", str(app / "deploy/install.sh"), "--root", str(root), "--user", USER,
                                "--venv-seed", str(SEED), "--upgrade"], capture_output=True, text=True, env=env,
                               timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        third = os.readlink(app / "current")
        assert not (app / third / "releases").exists() and (app / third / "scheduler").is_dir()
        assert sorted(p.name for p in (app / "releases").iterdir()) == sorted(r.removeprefix("releases/")
                                                                              for r in (second, third))
        install(root, "--rollback")
        assert os.readlink(app / "current") == second and os.readlink(app / "previous") == third
        install(root, "--remove")
        assert not (app / "releases").exists() and not (app / "current").exists() and not (app / ".venv").exists()
        assert not list((root / "etc/systemd/system").iterdir())
        assert (app / "var/kept.txt").read_text() == "data" and (root / "etc/soists/secrets.json").exists()
        install(root, "--remove", "--purge")
        assert not app.exists() and not (root / "etc/soists").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_failed_migration_keeps_the_running_release(tmp_path):
    root, source = fresh_root(), tmp_path / "source"
    app = root / "srv/soists"
    try:
        install(root)
        first = os.readlink(app / "current")
        source.mkdir()
        subprocess.run(f"tar -C {ROOT} --exclude=./.venv --exclude=./tests --exclude=./.git --exclude=./bench "
                       f"-cf - . | tar -C {source} -x", shell=True, check=True, executable="/bin/bash")
        runner = source / "scheduler/cli/runner.py"
        runner.write_text(runner.read_text().replace("    settings.ensure_dirs()\n    migrate(settings.db_url)",
                                                     "    raise SystemExit('migration broken on purpose')", 1))
        time.sleep(1.1)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        failed = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--user", USER, "--venv-seed", str(SEED),
                                 "--upgrade", "--source", str(source)], capture_output=True, text=True, env=env,
                                timeout=300)
        assert failed.returncode == 1 and "migration failed: staying on" in failed.stdout, failed.stdout + failed.stderr
        assert os.readlink(app / "current") == first and not (app / "previous").exists()
        assert [p.name for p in (app / "releases").iterdir()] == [first.removeprefix("releases/")]
        assert (app / "scheduler").resolve() == (app / first / "scheduler").resolve()
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the services, started as an unprivileged user ----------------------------------------------

@pytest.fixture(scope="module")
def services(installed, tmp_path_factory):
    root, _ = installed
    app, etc = root / "srv/soists", root / "etc/soists"
    fake = GraphFake(tmp_path_factory.mktemp("fake") / "fake.json")
    fake.start()
    short = fake.tokens.add("EAAshortinstall01", "user_short", 3600)
    connect = subprocess.run([str(app / ".venv/bin/python"), "-m", "scheduler", "connect", "--no-input",
                              "--env-file", str(etc / "soists.env")], cwd=app, capture_output=True, text=True,
                             timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                               "SOISTS_SECRETS_FILE": str(etc / "secrets.json"),
                                               "SOISTS_GRAPH_BASE_URL": fake.base_url,
                                               "SOISTS_CONNECT_APP_ID": APP_ID, "SOISTS_CONNECT_APP_SECRET": APP_SECRET,
                                               "SOISTS_CONNECT_USER_TOKEN": short})
    assert connect.returncode == 0, connect.stdout + connect.stderr
    assert mode(etc / "secrets.json") == 0o600
    credentials = root / "run/credentials"
    credentials.mkdir(parents=True)
    shutil.copy(etc / "secrets.json", credentials / "secrets.json")
    user = pwd.getpwnam(USER)
    os.chown(credentials, user.pw_uid, user.pw_gid)
    os.chown(credentials / "secrets.json", user.pw_uid, user.pw_gid)
    (credentials / "secrets.json").chmod(0o400)
    assert not (app / "var/secrets.json").exists()  # no writable secrets file yet
    yield root, fake, credentials, json.loads((etc / "secrets.json").read_text())
    fake.stop()


def unit_env(root: Path, unit: str, fake: GraphFake, credentials: Path) -> dict[str, str]:
    """What systemd would hand the service: EnvironmentFile=, Environment=, $CREDENTIALS_DIRECTORY —
    with /srv/soists and /etc/soists moved below the test root, and the Graph API pointed at the fake."""
    settings = unit_settings(root / "etc/systemd/system" / unit)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(root / "srv/soists/var")}
    for line in (root / "etc/soists/soists.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    for assignment in settings.get("Environment", []):
        key, _, value = assignment.partition("=")
        env[key] = value
    env = {k: v.replace("/srv/soists", str(root / "srv/soists")) for k, v in env.items()}
    env.update(CREDENTIALS_DIRECTORY=str(credentials), SOISTS_GRAPH_BASE_URL=fake.base_url,
               SOISTS_IG_GRAPH_BASE_URL=fake.root_url)
    return env


def command(root: Path, line: str, port: int | None = None) -> list[str]:
    argv = line.replace("/srv/soists", str(root / "srv/soists")).split()
    if port is not None:
        argv[argv.index("--port") + 1] = str(port)
    user = pwd.getpwnam(USER)
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *argv]


def run_unit_command(root: Path, unit: str, key: str, env: dict, **kw) -> subprocess.CompletedProcess:
    [line] = unit_settings(root / "etc/systemd/system" / unit)[key]
    return subprocess.run(command(root, line), env=env, cwd=root / "srv/soists", capture_output=True, text=True,
                          timeout=300, **kw)


def serve(root: Path, unit: str, env: dict):
    port = free_port()
    [line] = unit_settings(root / "etc/systemd/system" / unit)["ExecStart"]
    process = subprocess.Popen(command(root, line, port), env=env, cwd=root / "srv/soists",
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, f"http://127.0.0.1:{port}"


def wait_for(process, url: str, **kw) -> requests.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.get(url, timeout=5, **kw)
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.stdout.read()) from None
            time.sleep(0.2)


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_once_finishes_against_the_graph_fake(services):
    root, fake, credentials, _ = services
    env = unit_env(root, "soists-once.service", fake, credentials)
    migrate = run_unit_command(root, "soists-once.service", "ExecStartPre", env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    once = run_unit_command(root, "soists-once.service", "ExecStart", env)
    assert once.returncode == 0, once.stdout + once.stderr
    tokens = subprocess.run(command(root, "/srv/soists/.venv/bin/python -m scheduler once --only tokens"), env=env,
                            cwd=root / "srv/soists", capture_output=True, text=True, timeout=300)
    assert tokens.returncode == 0 and "tokens: ok" in tokens.stdout, tokens.stdout + tokens.stderr
    assert any("/debug_token" in request for request in fake._load().requests)
    # the tokens job wrote its metadata (0600) as the service user, beside the writable secrets file
    meta = root / "srv/soists/var/secrets.meta.json"
    assert meta.stat().st_uid == pwd.getpwnam(USER).pw_uid and mode(meta) == 0o600


@pytest.mark.parametrize("unit", ["soists-collect.service", "soists-backup.service"])
def test_collect_and_backup_finish_as_the_service_user(services, unit):
    root, fake, credentials, _ = services
    env = unit_env(root, unit, fake, credentials)
    result = run_unit_command(root, unit, "ExecStart", env)
    assert result.returncode == 0, result.stdout + result.stderr
    if unit == "soists-backup.service":
        [backup] = (root / "srv/soists/var/backups").glob("soists-*Z")
        assert (backup / "manifest.json").exists() and backup.stat().st_uid == pwd.getpwnam(USER).pw_uid


def test_the_board_answers_login_as_the_service_user(services):
    root, fake, credentials, _ = services
    env = unit_env(root, "soists-review.service", fake, credentials)
    add = subprocess.run(command(root, "/srv/soists/.venv/bin/python -m scheduler editors add eva"), env=env,
                         cwd=root / "srv/soists", input="ein-langes-passwort\n", capture_output=True, text=True,
                         timeout=120)
    assert add.returncode == 0, add.stdout + add.stderr
    process, base = serve(root, "soists-review.service", env)
    try:
        page = wait_for(process, f"{base}/login")
        assert page.status_code == 200 and "Anmelden" in page.text
    finally:
        stop(process)


def signed(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# The receiver as the unit runs it: secrets only in the LoadCredential= copy (no writable file yet).
# Before soists-webhook.service set SOISTS_SECRETS_FILE and webhook_secrets() read the credential
# copy, this answered 500 (PermissionError on /etc/soists) and then 403 to the right token.
def test_the_webhook_receiver_answers_the_handshake_and_a_signed_delivery(services):
    root, fake, credentials, secrets = services
    env = unit_env(root, "soists-webhook.service", fake, credentials)
    process, base = serve(root, "soists-webhook.service", env)
    try:
        url = f"{base}/webhooks/instagram"
        wait_for(process, url)
        refused = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "falsch",
                                            "hub.challenge": "1"}, timeout=5)
        assert refused.status_code == 403
        verify = secrets["tokens"]["webhook_verify"]
        handshake = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": verify,
                                              "hub.challenge": "4711"}, timeout=5)
        assert handshake.status_code == 200 and handshake.text == "4711"
        body = json.dumps({"object": "instagram", "entry": [{"id": "17841400000000001", "time": int(time.time()),
                                                              "changes": [{"field": "mentions",
                                                                           "value": {"media_id": "1790000"}}]}]}).encode()
        unsigned = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=5)
        assert unsigned.status_code == 403
        delivery = requests.post(url, data=body, timeout=5, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signed(body, secrets["app"]["secret"])})
        assert delivery.status_code == 200
    finally:
        stop(process)
