"""German sentences about a municipality, generated from the registry (never typed by hand)."""

from __future__ import annotations

from .registry import Municipality


def municipality_sentence(municipality: Municipality) -> str:
    """"Plochingen ist eine Stadt im Landkreis Esslingen." — the lead of a municipality page."""
    if municipality.district.startswith("Stadtkreis"):
        return f"{municipality.name} ist ein Stadtkreis und das Zentrum der Region Stuttgart."
    article = "eine" if municipality.kind in ("Stadt", "Gemeinde") else "die"
    return f"{municipality.name} ist {article} {municipality.kind} im {municipality.district}."
