# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.quota in-process against the simulator (HTTPS, verification on)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import quota
from module_runner import (
    assert_refused,
    client,
    lose_the_next_reply,
    PASSWORD,
    run_examples,
    run_module,
    simulator_fixture,
    wait_until,
    writes,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref

GIB = 1024 ** 3
POOL, PROJECT = "pool-b", "unit_quota"


def prepare(api, proc):
    api.create_project(project_ref(POOL, PROJECT))
    api.create_share(share_ref(POOL, PROJECT, "s1"))
    api.create_share(share_ref(POOL, PROJECT, "s2"))
    proc.set_used("%s/Local/%s/s1" % (POOL, PROJECT), 2 * GIB)
    proc.set_used("%s/Local/%s/s2" % (POOL, PROJECT), GIB)


sim = simulator_fixture(prepare)


def run(sim, capsys, **args):
    args.setdefault("pool", POOL)
    args.setdefault("project", PROJECT)
    return run_module(quota.main, sim, capsys, **args)


@pytest.mark.parametrize("args, words", [
    (dict(share="s1"), "one of the following is required: quota, reservation"),
    (dict(share="s1", quota="10 parsecs"), "quota: '10 parsecs' is not a size"),
    (dict(share="s1", quota=0), "quota: 0 is not a valid size; use 'none' to remove the quota"),
    (dict(share="s1", reservation=-1), "reservation: -1 is not a valid size; use 'none'"),
    (dict(quota="1T", reservation="1G"), "reservation: projects have no reservation"),
    (dict(share="s 1", quota="1G"), "share: 's 1' must not contain white space"),
    (dict(share="s1", pool="pool/b", quota="1G"), "pool: 'pool/b' is not a pool name"),
])
def test_bad_input_fails_before_any_call(sim, capsys, args, words):
    assert_refused(run, sim, capsys, args, words)


@pytest.mark.parametrize("args, words", [
    (dict(share="nope", quota="1G"), "share: share 'nope' does not exist in project 'unit_quota' of pool 'pool-b'"),
    (dict(project="nope", quota="1G"), "project: project 'nope' does not exist in pool 'pool-b'"),
    (dict(share="s1", project="nope", quota="1G"), "project: project 'nope' does not exist in pool 'pool-b'"),
    (dict(share="s1", pool="pool-z", quota="1G"), "pool: pool 'pool-z' does not exist on the array"),
    (dict(share="s1", quota="1G"), "quota: 1 GiB (1073741824 bytes) is below the 2 GiB (2147483648 bytes) "
                                   "already used by pool-b/Local/unit_quota/s1"),
    (dict(quota="2G"), "quota: 2 GiB (2147483648 bytes) is below the 3 GiB (3221225472 bytes) already used "
                       "or reserved by the shares of pool-b/Local/unit_quota"),
    (dict(share="s1", quota="5G", reservation="6G"), "reservation: 6 GiB (6442450944 bytes) is above the quota"),
    (dict(share="s2", reservation="5T"), "reservation: reserving 5 TiB"),
])
def test_refused_values_write_nothing(sim, capsys, args, words):
    assert_refused(run, sim, capsys, args, words, no_call=False)


def test_share_limits(sim, capsys):
    sim.reset_calls()
    result, _out = run(sim, capsys, share="s1", quota="10GiB", reservation="4g", _ansible_check_mode=True)
    assert result["changed"] is True and writes(sim) == 0

    result, out = run(sim, capsys, share="s1", quota="10GiB", reservation="4g", _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"quota_bytes": 0, "reservation_bytes": 0},
                              "after": {"quota_bytes": 10 * GIB, "reservation_bytes": 4 * GIB}}
    assert (result["quota"], result["reservation"], result["used_bytes"]) == ("10 GiB", "4 GiB", 2 * GIB)
    assert PASSWORD not in out

    sim.reset_calls()
    result, _out = run(sim, capsys, share="s1", quota=10 * GIB, reservation=4 * GIB)
    assert result["changed"] is False
    calls = sim.calls()
    assert calls["writes"] == 0 and calls["reads"] == 1

    # Quota below the old reservation: the reservation moves first, nothing is refused.
    result, _out = run(sim, capsys, share="s1", quota="3G", reservation="2560M")
    assert result["changed"] is True and result["quota_bytes"] == 3 * GIB

    result, _out = run(sim, capsys, share="s1", quota="none", reservation="none")
    assert result["changed"] is True
    assert (result["quota_bytes"], result["quota"], result["reservation_bytes"]) == (0, None, 0)


def test_project_quota(sim, capsys):
    result, _out = run(sim, capsys, quota="1.5T", _ansible_diff=True)
    assert result["changed"] is True
    assert result["quota_bytes"] == 1536 * GIB and result["used_bytes"] == 3 * GIB
    sim.reset_calls()
    result, _out = run(sim, capsys, quota="1536G")
    assert result["changed"] is False and writes(sim) == 0
    result, _out = run(sim, capsys, quota="none")
    assert result["changed"] is True and result["quota_bytes"] == 0


def test_examples_run_as_written(sim, capsys):
    with client(sim) as api:
        api.create_project(project_ref("pool-a", "engineering"))
        api.create_share(share_ref("pool-a", "engineering", "builds"))
    results = run_examples(quota, sim, capsys)
    assert [result["changed"] for result in results.values()] == [True, True, True]
    assert results["Remove the reservation of the builds share, keep its quota"]["quota_bytes"] == 200 * GIB


def test_project_quota_counts_the_shares_reservations(sim, capsys):
    # s1 uses 2 GiB, s2 uses 1 GiB and reserves 1.5 GiB: the project quota covers 3.5 GiB (C7).
    result, _out = run(sim, capsys, share="s2", reservation="1536M")
    assert result["changed"] is True
    try:
        sim.reset_calls()
        result, _out = run(sim, capsys, quota="3G")
        assert result["failed"] is True
        assert "is below the 3.50 GiB (3758096384 bytes) already used or reserved by the shares of " \
               "pool-b/Local/unit_quota" in result["msg"]
        assert writes(sim) == 0
        result, _out = run(sim, capsys, quota="3584M")
        assert result["changed"] is True and result["quota_bytes"] == 3584 * 1024 ** 2
    finally:
        run(sim, capsys, quota="none")
        run(sim, capsys, share="s2", reservation="none")


def test_reservation_beyond_the_project_quota_is_refused_before_any_write(sim, capsys):
    # s1 uses 2 GiB, s2 1 GiB: a 5 GiB project quota leaves 2 GiB. A 4 GiB reservation on s2 takes
    # the project to 6 GiB (C7). Without the check, check mode predicted success and the real run
    # wrote the quota, then the array refused the reservation (EZEBI_NOSPACE): half a change.
    run(sim, capsys, quota="5G")
    try:
        for check_mode in (True, False):
            sim.reset_calls()
            result, _out = run(sim, capsys, share="s2", quota="8G", reservation="4G", _ansible_check_mode=check_mode)
            assert result.get("failed") is True, result
            assert result["msg"].startswith(
                "reservation: reserving 4 GiB (4294967296 bytes) for pool-b/Local/unit_quota/s2 would take project "
                "pool-b/Local/unit_quota to 6 GiB (6442450944 bytes), beyond its quota of 5 GiB (5368709120 bytes); "
                "raise the project quota first or reserve at most 3 GiB (3221225472 bytes)"), result["msg"]
            assert writes(sim) == 0
        with client(sim) as api:
            share = api.get_share(share_ref(POOL, PROJECT, "s2"))
        assert (share.quota_bytes, share.reservation_bytes) == (0, 0)
        # What the message offers fits.
        result, _out = run(sim, capsys, share="s2", quota="8G", reservation="3G")
        assert result["changed"] is True and result["reservation_bytes"] == 3 * GIB
    finally:
        run(sim, capsys, share="s2", quota="none", reservation="none")
        run(sim, capsys, quota="none")


def test_raising_a_project_quota_does_not_read_its_shares(sim, capsys):
    """The shares fit under the quota the array enforces, so under a larger one: a raise costs the
    same calls for a project of 2 shares and of 20 (setting or lowering the quota reads each share,
    to check it, C7)."""
    costs = []
    with client(sim) as api:
        for total in (2, 20):
            name = "raised_%d" % total
            api.create_project(project_ref(POOL, name))
            for number in range(total):
                api.create_share(share_ref(POOL, name, "s%02d" % number))
            run(sim, capsys, project=name, quota="10G")
            sim.reset_calls()
            result, _out = run(sim, capsys, project=name, quota="20G")
            assert result["changed"] is True and result["quota_bytes"] == 20 * GIB
            assert "used_bytes" not in result
            costs.append(sim.calls()["by_method"])
            sim.reset_calls()
            result, _out = run(sim, capsys, project=name, quota="15G")   # lowered: checked
            assert result["changed"] is True and result["used_bytes"] == 0
            assert sim.calls()["by_method"]["getShare"] == total
    assert costs[0] == costs[1] == {"getProject": 1, "modifyProjectProperties": 1}, costs


def test_a_failure_after_a_write_reports_the_change_and_what_was_written(sim, capsys, monkeypatch):
    """The quota of s2 is written, then data written to s1 meanwhile leaves the project no room
    for s2's reservation (C7: EZEBI_NOSPACE). The task fails; it changed the array, and says
    which write went through before the refused one."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls

    run(sim, capsys, quota="10G")
    # The call group, not client.api.IntelliFlashClient: the module's client is composed of the
    # groups it calls (quota.CALLS, common.client_class).
    write_quota = ShareCalls.set_share_quota

    def quota_then_data_grows(self, *args, **kwargs):
        result = write_quota(self, *args, **kwargs)
        sim.set_used("%s/Local/%s/s1" % (POOL, PROJECT), 5 * GIB)
        return result

    monkeypatch.setattr(ShareCalls, "set_share_quota", quota_then_data_grows)
    try:
        result, out = run(sim, capsys, share="s2", quota="6G", reservation="6G")
        assert result.get("failed") is True, result
        assert result["changed"] is True
        assert "EZEBI_NOSPACE" in result["msg"]
        assert "Written before the failure: modifyShareProperties pool-b/Local/unit_quota/s2" in result["msg"]
        assert PASSWORD not in out
        with client(sim) as api:
            share = api.get_share(share_ref(POOL, PROJECT, "s2"))
        assert (share.quota_bytes, share.reservation_bytes) == (6 * GIB, 0)
    finally:
        monkeypatch.undo()
        sim.set_used("%s/Local/%s/s1" % (POOL, PROJECT), 2 * GIB)
        run(sim, capsys, share="s2", quota="none")
        run(sim, capsys, quota="none")


def test_a_failure_before_any_write_reports_no_change(sim, capsys):
    sim.set_faults(error_rate=1, status=400, methods=["modifyShareProperties"], count=1)
    try:
        result, _out = run(sim, capsys, share="s2", quota="6G")
    finally:
        sim.clear_faults()
    assert result.get("failed") is True and result.get("changed", False) is False, result
    assert "Written before the failure" not in result["msg"]


def test_a_first_limits_write_of_unknown_outcome_names_its_limit(sim, capsys, monkeypatch):
    """A thin share's quota is the task's only write (modifyShareProperties). Its reply is lost
    and its effect shows only after the client gave up: the task fails, not changed (nothing was
    written before), saying that it is the quota whose change is unknown; the quota lands later."""
    ref = share_ref(POOL, PROJECT, "lost_first")
    with client(sim) as api:
        api.create_share(ref)
    lose_the_next_reply(monkeypatch, sim, ShareCalls, "find_share", "modifyShareProperties")
    try:
        result, _out = run(sim, capsys, share="lost_first", quota="4G")
    finally:
        sim.clear_faults()
    assert result["failed"] is True and result.get("changed", False) is False, result
    assert ("Error setting the limits of %s: quota change outcome unknown: the outcome of modifyShareProperties "
            "%s is unknown" % (ref.path, ref.path)) in result["msg"]
    assert "Written before the failure" not in result["msg"]

    def quota():
        with client(sim) as api:
            return api.get_share(ref).quota_bytes
    assert wait_until(lambda: quota() == 4 * GIB), quota()  # the write lands late


@pytest.mark.parametrize("grow", [True, False], ids=["grow", "shrink"])
def test_a_second_limits_write_of_unknown_outcome_names_the_first(sim, capsys, monkeypatch, grow):
    """The quota and the reservation are two writes of the same call (modifyShareProperties):
    growing, the quota first; shrinking, the reservation first. The reply of the second is lost
    and its effect shows only after the client gave up: the task fails, changed, naming the
    first write (kept) and the limit whose change is unknown; the second lands later."""
    name = "lost_" + ("grow" if grow else "shrink")
    ref = share_ref(POOL, PROJECT, name)
    with client(sim) as api:
        api.create_share(ref)
        if not grow:
            api.set_share_quota(ref, 8 * GIB)
            api.set_share_reservation(ref, 8 * GIB)
    first, second = ("quota", "reservation") if grow else ("reservation", "quota")
    lose_the_next_reply(monkeypatch, sim, ShareCalls, "set_share_" + first, "modifyShareProperties")
    try:
        result, _out = run(sim, capsys, share=name, quota="4G", reservation="4G")
    finally:
        sim.clear_faults()
    assert result["failed"] is True and result["changed"] is True, result
    path = ref.path
    assert ("Error setting the limits of %s: %s set to 4 GiB (4294967296 bytes) and kept; %s change outcome "
            "unknown: the outcome of modifyShareProperties %s is unknown" % (path, first, second, path)
            ) in result["msg"]
    assert "Written before the failure: modifyShareProperties %s" % path in result["msg"]

    def limits():
        with client(sim) as api:
            info = api.get_share(ref)
        return info.quota_bytes, info.reservation_bytes
    assert wait_until(lambda: limits() == (4 * GIB, 4 * GIB)), limits()  # the second write lands late
