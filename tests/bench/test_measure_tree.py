"""bench/measure.py's memory figure is the summed RSS of the whole process tree at one
moment, not the larger of the parent's and one child's."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.measure import TreeSampler, _rss_kib

# A parent holding 60 MiB starts a child holding 60 MiB; both stay alive for a second.
TREE = """
import subprocess, sys, time
held = bytearray(60 * 2**20)
child = subprocess.Popen([sys.executable, "-c", "import time; held = bytearray(60 * 2**20); time.sleep(1.5)"])
child.wait()
"""


def test_sampler_sums_parent_and_children_at_one_moment():
    process = subprocess.Popen([sys.executable, "-c", TREE])
    sampler = TreeSampler(process.pid)
    process.wait()
    own, children = sampler.stop()
    assert own > 60 * 1024 and children > 60 * 1024, (own, children)


def test_a_finished_process_counts_nothing():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    time.sleep(0.01)
    assert _rss_kib(process.pid) == 0


# A parent holding 60 MiB forks a child that only reads it: both resident sets show the
# 60 MiB, the proportional set sizes share them. One byte is written per page, so every page
# is resident and no second, temporary copy exists (os.urandom into a bytearray held 120 MiB
# for a moment, which the PSS sum saw before the fork).
FORKED = """
import os, time
held = bytearray(60 * 2**20)
held[::4096] = b"\\x01" * (len(held) // 4096)
pid = os.fork()
if pid == 0:
    time.sleep(1.5)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_proportional_sizes_count_shared_pages_once():
    process = subprocess.Popen([sys.executable, "-c", FORKED])
    sampler = TreeSampler(process.pid)
    process.wait()
    own, children = sampler.stop()
    assert own > 60 * 1024 and children > 60 * 1024, (own, children)  # RSS: the 60 MiB in both
    assert 60 * 1024 < sampler.pss_peak < own + children - 40 * 1024, (sampler.pss_peak, own, children)
