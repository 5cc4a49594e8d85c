"""The edited page first: on a save, the page of each changed Markdown file is written
before the full pass (session.run) re-renders its lists.

The full pass re-runs every generator (about 2 s on 5,000 files) before the writer sees
the edited page. Here only the generator that read the file last time runs again: a new
instance of its class reads the content (every unchanged file comes from the session's
kept reads), and its own generate_output runs against a writer that lets through only the
pages whose main object (article, page, event, post) was read from a changed file.
Everything else the page shows comes from the last run's context.

It is a first look, not the result: the full pass follows at once and renders the page
again whenever anything it shows changed (its signature covers the file), then the lists,
feeds and calendars. A page is written here only from a file that reads without a problem
(a problem is returned at once, and reported again by the full pass); an output the last
run did not have (a new file, a new address) is recorded with signature 0, so the full
pass renders it again or, if it makes no such page, deletes it. A deleted file's page is
deleted at once, as the full pass would; a replaced image re-renders the pages that showed
it. Data and template changes wait for the full pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from pelican import signals
from pelican.writers import Writer

from plugins import validation

from .writer import PreviewState, Record, prune_empty

# the keyword a generator passes a page's own content object under
ITEM_KEYWORDS = ("article", "page", "event", "post")
# generator attributes that list the content objects a generator read
ITEM_LISTS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations",
              "pages", "hidden_pages", "draft_pages", "draft_translations", "events", "posts")


@dataclass
class FirstLook:
    written: list[str] = field(default_factory=list)  # outputs written (keys of the preview's records)
    error: str | None = None  # why a changed file cannot be shown (plugins/validation's report)


def owners(generators: Iterable) -> dict[str, tuple[object, object]]:
    """Source file -> (the generator that read it, the object it made)."""
    found: dict[str, tuple[object, object]] = {}
    for generator in generators:
        for attribute in ITEM_LISTS:
            for item in getattr(generator, attribute, None) or ():
                source = getattr(item, "source_path", None)
                if isinstance(source, str):
                    found[os.path.abspath(source)] = (generator, item)
    return found


class PageOnlyWriter:
    """Passes on the write_file calls for the pages of the changed files and drops everything
    else (lists, feeds, calendars: the full pass's work)."""

    def __init__(self, writer: Writer, sources: set[str], state: PreviewState) -> None:
        self._writer, self._sources, self._state = writer, sources, state
        self.written: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self._writer, name)

    def write_file(self, name, template, context, *args, **kwargs) -> None:
        if not name or not any(os.path.abspath(getattr(kwargs.get(keyword), "source_path", "") or "") in self._sources
                               for keyword in ITEM_KEYWORDS):
            return
        self._writer.write_file(name, template, context, *args, **kwargs)
        self.written.append(name)
        if name not in self._state.records:  # the full pass renders it again, or deletes it
            self._state.records[name] = Record(0, frozenset({os.path.join(self._writer.output_path, name)}))

    def write_feed(self, *args, **kwargs) -> None:
        """Feeds list many items: the full pass writes them."""

    def unchanged_output(self, key, inputs, make) -> None:
        """Calendars and feeds a generator writes itself: the full pass writes them."""


def delete_pages(gone: Iterable[object], state: PreviewState) -> list[str]:
    """The outputs of deleted files' pages, removed at once (the full pass forgets their records)."""
    removed = []
    for item in gone:
        record = state.records.get(getattr(item, "save_as", "") or "")
        for path in record.paths if record else ():
            if os.path.exists(path):
                os.unlink(path)
                removed.append(path)
                prune_empty(os.path.dirname(path))
    return removed


def owner_by_folder(source: str, known: dict[str, tuple[object, object]]) -> object | None:
    """The generator that reads a new file: the one that read the files nearest to it."""
    folders = {os.path.dirname(path): generator for path, (generator, _item) in known.items()}
    folder = os.path.dirname(source)
    while folder not in folders and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folders.get(folder)


def pages_showing(images: set[str], state: PreviewState, known: dict[str, tuple[object, object]]) -> set[str]:
    """Source files whose pages showed one of `images` (paths relative to the content folder)."""
    keys = {key for key, record in state.records.items() if images & record.images.keys()}
    return {source for source, (_generator, item) in known.items() if getattr(item, "save_as", None) in keys}


def render_pages(pelican, generators: list, changed: dict[str, object], state: PreviewState) -> FirstLook:
    """Write the pages of `changed` (absolute source path -> the generator that reads it)
    with one new instance of each such generator."""
    look = FirstLook()
    for old in {id(generator): generator for generator in changed.values()}.values():
        sources = {source for source, generator in changed.items() if generator is old}
        _render_with(pelican, generators, old, sources, state, look)
        if look.error:
            break
    return look


def _render_with(pelican, generators: list, old, sources: set[str], state: PreviewState, look: FirstLook) -> None:
    context = {**old.context, "generated_content": dict(old.context.get("generated_content", {})),
               "static_links": set(old.context.get("static_links", ())),
               "static_content": dict(old.context.get("static_content", {}))}
    validation.install(pelican)
    fresh = type(old)(context=context, settings=pelican.settings, path=old.path, theme=old.theme,
                      output_path=old.output_path)
    fresh.generate_context()
    try:
        validation.stop_on_problems()
        # the plugins' own preparations (URLs frozen, the English pages known, ...)
        signals.all_generators_finalized.send([fresh if g is old else g for g in generators])
    except SystemExit as stop:
        look.error = str(stop)
        return
    if hasattr(fresh, "refresh_metadata_intersite_links"):
        fresh.refresh_metadata_intersite_links()
    writer = PageOnlyWriter(Writer(pelican.output_path, settings=pelican.settings), sources, state)
    fresh.generate_output(writer)
    look.written += writer.written
