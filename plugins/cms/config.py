"""The Decap CMS configuration, generated from the content types' field schemas.

Pure functions: settings and schemas in, a dict out. `config_text` writes it as JSON, which
is valid YAML (Decap reads config.yml with a YAML parser), so no YAML library is needed and
the file is byte-stable between builds.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

from .fields import ContentType, Field

FORMAT = "pelican"  # the "Key: value" header format, registered by static/soists-cms.js
# Content refers to images as "images/<folder>/<file>" (relative to content/). This pair is the
# media library's; collections with images name their folder (ContentType.media), so the editor
# finds existing images and writes uploads' paths in the same form.
MEDIA_FOLDER = "content/images"
PUBLIC_FOLDER = "images"
MAX_FILE_SIZE = 10_000_000  # bytes; the image pipeline reads originals of any size, editors' uploads stay sane
DEFAULT_PROXY_URL = "http://localhost:8081/api/v1"


def default_backend() -> dict:
    """Production: a self-hosted GitLab, editors log in with OAuth (PKCE, no secret in the page).

    GitLab, not Gitea: Decap's Gitea backend has no editorial workflow. docs/EDITORS-CMS.md
    says how to register the OAuth application."""
    base_url = os.environ.get("SOISTS_CMS_GIT_URL", "https://git.region-stuttgart.example").rstrip("/")
    return {
        "name": "gitlab",
        "repo": os.environ.get("SOISTS_CMS_REPO", "wrs/so-ist-s"),
        "branch": os.environ.get("SOISTS_CMS_BRANCH", "main"),
        "auth_type": "pkce",
        "app_id": os.environ.get("SOISTS_CMS_APP_ID", "set-SOISTS_CMS_APP_ID"),
        "base_url": base_url,
        "api_root": f"{base_url}/api/v4",
        "auth_endpoint": "oauth/authorize",
        "cms_label_prefix": "redaktion/",
    }


def backend_placeholder(backend: dict) -> bool:
    """True while the Git backend still carries the shipped placeholders (an `.example` host, a
    `set-SOISTS_…` value): then the admin page offers the local editor instead of a login that
    cannot work."""
    values = [str(v) for v in backend.values()]
    return any(".example" in v or v.startswith("set-SOISTS_") for v in values)


def widget(field: Field) -> dict:
    if field.system:
        # kept by static/soists-editor.js (preSave): editors never see or type it; the hidden
        # widget keeps a file's value, and is not required because the system fills it on save
        return {"label": field.label, "name": field.name, "widget": "hidden", "required": False}
    entry: dict = {"label": field.label, "name": field.name, "widget": field.widget, "required": field.required}
    if field.hint:
        entry["hint"] = field.hint
    if field.pattern:
        entry["pattern"] = [field.pattern, field.pattern_message or "Bitte im beschriebenen Format angeben."]
    if field.options:
        entry["options"] = [{"label": option.label, "value": option.value,
                             **({"district": option.district} if option.district else {})}
                            for option in field.options]
        if field.multiple:
            entry["multiple"] = True
        if field.max_items:
            entry["max"] = field.max_items
    if field.default:
        entry["default"] = field.default
    if field.widget == "image":
        entry["choose_url"] = False  # only uploads to content/images/, no images from elsewhere
        # the built-in media library refuses larger files with a message (its config comes from the field)
        entry["media_library"] = {"config": {"max_file_size": MAX_FILE_SIZE}}
    if field.widget == "markdown":
        entry["buttons"] = ["bold", "italic", "link", "heading-two", "heading-three", "quote",
                            "bulleted-list", "numbered-list"]
        entry["editor_components"] = []  # no embeds: the sanitiser would drop them anyway
    return entry


def collection(content_type: ContentType) -> dict:
    entry = {
        "name": content_type.name,
        "label": content_type.label,
        "label_singular": content_type.label_singular,
        "folder": f"content/{content_type.folder}",
        "extension": "md",
        "format": FORMAT,
        "create": True,
        "delete": True,
        "slug": content_type.slug,
        "fields": [widget(f) for f in content_type.fields],
    }
    if content_type.description:
        entry["description"] = content_type.description
    if content_type.media:
        # Decap looks an image up by its file name in the collection's media folder ("/" = from
        # the repository root), so each type keeps its images where hand-written files have them.
        entry["media_folder"] = f"/{MEDIA_FOLDER}/{content_type.media}"
        entry["public_folder"] = f"{PUBLIC_FOLDER}/{content_type.media}"
    return entry


def cms_config(content_types: tuple[ContentType, ...], backend: dict | None = None,
               proxy_url: str = DEFAULT_PROXY_URL, site_url: str = "") -> dict:
    config = {
        "locale": "de",
        "backend": backend or default_backend(),
        # Only on localhost: `invoke cms` starts decap-server, which commits into this checkout.
        "local_backend": {"url": proxy_url},
        "publish_mode": "editorial_workflow",
        "media_folder": MEDIA_FOLDER,
        "public_folder": PUBLIC_FOLDER,
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": [collection(t) for t in content_types],
    }
    if site_url:
        config["site_url"] = config["display_url"] = site_url
    return config


def config_text(config: dict) -> str:
    return json.dumps(config, ensure_ascii=False, indent=2) + "\n"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def connect_origins(config: dict) -> list[str]:
    """Where the editor's page talks to: the Git server's API and the local proxy."""
    found = [origin(config["backend"].get("api_root", "")), origin(config["backend"].get("base_url", "")),
             origin(config["local_backend"]["url"])]
    return list(dict.fromkeys(o for o in found if o))

