"""The English catalog covers every text the templates mark: Babel extracts the msgids from the
theme (with theme/translations/babel.cfg, as an editor would) and they are compared with en.po."""

from __future__ import annotations

import csv
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from plugins.events.categories import CATEGORIES, STATUSES
from plugins.i18n import vocabulary

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "theme" / "translations"


def extracted_ids() -> set:
    with (TRANSLATIONS / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map,
            directory_filter=lambda path: not Path(path).name.startswith((".", "node_modules"))):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def catalog(language: str):
    with (TRANSLATIONS / f"{language}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_marked_template_text_has_an_english_translation():
    ids = extracted_ids()
    english = catalog("en")
    assert len(ids) > 100  # the theme, the menu and the vocabulary were found
    missing, untranslated = [], []
    for message_id in sorted(ids, key=str):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        message = english.get(key)
        if message is None:
            missing.append(message_id)
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(message_id)
    assert missing == [], "run pybabel extract/update (plugins/i18n/README.md) and translate"
    assert untranslated == []


def test_the_catalogs_hold_no_text_the_theme_no_longer_uses():
    ids = {message_id[0] if isinstance(message_id, tuple) else message_id for message_id in extracted_ids()}
    for language in ("en", "de"):
        in_catalog = {message.id[0] if isinstance(message.id, tuple) else message.id
                      for message in catalog(language) if message.id}
        assert in_catalog - ids == set(), f"{language}.po: obsolete entries"
        assert ids - in_catalog == set(), f"{language}.po: entries missing"


def test_the_vocabulary_covers_the_data_words_templates_translate():
    words = set(vocabulary.MUNICIPALITY_KINDS + vocabulary.EVENT_CATEGORY_LABELS + vocabulary.EVENT_STATUS_LABELS)
    with (ROOT / "content" / "data" / "municipalities.csv").open(encoding="utf-8") as handle:
        kinds = {row["kind"] for row in csv.DictReader(handle)}
    categories = {c.label for c in CATEGORIES.values()} | {c.plural for c in CATEGORIES.values()}
    statuses = {label for label, _ics, _schema in STATUSES.values()}
    assert kinds | categories | statuses <= words
