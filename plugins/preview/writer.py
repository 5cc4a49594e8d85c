"""The preview's writer: renders an output only when its signature changed.

Every write_file call of every generator still arrives here (so the generators stay as
they are), but a call whose signature (fingerprint.py) and whose images are the same as in
the last run returns at once: the file on disk is already what a full build would write.
Outputs that no generator produced in a run are deleted at its end, as a full build into
an empty folder would not have them.

A changed page of its own (the edited file's page: no long list among its variables) is
rendered at once; changed lists, feeds and calendars are queued and rendered when every
generator has asked for its outputs (`flush`), shortest first. So the edited page is on
disk before the long lists it also appears on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from pelican.paginator import Paginator
from pelican.writers import Writer

from plugins.files import file_stamp
from plugins.parallel import write_page

from . import body_reads
from .fingerprint import Fingerprints, output_signature, template_inputs

# Outputs showing fewer list items than this are rendered when asked for; longer lists
# wait in the queue until every generator has asked for its outputs (`flush`).
LIST_WEIGHT = 10


@dataclass
class Record:
    signature: int
    paths: frozenset[str]  # absolute paths the call wrote (several for paginated lists)
    images: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # image -> stamp at render
    contents: frozenset[str] = frozenset()  # source files whose whole body the output shows
    summaries: frozenset[str] = frozenset()  # source files whose summary it shows
    make: Callable[[], None] | None = None  # renders it again from the last run's objects (if it shows a body)
    written: WrittenFiles | None = None  # the set of files of the writer `make` writes with


class WrittenFiles(set):
    """A writer's set of written files that also keeps the order they came in, so the files
    one call wrote are the tail (copying the set before each of 24,000 calls cost seconds)."""

    def __init__(self, overridden: set[str]) -> None:
        super().__init__()
        self.log: list[str] = []
        self.overridden = overridden  # the writer's files written with override_output

    def forget(self, paths) -> None:
        """Let the writer write `paths` again (Pelican refuses to overwrite a file it wrote)."""
        self.difference_update(paths)
        self.overridden.difference_update(paths)
        self.log.clear()

    def add(self, path: str) -> None:
        super().add(path)
        self.log.append(path)

    def update(self, *paths) -> None:
        for group in paths:
            for path in group:
                self.add(path)


@dataclass
class PreviewState:
    """Kept by the preview session across runs."""

    content_path: str
    records: dict[str, Record] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)  # output keys rendered in the current run
    queue: list[tuple[int, str, int, Callable[[], None], set[str]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # output files deleted in the current run
    seen: set[str] = field(default_factory=set)
    prints: Fingerprints = field(default_factory=Fingerprints)
    only: set[str] | None = None  # render only these outputs in this run (the others stay as they are)
    # (id(environment), template name) -> (context names it reads, digest of its sources and of
    # every template it extends or includes): found once per run, so an edited template
    # re-renders exactly the outputs made with it
    templates: dict[tuple[int, str], tuple[frozenset[str], int]] = field(default_factory=dict)
    _images: dict[str, tuple[int, int] | None] | None = None

    def begin(self, links_epoch: int, output_path: str | None = None) -> None:
        self.prints, self.rendered, self.seen, self.queue, self.removed = Fingerprints(links_epoch), [], set(), [], []
        self.templates = {}
        if output_path is not None and not os.path.isdir(output_path):
            self.records.clear()  # the folder was emptied under the preview: write everything again

    def flush(self) -> None:
        """Render the queued outputs, the ones with the fewest list items first."""
        queue, self.queue = sorted(self.queue, key=lambda item: item[0]), []
        for _weight, key, signature, make, written in queue:
            self.produce(key, signature, written, make)

    def image_used(self, src: str) -> None:
        if self._images is not None and src not in self._images:
            self._images[src] = file_stamp(os.path.join(self.content_path, src))

    def current(self, key: str, signature: int) -> bool:
        """Same signature, same image files. The outputs themselves are not looked at one by one
        (8,000 stats per save): only this process writes and deletes them; `begin` forgets
        every record when the output folder was removed under it."""
        record = self.records.get(key)
        return (record is not None and record.signature == signature
                and all(self.prints.stamp(os.path.join(self.content_path, src)) == stamp
                        for src, stamp in record.images.items()))

    def produce(self, key: str, signature: int, written: WrittenFiles, make: Callable[[], None]) -> None:
        """Run `make` (which writes), recording the files it wrote, the images it asked for and
        the bodies and summaries it read."""
        start = len(written.log)
        self._images = {}
        try:
            read = body_reads.noting(make)
            images = self._images
        finally:
            self._images = None
        shows = bool(read.contents or read.summaries)  # only those are rendered again by body_edit: keep no other
        self.records[key] = Record(signature, frozenset(written.log[start:]), images, frozenset(read.contents),
                                   frozenset(read.summaries), make if shows else None, written if shows else None)
        self.rendered.append(key)

    def render_again(self, key: str) -> None:
        """Render one output again from the objects of the last run (they were changed in place);
        signature 0, as no write_file call gave one: the next full pass renders it once more."""
        record = self.records[key]
        record.written.forget(record.paths)
        self.produce(key, 0, record.written, record.make)
        self.records[key].paths |= record.paths

    def finish(self) -> None:
        """Render the queue, then forget and delete the outputs no generator asked for in this
        run (before `finalized`: the sitemap lists the folder's pages)."""
        self.flush()
        keep = {path for key in self.seen for path in self.records[key].paths}
        removed = []
        for key in [key for key in self.records if key not in self.seen]:
            for path in self.records.pop(key).paths - keep:
                if os.path.exists(path):
                    os.unlink(path)
                    removed.append(path)
                    prune_empty(os.path.dirname(path))
        self.removed = removed


def prune_empty(folder: str) -> None:
    """A deleted page's folder goes too: a server would list an empty folder instead of a 404."""
    while folder and os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)


class PreviewWriter(Writer):
    """A Pelican Writer for the preview session (see the module docstring)."""

    state: PreviewState  # set by the session before the first run

    def __init__(self, output_path, settings=None) -> None:
        super().__init__(output_path, settings=settings)
        self._written_files = WrittenFiles(self._overridden_files)

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        if not name:
            return
        state = self.state
        if paginated is None:  # Pelican's default
            paginated = {key: value for key, value in kwargs.items() if key in {"articles", "dates"}}
        if paginated and template_name in self.settings["PAGINATED_TEMPLATES"]:
            return self._write_pages(name, template, context, relative_urls, paginated, template_name,
                                     override_output, url, kwargs)
        names, sources = self.template_inputs(template)
        extra = (name, template.name, sources, relative_urls, tuple(paginated or ()), template_name, override_output,
                 url)
        self._remember(name, lambda: output_signature(state.prints, names, context, kwargs, extra),
                       lambda: super(PreviewWriter, self).write_file(
            name, template, context, relative_urls, paginated, template_name, override_output, url, **kwargs),
            weight=sum(len(value) for value in kwargs.values() if isinstance(value, (list, tuple))))

    def _write_pages(self, name, template, context, relative_urls, paginated, template_name, override_output, url,
                     kwargs) -> None:
        """A paginated list, page by page: a page depends on its own items, not on the whole list
        (the theme's list templates read the full list only when there is no pagination)."""
        state = self.state
        per_page = self.settings["PAGINATED_TEMPLATES"][template_name] or self.settings["DEFAULT_PAGINATION"]
        paginators = {key: Paginator(name, url, value, self.settings, per_page) for key, value in paginated.items()}
        rest = {key: value for key, value in kwargs.items() if key not in paginated and key != "all_articles"}
        names, sources = self.template_inputs(template)
        used = names - set(kwargs)
        first = next(iter(paginators.values()))
        total = first.num_pages

        def sign(page, number: int) -> int:
            # the items of this page and of its neighbours in each list; the pages' URLs follow from
            # the numbers (formatting them for 4,000 pages per save cost most of a second)
            shown = tuple((key, tuple(state.prints.of(paginator.page(near).object_list) if 1 <= near <= total else 0
                                      for near in (number - 1, number, number + 1)))
                          for key, paginator in paginators.items())
            extra = (page.save_as, template.name, sources, relative_urls, template_name, override_output, url,
                     total, number, shown)
            return output_signature(state.prints, used, context, rest, extra)

        for number in range(1, total + 1):
            page = first.page(number)
            self._remember(page.save_as, lambda page=page, number=number: sign(page, number),
                           lambda number=number: write_page(self, template, context, relative_urls, override_output,
                                                            paginators, number, kwargs),
                           weight=len(page.object_list))

    def template_inputs(self, template) -> tuple[frozenset[str], int]:
        """(the context names `template` may read, the digest of its sources), once per run."""
        state, env = self.state, template.environment
        key = (id(env), template.name)
        found = state.templates.get(key)
        if found is None:
            names, sources = template_inputs(env, template.name)
            found = state.templates[key] = (names, state.prints.digest(sources))
        return found

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False,
                   feed_title=None):
        prints = self.state.prints
        site = {k: context.get(k) for k in ("SITENAME", "SITEURL", "FEED_DOMAIN")}
        self._remember(f"feed:{path}", lambda: prints.digest((path, url, feed_type, override_output, feed_title,
                                                              prints.of(elements), prints.of(site))),
                       lambda: super(PreviewWriter, self).write_feed(
            elements, context, path, url, feed_type, override_output, feed_title), weight=len(elements))

    def unchanged_output(self, key: str, inputs: object, make: Callable[[], None]) -> None:
        """For outputs a generator writes itself (feeds, calendars): see plugins.parallel.write_generated."""
        prints = self.state.prints
        self._remember(key, lambda: prints.digest(("generated", prints.of(inputs))), make, direct=True, weight=10**6)

    def _remember(self, key: str, sign: Callable[[], int], make: Callable[[], None], direct: bool = False,
                  weight: int = 0) -> None:
        """`sign()` gives the output's signature (the production build's writer may take it later)."""
        state = self.state
        signature = sign()
        state.seen.add(key)
        if direct:  # the generator writes the file itself; its path is the key
            make = _then_note(make, self._written_files, key)
        if state.current(key, signature) or (state.only is not None and key not in state.only):
            record = state.records.get(key)
            if record is not None:
                self._written_files.update(record.paths)
                if record.contents or record.summaries:  # body_edit may render it again: with this run's objects
                    record.make, record.written = make, self._written_files
            return
        if direct:
            state.queue.append((weight, key, signature, make, self._written_files))
        elif weight < LIST_WEIGHT:  # a page of its own (the edited file's page): on disk at once
            state.produce(key, signature, self._written_files, make)
        else:
            state.queue.append((weight, key, signature, make, self._written_files))


def _then_note(make: Callable[[], None], written: WrittenFiles, path: str) -> Callable[[], None]:
    def made() -> None:
        make()
        written.add(path)

    return made
