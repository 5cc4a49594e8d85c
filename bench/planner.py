"""The fair rotation planner: speed on a year of slots and its fairness against FIFO.

    .venv/bin/python bench/planner.py [--candidates 50000]

Candidates are spread over the 179 municipalities by a Zipf law (Stuttgart has most), the
slots are a year of the default Mon/Wed/Fri 18:00 schedule. Both planners run on the same
data in this script; the fairness figure is the number of distinct municipalities featured.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.region.registry import load_registry  # noqa: E402
from scheduler.plan.rotation import Candidate, best_possible, distinct_municipalities, plan, plan_fifo  # noqa: E402
from scheduler.plan.slots import ChannelSchedule, next_slots  # noqa: E402

START = datetime(2026, 11, 23, tzinfo=timezone.utc)


def zipf_candidates(count: int, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    municipalities = sorted(load_registry(), key=lambda m: (m.name != "Stuttgart", rng.random()))
    weights = [1 / rank for rank in range(1, len(municipalities) + 1)]
    chosen = rng.choices(municipalities, weights=weights, k=count)
    return [Candidate(f"post-{i}", m.ags, m.district_slug, f"author{rng.randrange(count // 3 + 1)}",
                      START - timedelta(minutes=rng.randrange(600_000)), rng.random())
            for i, m in enumerate(chosen)]


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=50_000)
    args = parser.parse_args()
    slots = next_slots(ChannelSchedule(), START, 52 * 3)
    candidates = zipf_candidates(args.candidates)
    fair_time, fair = timed(plan, slots, candidates)
    fifo_time, fifo = timed(plan_fifo, slots, candidates)
    with_content = len({c.ags for c in candidates})
    print(f"{len(slots)} slots (52 weeks x 3), {len(candidates)} candidates in {with_content} municipalities (Zipf)")
    print(f"  fair planner   {fair_time * 1000:8.1f} ms   distinct municipalities {distinct_municipalities(fair):4d}")
    print(f"  FIFO baseline  {fifo_time * 1000:8.1f} ms   distinct municipalities {distinct_municipalities(fifo):4d}")
    print(f"  best possible                   distinct municipalities {best_possible(slots, candidates):4d}")
    print(f"  fairness ratio fair/FIFO        {distinct_municipalities(fair) / max(1, distinct_municipalities(fifo)):5.2f}x")
    print(f"  plan time {fair_time:.3f} s  (floor <= 1 s)")


if __name__ == "__main__":
    main()
