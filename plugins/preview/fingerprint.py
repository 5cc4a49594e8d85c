"""What an output file is made from, as one number, without rendering it.

An output is written again only when the fingerprint of everything its template can see
changes: the variables the generator passes (kwargs) and the context variables the
template and the templates it includes/extends read (found once per template with
jinja2.meta). A content object read from a file (anything with `source_path`) stands for
itself by the file's size and modification time, so a list of 5,000 articles costs 5,000
stat results, not a walk through 5,000 objects. Fingerprints are Python hashes: the preview
compares them only within its own process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal

from jinja2 import meta
from pelican.urlwrappers import URLWrapper

from plugins.files import file_stamp
from plugins.sanitize import may_link_other_files

# Attributes that reach the whole site (settings, the shared context) or the environment:
# they would make every object depend on everything; what they hold is fingerprinted where
# a template really reads it.
SKIPPED_ATTRIBUTES = frozenset({"settings", "_context", "context", "env", "_cached", "readers"})
SCALARS = (str, int, float, bool, bytes, date, datetime, time, Decimal, type(None))


class Fingerprints:
    """One per preview run: memoised by object identity (objects are kept alive meanwhile,
    so an id is never reused within the run)."""

    digest = staticmethod(hash)  # plugins/incremental swaps in a digest that is the same in every process

    def __init__(self, links_epoch: int = 0) -> None:
        self.links_epoch = links_epoch  # changes when any content object's URL does
        self._memo: dict[int, tuple[object, int]] = {}
        self._stamps: dict[str, tuple[int, int] | None] = {}
        self._names: dict[tuple[frozenset[str], frozenset[str]], tuple[str, ...]] = {}
        self._globals: dict[tuple, tuple[tuple, int]] = {}

    def known(self, path: str, stamp: tuple[int, int] | None) -> None:
        """A stamp taken this run already (the session's reader): no second stat."""
        self._stamps[path] = stamp

    def stamp(self, path: str) -> tuple[int, int] | None:
        if path not in self._stamps:
            self._stamps[path] = file_stamp(path)
        return self._stamps[path]

    def forget_values(self) -> None:
        """Drop the digests kept per object, and the objects they keep alive: once every
        output's signature is taken they only hold memory (10 MB at 3,000 events) while the
        pages render, in every forked worker too."""
        self._memo.clear()

    def of(self, value: object) -> int:
        if isinstance(value, SCALARS):
            return self.digest((type(value).__name__, value))
        key = id(value)
        found = self._memo.get(key)
        if found is not None:
            return found[1]
        self._memo[key] = (value, 0)  # a cycle sees 0 instead of recursing forever
        result = self._compute(value)
        self._memo[key] = (value, result)
        return result

    def context_part(self, used: frozenset[str], context: Mapping, passed: Mapping) -> int:
        """The digest of the context variables a template reads that the call does not pass.
        12,000 article pages read the same 30 context values: the digest is kept per (names,
        identity of each value), the values held meanwhile so no id is reused in the run."""
        keys = frozenset(passed)
        names = self._names.get((used, keys))
        if names is None:
            names = self._names[(used, keys)] = tuple(name for name in sorted(used) if name not in keys)
        values = tuple(map(context.get, names))  # 20 names for every one of 8,000 outputs per save
        key = (names, tuple(map(id, values)))
        found = self._globals.get(key)
        if found is None:
            found = self._globals[key] = (values, self.digest(tuple(
                (name, self.of(value)) for name, value in zip(names, values))))
        return found[1]

    def _compute(self, value: object) -> int:
        if isinstance(value, str):  # Markup and other str subclasses
            return self.digest(str(value))
        if isinstance(value, (list, tuple)):
            return self.digest((type(value).__name__, *map(self.of, value)))
        if isinstance(value, (set, frozenset)):
            return self.digest(frozenset(map(self.of, value)))
        if isinstance(value, Mapping):
            return self.digest(tuple((self.of(k), self.of(v)) for k, v in value.items()))
        source = getattr(value, "source_path", None)
        if isinstance(source, str):
            return self._content(value, source)
        if isinstance(value, URLWrapper):
            return self.digest((type(value).__name__, value.name, value.slug))
        if callable(value) or isinstance(value, type):
            return self.digest(getattr(value, "__qualname__", type(value).__name__))
        fields = getattr(value, "__dict__", None)
        if fields is None:
            fields = {name: getattr(value, name) for name in getattr(value, "__dataclass_fields__", ())}
        return self.digest((type(value).__qualname__,
                     *((name, self.of(item)) for name, item in fields.items() if name not in SKIPPED_ATTRIBUTES)))

    def _content(self, value: object, source: str) -> int:
        """A content object is its file; plus what a build derives from outside that file:
        the current time (upcoming events) and other objects' URLs for {filename} links."""
        raw = getattr(value, "_content", None)
        if not isinstance(raw, str):  # an Event keeps only rendered HTML in `content`: its source is here
            raw = getattr(value, "source_body", None)
        links = self.links_epoch if isinstance(raw, str) and may_link_other_files(raw) else 0
        return self.digest((type(value).__qualname__, source, self.stamp(source), getattr(value, "is_upcoming", None),
                     getattr(value, "status", None), links))


_PARSED: dict[tuple, tuple[frozenset[str], tuple[str, ...]]] = {}


def _read(env, name: str, source: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(the context names a template's own source reads, the templates it extends, includes or
    imports by name), found once per source text: every generator has its own environment
    (parsing the theme for each of them took seconds), and a long-lived process asks again
    on every run."""
    key = (name, source, tuple(sorted(env.extensions)))
    if key not in _PARSED:
        tree = env.parse(source)
        _PARSED[key] = (frozenset(meta.find_undeclared_variables(tree)),
                        tuple(child for child in meta.find_referenced_templates(tree) if child))
    return _PARSED[key]


def template_inputs(env, name: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """What an output made with template `name` depends on in the theme: the context variables
    it and every template it extends or includes may read, and the sources of all of them
    (each read once)."""
    names: set[str] = set()
    sources: dict[str, str] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in sources:
            continue
        sources[current] = env.loader.get_source(env, current)[0]
        read, children = _read(env, current, sources[current])
        names |= read
        pending.extend(children)
    return frozenset(names), tuple(sorted(sources.items()))


def output_signature(prints: Fingerprints, used: frozenset[str], context: Mapping, kwargs: Mapping,
                     extra: tuple) -> int:
    """Everything the output of one write_file call can depend on."""
    return prints.digest((extra, prints.of(kwargs), prints.context_part(used, context, kwargs)))


ContextNames = Callable[[object], frozenset[str]]
