# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.share in-process against the simulator (HTTPS, verification on)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import share
from module_runner import (
    assert_refused,
    client,
    connection,
    let_in,
    lose_the_next_reply,
    module_result,
    PASSWORD,
    run_examples,
    run_module,
    simulator_fixture,
    start_module,
    wait_until,
    writes,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref

GIB = 1024 ** 3
POOL, PROJECT = "pool-a", "unit_share"


def prepare(api, _sim):
    api.create_project(project_ref(POOL, PROJECT))
    api.create_share(share_ref(POOL, PROJECT, "base"))
    api.create_snapshot(dataset_ref(POOL, PROJECT, "base"), "snap1")


sim = simulator_fixture(prepare)


def run(sim, capsys, **args):
    args.setdefault("pool", POOL)
    args.setdefault("project", PROJECT)
    return run_module(share.main, sim, capsys, **args)


@pytest.mark.parametrize("args, words", [
    (dict(name="s 1"), "name: 's 1' must not contain white space"),
    (dict(name="s1", project="a/b"), "project: 'a/b' contains forbidden character"),
    (dict(name="s1", pool="pool@b"), "pool: 'pool@b' is not a pool name"),
    (dict(name="s1", size=0), "size: 0 is not a valid size; use 'none'"),
    (dict(name="s1", size="-1G"), "size: must not be negative"),
    (dict(name="s1", size="10Q"), "size: '10Q' is not a size"),
    (dict(name="s1", size="0.5"), "size: '0.5' is not a whole number of bytes"),
    (dict(name="s1", reservation="1.5"), "reservation: '1.5' is not a whole number of bytes"),
    (dict(name="s1", smb_name="docs"), "missing parameter(s) required by 'smb_name': smb"),
    (dict(name="s1", smb=False, smb_name="docs"), "smb_name: requires smb=true"),
    (dict(name="s1", smb=True, smb_name="a|b"), "smb_name: must not contain '|'"),
    (dict(name="s1", source_snapshot="snap1"), "parameters are required together: source_share, source_snapshot"),
    (dict(name="s1", source_share="base", source_snapshot="snap1", wait_timeout=0),
     "wait_timeout: must be a positive number"),
])
def test_bad_input_fails_before_any_call(sim, capsys, args, words):
    assert_refused(run, sim, capsys, args, words)


@pytest.mark.parametrize("args, words", [
    (dict(name="s1", project="nope"), "project: project 'nope' does not exist in pool 'pool-a'"),
    (dict(name="s1", pool="pool-z"), "pool: pool 'pool-z' does not exist on the array (pools: pool-a, pool-b)"),
    (dict(name="s1", size="1G", reservation="2G"), "reservation: 2 GiB (2147483648 bytes) is above the quota"),
    (dict(name="s1", reservation="11T"), "reservation: reserving 11 TiB"),
    (dict(name="s1", source_share="nope", source_snapshot="snap1"), "source_share: share 'nope' does not exist"),
    (dict(name="s1", source_share="base", source_snapshot="snap9"),
     "source_snapshot: share 'base' has no snapshot 'snap9' (snapshots: Manual-S-snap1)"),
])
def test_refused_input_writes_nothing(sim, capsys, args, words):
    assert_refused(run, sim, capsys, args, words, no_call=None)
    # A share in a missing project (or pool) is refused by createShare itself: nothing applied.
    assert [e for e in sim.call_log()["entries"] if e["write"] and e["outcome"] == "applied"] == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_missing_project_is_read_only_to_say_so(sim, capsys, check_mode):
    sim.reset_calls()
    result, _out = run(sim, capsys, name="s9", project="nope", _ansible_check_mode=check_mode)
    assert "project: project 'nope' does not exist in pool 'pool-a'" in result["msg"]
    by_method = sim.calls()["by_method"]
    assert by_method.get("getProject") == 1 and by_method.get("createShare", 0) == (0 if check_mode else 1)
    sim.reset_calls()
    run(sim, capsys, name="s9", size="1G")
    assert "getProject" not in sim.calls()["by_method"]


def test_lifecycle(sim, capsys):
    wanted = dict(name="s1", size="1.5G", reservation="512M", record_size="16KB", nfs=True, smb=True,
                  smb_name="UnitDocs", compression="off")
    sim.reset_calls()
    result, _out = run(sim, capsys, _ansible_check_mode=True, **wanted)
    assert result["changed"] is True and writes(sim) == 0
    assert result["export_locations"] == {}

    result, out = run(sim, capsys, _ansible_diff=True, **wanted)
    assert result["changed"] is True
    facts = result["share"]
    assert facts["quota_bytes"] == 1610612736 and facts["reservation_bytes"] == 512 * 1024 ** 2
    assert (facts["record_size"], facts["compression"], facts["smb_name"]) == ("16KB", "off", "UnitDocs")
    assert result["export_locations"] == {"nfs": ["192.0.2.10:/export/unit_share/s1"],
                                          "smb": ["\\\\192.0.2.10\\UnitDocs"]}
    assert PASSWORD not in out

    sim.reset_calls()
    result, _out = run(sim, capsys, _ansible_diff=True, **wanted)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert writes(sim) == 0

    # One byte more is a change; the order keeps reservation <= quota at every step.
    result, _out = run(sim, capsys, _ansible_diff=True, name="s1", size=1610612737, reservation="1G",
                       smb=True, smb_name="UnitDocs2")
    assert result["changed"] is True
    assert result["diff"]["after"] == {"quota_bytes": 1610612737, "reservation_bytes": GIB,
                                       "smb_name": "UnitDocs2"}
    assert result["export_locations"]["smb"] == ["\\\\192.0.2.10\\UnitDocs2"]

    # Turning SMB off and on again keeps the SMB name (the sharing call would reset it to the default).
    result, _out = run(sim, capsys, name="s1", smb=False)
    assert result["changed"] is True
    result, _out = run(sim, capsys, name="s1", smb=True)
    assert result["changed"] is True and result["share"]["smb_name"] == "UnitDocs2"
    assert result["export_locations"]["smb"] == ["\\\\192.0.2.10\\UnitDocs2"]

    sim.set_used("%s/Local/%s/s1" % (POOL, PROJECT), GIB + 5)
    sim.reset_calls()
    result, _out = run(sim, capsys, name="s1", size="1G", reservation="none")
    assert result["failed"] is True
    assert "size: 1 GiB (1073741824 bytes) is below the 1.00 GiB (1073741829 bytes) already used" in result["msg"]
    assert writes(sim) == 0

    result, _out = run(sim, capsys, name="s1", state="absent")
    assert result["changed"] is True
    sim.reset_calls()
    result, _out = run(sim, capsys, name="s1", state="absent")
    assert result["changed"] is False and writes(sim) == 0


def test_clone_waits_for_the_array_and_applies_the_size(sim, capsys):
    sim.set_delays(clone_ms=1500)
    try:
        result, _out = run(sim, capsys, name="c1", source_share="base", source_snapshot="snap1", size="3G",
                           nfs=True, _ansible_diff=True)
    finally:
        sim.set_delays()
    assert result["changed"] is True, result
    assert result["share"]["quota_bytes"] == 3 * GIB
    assert result["diff"]["after"]["source"] == "base@Manual-S-snap1"
    sim.reset_calls()
    result, _out = run(sim, capsys, name="c1", source_share="base", source_snapshot="snap1", size="3G", nfs=True)
    assert result["changed"] is False and writes(sim) == 0

    # A share with snapshots: refused before any write, naming them, in check mode too.
    for check_mode in (True, False):
        sim.reset_calls()
        result, _out = run(sim, capsys, name="base", state="absent", _ansible_check_mode=check_mode)
        assert result["failed"] is True and result["error_code"] == "EZEBI_RESOURCE_INUSE"
        assert "has 1 snapshot(s) (Manual-S-snap1)" in result["msg"]
        assert writes(sim) == 0
    result, _out = run(sim, capsys, name="base", state="absent", recursive=True, _ansible_check_mode=True,
                       _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"] == {"state": "absent",
                                       "%s/Local/%s/base@Manual-S-snap1" % (POOL, PROJECT): "absent"}
    result, _out = run(sim, capsys, name="c1", state="absent")
    assert result["changed"] is True


def test_a_clone_still_in_progress_at_wait_timeout_fails_naming_it(sim, capsys):
    """The client's wait_for_clone (as for a snapshot): with 1 s and one poll a second, a poll at
    once and a last one at 1 s."""
    sim.set_delays(clone_ms=2000)
    try:
        sim.reset_calls()
        result, _out = run(sim, capsys, name="slow", source_share="base", source_snapshot="snap1", wait_timeout=1)
    finally:
        sim.set_delays()
    assert result["failed"] is True
    # The clone was made (it is kept): the task changed the array, and says so.
    assert result["changed"] is True
    assert result["msg"] == ("Error cloning base@Manual-S-snap1 to slow: the clone was still in progress after 1 seconds. "
                             "Written before the failure: cloneShareSnapshot %s/Local/%s/base@Manual-S-snap1"
                             % (POOL, PROJECT))
    assert result["dataset"] == "%s/Local/%s/slow" % (POOL, PROJECT)
    # A poll at once and a last one at 1 s (client tests: tests/python/client/test_client_waits.py).
    assert sim.calls()["by_method"]["getProjectCloneStatus"] <= 2
    with client(sim) as api:
        api.wait_for_clone(share_ref(POOL, PROJECT, "base"), "Manual-S-snap1", "slow", poll_interval=0.1)
    result, _out = run(sim, capsys, name="slow", state="absent")
    assert result["changed"] is True


def test_a_run_after_a_clone_timed_out_waits_for_it_before_writing(sim, capsys):
    """The first run gave up waiting (the clone is kept); the next one finds the share, has a size
    to set on it, and waits for the clone instead of failing on the array's EZEBI_RESOURCE_BUSY."""
    sim.set_delays(clone_ms=2500)
    try:
        result, _out = run(sim, capsys, name="later", source_share="base", source_snapshot="snap1", wait_timeout=1)
        assert result["failed"] is True and "still in progress" in result["msg"]
        sim.reset_calls()
        result, _out = run(sim, capsys, name="later", source_share="base", source_snapshot="snap1", size="2G",
                           wait_timeout=10)
    finally:
        sim.set_delays()
    assert result.get("failed") is not True, result
    assert result["changed"] is True and result["share"]["quota_bytes"] == 2 * GIB
    calls = sim.calls()["by_method"]
    assert calls["getProjectCloneStatus"] >= 1 and "cloneShareSnapshot" not in calls
    # Converged: nothing to write, so no wait and no snapshot listing.
    sim.reset_calls()
    result, _out = run(sim, capsys, name="later", source_share="base", source_snapshot="snap1", size="2G")
    assert result["changed"] is False and writes(sim) == 0
    assert "getProjectCloneStatus" not in sim.calls()["by_method"]
    assert "listSnapshots" not in sim.calls()["by_method"]
    result, _out = run(sim, capsys, name="later", state="absent")
    assert result["changed"] is True


def test_a_run_with_only_access_rules_to_change_waits_for_an_earlier_clone(sim, capsys):
    """The clone inherits NFS from its project (inherit=false), so the re-run has nothing to
    change on the share itself but its rules: their writes are refused by a clone in progress too,
    so the run waits for it first."""
    rules = [dict(type="ip", to="10.30.0.0/24", access_level="rw")]
    with client(sim) as api:
        api.set_nfs_sharing(project_ref(POOL, PROJECT), True)
    sim.set_delays(clone_ms=2500)
    try:
        result, _out = run(sim, capsys, name="ruled", source_share="base", source_snapshot="snap1",
                           access_rules=rules, wait_timeout=1)
        assert result["failed"] is True and "still in progress" in result["msg"]
        sim.reset_calls()
        result, _out = run(sim, capsys, name="ruled", source_share="base", source_snapshot="snap1",
                           access_rules=rules, wait_timeout=10)
    finally:
        sim.set_delays()
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert [(rule["type"], rule["to"]) for rule in result["access_rules"]] == [("ip", "10.30.0.0/24")]
    assert sim.calls()["by_method"]["getProjectCloneStatus"] >= 1
    # Converged: no listing, no wait.
    sim.reset_calls()
    result, _out = run(sim, capsys, name="ruled", source_share="base", source_snapshot="snap1",
                       access_rules=rules)
    assert result["changed"] is False and writes(sim) == 0
    assert "listSnapshots" not in sim.calls()["by_method"]
    result, _out = run(sim, capsys, name="ruled", state="absent")
    assert result["changed"] is True


def test_a_clone_done_within_wait_timeout_succeeds(sim, capsys):
    """Done 0.6 s after the clone call: the poll at wait_timeout (1 s) sees it, though the next
    one-second interval would end after the timeout."""
    sim.set_delays(clone_ms=600)
    try:
        sim.reset_calls()
        result, _out = run(sim, capsys, name="quick", source_share="base", source_snapshot="snap1", wait_timeout=1)
    finally:
        sim.set_delays()
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    result, _out = run(sim, capsys, name="quick", state="absent")
    assert result["changed"] is True


def test_check_mode_predicts_the_export_locations_of_an_existing_share(sim, capsys):
    run(sim, capsys, name="exported", nfs=False, smb=False)
    for args, locations in (
            (dict(nfs=True, smb=True, smb_name="ExportedDocs"),
             {"nfs": ["192.0.2.10:/export/unit_share/exported"], "smb": ["\\\\192.0.2.10\\ExportedDocs"]}),
            (dict(nfs=False), {"nfs": [], "smb": ["\\\\192.0.2.10\\ExportedDocs"]}),
            (dict(smb=False), {"nfs": [], "smb": []})):
        sim.reset_calls()
        checked, _out = run(sim, capsys, name="exported", _ansible_check_mode=True, **args)
        assert checked["changed"] is True and writes(sim) == 0
        real, _out = run(sim, capsys, name="exported", **args)
        assert real["changed"] is True and real["export_locations"] == locations
        assert checked["export_locations"] == locations, args
    result, _out = run(sim, capsys, name="exported", state="absent")
    assert result["changed"] is True


def test_refused_smb_name_leaves_no_share_behind(sim, capsys):
    # The SMB name is only checked by the array (C27), after createShare: the new share is removed.
    result, _out = run(sim, capsys, name="first", smb=True, smb_name="Taken")
    assert result["changed"] is True
    result, _out = run(sim, capsys, name="second", size="1G", smb=True, smb_name="taken")
    assert result["failed"] is True and result["error_code"] == "EZEBI_RESOURCE_EXIST"
    assert "the share this task created was deleted again" in result["msg"]
    with client(sim) as api:
        assert api.find_share(share_ref(POOL, PROJECT, "second")) is None
    result, _out = run(sim, capsys, name="first", state="absent")
    assert result["changed"] is True


def test_examples_run_as_written(sim, capsys):
    api = client(sim)
    with api:
        api.create_project(project_ref("pool-a", "engineering"))
        results = run_examples(share, sim, capsys, before={
            'Clone the builds share from its snapshot "nightly"':
                lambda: api.create_snapshot(dataset_ref("pool-a", "engineering", "builds"), "nightly")})
    assert [result["changed"] for result in results.values()] == [True, True, True, True, True]
    assert results["Create a 100 GiB NFS share with 10 GiB reserved"]["export_locations"]["nfs"] == [
        "192.0.2.10:/export/engineering/builds"]
    ledger = results["A 10 GiB NFS share with exactly these access rules (others are removed), in one task"]
    assert [(rule["type"], rule["to"]) for rule in ledger["access_rules"]] == [
        ("ip", "10.30.0.0/24"), ("ip", "10.31.0.5"), ("host", "backup1.example.com")]


def create_first_elsewhere(monkeypatch, sim, really=True):
    """Another task creates the share between this task's read and its create (``really``), or the
    array answers EZEBI_RESOURCE_EXIST although no such share appears."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.errors import AlreadyExistsError
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.shares import ShareCalls
    original = ShareCalls.create_share  # the call group: whatever groups the module's client has

    def racing_create(self, ref, **kwargs):
        if not really:
            raise AlreadyExistsError("Mount point in use", method="createShare")
        with client(sim) as other:
            original(other, ref, quota="1G")  # not the patched method
        return original(self, ref, **kwargs)

    monkeypatch.setattr(ShareCalls, "create_share", racing_create)


def test_a_share_another_task_created_first_is_adopted(sim, capsys, monkeypatch):
    create_first_elsewhere(monkeypatch, sim)
    result, _out = run(sim, capsys, name="raced", size="2G", nfs=True)
    assert not result.get("failed"), result
    # planned again against what the other task made: only the differences are this task's changes
    assert result["changed"] is True and result["share"]["quota_bytes"] == 2 * GIB and result["share"]["nfs"] is True
    monkeypatch.undo()
    again, _out = run(sim, capsys, name="raced", size="2G", nfs=True)
    assert again["changed"] is False
    run(sim, capsys, name="raced", state="absent")


def test_an_exist_refusal_without_the_share_fails(sim, capsys, monkeypatch):
    create_first_elsewhere(monkeypatch, sim, really=False)
    result, _out = run(sim, capsys, name="refused")
    assert result["failed"] is True and result["error_code"] == "EZEBI_RESOURCE_EXIST"
    assert "Mount point in use" in result["msg"]


def test_calls_of_a_first_run_and_of_a_converged_run(sim, capsys):
    args = dict(name="counted", size="2G", nfs=True)
    sim.reset_calls()
    first, _out = run(sim, capsys, **args)
    assert first["changed"] is True
    # The share looked up, created (quota in createShare), exported, read once for its facts, and
    # the floating IPs for its export locations; the project is not read (only to word an error).
    assert sim.calls()["by_method"] == {"getShare": 2, "createShare": 1, "setNFSSharingOnShare": 1,
                                        "getFloatingIPList": 1}
    sim.reset_calls()
    again, _out = run(sim, capsys, **args)
    assert again["changed"] is False and again["export_locations"] == first["export_locations"]
    assert sim.calls()["by_method"] == {"getShare": 1, "getFloatingIPList": 1}


def test_a_share_another_task_takes_up_is_not_deleted_by_the_failed_task_that_made_it(sim, capsys, monkeypatch,
                                                                                      tmp_path):
    """Task one creates the share; before it turns NFS on, task two (another process on this
    machine, same options) runs. Task one's next write then fails and it deletes the share it made,
    so that a failed task leaves nothing half-configured. Task two must not have taken that share
    up meanwhile (it reported the share present, and task one deleted it): it waits for task one,
    then makes the share itself."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.common import IntelliFlashError

    locks = tmp_path / "locks"
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(locks))
    args = dict(name="taken_up", size="1G", nfs=True)
    other = []

    def configure_while_the_other_task_runs(*_args):
        other.append(start_module(share, dict(connection(sim), pool=POOL, project=PROJECT, **args), tmp_path))
        let_in(other[0], locks)
        raise IntelliFlashError("injected: the array refused the task's next write")

    monkeypatch.setattr(share, "configure", configure_while_the_other_task_runs)
    result, _out = run(sim, capsys, **args)
    assert result["failed"] is True and "was deleted again" in result["msg"]
    second = module_result(other[0])
    assert second["changed"] is True and second["share"]["nfs"] is True
    monkeypatch.undo()
    with client(sim) as api:
        found = api.find_share(share_ref(POOL, PROJECT, "taken_up"))
        assert found is not None and found.nfs is True and found.quota_bytes == GIB
    run(sim, capsys, name="taken_up", state="absent")


def test_a_clone_lists_only_its_source_snapshot(sim, capsys):
    """A share with many snapshots (an array's schedules keep thousands): a clone of one of them,
    and a later run that changes the clone, read that snapshot only, not the whole list."""
    with client(sim) as api:
        api.create_share(share_ref(POOL, PROJECT, "scheduled"))
        for number in range(30):
            api.create_snapshot(dataset_ref(POOL, PROJECT, "scheduled"), "hourly-%02d" % number)

    def listed():
        return [entry["reply_bytes"] for entry in sim.call_log()["entries"] if entry["method"] == "listSnapshots"]

    args = dict(name="from-hourly", source_share="scheduled", source_snapshot="hourly-07")
    for size in ("2G", "3G"):   # creation, then a change of the existing clone
        sim.reset_calls()
        result, _out = run(sim, capsys, size=size, **args)
        assert result["changed"] is True and result["share"]["quota_bytes"] == int(size[0]) * GIB
        assert listed() == [len('["Manual-S-hourly-07"]')]
    sim.reset_calls()
    result, _out = run(sim, capsys, name="from-nothing", source_share="scheduled", source_snapshot="hourly-99")
    assert result["failed"] is True and "has no snapshot 'hourly-99'" in result["msg"]
    result, _out = run(sim, capsys, name="from-hourly", state="absent")
    assert result["changed"] is True


def test_a_reservation_write_of_unknown_outcome_names_the_quota_written(sim, capsys, monkeypatch):
    """An existing share's size and reservation are two writes of the same call
    (modifyShareProperties), the quota first when growing. The reply of the reservation write is
    lost and its effect shows only after the client gave up: the task fails, changed, naming the
    quota set (kept) and the reservation whose change is unknown; the reservation lands later."""
    ref = share_ref(POOL, PROJECT, "lost_limits")
    with client(sim) as api:
        api.create_share(ref)
    lose_the_next_reply(monkeypatch, sim, ShareCalls, "set_share_quota", "modifyShareProperties")
    try:
        result, _out = run(sim, capsys, name="lost_limits", size="4G", reservation="4G")
    finally:
        sim.clear_faults()
    assert result["failed"] is True and result["changed"] is True, result
    assert ("Error writing share %s: quota set to 4 GiB (4294967296 bytes) and kept; reservation change outcome "
            "unknown: the outcome of modifyShareProperties %s is unknown" % (ref.path, ref.path)) in result["msg"]

    def limits():
        with client(sim) as api:
            info = api.get_share(ref)
        return info.quota_bytes, info.reservation_bytes
    assert wait_until(lambda: limits() == (4 * GIB, 4 * GIB)), limits()  # the reservation lands late
