"""Tasks for editors and operators (invoke). `invoke --list` shows them all.

The Pelican quickstart tasks keep their names: clean, build, rebuild, regenerate, serve,
reserve, preview, livereload, publish.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from invoke import task

from plugins.build_service.client import PUBLISH_OUTPUT, ask, publish_lock

ROOT = Path(__file__).resolve().parent
PYTHON = sys.executable
CONTENT = Path(os.environ.get("SOISTS_CONTENT_DIR", ROOT / "content"))
OUTPUT = Path(os.environ.get("SOISTS_OUTPUT", ROOT / "output"))
HOST = os.environ.get("SOISTS_HOST", "127.0.0.1")
PORT = int(os.environ.get("SOISTS_PORT", "8000"))


def pelican_args(output: Path, settings: str = "pelicanconf.py", strict: bool = False,
                 content: Path = CONTENT, extra: list[str] | None = None) -> list[str]:
    """The one build command: tasks and tests (tests/conftest.py) both use it.

    Content problems always stop the build (plugins/validation); strict mode, used for
    publishing, also turns every Pelican warning into an error. plugins/build runs Pelican,
    then the search indexer once Pelican has exited (the lower peak memory).
    """
    fatal = ["--fatal", "warnings"] if strict else []
    return [PYTHON, str(ROOT / "plugins" / "build.py"), str(content), "-s", str(ROOT / settings), "-o", str(output),
            *fatal, *(extra or [])]


def pelican_command(output: Path, settings: str = "pelicanconf.py", strict: bool = False, extra: str = "") -> str:
    return shlex.join(pelican_args(output, settings, strict, extra=shlex.split(extra)))


@task
def clean(c):
    """Remove the generated site."""
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)


@task
def build(c):
    """Build the site into output/ with the development settings."""
    c.run(pelican_command(OUTPUT), pty=False)


@task
def rebuild(c):
    """Clean, then build."""
    clean(c)
    build(c)


@task
def regenerate(c):
    """Rebuild automatically whenever content or theme change."""
    c.run(pelican_command(OUTPUT, extra="--autoreload"))


@task
def serve(c):
    """Serve output/ on http://127.0.0.1:8000 (SOISTS_HOST / SOISTS_PORT to change)."""
    c.run(f"{shlex.quote(PYTHON)} -m pelican --listen --bind {HOST} --port {PORT} "
          f"-s {shlex.quote(str(ROOT / 'pelicanconf.py'))} -o {shlex.quote(str(OUTPUT))}")


@task
def reserve(c):
    """Build, then serve."""
    build(c)
    serve(c)


@task
def demo(c):
    """Build the demo site and serve it on localhost (the README's first command)."""
    rebuild(c)
    print(f"So ist S: http://{HOST}:{PORT}/  (Ctrl+C stops the server)")
    serve(c)


@task
def preview(c):
    """Build with the production settings (strict: every warning is an error) into output/."""
    c.run(pelican_command(OUTPUT, settings="publishconf.py", strict=True))


@task(help={"port": "port on 127.0.0.1 (default $SOISTS_PORT or 8000)", "no_search": "skip the search index"})
def livereload(c, port=0, no_search=False):
    """Preview while editing: build once, then on every save re-render only what the change
    affects and reload the open pages (plugins/preview; errors show in the terminal and the page)."""
    extra = " --no-search" if no_search else ""
    c.run(f"{shlex.quote(PYTHON)} -m plugins.preview --content {shlex.quote(str(CONTENT))} "
          f"--output {shlex.quote(str(OUTPUT))} --host {HOST} --port {int(port) or PORT}{extra}", pty=False)


@task
def build_service(c):
    """Keep the production build resident (plugins/build_service): `invoke publish` then renders
    only what changed since the last publish, in seconds instead of a full build."""
    c.run(f"{shlex.quote(PYTHON)} -m plugins.build_service --content {shlex.quote(str(CONTENT))}", pty=False)


CMS_PROXY = ROOT / "plugins" / "cms" / "node_modules" / "decap-server" / "dist" / "index.js"


@task(help={"port": "port of the preview (default $SOISTS_PORT or 8000)",
            "proxy_port": "port of decap-server, the editor's local Git proxy (default 8081)",
            "force": "start although the checkout has uncommitted changes"})
def cms(c, port=0, proxy_port=8081, force=False):
    """The web editor on this machine: decap-server (git mode: drafts are cms/… branches,
    publishing merges into the current branch) and the live preview; open /admin/ and "Login"."""
    import subprocess

    if not CMS_PROXY.is_file():
        raise SystemExit("invoke cms: Decap CMS is not installed; run npm ci --prefix plugins/cms")
    # decap-server commits with `git add .`: anything uncommitted would end up in its commits.
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    if dirty.strip() and not force:
        raise SystemExit("invoke cms: commit or stash your changes first (the editor commits everything "
                         f"in the checkout), or pass --force:\n{dirty}")
    proxy_url = f"http://localhost:{int(proxy_port)}/api/v1"
    # the proxy works on the branch the config names: the one checked out here
    branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "main"
    env = {**os.environ, "MODE": "git", "PORT": str(int(proxy_port)), "GIT_REPO_DIRECTORY": str(ROOT),
           "BIND_HOST": "127.0.0.1", "SOISTS_CMS_PROXY_URL": proxy_url, "SOISTS_CMS_BRANCH": branch}
    proxy = subprocess.Popen(["node", str(CMS_PROXY)], cwd=ROOT, env=env)
    print(f"Redaktion: http://localhost:{int(port) or PORT}/admin/  (decap-server on {proxy_url}; Ctrl+C stops both)")
    try:
        c.run(f"{shlex.quote(PYTHON)} -m plugins.preview --content {shlex.quote(str(CONTENT))} "
              f"--output {shlex.quote(str(OUTPUT))} --host {HOST} --port {int(port) or PORT}", pty=False, env=env)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)

def deploy_local(source: Path, target: Path) -> None:
    """A new release of the site: unchanged files hard-linked to the live release, only changed
    files copied, then one atomic switch of the `target` link (plugins/release.py)."""
    from plugins import release

    done = release.deploy(source, target)
    print(f"release {done.folder.name}: {len(done.copied)} files copied, {done.linked} unchanged (linked)")


def build_for_publish(c) -> None:
    """The production build into PUBLISH_OUTPUT: by the build service when one listens on its
    socket (only what changed is rendered), else with the one-shot command."""
    answer = ask()
    if answer is None or Path(answer["output"]) != PUBLISH_OUTPUT.resolve():
        c.run(pelican_command(PUBLISH_OUTPUT, settings="publishconf.py", strict=True))
        return
    print("build service answer: " + json.dumps({key: answer[key] for key in ("written", "removed", "seconds")}))
    if not answer["ok"]:
        sys.exit(f"publish: the build failed, nothing was deployed\n{answer['error']}")
    print(f"built by the build service in {answer['seconds']:.2f} s")


@task(help={"target": "rsync destination (user@host:/path/) or a local folder; default $SOISTS_DEPLOY_TARGET"})
def publish(c, target=""):
    """Build with production settings into the kept publish folder, then deploy it (rsync or a local release)."""
    import fcntl

    target = target or os.environ.get("SOISTS_DEPLOY_TARGET", "")
    if not target:
        sys.exit("publish: set SOISTS_DEPLOY_TARGET (user@host:/path/ for rsync, or a local folder)")
    PUBLISH_OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with open(publish_lock(), "w") as lock:  # one publish at a time (scheduler, operator)
        fcntl.flock(lock, fcntl.LOCK_EX)
        # A failed build stops here: nothing has been deployed yet, and it left no manifest
        # (plugins/incremental), so the next publish is a full build into an emptied folder.
        # Nothing changed since the last publish: the output is kept (plugins/incremental).
        build_for_publish(c)
        if ":" in target and not Path(target).exists() and not target.startswith("/"):
            # --delay-updates puts every changed file in place at the very end of the transfer.
            c.run(f"rsync -rlz --checksum --delete --delay-updates {shlex.quote(str(PUBLISH_OUTPUT))}/ "
                  f"{shlex.quote(target)}")
        else:
            deploy_local(PUBLISH_OUTPUT, Path(target))
    print(f"published {datetime.now():%Y-%m-%d %H:%M} → {target}")


@task(help={"target": "the local folder published to; default $SOISTS_DEPLOY_TARGET"})
def rollback_site(c, target=""):
    """Switch the published site back to the release before the live one (local targets)."""
    from plugins import release

    print(f"live again: {release.rollback(Path(target or os.environ['SOISTS_DEPLOY_TARGET'])).name}")


@task(help={"browser": "also run the browser tests (needs Chromium)", "k": "pytest -k expression"})
def test(c, browser=True, k=""):
    """Run every test (the README's second command runs this after setup)."""
    selection = "" if browser else "-m 'not browser'"
    keyword = f"-k {shlex.quote(k)}" if k else ""
    c.run(f"{shlex.quote(PYTHON)} -m pytest -n 2 --dist loadfile {selection} {keyword}", pty=False)


@task(help={"pages": "comma-separated paths, e.g. '/,/kommunen/'", "out": "folder for the PNG files"})
def screenshots(c, pages="/,/kommunen/,/kommunen/plochingen/,/mitmachen/", out="output-screenshots"):
    """Screenshot pages of output/ at phone (390 px) and desktop (1280 px) width in headless Chromium."""
    from demo.screenshots import take_screenshots

    for path in take_screenshots(OUTPUT, pages.split(","), Path(out)):
        print(path)


# == community tasks ==
@task(help={"post_id": "id of the community post (its file name without .md)",
            "rebuild": "rebuild output/ afterwards so no trace remains (default: yes)",
            "reason": "why (kept in the scheduler's audit trail)"})
def takedown(c, post_id, rebuild=True, reason="Einwilligung widerrufen"):
    """Remove a community post everywhere: store, media, file, images, caches, built pages, search index, Facebook, Instagram."""
    from scheduler.cli.takedown import run_takedown
    from scheduler.config import load_settings

    # The takedown also withdraws older local releases (SOISTS_DEPLOY_TARGET): no rollback brings the post back.
    code = run_takedown(load_settings(), post_id, os.environ.get("USER", "editor"), reason)
    if code == 2:
        sys.exit(code)
    if rebuild:
        # the rebuild deletes stale wall pages/derivatives and rebuilds feeds and the search index
        c.run(pelican_command(OUTPUT), pty=False)
    print(f"post {post_id} taken down; deploy with `invoke publish` to remove it from the public site")
    if code:
        sys.exit(code)  # a platform step failed: run `invoke takedown` again (it continues there)


@task
def demo_posts(c):
    """(Re)write the demo community posts and their drawn images in content/."""
    c.run(f"{shlex.quote(PYTHON)} -m plugins.community.demo_posts {shlex.quote(str(CONTENT))}", pty=False)


# == end community tasks ==


# == scheduler tasks ==
def _scheduler(c, args: str) -> None:
    """Run `python -m scheduler …`; its exit code (0/1/2/3/4, see scheduler/README.md) becomes ours."""
    c.run(f"{shlex.quote(PYTHON)} -m scheduler {args}", pty=False)


@task(help={"start": "first day, e.g. 2026-01-01 (default: 1 January)", "end": "last day (default: today)",
            "municipality": "one municipality (slug)", "district": "one district (slug)",
            "out": "folder for HTML, PDF, CSV and JSON", "demo": "a year of demo data made through the fake "
            "(var/report-demo/)", "no_pdf": "skip the PDF"})
def report(c, start="", end="", municipality="", district="", out="", demo=False, no_pdf=False):
    """The impact report (German): figures, charts, map, to-do list — HTML, PDF, CSV and JSON."""
    args = [f"--{name} {shlex.quote(value)}" for name, value in
            (("from", start), ("to", end), ("municipality", municipality), ("district", district), ("out", out))
            if value]
    _scheduler(c, " ".join(["report", *args, *(["--demo"] if demo else []), *(["--no-pdf"] if no_pdf else [])]))


@task(help={"port": "port on 127.0.0.1 (default 8765)", "editor": "with --auth none: the name in the audit trail",
            "no_browser": "do not open a browser window",
            "auth": "accounts (default), proxy or none (one local user)",
            "demo": "fill var/review-demo/ with demo posts first (the board and the Redaktionsplan are not empty)"})
def review(c, port=8765, editor="", no_browser=False, auth="", demo=False):
    """Serve the Prüfung (review board) for #SoistS posts on http://127.0.0.1:PORT/ (local only)."""
    extra = (f" --editor {shlex.quote(editor)}" if editor else "") + (" --no-browser" if no_browser else "")
    extra += " --demo" if demo else ""
    extra += f" --auth {shlex.quote(auth)}" if auth else ""
    _scheduler(c, f"review --port {int(port)}{extra}")


@task(help={"source": "hashtag, tagged or all", "budget": "posts per source and run"})
def collect(c, source="all", budget=0):
    """Collect new #SoistS / @wirzeigenS posts from Instagram (needs SOISTS_IG_USER + session file)."""
    _scheduler(c, f"collect --source {shlex.quote(source)}" + (f" --budget {int(budget)}" if budget else ""))


@task(help={"path": "instaloader download folder, or a folder of manual submissions with --manual",
            "manual": "images with .json/.toml sidecars (e-mail or event submissions)"})
def import_posts(c, path, manual=False):
    """Import posts offline from an instaloader folder or manual submissions."""
    _scheduler(c, f"import {shlex.quote(path)}" + (" --manual" if manual else ""))


@task(help={"state": "only posts in this state", "needs_review": "only posts whose municipality needs a check"})
def posts(c, state="", needs_review=False):
    """List collected posts with state and municipality."""
    _scheduler(c, "list" + (f" --state {shlex.quote(state)}" if state else "") + (" --needs-review" if needs_review else ""))


@task
def expire_rights(c):
    """Mark rights requests without an answer for 14 days as expired."""
    _scheduler(c, "expire")


@task
def migrate(c):
    """Create or upgrade the scheduler database (SOISTS_DB_URL, default var/soists.db)."""
    _scheduler(c, "migrate")


@task(help={"to": "folder for the backups (default $SOISTS_BACKUP_DIR or var/backups)",
            "keep": "afterwards prune old backups, e.g. 14d,8w (docs/OPERATIONS-backup.md)"})
def backup(c, to="", keep=""):
    """Back up the scheduler: database (with the job store) + media store + manifest with checksums."""
    _scheduler(c, "backup" + (f" --to {shlex.quote(to)}" if to else "") + (f" --keep {shlex.quote(keep)}" if keep else ""))


@task(help={"folder": "a backup folder written by `invoke backup`", "force": "replace a store that is not empty"})
def restore(c, folder, force=False):
    """Verify a backup's checksums, then restore it onto an empty store (SOISTS_DB_URL, SOISTS_MEDIA_DIR)."""
    _scheduler(c, f"restore {shlex.quote(folder)}" + (" --force" if force else ""))
# == end scheduler tasks ==


# == scheduler runner tasks ==
@task(help={"once": "run every job once and exit (for cron / systemd timers)",
            "dry_run": "only show what would happen: nothing written, no API called",
            "demo": "offline demo: seeded store, local fake Graph API, site built into var/scheduler-demo/"})
def scheduler(c, once=False, dry_run=False, demo=False):
    """Run the scheduler unattended (collect, plan, publish, build+deploy, expire rights) until SIGTERM."""
    command = "demo" if demo else "once" if once else "run"
    c.run(f"{shlex.quote(PYTHON)} -m scheduler {command}" + (" --dry-run" if dry_run else ""), pty=False)
# == end scheduler runner tasks ==


# == newsletter task ==
@task(help={"month": "the issue, YYYY-MM (default: the newest issue on the site)",
            "siteurl": "public address for links and images (default $SOISTS_SITEURL, as publishconf.py)",
            "site": "an already built site folder to take the issue from (default: build into a temporary folder)",
            "out": "folder for the import files (default var/newsletter/<month>/)",
            "merge_tag": "the newsletter service's unsubscribe merge tag (default {{unsubscribe}})",
            "recipients": "CSV of addresses (column 'email'): also send directly by SMTP",
            "subscribers": "also send directly by SMTP to the confirmed subscribers in the store (the sign-up)",
            "rate": "messages a minute when sending (default $SOISTS_NEWSLETTER_RATE or 30)",
            "retry_uncertain": "resend to addresses whose earlier attempt has no known outcome"})
def newsletter(c, month="", siteurl="", site="", out="", merge_tag="{{unsubscribe}}", recipients="", rate=0.0,
               retry_uncertain=False, subscribers=False):
    """Build the monthly newsletter (HTML + text + metadata for the newsletter service); optionally send it."""
    from plugins.newsletter.selection import Month
    from scheduler.newsletter.run import NewsletterError, export, latest_issue, send_to_list, subscriber_addresses

    # `month` is a flag, not a positional argument: invoke would take `--help` as its value
    try:
        issue_month = Month.parse(month) if month else None
    except ValueError as exc:
        sys.exit(f"newsletter: {exc}")
    if recipients and subscribers:
        sys.exit("newsletter: --recipients or --subscribers, not both (one sent-log, one list)")
    siteurl = (siteurl or os.environ.get("SOISTS_SITEURL", "")).rstrip("/")
    if not siteurl:
        sys.exit("newsletter: give --siteurl or set SOISTS_SITEURL (mails need absolute links)")
    with tempfile.TemporaryDirectory(prefix="soists-newsletter-") as scratch:
        site_dir = Path(site) if site else Path(scratch) / "site"
        if not site:
            c.run(pelican_command(site_dir), pty=False)
        try:
            if issue_month is None:
                issue_month = latest_issue(site_dir)
                print(f"issue    {issue_month.slug} (the newest; --month chooses another)")
            folder = Path(out) if out else ROOT / "var" / "newsletter" / issue_month.slug
            made = export(site_dir, issue_month, siteurl, folder, merge_tag)
            for kind, path in made.files.items():
                print(f"{kind:9} {path}")
            if recipients or subscribers:
                from scheduler.config import load_settings

                addresses = subscriber_addresses(load_settings().db_url) if subscribers else None
                report = send_to_list(made.newsletter, Path(recipients) if recipients else None,
                                      folder / "sent-log.jsonl", rate or None, retry_uncertain, recipients=addresses)
                print(f"sent {len(report.sent)}, already sent {len(report.skipped)}, "
                      f"failed {len(report.failed)}, unknown outcome (not resent) {len(report.uncertain)}")
        except NewsletterError as exc:
            sys.exit(f"newsletter: {exc}")
# == end newsletter task ==
