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
from jinja2 import Environment, pass_context
from markupsafe import Markup

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
    """gettext/ngettext/pgettext/npgettext as Jinja's newstyle i18n wraps them (autoescape-aware),
    and `_` as the same gettext.

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


def remembering_gettext(translate) -> object:
    """Jinja's newstyle gettext (ext._make_new_gettext: translate, Markup under autoescape, then
    `% variables` always) with each message's result kept: a page calls it some 35 times for
    the same menu and footer texts, 240,000 calls in a build of 3,000 files. A call with
    variables keeps only the translation and formats it each time."""
    finished: dict[tuple[str, bool], str] = {}

    @pass_context
    def gettext(__context, __string: str, **variables) -> str:
        autoescape = __context.eval_ctx.autoescape
        if not variables:
            done = finished.get((__string, autoescape))
            if done is None:
                done = finished[__string, autoescape] = _format(translate(__string), autoescape, {})
            return done
        return _format(translate(__string), autoescape, variables)

    return gettext


def _format(text: str, autoescape: bool, variables: dict) -> str:
    return (Markup(text) if autoescape else text) % variables


@lru_cache(maxsize=8)
def _callables(path: Path, stamp: tuple[int, int] | None, language: str) -> dict:
    compiled = _compiled(path, stamp, language)
    scratch = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    scratch.install_gettext_translations(compiled, newstyle=True)
    gettext = remembering_gettext(compiled.gettext)
    # `_` as a variable too: the environment's `_` looks up `gettext` in the context on every call
    return {**{name: scratch.globals[name] for name in ("ngettext", "pgettext", "npgettext")},
            "gettext": gettext, "_": gettext}
