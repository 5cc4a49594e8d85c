"""Render a large group of pages across CPU cores, with the same bytes as one process would.

Pelican renders one page after another in one process. For the big page groups (community
post pages, event pages, municipality pages, calendars) `each()` forks worker processes
after the context is complete: every worker inherits the whole context copy-on-write, so
nothing is pickled; only the page indices are divided (worker k takes k, k+n, k+2n, ...)
and every page is written to its own file, so the output is the same as sequential
rendering (tests/test_parallel_build.py compares both byte for byte).

The parent renders its share too and then waits; a worker that fails makes the build fail.
The file names a worker wrote are sent back through a pipe into the writer's bookkeeping,
so Pelican's "already written" check still sees them.

Pelican's own article and page output (articles, index, archives, category and tag pages,
pages) takes the same path through `spread_output()`: the generator's generate_output runs
against a stand-in writer that turns every write_file call into one job per output file
(pagination split page by page), and the jobs are rendered with each().

Settings: BUILD_WORKERS (default: the number of cores; 1 = sequential) and
BUILD_PARALLEL_MIN (groups smaller than this stay sequential; default 64).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import sys
import traceback
from collections.abc import Callable

from jinja2 import BytecodeCache
from pelican import signals
from pelican.paginator import Paginator
from pelican.utils import sanitised_join

logger = logging.getLogger(__name__)
DEFAULT_MIN = 64


def worker_count(settings, count: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = settings.get("BUILD_WORKERS") or cores
    if not hasattr(os, "fork") or count < int(settings.get("BUILD_PARALLEL_MIN", DEFAULT_MIN)):
        return 1
    return max(1, min(int(workers), count))


def each(settings, count: int, work: Callable[[int], None], writer=None,
         collect: Callable[[], bytes] | None = None, merge: Callable[[bytes], None] | None = None) -> None:
    """Call work(i) for i in range(count), spread over forked workers when worth it.

    A worker sends back the files it wrote (into the writer's bookkeeping) or, with
    `collect`, the bytes collect() returns, which the parent hands to `merge`."""
    workers = worker_count(settings, count)
    if workers == 1:
        for index in range(count):
            work(index)
        return
    written_before = set(writer._written_files) if writer is not None else set()
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # the inherited objects stay shared instead of being copied by the collector
    children: list[tuple[int, int]] = []
    try:
        for number in range(1, workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # worker
                os.close(read_end)
                code = 0
                try:
                    for index in range(number, count, workers):
                        work(index)
                    if collect is not None:
                        data = collect()
                    elif writer is not None:
                        data = "\n".join(sorted(writer._written_files - written_before)).encode("utf-8")
                    else:
                        data = b""
                    with os.fdopen(write_end, "wb") as pipe:
                        pipe.write(data)
                except BaseException:  # noqa: BLE001 - report anything, then leave without cleanup
                    traceback.print_exc()
                    code = 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        for index in range(0, count, workers):
            work(index)
    finally:
        failed = 0
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            if status != 0:
                failed += 1
            elif merge is not None:
                merge(data)
            elif writer is not None and data:
                writer._written_files.update(data.decode("utf-8").split("\n"))
        gc.unfreeze()
    if failed:
        raise RuntimeError(f"{failed} page rendering worker(s) failed; see the traceback above")


def each_into(settings, count: int, work: Callable[[int], None], results: dict) -> None:
    """each() for work that fills the dict `results`: what a worker put in comes back pickled
    and is added to the parent's."""
    each(settings, count, work, collect=lambda: pickle.dumps(results),
         merge=lambda data: results.update(pickle.loads(data)))


class JobWriter:
    """Stands in for Pelican's Writer while a generator's generate_output runs: write_file
    calls become jobs, one per output file; every other call (write_feed, ...) goes to the
    real writer at once, in the order Pelican makes it."""

    def __init__(self, writer) -> None:
        self._writer = writer
        self.jobs: list[Callable[[], None]] = []

    def __getattr__(self, name: str):
        return getattr(self._writer, name)

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs) -> None:
        writer = self._writer
        if not name:
            return
        if paginated is None:  # Pelican's default: paginate these two lists when present
            paginated = {key: value for key, value in kwargs.items() if key in {"articles", "dates"}}
        if not (paginated and template_name in writer.settings["PAGINATED_TEMPLATES"]):
            self.jobs.append(lambda: writer.write_file(name, template, context, relative_urls, paginated,
                                                       template_name, override_output, url, **kwargs))
            return
        per_page = writer.settings["PAGINATED_TEMPLATES"][template_name] or writer.settings["DEFAULT_PAGINATION"]
        paginators = {key: Paginator(name, url, value, writer.settings, per_page) for key, value in paginated.items()}
        pages = next(iter(paginators.values())).num_pages
        for number in range(1, pages + 1):
            self.jobs.append(lambda number=number: write_page(writer, template, context, relative_urls,
                                                               override_output, paginators, number, kwargs))


def page_variables(paginators: dict, number: int) -> dict:
    """The variables Pelican's Writer gives page `number` (1-based) of a paginated list."""
    variables = {}
    for key, paginator in paginators.items():
        variables.update({
            f"{key}_paginator": paginator,
            f"{key}_page": paginator.page(number),
            f"{key}_previous_page": paginator.page(number - 1) if number > 1 else None,
            f"{key}_next_page": paginator.page(number + 1) if number < paginator.num_pages else None,
        })
    return variables


def write_page(writer, template, context, relative_urls, override_output, paginators, number, kwargs) -> None:
    """One page of a paginated list, as Pelican's Writer.write_file writes it (same variables,
    same file, same content_written signal)."""
    variables = {**kwargs, **page_variables(paginators, number)}
    save_as = variables[f"{next(iter(paginators))}_page"].save_as
    local = context.copy()
    local["localsiteurl"] = local.get("localsiteurl", None)
    if relative_urls:
        from pelican.utils import get_relative_path, path_to_url

        local["SITEURL"] = local["localsiteurl"] = path_to_url(get_relative_path(save_as))
    local["output_file"] = save_as
    local.update(variables)
    if local["localsiteurl"]:
        context["localsiteurl"] = local["localsiteurl"]
    output = template.render(local)
    path = sanitised_join(writer.output_path, save_as)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with writer._open_w(path, "utf-8", override=override_output) as handle:
        handle.write(output)
    logger.info('Writing "%s"', path)
    signals.content_written.send(path, context=local)


def spread_output(generator) -> None:
    """Render a Pelican generator's write_file output across the cores (see the docstring)."""
    original = generator.generate_output

    def generate_output(writer) -> None:
        if hasattr(writer, "unchanged_output"):  # the preview's writer decides per call, in one process
            original(writer)
            return
        collector = JobWriter(writer)
        original(collector)
        jobs = collector.jobs
        each(generator.settings, len(jobs), lambda index: jobs[index](), writer)

    generator.generate_output = generate_output


def spread_pelican_output(generators) -> None:
    """all_generators_finalized: articles and pages (Pelican's own generators) go parallel too."""
    from pelican.generators import ArticlesGenerator, PagesGenerator

    for generator in generators:
        if isinstance(generator, (ArticlesGenerator, PagesGenerator)):
            spread_output(generator)


def write_generated(writer, path: str, inputs: object, write: Callable[[], None]) -> None:
    """A file a generator writes itself (feeds, calendars). `inputs` is everything the file
    is made from: the preview's writer (plugins/preview) skips `write` when they are unchanged."""
    remember = getattr(writer, "unchanged_output", None)
    if remember is None:
        write()
    else:
        remember(str(path), inputs, write)


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory: shared by every generator of the process (and
    inherited by the forked workers), since Pelican gives each generator its own Jinja
    environment and base.html and its includes were compiled once per generator; and kept
    across the live preview's runs (plugins/preview), where compiling the theme again took
    longer than rendering an edit. Jinja checks the source's checksum, so an edited template
    is compiled afresh."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = SharedBytecode()


def share_compiled_templates(generator) -> None:
    """generator_init: before any template is loaded (a cache set in JINJA_ENVIRONMENT stays)."""
    env = getattr(generator, "env", None)
    if env is not None and env.bytecode_cache is None:
        env.bytecode_cache = SHARED_BYTECODE
