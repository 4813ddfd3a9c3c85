# SPDX-License-Identifier: Apache-2.0
"""The reliability goals, proven in the suite: a small run of scripts/reliability.py.

The quick profile (docs/reliability.md) runs once for the module; each goal is one test, so a
regression names the figure that moved and the cases behind it. The helpers the figures rest
on (replay detection, state comparison, leak scan) are tested on their own first.
"""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from reliability_checks import common, report  # noqa: E402  pylint: disable=wrong-import-position


def _entry(seq, method, digest, outcome="applied", write=True):
    return {"seq": seq, "method": method, "digest": digest, "write": write,
            "outcome": outcome, "fault": None, "start": seq, "end": seq}


def test_a_write_that_ran_twice_in_a_row_is_a_replay():
    log = {"entries": [
        _entry(1, "setNFSNetworkACLsOnShare", "a"),
        _entry(2, "getShare", "g", outcome="ok", write=False),
        _entry(3, "setNFSNetworkACLsOnShare", "a"),          # ran again: replayed
        _entry(4, "createShare", "c", outcome="not executed"),  # cut before it ran
        _entry(5, "createShare", "c"),                       # the re-send that ran: fine
        _entry(6, "createShare", "c", outcome="EZEBI_RESOURCE_EXIST"),  # ran again: replayed
        _entry(7, "setNFSNetworkACLsOnShare", "b"),
        _entry(8, "setNFSNetworkACLsOnShare", "a"),          # an earlier list again: a new write
    ], "dropped": 0}
    assert common.replayed_writes(log) == ["setNFSNetworkACLsOnShare", "createShare"]
    # A new operation began after call 5: its write may repeat the previous operation's.
    assert common.replayed_writes(log, boundaries=[5]) == ["setNFSNetworkACLsOnShare"]
    assert common.replayed_writes(log, boundaries=[6]) == ["setNFSNetworkACLsOnShare",
                                                           "createShare"]


_ENTRIES = st.lists(st.builds(
    lambda method, digest, outcome, write: _entry(0, method, digest, outcome, write),
    st.sampled_from(["createShare", "setNFSNetworkACLsOnShare", "getShare"]),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["applied", "not executed", "EZEBI_RESOURCE_EXIST", "ok"]),
    st.booleans()), max_size=12)


@settings(max_examples=60, deadline=None)  # no deadline: the suite's machine is shared
@given(_ENTRIES, _ENTRIES, st.data())
def test_replays_ignore_calls_that_did_not_run_and_count_each_repeat(entries, noise, data):
    """Reads and calls a fault cut before they ran never change the count; running an executed
    write once more, right after itself, adds exactly one replay."""
    base = common.replayed_writes({"entries": entries})
    quiet = [dict(e, write=False) if e["outcome"] != "not executed" else e for e in noise]
    mixed = list(entries)
    for entry in quiet:
        mixed.insert(data.draw(st.integers(0, len(mixed))), entry)
    assert len(common.replayed_writes({"entries": mixed})) == len(base)
    executed = [i for i, e in enumerate(entries) if e["write"] and e["outcome"] != "not executed"]
    if executed:
        i = data.draw(st.sampled_from(executed))
        again = entries[:i + 1] + [dict(entries[i])] + entries[i + 1:]
        assert len(common.replayed_writes({"entries": again})) == len(base) + 1


def _call(seq, method, start, end, fault=None, digest="a"):
    return dict(_entry(seq, method, digest, "not executed" if fault else "applied"),
                fault=fault, start=start, end=end)


def test_a_call_sent_again_before_its_retry_after_is_an_early_resend():
    faults = {"error_rate": 1.0, "status": 429, "retry_after": 2}
    log = {"entries": [
        _call(1, "createShare", 10.0, 10.1, "http 429"),
        _call(2, "getShare", 10.2, 10.3),                      # a read between: not a re-send
        _call(3, "createShare", 11.0, 11.1),                   # 0.9 s after the reply: early
        _call(4, "createProject", 20.0, 20.1, "http 429"),
        _call(5, "createProject", 22.1, 22.2),                 # 2 s after: as asked
        _call(6, "modifyShareProperties", 30.0, 30.1, "http 429"),
        _call(7, "modifyShareProperties", 30.5, 30.6, digest="b"),  # other arguments
    ]}
    assert common.early_resends(log, faults) == ["createShare"]
    # A new run (or operation) began after call 2: its own createShare is not a re-send.
    assert common.early_resends(log, faults, boundaries=[2]) == []
    # Without a Retry-After nothing is early; an HTTP-date is counted to the whole second.
    assert common.early_resends(log, {"error_rate": 1.0, "status": 503}) == []
    dated = dict(faults, retry_after=1, retry_after_date=True)
    assert common.early_resends(log, dated) == []


def test_state_comparison_names_missing_changed_and_orphan_objects():
    expected = {"p/a": {"quota": 1, "acl_nfs": ["x"]}, "p/b": {}, "p/a@s": {}}
    actual = {"p/a": {"quota": 1, "acl_nfs": ["x", "y"]}, "p/a@s": {}, "p/c": {}}
    mismatches, orphans, details = common.compare_states(expected, actual)
    assert mismatches == ["p/a", "p/b"]
    assert orphans == ["p/c"]
    assert details[0].startswith("p/a: acl_nfs") and "p/b: missing" in details


def test_leak_scan_finds_the_password_and_its_basic_token():
    import base64
    token = base64.b64encode(("%s:%s" % (common.USER, common.PASSWORD)).encode()).decode()
    assert common.leaks("nothing here ********") == 0
    assert common.leaks("password=%s auth=Basic %s" % (common.PASSWORD, token)) == 2


def test_goals_fail_on_a_bad_figure_and_on_a_run_that_exercised_nothing():
    sections = {"durability": {"figures": {"acknowledged_writes": 0,
                                           "acknowledged_writes_lost": 0,
                                           "integrity_failures": 0}}}
    met = {g["figure"]: g["met"] for g in report.goals(sections)}
    assert met == {"acknowledged_writes": False, "acknowledged_writes_lost": True,
                   "integrity_failures": True}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("reliability")
    path = str(out / "quick.json")
    log_path = os.path.join(ROOT, "tests", "output", "reliability", "quick-run.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "reliability.py"),
                               "--profile", "quick", "--json", path],
                              stdout=log, stderr=subprocess.STDOUT, timeout=900, check=False)
    assert proc.returncode == 0, "scripts/reliability.py failed; see %s" % log_path
    with open(path) as handle:
        return json.load(handle)


def _cases_behind(results, section, figure):
    """The cases that contributed to a figure (for the failure message)."""
    data = results["sections"][section]
    items = data.get("cases") or data.get("cycles") or [
        c for m in data.get("modules", []) for c in m["cases"]]
    key = {"end_state_mismatches": "mismatches", "replayed_writes": "replayed",
           "secret_leaks": "leaks", "writes_for_invalid_input": "writes",
           "tracebacks": "traceback", "acknowledged_writes_lost": "lost"}.get(figure, figure)
    return [c for c in items if c.get(key)][:5]


@pytest.mark.parametrize("section,figure", [(s, f) for s, f, _c, _t in report.GOALS],
                         ids=["%s-%s" % (s, f) for s, f, _c, _t in report.GOALS])
def test_reliability_goal(quick_results, section, figure):
    goal = [g for g in quick_results["goals"]
            if (g["section"], g["figure"]) == (section, figure)]
    assert goal, "the quick run has no figure %s/%s" % (section, figure)
    assert goal[0]["met"], "%s %s = %s (goal %s); cases: %s" % (
        section, figure, goal[0]["value"], goal[0]["goal"],
        json.dumps(_cases_behind(quick_results, section, figure), default=str)[:3000])
