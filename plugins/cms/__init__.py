"""The web editor under /admin/: Decap CMS, served from the site itself, configured from the schemas.

Editors who do not use Git write articles, portraits, pages, events, municipality intros and
campaigns in a browser; the editor commits the same Markdown files to the repository (editorial
workflow: draft → review → ready → published). Its JavaScript comes from the npm package
pinned in plugins/cms/package.json (`npm ci --prefix plugins/cms`) and is copied into the
build, so the page loads nothing from elsewhere. Without the package the build writes no
/admin/ and says so; the rest of the site does not need it.
"""

from __future__ import annotations

import html
import shutil
import sys
from pathlib import Path

from pelican import signals

from plugins.headers.policy import amended, header_policy, meta_policy
from plugins.incremental import output_kept
from plugins.region.registry import load_registry

from .config import DEFAULT_PROXY_URL, backend_placeholder, cms_config, config_text, connect_origins
from .types import content_types

HERE = Path(__file__).resolve().parent
ADMIN_DIR = "admin"
STATIC = HERE / "static"
SITE_CSS = HERE.parents[1] / "theme" / "static" / "css" / "site.css"  # the preview's stylesheet
DEFAULT_DIST = HERE / "node_modules" / "decap-cms" / "dist"
ENTRY_SCRIPT = "decap-cms.js"
INSTALL_HINT = "npm ci --prefix plugins/cms (or bash .ci/setup --browser)"


def dist_files(dist: Path) -> list[Path]:
    """The bundle, its lazily loaded chunks and WebAssembly, its licence; no source maps, and
    not the second copy of the bundle (cms.js) the package also ships."""
    wanted = []
    for path in sorted(dist.iterdir()):
        name = path.name
        if name == ENTRY_SCRIPT or name.endswith((".decap-cms.js", ".wasm")) or name == f"{ENTRY_SCRIPT}.LICENSE.txt":
            wanted.append(path)
    return wanted


def editor_directives(connect_sources: str) -> tuple[tuple[str, str], ...]:
    """The site's policy with what the editor needs, all of it local or the own Git server:
    inline styles (the editor's CSS-in-JS), blob: previews of uploads, eval (without it the
    bundle does not start: no login button, tried in Chromium), and requests to the Git
    server's API and the local proxy."""
    return amended({
        "script-src": "'self' 'unsafe-eval' 'wasm-unsafe-eval'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "connect-src": f"'self' blob: {connect_sources}".strip(),
    })


def admin_policy(origins: list[str]) -> str:
    """The page's own <meta> policy: requests only to the configured Git server and proxy."""
    return meta_policy(editor_directives(" ".join(origins)))


def admin_header_policy() -> str:
    """The response header for /admin/ (deploy/nginx): the page's <meta> policy still narrows
    connect-src to the configured Git server, so the header need not know its address; the
    site's stricter header would block the editor (a browser enforces every policy it gets)."""
    return header_policy(editor_directives("https:"))


def index_html(policy: str, proxy_url: str = DEFAULT_PROXY_URL, backend_ready: bool = True) -> str:
    """The admin page; the two <meta> values tell soists-cms.js whether the Git server is set up
    and where the local proxy (`invoke cms`) would answer."""
    state = "configured" if backend_ready else "placeholder"
    return f"""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="soists-cms-backend" content="{state}">
<meta name="soists-cms-proxy" content="{html.escape(proxy_url, quote=True)}">
<title>Redaktion · So ist S</title>
<link rel="stylesheet" href="soists-editor.css">
<script src="before-cms.js" defer></script>
<script src="{ENTRY_SCRIPT}" defer></script>
<script src="soists-editor.js" defer></script>
<script src="soists-cms.js" defer></script>
</head>
<body></body>
</html>
"""


def _copy_if_changed(source: Path, target: Path) -> None:
    """Unchanged files keep their modification time (plugins/incremental compares them)."""
    if target.is_file() and target.stat().st_size == source.stat().st_size \
            and target.stat().st_mtime >= source.stat().st_mtime:
        return
    shutil.copy2(source, target)


def _write_if_changed(target: Path, text: str) -> None:
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def write_admin(output: Path, settings: dict) -> Path | None:
    """Write output/admin/; None (and a note on stderr) when the JavaScript is not installed."""
    dist = Path(settings.get("CMS_DIST") or DEFAULT_DIST)
    if not (dist / ENTRY_SCRIPT).is_file():
        print(f"plugins.cms: /{ADMIN_DIR}/ (web editor) not written: Decap CMS is not installed "
              f"in {dist}; run {INSTALL_HINT}", file=sys.stderr)
        return None
    proxy_url = settings.get("CMS_PROXY_URL") or DEFAULT_PROXY_URL
    config = cms_config(content_types(load_registry()), backend=settings.get("CMS_BACKEND"),
                        proxy_url=proxy_url, site_url=settings.get("SITEURL", ""))
    admin = output / ADMIN_DIR
    admin.mkdir(parents=True, exist_ok=True)
    for source in [*dist_files(dist), STATIC / "before-cms.js", STATIC / "soists-editor.js", STATIC / "soists-editor.css",
                   STATIC / "soists-cms.js", SITE_CSS]:
        _copy_if_changed(source, admin / source.name)
    _write_if_changed(admin / "config.yml", config_text(config))
    _write_if_changed(admin / "index.html", index_html(admin_policy(connect_origins(config)), proxy_url,
                                                       not backend_placeholder(config["backend"])))
    return admin


def on_finalized(pelican) -> None:
    if output_kept():
        return
    write_admin(Path(pelican.output_path), pelican.settings)


def register() -> None:
    signals.finalized.connect(on_finalized)
