#!/usr/bin/env bash
# So ist S: install, upgrade, roll back or remove on a Debian 12 server. Idempotent: running
# the same command twice changes nothing the second time. docs/OPERATIONS.md ("Install") has
# the whole story; `deploy/install.sh --help` the options.
#
# Layout (below --root, default /):
#   /srv/soists/releases/<UTC time>/   one folder per release: the code and its .venv
#   /srv/soists/current, previous      symbolic links to the running and the previous release
#   /srv/soists/<code entry>           links into current/ (scheduler, plugins, .venv, …), so the
#                                      units' paths (/srv/soists/.venv/bin/python) never change
#   /srv/soists/var content output .cache   shared by all releases, owned by the service user;
#                                      each release links them (the code finds var/ beside itself)
#   /etc/soists/                       root, 0700: secrets.json (0600, a template with
#                                      set-SOISTS_… placeholders), soists.env (settings)
#   /etc/systemd/system/soists-*       the units from deploy/systemd
#   /etc/nginx/sites-available/soists.conf (+ sites-enabled link) from deploy/nginx
# Logs: the services log to the journal only (journalctl -u soists-…); the project writes no log
# file, so there is nothing for logrotate (nginx's own logs are rotated by Debian's nginx package).
#
# With --root, or when not run as root, everything that needs the real system is skipped and
# said so: apt, useradd, systemctl, nginx -t/reload, certbot, PostgreSQL roles.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: deploy/install.sh [options]                 install (or repair) the current release
       deploy/install.sh --upgrade [options]       new release from --source, migrate, restart
       deploy/install.sh --rollback [--root DIR]   back to the previous release, restart
       deploy/install.sh --remove [--purge]        remove code, units, nginx site (var/, content/ and
                                                   /etc/soists stay unless --purge)
options:
  --root DIR          install below DIR (tests; skips what needs the real system)
  --source DIR        the project to install (default: the checkout this script is in)
  --ref REF           with a Git checkout as --source: install this commit/tag (git archive)
  --db sqlite|postgresql   database (default sqlite: /srv/soists/var/soists.db)
  --domain NAME       the site's host name (default so-ist-s.de)
  --cert PATH --key PATH   TLS certificate and key for nginx (default: certbot, when installed)
  --email ADDRESS     for certbot's account (expiry notices)
  --board-domain NAME the review board's host name (default pruefung.<domain>); its certificate at
                      /etc/letsencrypt/live/<board-domain>/ or --board-cert PATH --board-key PATH
  --user NAME         service user (default soists; created when missing)
  --python PATH       the interpreter for the venv (default /usr/bin/python3, Debian's 3.11)
  --venv-seed DIR     do not download packages: link the site-packages of this existing venv
                      (tests and offline machines; same Python minor version)
  --start             enable and start the units (soists-review, soists-webhook, the timers)
EOF
}

ACTION=install ROOT="" SOURCE="" REF="" DB=sqlite DOMAIN=so-ist-s.de CERT="" KEY="" EMAIL="" SVC_USER=soists
BOARD_DOMAIN="" BOARD_CERT="" BOARD_KEY=""
PYTHON=/usr/bin/python3 SEED="" START=0 PURGE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --upgrade) ACTION=upgrade ;;
        --rollback) ACTION=rollback ;;
        --remove) ACTION=remove ;;
        --purge) PURGE=1 ;;
        --root) ROOT="${2:?--root needs a folder}"; shift ;;
        --source) SOURCE="${2:?}"; shift ;;
        --ref) REF="${2:?}"; shift ;;
        --db) DB="${2:?}"; shift ;;
        --domain) DOMAIN="${2:?}"; shift ;;
        --cert) CERT="${2:?}"; shift ;;
        --key) KEY="${2:?}"; shift ;;
        --email) EMAIL="${2:?}"; shift ;;
        --board-domain) BOARD_DOMAIN="${2:?}"; shift ;;
        --board-cert) BOARD_CERT="${2:?}"; shift ;;
        --board-key) BOARD_KEY="${2:?}"; shift ;;
        --user) SVC_USER="${2:?}"; shift ;;
        --python) PYTHON="${2:?}"; shift ;;
        --venv-seed) SEED="${2:?}"; shift ;;
        --start) START=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[[ "$DB" == sqlite || "$DB" == postgresql ]] || { echo "install.sh: --db sqlite|postgresql" >&2; exit 2; }
[[ -n "$BOARD_DOMAIN" ]] || BOARD_DOMAIN="pruefung.$DOMAIN"
[[ -z "$CERT" && -z "$KEY" || -n "$CERT" && -n "$KEY" ]] || { echo "install.sh: --cert and --key go together" >&2; exit 2; }

# Physical paths: run as /srv/soists/deploy/install.sh (a link into current/), the source is the release.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
SOURCE="$(cd "${SOURCE:-$HERE/..}" && pwd -P)"
ROOT="${ROOT%/}"
[[ -z "$ROOT" ]] || ROOT="$(mkdir -p "$ROOT" && cd "$ROOT" && pwd)"
APP="$ROOT/srv/soists" ETC="$ROOT/etc/soists" UNITS="$ROOT/etc/systemd/system"
SITES="$ROOT/etc/nginx/sites-available" ENABLED="$ROOT/etc/nginx/sites-enabled"
SHARED=(var content output .cache)
SYSTEM=0
[[ -z "$ROOT" && "$(id -u)" == 0 ]] && SYSTEM=1
if [[ -z "$ROOT" && $SYSTEM == 0 ]]; then
    echo "install.sh: run as root, or give --root DIR to install below a folder" >&2
    exit 1
fi

say() { printf 'install.sh: %s\n' "$*"; }
skip() { say "skipped (no real system: --root or not root): $*"; }
have_user() { getent passwd "$SVC_USER" >/dev/null; }
as_user() {  # run a command as the service user (or as ourselves when that is impossible)
    if [[ "$(id -u)" == 0 ]] && have_user && [[ "$(id -un)" != "$SVC_USER" ]]; then
        runuser -u "$SVC_USER" -- "$@"
    else
        "$@"
    fi
}
own() {  # chown to the service user when it exists (and we may)
    if [[ "$(id -u)" == 0 ]] && have_user; then chown "$SVC_USER:$(id -gn "$SVC_USER")" "$@"; fi
}
chown_tree() { if [[ "$(id -u)" == 0 ]] && have_user; then chown -R "$SVC_USER:$(id -gn "$SVC_USER")" "$1"; fi; }

# --- the system: packages, user --------------------------------------------------------------
system_packages() {
    if [[ $SYSTEM == 0 ]]; then skip "apt-get install"; return; fi
    local packages=(python3 python3-venv nginx rsync git libpango-1.0-0 libpangoft2-1.0-0)
    [[ "$DB" == postgresql ]] && packages+=(postgresql postgresql-client)
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
}

service_user() {
    if have_user; then return; fi
    if [[ $SYSTEM == 0 ]]; then skip "useradd $SVC_USER"; return; fi
    useradd --system --user-group --home-dir /srv/soists --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
}

web_group() {  # nginx (www-data) reads output/live through the service user's group
    if [[ $SYSTEM == 1 ]] && getent passwd www-data >/dev/null && have_user; then
        usermod -a -G "$(id -gn "$SVC_USER")" www-data
    fi
}

# --- folders and configuration ---------------------------------------------------------------
folders() {
    install -d -m 0755 "$APP" "$APP/releases"
    for name in "${SHARED[@]}"; do
        install -d -m 0750 "$APP/$name"
        own "$APP/$name"
    done
    install -d -m 0750 "$APP/output/live" "$APP/var/backups"
    own "$APP/output/live" "$APP/var/backups"
    install -d -m 0700 "$ETC"
    chmod 0700 "$ETC"
}

write_secrets_template() {
    if [[ -e "$ETC/secrets.json" ]]; then chmod 0600 "$ETC/secrets.json"; return; fi
    # No placeholder for the app secret: it is the webhook's HMAC key, and a published placeholder
    # would let anyone sign deliveries until `connect` writes the real one. Empty refuses them all.
    ( umask 077; cat >"$ETC/secrets.json" <<'EOF'
{"app": {"id": "", "secret": ""},
 "tokens": {},
 "smtp": {"host": "set-SOISTS_SMTP_HOST", "port": 587, "security": "starttls",
          "user": "set-SOISTS_SMTP_USER", "password": "set-SOISTS_SMTP_PASSWORD",
          "from": "So ist S <set-SOISTS_SMTP_FROM>"}}
EOF
    )
    say "wrote $ETC/secrets.json (0600): fill in smtp, then run: python -m scheduler connect"
}

write_site_settings_template() {
    # The Impressum's fields and the contact addresses a production build needs (plugins/production):
    # empty until the operator fills them in; `invoke publish` and `go-live` name what is missing.
    local file="$ETC/site.toml"
    if [[ -e "$file" ]]; then return; fi
    cat >"$file" <<'EOF'
# So ist S: the operator's values for the public site (plugins/production/README.md). No secret.
[operator]                # Anbieter (§ 5 DDG)
name = ""
street = ""
postcode = ""
city = ""
representatives = ""      # vertretungsberechtigte Personen
register_court = ""
register_number = ""      # e.g. HRB 12345
vat_id = ""               # e.g. DE123456789
email = ""
phone = ""

[responsible]             # Verantwortlich für den Inhalt (§ 18 Abs. 2 MStV): a person
name = ""
address = ""              # empty: the operator's address

[contact]
campaign = ""             # Mitmachen, Leichte Sprache, removal of photos
privacy = ""              # Datenschutz
accessibility = ""        # Barrierefreiheit
EOF
    chmod 0640 "$file"
    if have_user && [[ "$(id -u)" == 0 ]]; then chgrp "$(id -gn "$SVC_USER")" "$file"; fi  # root-owned, the service reads it
    say "wrote $file: fill in the Impressum fields before the first \`invoke publish\`"
}

write_env() {
    if [[ -e "$ETC/soists.env" ]]; then return; fi
    # Absolute paths into the shared var/ (not the release's link to it): stored paths survive upgrades.
    local db_line="SOISTS_DB_URL=sqlite:////srv/soists/var/soists.db"
    [[ "$DB" == postgresql ]] && db_line="SOISTS_DB_URL=postgresql+psycopg://$SVC_USER@/soists?host=/var/run/postgresql"
    ( umask 077; cat >"$ETC/soists.env" <<EOF
# So ist S settings (no secrets here: those are in secrets.json). Documented in scheduler/README.md.
SOISTS_SITE_URL=https://$DOMAIN
SOISTS_SITEURL=https://$DOMAIN
SOISTS_SITE_SETTINGS=/etc/soists/site.toml
SOISTS_DEPLOY_TARGET=/srv/soists/output/live
$db_line
SOISTS_MEDIA_DIR=/srv/soists/var/media
SOISTS_BACKUP_DIR=/srv/soists/var/backups
SOISTS_METRICS_FILE=/srv/soists/var/metrics/soists.prom
SOISTS_BOARD_URL=http://127.0.0.1:8765/
# Filled in by \`python -m scheduler connect --env-file /etc/soists/soists.env\`:
SOISTS_FB_PAGE_ID=
SOISTS_IG_USER_ID=
# Alerts: recipients (the SMTP server is in secrets.json, key "smtp")
#SOISTS_ALERT_TO=set-SOISTS_ALERT_TO
EOF
    )
    say "wrote $ETC/soists.env"
}

# --- releases ------------------------------------------------------------------------------
new_release() {
    local stamp rel n=0
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    rel="$APP/releases/$stamp"
    while [[ -e "$rel" ]]; do n=$((n + 1)); rel="$APP/releases/$stamp-$n"; done
    mkdir -p "$rel.partial"
    if [[ -n "$REF" ]]; then
        git -C "$SOURCE" archive --format=tar "$REF" | tar -x -C "$rel.partial"
    else
        tar -C "$SOURCE" --exclude=./.git --exclude=./.venv --exclude=./var --exclude=./output --exclude=./.cache \
            --exclude=./releases --exclude=./current --exclude=./previous \
            --exclude=./tests --exclude=./bench --exclude=__pycache__ --exclude='*.pyc' -cf - . | tar -x -C "$rel.partial"
    fi
    rm -rf "$rel.partial/tests" "$rel.partial/bench"
    mv "$rel.partial" "$rel"
    build_venv "$rel"  # in place (a venv records its path); a failed build leaves a release nobody runs
    for name in "${SHARED[@]}"; do
        if [[ "$name" == content && -d "$rel/content" ]]; then
            cp -a "$rel/content/." "$APP/content/"  # editors' files from the release; the scheduler's stay
        fi
        rm -rf "${rel:?}/$name"
        ln -s "../../$name" "$rel/$name"
    done
    chown_tree "$APP/content"
    chmod 0750 "$APP/content"
    printf '%s\n' "$rel"
}

build_venv() {  # $1: the release folder
    local code="$1" site
    "$PYTHON" -m venv --copies --without-pip "$code/.venv"  # copies: no link out of a --root tree
    site="$(echo "$code"/.venv/lib/python3*/site-packages)"
    if [[ -n "$SEED" ]]; then
        local seed_site
        seed_site="$(echo "$SEED"/lib/python3*/site-packages)"
        [[ -d "$seed_site" ]] || { echo "install.sh: no site-packages in $SEED" >&2; exit 1; }
        echo "$seed_site" >"$site/soists-seed.pth"
    else
        "$PYTHON" -m venv --copies --upgrade-deps "$code/.venv" >/dev/null
        "$code/.venv/bin/pip" install --quiet --no-cache-dir -e "$code"  # the exact pins of pyproject.toml
    fi
}

switch_to() {  # $1: the release to run
    local rel="$1" name
    if [[ -L "$APP/current" ]]; then
        local old
        old="$(readlink -f "$APP/current")"
        [[ "$old" == "$(readlink -f "$rel")" ]] || ln -sfn "releases/$(basename "$old")" "$APP/previous"
    fi
    ln -sfn "releases/$(basename "$rel")" "$APP/current.new" && mv -T "$APP/current.new" "$APP/current"
    link_entries "$rel"
}

link_entries() {  # /srv/soists/<entry> → current/<entry> for every entry of the release
    local entry name
    for entry in "$1"/* "$1"/.venv; do
        name="$(basename "$entry")"
        if [[ " ${SHARED[*]} " != *" $name "* ]]; then ln -sfn "current/$name" "$APP/$name"; fi
    done
}

prune_releases() {
    local keep_current keep_previous rel
    keep_current="$(readlink -f "$APP/current" 2>/dev/null || true)"
    keep_previous="$(readlink -f "$APP/previous" 2>/dev/null || true)"
    for rel in "$APP"/releases/*; do
        if [[ -d "$rel" && "$rel" != "$keep_current" && "$rel" != "$keep_previous" ]]; then rm -rf "$rel"; fi
    done
}

# --- units, nginx, database --------------------------------------------------------------------
install_units() {
    install -d -m 0755 "$UNITS"
    install -m 0644 "$APP/current/deploy/systemd/"soists-* "$UNITS/"
    if [[ $SYSTEM == 1 ]]; then systemctl daemon-reload; else skip "systemctl daemon-reload"; fi
}

install_nginx() {
    local conf="$SITES/soists.conf" cert="$CERT" key="$KEY"
    install -d -m 0755 "$SITES" "$ENABLED" "$ROOT/var/www/letsencrypt"
    if [[ -z "$cert" ]]; then
        cert="/etc/letsencrypt/live/$DOMAIN/fullchain.pem" key="/etc/letsencrypt/live/$DOMAIN/privkey.pem"
        if [[ ! -e "$ROOT$cert" ]]; then
            if [[ $SYSTEM == 1 ]] && command -v certbot >/dev/null; then
                certificate "$conf"
            else
                say "no certificate at $ROOT$cert: give --cert/--key or install certbot and run again"
            fi
        fi
    fi
    sed -e "s#/etc/letsencrypt/live/so-ist-s.de/fullchain.pem#$cert#" \
        -e "s#/etc/letsencrypt/live/so-ist-s.de/privkey.pem#$key#" \
        -e "s#server_name so-ist-s.de www.so-ist-s.de;#server_name $DOMAIN www.$DOMAIN;#" \
        -e "s#return 301 https://so-ist-s.de#return 301 https://$DOMAIN#" \
        "$APP/current/deploy/nginx/soists.conf" >"$conf.new"
    mv "$conf.new" "$conf"
    chmod 0644 "$conf"
    install_board_site
    if [[ -z "$CERT" && ! -e "$ROOT$cert" ]]; then
        # Enabled without its certificate, the site would make every later `nginx -t` fail.
        rm -f "$ENABLED/soists.conf"
        say "nginx site written to $conf but not enabled: no certificate yet"
        return
    fi
    ln -sfn ../sites-available/soists.conf "$ENABLED/soists.conf"
    if [[ $SYSTEM == 1 ]]; then
        rm -f "$ENABLED/default"
        nginx -t && systemctl reload nginx
    else
        skip "nginx -t and reload"
    fi
}

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

board_secret() {
    # The shared secret nginx sends to the board (X-Board-Proxy-Secret): a root-only include for
    # nginx and the same value in soists.env. Made once; an existing pair is kept.
    local include="$ETC/nginx-board-secret.conf" secret
    if [[ -e "$include" ]]; then return; fi
    secret="$(random_hex)"
    ( umask 077; printf 'proxy_set_header X-Board-Proxy-Secret "%s";\n' "$secret" >"$include" )
    ( umask 077; printf '# The review board behind nginx (deploy/nginx/soists-board.conf)\nSOISTS_BOARD_PROXY_SECRET=%s\nSOISTS_BOARD_HTTPS=1\n' \
        "$secret" >>"$ETC/soists.env" )
    say "wrote $include (0600) and the board's secret in soists.env"
}

install_board_site() {
    local conf="$SITES/soists-board.conf" cert="$BOARD_CERT" key="$BOARD_KEY"
    if [[ -z "$cert" ]]; then
        cert="/etc/letsencrypt/live/$BOARD_DOMAIN/fullchain.pem" key="/etc/letsencrypt/live/$BOARD_DOMAIN/privkey.pem"
    fi
    sed -e "s#/etc/letsencrypt/live/pruefung.so-ist-s.de/fullchain.pem#$cert#" \
        -e "s#/etc/letsencrypt/live/pruefung.so-ist-s.de/privkey.pem#$key#" \
        -e "s#pruefung.so-ist-s.de#$BOARD_DOMAIN#g" \
        "$APP/current/deploy/nginx/soists-board.conf" >"$conf.new"
    mv "$conf.new" "$conf"
    chmod 0644 "$conf"
    if [[ ! -e "$ROOT$cert" ]]; then
        rm -f "$ENABLED/soists-board.conf"
        say "board site written to $conf but not enabled: no certificate for $BOARD_DOMAIN yet" \
            "(certbot certonly --webroot -w /var/www/letsencrypt -d $BOARD_DOMAIN, then run again)"
        return
    fi
    ln -sfn ../sites-available/soists-board.conf "$ENABLED/soists-board.conf"
}

certificate() {  # first certificate: an HTTP-only server for the ACME challenge, then certbot
    cat >"$1" <<EOF
server { listen 80; listen [::]:80; server_name $DOMAIN www.$DOMAIN;
         location /.well-known/acme-challenge/ { root /var/www/letsencrypt; } }
EOF
    ln -sfn ../sites-available/soists.conf "$ENABLED/soists.conf"
    nginx -t && systemctl reload nginx
    local account=(--register-unsafely-without-email)
    [[ -z "$EMAIL" ]] || account=(-m "$EMAIL")
    certbot certonly --webroot -w /var/www/letsencrypt -d "$DOMAIN" -d "www.$DOMAIN" --non-interactive \
        --agree-tos "${account[@]}"
}

database() {
    [[ "$DB" == postgresql ]] || return 0
    if [[ $SYSTEM == 0 ]]; then skip "PostgreSQL role and database"; return; fi
    runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='$SVC_USER'" | grep -q 1 \
        || runuser -u postgres -- createuser "$SVC_USER"
    runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='soists'" | grep -q 1 \
        || runuser -u postgres -- createdb -O "$SVC_USER" soists
}

migrate() {
    if [[ "$DB" == postgresql && $SYSTEM == 0 ]]; then skip "migrate (PostgreSQL needs the real system)"; return; fi
    local env_args=(env -u PYTHONPATH -u SOISTS_DB_URL -u SOISTS_MEDIA_DIR) rc=0
    [[ "$DB" != postgresql ]] || env_args+=("SOISTS_DB_URL=postgresql+psycopg://$SVC_USER@/soists?host=/var/run/postgresql")
    (cd "$APP" && as_user "${env_args[@]}" "$APP/.venv/bin/python" -m scheduler migrate) || rc=$?
    chown_tree "$APP/var"
    return $rc
}

ALL_UNITS=(soists-scheduler.service soists-review.service soists-webhook.service soists-newsletter.service
           soists-once.timer soists-collect.timer soists-backup.timer)
active_units() {  # the units running now (to stop them for an upgrade and start them again after)
    [[ $SYSTEM == 1 ]] || return 0
    local unit
    for unit in "${ALL_UNITS[@]}"; do
        if systemctl is-active --quiet "$unit"; then printf '%s ' "$unit"; fi
    done
}

units_do() {  # $1: start | stop, then the units
    local verb="$1"; shift
    [[ $# -gt 0 ]] || return 0
    if [[ $SYSTEM == 1 ]]; then systemctl "$verb" "$@"; else skip "systemctl $verb $*"; fi
}

backup_store() {
    if [[ "$DB" == postgresql && $SYSTEM == 0 ]]; then skip "backup (PostgreSQL needs the real system)"; return; fi
    local env_args=(env -u PYTHONPATH -u SOISTS_DB_URL -u SOISTS_MEDIA_DIR -u SOISTS_BACKUP_DIR)
    [[ "$DB" != postgresql ]] || env_args+=("SOISTS_DB_URL=postgresql+psycopg://$SVC_USER@/soists?host=/var/run/postgresql")
    (cd "$APP" && as_user "${env_args[@]}" "$APP/.venv/bin/python" -m scheduler backup) >/dev/null \
        || { echo "install.sh: the backup before the upgrade failed; nothing changed" >&2; exit 1; }
}

services() {  # $1: start | restart | stop
    local units=(soists-review.service soists-webhook.service soists-once.timer soists-collect.timer soists-backup.timer)
    if [[ $SYSTEM == 0 ]]; then skip "systemctl $1"; return; fi
    case "$1" in
        start) if [[ $START == 1 ]]; then systemctl enable --now "${units[@]}"; fi ;;
        # the newsletter sign-up is enabled by the operator once its secret is set (docs/OPERATIONS.md)
        restart) systemctl try-restart soists-review.service soists-webhook.service soists-newsletter.service \
                     soists-scheduler.service ;;
        stop) systemctl disable --now "${units[@]}" soists-scheduler.service soists-newsletter.service 2>/dev/null || true ;;
    esac
    return 0
}

# --- actions ---------------------------------------------------------------------------------
do_install() {
    system_packages
    service_user
    web_group
    folders
    write_secrets_template
    write_env
    write_site_settings_template
    board_secret
    if [[ ! -L "$APP/current" ]]; then
        local rel
        rel="$(new_release | tail -n 1)"
        switch_to "$rel"
    fi
    install_units
    install_nginx
    database
    migrate
    services start
    say "installed $(readlink "$APP/current"). Next: python -m scheduler connect --env-file /etc/soists/soists.env;"
    say "python -m scheduler go-live --env-file /etc/soists/soists.env; deploy/install.sh --start"
}

do_upgrade() {
    [[ -L "$APP/current" ]] || { echo "install.sh: nothing installed yet; run without --upgrade" >&2; exit 1; }
    local rel old_current old_previous active
    backup_store  # with the old code, before anything changes: what a rollback of the schema needs
    rel="$(new_release | tail -n 1)"  # built while the old release keeps running
    old_current="$(readlink "$APP/current")" old_previous="$(readlink "$APP/previous" 2>/dev/null || true)"
    read -r -a active <<<"$(active_units)"
    units_do stop "${active[@]}"  # the scheduler finishes a running publish step first (TimeoutStopSec)
    switch_to "$rel"
    if ! migrate; then
        say "migration failed: staying on $old_current (the new release is removed)"
        ln -sfn "$old_current" "$APP/current"
        if [[ -n "$old_previous" ]]; then ln -sfn "$old_previous" "$APP/previous"; else rm -f "$APP/previous"; fi
        link_entries "$APP/$old_current"
        rm -rf "$rel"
        units_do start "${active[@]}"
        exit 1
    fi
    install_units
    install_nginx
    prune_releases  # only now: until the migration worked, the old previous release may still be needed
    units_do start "${active[@]}"
    services restart
    say "upgraded to $(readlink "$APP/current") (previous: $(readlink "$APP/previous"))"
}

do_rollback() {
    [[ -L "$APP/previous" && -d "$(readlink -f "$APP/previous")" ]] \
        || { echo "install.sh: no previous release to roll back to" >&2; exit 1; }
    local target
    target="$(readlink -f "$APP/previous")"
    switch_to "$target"
    install_units
    install_nginx
    services restart
    say "rolled back to $(readlink "$APP/current"); the database schema stays as it is (see docs/OPERATIONS.md)"
}

do_remove() {
    services stop
    rm -f "$UNITS"/soists-* "$ENABLED/soists.conf" "$SITES/soists.conf" "$ENABLED/soists-board.conf" \
        "$SITES/soists-board.conf"
    if [[ $SYSTEM == 1 ]]; then systemctl daemon-reload; nginx -t && systemctl reload nginx || true; fi
    local entry
    for entry in "$APP"/* "$APP"/.venv "$APP"/current "$APP"/previous; do
        if [[ -L "$entry" ]]; then rm -f "$entry"; fi
    done
    rm -rf "$APP/releases" "$APP/output" "$APP/.cache"
    if [[ $PURGE == 1 ]]; then
        rm -rf "$APP" "$ETC"
        if [[ $SYSTEM == 1 ]] && have_user; then userdel "$SVC_USER" || true; fi
        if [[ "$DB" == postgresql ]]; then say "the PostgreSQL database stays: runuser -u postgres -- dropdb soists"; fi
        say "removed everything (--purge)"
    else
        say "removed code, units and the nginx site; kept $APP/var, $APP/content and $ETC (use --purge)"
    fi
}

case "$ACTION" in
    install) do_install ;;
    upgrade) do_upgrade ;;
    rollback) do_rollback ;;
    remove) do_remove ;;
esac
