"""The draw explained in plain German (issue 28 §5): what a visitor reads first has no hash,
no HMAC and no seed; the technical proof is folded away in a <details> and still complete."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from tests.campaigns.test_campaigns_build import GEWINNSPIEL

TECHNICAL = ("SHA", "HMAC", "Seed", "Hex", "UTC", "JSON", "Pseudonym")


def test_the_draw_is_explained_in_plain_german_with_the_proof_folded_away(demo_site):
    page = BeautifulSoup((demo_site / GEWINNSPIEL / "index.html").read_text(encoding="utf-8"), "lxml")
    section = page.select_one("section.draw")
    proof = section.select_one("details.draw__proof")
    assert proof is not None and proof.summary.get_text(strip=True).startswith("Der technische Nachweis")
    proof.extract()
    plain = " ".join(section.get_text(" ").split())
    assert [word for word in TECHNICAL if word in plain] == []
    assert "Jedes Los hat dieselbe Chance." in plain and "Ausgelost am" in plain
    assert "*" not in plain  # no gender star (docs/STYLEGUIDE.md)
    data = json.loads((demo_site / GEWINNSPIEL / "ziehung.json").read_text(encoding="utf-8"))
    folded = proof.get_text(" ")
    assert data["seed"] in folded and data["seed_sha256"] in folded and "HMAC-SHA-256" in folded
    assert "jede*r" not in folded and "alle Teilnehmenden" in folded
