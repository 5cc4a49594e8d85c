"""Production builds of the demo content for tests: as committed (placeholders) or made ready."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tests.conftest import ROOT, build_site

SETTINGS = Path(__file__).with_name("site-settings.toml")
SITEURL = "https://so-ist-s.de"
STRICT = ["--fatal", "warnings"]
PROBLEM_LINE = re.compile(r"^  - (?P<path>[^:]+): field '(?P<field>[^']+)': (?P<message>.*)$", re.M)


def production_env(settings: Path | None, siteurl: str = SITEURL) -> dict[str, str]:
    env = {"SOISTS_SITEURL": siteurl}
    if settings is not None:
        env["SOISTS_SITE_SETTINGS"] = str(settings)
    return env


def production_build(output: Path, content: Path | None = None, settings: Path | None = None,
                     siteurl: str = SITEURL):
    """A strict publishconf.py build; SOISTS_SITE_SETTINGS only when `settings` is given."""
    saved = {k: os.environ.get(k) for k in ("SOISTS_SITEURL", "SOISTS_SITE_SETTINGS")}
    os.environ.pop("SOISTS_SITE_SETTINGS", None)
    os.environ.update(production_env(settings, siteurl))
    try:
        return build_site(output, content=content, settings="publishconf.py", extra=STRICT)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def problems(output: str) -> list[tuple[str, str, str]]:
    """(path, field, message) of every line of "Build stopped: …"."""
    return [(m["path"], m["field"], m["message"]) for m in PROBLEM_LINE.finditer(output)]


def ready_content(folder: Path) -> Path:
    """The demo content as it will be on go-live day: the sign language video is finished
    (its page, captions and the accessibility statement no longer speak of a placeholder)."""
    content = folder / "content"
    shutil.copytree(ROOT / "content", content)
    page = content / "pages" / "gebaerdensprache.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text[: text.index("**Hinweis:**")] + "Den Inhalt gibt es auch als Text: "
                    "[So ist S in Leichter Sprache]({filename}leichte-sprache.md).\n", encoding="utf-8")
    (content / "media" / "dgs" / "so-ist-s-dgs.vtt").write_text(
        "WEBVTT\nKind: captions\nLanguage: de\n\n00:00:00.000 --> 00:00:02.000\nWillkommen bei So ist S.\n\n"
        "00:00:02.000 --> 00:00:04.000\nDas Video erklärt So ist S, die Fotos und die Termine.\n", encoding="utf-8")
    statement = content / "pages" / "barrierefreiheit.md"
    lines = [line for line in statement.read_text(encoding="utf-8").splitlines(keepends=True)
             if not line.startswith("- **Gebärdensprache:**")]
    statement.write_text("".join(lines), encoding="utf-8")
    return content


def minimal_content(folder: Path) -> Path:
    """Only what a production build needs besides the pages: the registry data and an Impressum."""
    content = folder / "content"
    shutil.copytree(ROOT / "content" / "data", content / "data")
    (content / "pages").mkdir()
    (content / "pages" / "impressum.md").write_text("Title: Impressum\nSlug: impressum\nTemplate: impressum\n\n"
                                                    "Text.\n", encoding="utf-8")
    return content
