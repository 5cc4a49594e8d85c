"""Static full-text search with Pagefind: the /suche/ page and an index built after every build.

Pagefind (the PyPI package ships the binary) indexes the finished HTML after every build -
also a test build into a temporary folder - so each has a current index and the UI assets
under /pagefind/, served from the site itself. The build command (`python plugins/build.py`,
plugins/build.py) runs it once the Pelican process has exited (the two never hold their
memory at once); a plain `pelican` run indexes at Pelican's `finalized` signal.

Only German pages are indexed: the content templates mark their article with
data-pagefind-body except on the English twins (plugins/i18n). There is no English search
page, and an English index of the same, mostly German, content doubled Pagefind's work on
posts and events.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from plugins import search_index
from plugins.build import HANDOFF_ENV
from plugins.incremental import manifest_folder, output_kept, outputs_digested_later

logger = logging.getLogger(__name__)
SEARCH_SAVE_AS = "suche/index.html"


class SearchPageGenerator(Generator):
    """Writes /suche/ from theme/templates/search.html."""

    def generate_context(self):
        pass

    def generate_output(self, writer):
        writer.write_file(self.settings.get("SEARCH_SAVE_AS", SEARCH_SAVE_AS), self.get_template("search"),
                          self.context, url="suche/")


def build_index(pelican) -> None:
    """Replace the search bundle (plugins/search_index.py); old fragments would keep taken-down
    posts findable."""
    if not pelican.settings.get("SEARCH_INDEX", True) or output_kept():
        return
    site = Path(pelican.output_path)
    folder = manifest_folder()
    handoff = os.environ.get(HANDOFF_ENV)
    if handoff:  # plugins/build.py indexes once this process has exited and freed its memory
        Path(handoff).write_text(json.dumps({"site": str(site), "manifest": str(folder) if folder else None}),
                                 encoding="utf-8")
        outputs_digested_later()  # and saves the manifest again, with the indexed folder's digest
        return
    try:
        search_index.update(site, folder / "search" if folder else None)
    except search_index.SearchIndexFailed as failure:
        # logged as an error: with --fatal errors the build fails with this message
        logger.error("Pagefind could not index %s: %s", site, failure)


def get_generators(_pelican):
    return SearchPageGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.finalized.connect(build_index)
