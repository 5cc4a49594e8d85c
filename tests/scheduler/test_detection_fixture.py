"""The labelled fixture of real places of the region: no wrong silent assignment, recall floors.

`python bench/detection.py` prints the same table; `pytest -s` prints it here too."""

from __future__ import annotations

import pytest

from bench.detection import REVIEW, load_cases, score, table
from plugins.region.registry import load_registry
from scheduler.curate.detection import Detector

CASES = load_cases()
# measured on the fixture (see the table in the README notes); a drop below is a regression
RECALL_FLOORS = {"ortsteil": 0.95, "stadtteil": 0.95, "compound": 0.95, "hashtag": 0.9, "landmark": 0.95,
                 "umlaut_ascii": 0.95, "municipality": 0.85, "ambiguous": 0.9}
CATEGORIES = {"ortsteil", "stadtteil", "landmark", "compound", "umlaut_ascii", "hashtag", "municipality",
              "ambiguous", "outside"}


@pytest.fixture(scope="module")
def scores():
    result = score(CASES, Detector(load_registry()))
    print("\n" + table(result))
    return result


def test_fixture_is_big_and_labelled():
    assert len(CASES) >= 120
    assert {c.category for c in CASES} == CATEGORIES
    registry = load_registry()
    assert all(c.expected == REVIEW or c.expected in registry.by_ags for c in CASES)


def test_no_wrong_silent_assignment(scores):
    assert scores["all"].wrong == []
    assert scores["all"].precision == 1.0


def test_everything_labelled_review_is_flagged(scores):
    assert scores["all"].flagged == scores["all"].must_flag > 0
    assert scores["outside"].silent == 0


@pytest.mark.parametrize("category", sorted(RECALL_FLOORS))
def test_recall_floor(scores, category):
    assert scores[category].recall >= RECALL_FLOORS[category], table(scores)
