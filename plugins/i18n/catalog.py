"""The gettext catalogs of the theme (theme/translations/<lang>.po), compiled in memory.

The msgids are the German texts of the templates: German output needs no catalog entry to stay
what the template says, and English output is the English catalog applied to the same
templates. The .po files are the only form kept in Git; they are compiled in memory (Babel's
read_po/write_mo into a buffer) once per version of the file, so an editor who fixes a
translation never has to remember a compile step and no binary .mo file can go stale. They
are read from the theme the build uses (THEME/translations), as its templates are.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

from plugins.files import file_stamp

CATALOG_DIR = Path(__file__).resolve().parents[2] / "theme" / "translations"
LANGUAGES = ("de", "en")


class CatalogError(ValueError):
    """A .po file that cannot be read; the message names the file."""


def catalog_path(language: str, folder: Path = CATALOG_DIR) -> Path:
    return folder / f"{language}.po"


def translations(language: str, folder: Path = CATALOG_DIR) -> Translations:
    """The compiled catalog of `language` (fuzzy and empty entries fall back to the German msgid);
    compiled again when the .po file changes (the live preview keeps one process)."""
    path = catalog_path(language, folder)
    return _compiled(path, file_stamp(path), language)


def gettext_callables(language: str, folder: Path = CATALOG_DIR) -> dict:
    """gettext/ngettext/pgettext/npgettext as Jinja's newstyle i18n wraps them (autoescape-aware).

    They go into a page's render context: context variables win over the environment's
    globals, so one environment renders both languages and `_()` / `{% trans %}` follow."""
    path = catalog_path(language, folder)
    return _callables(path, file_stamp(path), language)


@lru_cache(maxsize=8)
def _compiled(path: Path, _stamp: tuple[int, int] | None, language: str) -> Translations:
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    except (OSError, ValueError) as error:
        raise CatalogError(f"{path}: cannot read the catalog ({error})") from error
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache(maxsize=8)
def _callables(path: Path, stamp: tuple[int, int] | None, language: str) -> dict:
    scratch = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    scratch.install_gettext_translations(_compiled(path, stamp, language), newstyle=True)
    return {name: scratch.globals[name] for name in ("gettext", "ngettext", "pgettext", "npgettext")}
