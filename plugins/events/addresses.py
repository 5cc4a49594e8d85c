"""Does an event's address lie in the municipality it is filed under?

The web editor once filed an Esslingen Instawalk under Altdorf (issue #28); the address
still said Esslingen. The place of the address (after the postcode) is looked up like every
place name of the project: the registry's names and aliases (plugins/region/registry.py),
then the gazetteer's Ortsteile and Stadtteile (plugins/region/places.py). Only a place that
names exactly one municipality counts; an unknown or ambiguous one, a place outside the
region or an event without municipalities gives no warning.
"""

from __future__ import annotations

from plugins.region.places import Gazetteer
from plugins.region.registry import Municipality, Registry

from .model import ADDRESS_PATTERN


def address_municipality(address: str, registry: Registry, gazetteer: Gazetteer | None) -> Municipality | None:
    match = ADDRESS_PATTERN.match(address or "")
    if not match:
        return None
    locality = match.group("locality").strip()
    candidates = [locality, *(part.strip() for part in locality.split("-") if "-" in locality)]
    for name in candidates:  # "Stuttgart-Vaihingen": the whole name, then its parts
        found = registry.lookup_name(name)
        if len(found) == 1:
            return found[0]
        if found:
            return None  # ambiguous (Altdorf): say nothing
        places = gazetteer.lookup(name) if gazetteer is not None else ()
        agss = {p.ags for p in places}
        if len(agss) == 1 and None not in agss:
            try:
                return registry.get(agss.pop())
            except Exception:  # an AGS the registry lacks: nothing to compare
                return None
        if places:
            return None
    return None


def address_mismatch(address: str, chosen: list[Municipality], registry: Registry,
                     gazetteer: Gazetteer | None) -> str:
    """A warning's text when the address names another municipality than the chosen ones, else ""."""
    if not chosen:
        return ""
    found = address_municipality(address, registry, gazetteer)
    if found is None or any(m.slug == found.slug for m in chosen):
        return ""
    names = ", ".join(f"{m.name} ({m.district})" for m in chosen)
    return (f"the address {address!r} lies in {found.name} ({found.district}), but the event is filed under "
            f"{names}; expected the address's municipality among `municipality` (or check the address)")
