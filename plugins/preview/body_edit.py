"""An edited body without the full pass.

Most commits and saves change the text of an article or page and nothing else. The full
pass then walks every file and every output (3-4 s at 12,000 articles) to find that only
the edited page, its summary's lists and the feeds that carry the body changed. Here, when
every changed file is a kept article or page and its file read again differs from the kept
object in its body only (title, date, category, tags, summary, status, URL, ... all the
same), the new body is put into the kept object, and only the outputs that read that body,
or its summary when the summary changed, are rendered again (plugins/preview/body_reads.py
noted them when they rendered last). Anything else (a new, deleted or renamed file, a
changed field, a link to another file, a data, theme or image change) returns None: the
caller runs the full pass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pelican import signals
from pelican.contents import Article, Page

from plugins import validation
from plugins.sanitize import may_link_other_files

from . import body_reads
from .page_first import owners
from .writer import PreviewState

READ_SIGNALS = {Article: (signals.article_generator_preread, signals.article_generator_context),
                Page: (signals.page_generator_preread, signals.page_generator_context)}
# attributes not compared: the body, this run's shared context, and the translations, which
# the generator links once every file is read (from the fields, which must be the same)
BODY_ATTRIBUTES = frozenset({"_content", "_context", "translations"})


@dataclass
class Edit:
    kept: object  # the object every output of the last run was rendered from
    fresh: object  # the file read again
    stamp: tuple[int, int] | None
    key: tuple[str, type]  # its entry in the session's kept reads


def same_apart_from_body(kept: object, fresh: object) -> bool:
    """Every attribute the fresh object has, the kept one has with an equal value (the kept
    one has more: what the plugins add once all files are read); functions by their name."""
    before, after = vars(kept), vars(fresh)
    if not after.keys() <= before.keys():
        return False
    for name, value in after.items():
        old = before[name]
        if name in BODY_ATTRIBUTES:
            continue
        if name == "settings" or (callable(value) and callable(old)):
            same = old is value or getattr(old, "__qualname__", 0) == getattr(value, "__qualname__", 1)
        else:
            try:
                same = bool(old == value)
            except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
                same = False
        if not same:
            return False
    return True


def read_again(generator, item: object) -> object:
    """The file of `item` read as its generator reads it (the plugins' reading signals included)."""
    preread, context_signal = READ_SIGNALS[type(item)]
    fresh = generator.readers.read_file(
        base_path=generator.path, path=os.path.relpath(item.source_path, generator.path), content_class=type(item),
        context=generator.context, preread_signal=preread, preread_sender=generator,
        context_signal=context_signal, context_sender=generator)
    if hasattr(fresh, "refresh_metadata_intersite_links"):
        fresh.refresh_metadata_intersite_links()  # as the generator does for every object once all are read
    return fresh


def prepare(changed: set[str], generators: list, reads: dict) -> list[Edit] | None:
    """The edits, when every file in `changed` (absolute paths) is a body edit; else None."""
    known = owners(generators)
    edits = []
    for source in sorted(changed):
        if source not in known:
            return None
        generator, item = known[source]
        key = (source, type(item))
        if type(item) not in READ_SIGNALS or reads.get(key, (None, None))[1] is not item:
            return None  # not kept: read afresh every run (links to other files, problems)
        problems = len(validation.problems())
        try:
            fresh = read_again(generator, item)
        except Exception:  # noqa: BLE001 - the full pass reports it as it does every error
            return None
        raw = getattr(fresh, "_content", None)
        if (len(validation.problems()) != problems or type(fresh) is not type(item)
                or not isinstance(raw, str) or may_link_other_files(raw) or not same_apart_from_body(item, fresh)):
            return None
        edits.append(Edit(item, fresh, reads[key][0] if key in reads else None, key))
    return edits or None  # every output that read a body keeps its `make` (PreviewState.produce)


def apply(edits: list[Edit], reads: dict, state: PreviewState) -> list[str]:
    """Put each new body into its kept object and render the outputs that show it; returns
    the outputs rendered (the pages first, then the lists)."""
    outputs: set[str] = set()
    for edit in edits:
        source = edit.kept.source_path
        summary = edit.kept.summary
        edit.kept._content = edit.fresh._content
        body_reads.forget_memos(edit.kept)
        summary_changed = edit.kept.summary != summary
        reads[edit.key] = (edit.stamp, edit.kept)
        outputs |= {key for key, record in state.records.items()
                    if source in record.contents or (summary_changed and source in record.summaries)}
    state.rendered, state.removed = [], []
    for key in sorted(outputs, key=lambda key: (len(state.records[key].summaries), key)):
        state.render_again(key)
    return list(state.rendered)
