# SPDX-License-Identifier: Apache-2.0
"""scripts/bench_load.py --compare: the two simulators take turns and each phase is the median
of its rounds, so that a drift of the machine's speed during the run weighs on both alike.
No simulator runs here: one round's measurement is replaced by a recorder."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import bench_load  # noqa: E402  pylint: disable=wrong-import-position


def _row(rate, cpu, calls, connections):
    return {"requests_per_s": rate, "calls": calls, "server_cpu_ms_per_call": cpu,
            "connections": connections}


def test_rounds_alternate_ours_theirs_theirs_ours(monkeypatch):
    turns = []

    def fake_once(seconds, threads, cwd=None):
        turns.append("ours" if cwd is None else "baseline")
        rate = 100.0 * len(turns)
        return {"read": _row(rate, 1.0 / len(turns), 10, None if cwd else 5)}

    monkeypatch.setattr(bench_load, "measure_once", fake_once)
    monkeypatch.setattr(bench_load, "simulator_of", _fake_tree)
    results = bench_load.measure(seconds=1, threads=4, rounds=3, compare="abc")
    assert turns == ["ours", "baseline", "baseline", "ours", "ours", "baseline"]
    ours, theirs = results["ours"]["read"], results["baseline"]["read"]
    assert ours["rounds"] == [100.0, 400.0, 500.0] and ours["requests_per_s"] == 400.0
    assert theirs["rounds"] == [200.0, 300.0, 600.0] and theirs["requests_per_s"] == 300.0
    assert ours["calls"] == 30 and ours["connections"] == 15
    assert theirs["connections"] is None  # the old simulator counts none
    assert ours["server_cpu_ms_per_call"] == round(1.0 / 4, 3)  # median of 1, 1/4, 1/5


def test_without_compare_only_ours_is_measured(monkeypatch):
    turns = []

    def fake_once(seconds, threads, cwd=None):
        turns.append(cwd)
        return {"read": _row(10.0, 0.5, 1, 1)}

    monkeypatch.setattr(bench_load, "measure_once", fake_once)
    results = bench_load.measure(seconds=1, threads=2, rounds=2)
    assert turns == [None, None] and list(results) == ["ours"]


class _fake_tree(object):  # pylint: disable=invalid-name
    """simulator_of without git: the baseline's tree is a name."""

    def __init__(self, commit):
        self.commit = commit

    def __enter__(self):
        return None if self.commit is None else "/tree/" + self.commit

    def __exit__(self, *exc):
        return False


def test_baseline_alone_measures_only_that_commit(monkeypatch):
    turns = []

    def fake_once(seconds, threads, cwd=None):
        turns.append(cwd)
        return {"read": _row(10.0, 0.5, 1, None)}

    monkeypatch.setattr(bench_load, "measure_once", fake_once)
    monkeypatch.setattr(bench_load, "simulator_of", _fake_tree)
    results = bench_load.measure(seconds=1, threads=2, rounds=2, compare="abc", ours=False)
    assert turns == ["/tree/abc", "/tree/abc"] and list(results) == ["baseline"]
