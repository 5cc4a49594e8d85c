"""Pieces of HTML that hundreds of event pages show alike, rendered once per build.

Every event list page (upcoming, archive, months, one per category, district and municipality,
in both languages) shows the filter navigation with all 179 municipalities, and an event's line
sits in five or six of those lists. The templates render such a piece through `RenderedOnce`
(the context's `events_calendar.rendered_once`) with a key that names everything the piece
depends on; a new store comes with every build's context, so nothing outlives the objects it
was made from.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable


class RenderedOnce:
    """rendered_once(key, render, *args): what render(*args) returned the first time `key` was
    asked for. The key must decide the output: the template passes the page's language and
    SITEURL with the piece's own inputs. A callable, so the preview's fingerprints of the
    context (plugins/preview/fingerprint.py) see its name, never the pieces it holds."""

    def __init__(self) -> None:
        self._made: dict[Hashable, str] = {}
        self._per_item: dict[tuple[Hashable, int], tuple[object, str]] = {}

    def __call__(self, key: Hashable, render: Callable[..., str], *args) -> str:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = render(*args)
        return found

    def per_item(self, key: Hashable, item: object, render: Callable[[object], str]) -> str:
        """render(item) once per item object (an occurrence) and key (language, SITEURL): the
        piece depends on the object, not on a list of its fields to keep in step. The object
        is held with its piece, so its id is not reused for another while the store lives."""
        found = self._per_item.get((key, id(item)))
        if found is None or found[0] is not item:
            found = self._per_item[key, id(item)] = (item, render(item))
        return found[1]
