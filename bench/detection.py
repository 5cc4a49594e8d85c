"""Municipality detection on the labelled fixture: precision and recall per category.

    python bench/detection.py [FIXTURE.csv]

precision = correct silent assignments / all silent assignments (a silent assignment is one
without a review flag: the post gets that municipality with nobody looking);
recall    = cases whose expected AGS was assigned or suggested / all cases with an expected AGS;
flagged   = cases labelled "review" that were indeed flagged / all cases labelled "review".
The same functions back tests/scheduler/test_detection_fixture.py, which asserts the floors.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from plugins.region.registry import load_registry  # noqa: E402
from scheduler.curate.detection import Detection, Detector  # noqa: E402

FIXTURE = ROOT / "tests" / "scheduler" / "detection_fixture.csv"
REVIEW = "review"


@dataclass(frozen=True)
class Case:
    category: str
    location: str | None
    caption: str | None
    hashtags: tuple[str, ...]
    expected: str  # an AGS, or "review": must be flagged

    def run(self, detector: Detector) -> Detection:
        return detector.detect(self.location, self.caption, self.hashtags)


@dataclass
class Score:
    cases: int = 0
    silent: int = 0
    silent_correct: int = 0
    with_ags: int = 0
    found: int = 0  # expected AGS assigned or suggested
    must_flag: int = 0
    flagged: int = 0
    wrong: list[str] = field(default_factory=list)  # silent assignments that are wrong

    @property
    def precision(self) -> float:
        return self.silent_correct / self.silent if self.silent else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.with_ags if self.with_ags else 1.0


def load_cases(path: Path = FIXTURE) -> list[Case]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [Case(row["category"], row["location"] or None, row["caption"] or None,
                     tuple(row["hashtags"].split()), row["expected"].strip())
                for row in csv.DictReader(handle)]


def score(cases: list[Case], detector: Detector) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for case in cases:
        result = case.run(detector)
        for key in (case.category, "all"):
            s = scores.setdefault(key, Score())
            s.cases += 1
            if result.certain:
                s.silent += 1
                if result.ags == case.expected:
                    s.silent_correct += 1
                else:
                    s.wrong.append(f"{case.location or case.caption or case.hashtags} → {result.ags}")
            if case.expected == REVIEW:
                s.must_flag += 1
                s.flagged += result.needs_review
            else:
                s.with_ags += 1
                s.found += result.ags == case.expected
    return scores


def table(scores: dict[str, Score]) -> str:
    lines = [f"{'category':<13} {'cases':>5} {'silent':>6} {'precision':>9} {'recall':>7} {'flagged':>8}"]
    for name in sorted(scores, key=lambda n: (n == "all", n)):
        s = scores[name]
        flagged = f"{s.flagged}/{s.must_flag}" if s.must_flag else "–"
        lines.append(f"{name:<13} {s.cases:>5} {s.silent:>6} {s.precision:>9.2f} {s.recall:>7.2f} {flagged:>8}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    cases = load_cases(Path(argv[0]) if argv else FIXTURE)
    detector = Detector(load_registry())
    start = time.perf_counter()
    scores = score(cases, detector)
    elapsed = time.perf_counter() - start
    print(table(scores))
    print(f"\n{len(cases)} cases, {elapsed / len(cases) * 1000:.2f} ms per post")
    for line in scores["all"].wrong:
        print("WRONG silent assignment:", line)
    return 1 if scores["all"].wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
