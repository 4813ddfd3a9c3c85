# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.share over a mocked array: what it decides and which calls it makes.

The simulator-backed tests of the module are in tests/python/modules/test_share.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import share
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module, warnings_of

PATH = "pool-a/Local/p1/s1"
PROJECT = "pool-a/Local/p1"
GIB = wire.GIB
MISSING = ("getShare", wire.not_found("Share %s" % PATH), [PATH])
WANTED = dict(name="s1", project="p1", pool="pool-a", size="10G", nfs=True)
NFS_SHARE = wire.share(quotaInByte=10 * GIB, sharenfs="on", overrideSharenfs=True)
EXPORTS = ("getFloatingIPList", [wire.floating_ip("192.0.2.10", "pool-a")], ["pool-a"])


def run(**args):
    return run_module(share.main, **args)


def wanted(**changes):
    """WANTED with some options changed."""
    args = dict(WANTED)
    args.update(changes)
    return args


def test_create_then_share_over_nfs_and_report_the_export(array):
    array.expect(
        MISSING,  # the project is not read: createShare says when it is missing
        ("createShare", wire.SUCCESS,
         ["pool-a", "p1", "s1", {"quota": 10 * GIB, "reservation": -1},
          [{"sharePermissionEnum": 0, "sharePermissionMode": 0}]]),
        ("setNFSSharingOnShare", wire.SUCCESS, [PATH, True]),
        ("getShare", NFS_SHARE),
        EXPORTS,
    )
    result = run(diff=True, **WANTED)
    assert result["changed"] is True
    assert result["diff"]["before"] == {"state": "absent", "quota_bytes": 0, "nfs": None}
    assert result["diff"]["after"] == {"state": "present", "quota_bytes": 10 * GIB, "nfs": True}
    assert result["share"]["quota"] == "10 GiB" and result["share"]["nfs"] is True
    assert result["export_locations"] == {"nfs": ["192.0.2.10:/export/p1/s1"], "smb": []}


def test_check_mode_predicts_the_share_and_writes_nothing(array):
    array.expect(MISSING, ("getProject", wire.project()))
    result = run(check_mode=True, **WANTED)
    assert result["changed"] is True
    assert result["share"]["quota_bytes"] == 10 * GIB and result["share"]["nfs"] is True
    assert result["share"]["path"] == PATH
    assert result["export_locations"] == {}


def test_converged_share_is_read_once_and_not_written(array):
    array.expect(("getShare", NFS_SHARE), EXPORTS)
    result = run(diff=True, **WANTED)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}


def test_resize_writes_only_the_quota(array):
    array.expect(
        ("getShare", NFS_SHARE),
        ("modifyShareProperties", wire.SUCCESS, [PATH, {"quotaInByte": 20 * GIB}]),
        ("getShare", dict(NFS_SHARE, quotaInByte=20 * GIB)),
        EXPORTS,
    )
    result = run(diff=True, **wanted(size="20G"))
    assert result["changed"] is True
    assert result["diff"] == {"before": {"quota_bytes": 10 * GIB}, "after": {"quota_bytes": 20 * GIB}}


def test_size_below_what_the_share_uses_is_refused_before_any_write(array):
    array.expect(("getShare", wire.share(quotaInByte=10 * GIB, used=3 * GIB)))
    result = run(**wanted(size="2G", nfs=None))
    assert result["failed"] is True and result["dataset"] == PATH
    assert result["msg"].startswith("size: 2 GiB (2147483648 bytes) is below the 3 GiB (3221225472 bytes) already used")


def test_share_with_snapshots_is_not_deleted_without_recursive(array):
    array.expect(("getShare", wire.share()), ("listSnapshots", ["Manual-S-a", "Manual-S-b"], [PATH, ""]))
    result = run(name="s1", project="p1", pool="pool-a", state="absent")
    assert result["failed"] is True and result["error_code"] == "EZEBI_RESOURCE_INUSE"
    assert "it has 2 snapshot(s) (Manual-S-a, Manual-S-b)" in result["msg"]


def test_recursive_delete_names_the_snapshots_it_takes(array):
    array.expect(
        ("getShare", wire.share()),
        ("listSnapshots", ["Manual-S-a"]),
        ("deleteShare", wire.NOTHING, [PATH, True, False]),
    )
    result = run(name="s1", project="p1", pool="pool-a", state="absent", recursive=True, diff=True)
    assert result["changed"] is True and result["share"] == {}
    assert result["diff"]["after"] == {"state": "absent", PATH + "@Manual-S-a": "absent"}


def test_options_a_state_does_not_use_are_named_in_a_warning(array):
    array.expect(MISSING)
    result = run(name="s1", project="p1", pool="pool-a", state="absent", size="10G", nfs=True,
                 access_rules=[dict(type="ip", to="10.0.0.1")])
    assert result["changed"] is False
    assert warnings_of(result) == ["access_rules, nfs, size: not used with state=absent, ignored"]


def test_absent_share_that_is_gone_is_not_a_change(array):
    array.expect(MISSING)
    result = run(name="s1", project="p1", pool="pool-a", state="absent")
    assert result["changed"] is False


def test_missing_project_is_named(array):
    array.expect(
        MISSING,
        ("createShare", wire.not_found("Project pool-a/Local/p1")),  # refused: nothing written
        ("getProject", wire.not_found("Project pool-a/Local/p1")),  # read only now, to say so
        ("listPools", wire.pools()),
    )
    result = run(**WANTED)
    assert result["failed"] is True
    assert result["msg"] == "project: project 'p1' does not exist in pool 'pool-a'"


def test_missing_project_is_named_in_check_mode_before_any_write(array):
    array.expect(
        MISSING,
        ("getProject", wire.not_found("Project pool-a/Local/p1")),
        ("listPools", wire.pools()),
    )
    result = run(check_mode=True, **WANTED)
    assert result["failed"] is True
    assert result["msg"] == "project: project 'p1' does not exist in pool 'pool-a'"


NIGHTLY = r"nightly|Manual\-S\-nightly"  # listSnapshots pattern of source_snapshot=nightly


def test_missing_clone_source_snapshot_is_named(array):
    array.expect(
        MISSING,
        ("getShare", wire.share("src"), ["pool-a/Local/p1/src"]),
        # the name given, with and without its prefix: the reply holds those only
        ("listSnapshots", [], ["pool-a/Local/p1/src", NIGHTLY]),
        ("listSnapshots", ["Manual-S-other"], ["pool-a/Local/p1/src", ""]),  # to name them in the error
    )
    result = run(name="s1", project="p1", pool="pool-a", source_share="src", source_snapshot="nightly")
    assert result["failed"] is True
    assert result["msg"] == "source_snapshot: share 'src' has no snapshot 'nightly' (snapshots: Manual-S-other)"


CLONE_ARGS = dict(name="s1", project="p1", pool="pool-a", source_share="src", source_snapshot="nightly")
CLONE_CALLS = (
    MISSING,
    ("getShare", wire.share("src"), ["pool-a/Local/p1/src"]),
    ("listSnapshots", ["Manual-S-nightly"], ["pool-a/Local/p1/src", NIGHTLY]),
    ("cloneShareSnapshot", wire.SUCCESS, ["pool-a/Local/p1/src@Manual-S-nightly", "s1", True]),
)
CLONE_STATUS = ["pool-a/Local/p1/src@Manual-S-nightly", "s1"]


def test_a_clone_the_array_fails_is_reported_with_its_state(array):
    """The simulator never fails a clone: the array's verdict, from the client's wait_for_clone."""
    array.expect(*CLONE_CALLS + (
        ("getProjectCloneStatus", {"projectCloneState": 3, "totalSubProjects": 1, "failedSubProjects": 1},
         CLONE_STATUS),
    ))
    result = run(**CLONE_ARGS)
    assert result["failed"] is True
    # The array took the clone call: the task reports it (a task does not roll back).
    assert result["changed"] is True
    assert result["msg"] == ("Error cloning src@Manual-S-nightly to s1: the array reports clone state 'failure'. "
                             "Written before the failure: cloneShareSnapshot pool-a/Local/p1/src@Manual-S-nightly")
    assert result["dataset"] == PATH


def test_a_clone_whose_progress_cannot_be_read_fails_as_an_array_error(array):
    array.expect(*CLONE_CALLS + (
        ("getProjectCloneStatus", wire.error("EZEBI_PERMISSION_DENIED", "no"), CLONE_STATUS),
    ))
    result = run(**CLONE_ARGS)
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["msg"] == ("Error writing share %s: no (EZEBI_PERMISSION_DENIED). Written before the failure: "
                             "cloneShareSnapshot pool-a/Local/p1/src@Manual-S-nightly" % PATH)
    assert result["api_method"] == "getProjectCloneStatus"


@pytest.mark.parametrize("args, words", [
    (dict(smb_name="Docs", smb=False), "smb_name: requires smb=true"),
    (dict(smb_name="a/b", smb=True), "smb_name: must not contain '/'"),
    (dict(wait_timeout=0), "wait_timeout: must be a positive number of seconds, got 0"),
    (dict(size="-2G"), "size: must not be negative"),
    (dict(name="a#b"), "name: 'a#b' contains forbidden character"),
])
def test_bad_input_fails_naming_the_field_before_any_call(array, args, words):
    result = run(**dict(dict(name="s1", project="p1", pool="pool-a"), **args))
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []


# -- access_rules: the share's rules become exactly the list (share_access's purge=true) ----------

RULES = [dict(type="ip", to="10.0.0.0/24"), dict(type="ip", to="10.1.0.0/24", access_level="ro")]
NET_RULES = [wire.network_rule("10.0.0.0/24"), wire.network_rule("10.1.0.0/24", access="ro")]
QUOTA_SHARE = wire.share(quotaInByte=10 * GIB)


def rules_of(**changes):
    """A share of 10 GiB with RULES, with some options changed."""
    args = dict(name="s1", project="p1", pool="pool-a", size="10G", access_rules=RULES)
    args.update(changes)
    return args


def test_new_share_gets_its_quota_at_creation_and_its_rules_in_one_write_without_a_read(array):
    array.expect(
        MISSING,
        # nfs/smb not given: IP rules are allowed unless the share inherits SMB only
        ("isProjectExposedOverSMB", False, [PROJECT]),
        ("createShare", wire.SUCCESS,
         ["pool-a", "p1", "s1", {"quota": 10 * GIB, "reservation": -1},
          [{"sharePermissionEnum": 0, "sharePermissionMode": 0}]]),
        ("getShare", QUOTA_SHARE, [PATH]),
        # it inherited its project's list (C16): written whole, never read
        ("setNFSNetworkACLsOnShare", wire.SUCCESS, [PATH, NET_RULES]),
    )
    result = run(diff=True, **rules_of())
    assert result["changed"] is True
    assert result["diff"]["before"]["access_rules"] == []
    assert [rule["to"] for rule in result["diff"]["after"]["access_rules"]] == ["10.0.0.0/24", "10.1.0.0/24"]
    assert result["access_rules"] == [dict(type="ip", to="10.0.0.0/24", access_level="rw", root_access=False),
                                      dict(type="ip", to="10.1.0.0/24", access_level="ro", root_access=False)]


@pytest.mark.parametrize("check_mode", [True, False])
def test_converged_share_and_rules_are_each_read_once_and_not_written(array, check_mode):
    array.expect(("getShare", QUOTA_SHARE, [PATH]),
                 ("getNFSNetworkACLsOnShare", list(reversed(NET_RULES)), [PATH]))
    result = run(check_mode=check_mode, diff=True, **rules_of())
    assert result["changed"] is False and result["diff"] == {"before": {}, "after": {}}
    assert [rule["to"] for rule in result["access_rules"]] == ["10.1.0.0/24", "10.0.0.0/24"]


def test_purge_to_no_rule_and_of_the_file_acl(array):
    array.expect(
        ("getShare", wire.share(quotaInByte=10 * GIB, sharenfs="on", aclList=[wire.user_rule("bob")]), [PATH]),
        ("getNFSNetworkACLsOnShare", NET_RULES, [PATH]),
        ("modifyShareProperties", wire.SUCCESS, [PATH, {"aclList": []}]),  # the file ACL first
        ("setNFSNetworkACLsOnShare", wire.SUCCESS, [PATH, []]),
        EXPORTS,
    )
    result = run(diff=True, **rules_of(access_rules=[]))
    assert result["changed"] is True and result["access_rules"] == []
    assert len(result["diff"]["before"]["access_rules"]) == 3 and result["diff"]["after"] == {"access_rules": []}
    assert any("has no NFS network rule left" in text for text in warnings_of(result))


def test_check_mode_of_a_new_share_asks_the_project_for_the_protocol(array):
    array.expect(
        MISSING,
        ("getProject", wire.project()),
        ("isProjectExposedOverNFS", False),
        ("isProjectExposedOverSMB", True),
    )
    result = run(check_mode=True, **rules_of(access_rules=[dict(type="user", to="alice")]))
    assert result["changed"] is True and result["access_rules"] == [dict(type="user", to="alice", access_level="rw")]
    array.expect(
        MISSING,
        ("getProject", wire.project()),
        ("isProjectExposedOverNFS", False),
        ("isProjectExposedOverSMB", True),
    )
    result = run(check_mode=True, **rules_of())
    assert result["failed"] is True and result["msg"].startswith("access_rules[0]: ip rules are not allowed on an SMB")


def test_rules_an_inherited_smb_protocol_refuses_fail_before_the_share_is_created(array):
    # nfs/smb not given: the project's sharing decides the new share's protocol, read first.
    array.expect(
        MISSING,
        ("isProjectExposedOverSMB", True, [PROJECT]),
        ("isProjectExposedOverNFS", False, [PROJECT]),
    )
    result = run(**rules_of())
    assert result["failed"] is True and result["dataset"] == PATH
    assert result["msg"].startswith("access_rules[0]: ip rules are not allowed on an SMB share")
    assert "deleted again" not in result["msg"] and array.writes() == []


def test_rules_for_a_new_share_of_a_missing_project_name_the_project(array):
    array.expect(
        MISSING,
        ("isProjectExposedOverSMB", wire.not_found("Project %s" % PROJECT)),
        ("getProject", wire.not_found("Project %s" % PROJECT)),
        ("listPools", wire.pools()),
    )
    result = run(**rules_of())
    assert result["failed"] is True and result["msg"] == "project: project 'p1' does not exist in pool 'pool-a'"
    assert array.writes() == []


def test_user_rules_or_a_settled_protocol_need_no_read_of_the_project(array):
    # NFS takes every rule type, and user rules go to any share: no project read before creating.
    array.expect(
        MISSING,
        ("createShare", wire.SUCCESS),
        ("getShare", wire.share(quotaInByte=10 * GIB, sharesmb="on"), [PATH]),
        ("modifyShareProperties", wire.SUCCESS, [PATH, {"aclList": [wire.user_rule("alice")]}]),
        EXPORTS,
    )
    result = run(**rules_of(access_rules=[dict(type="user", to="alice")]))
    assert result["changed"] is True and "getProject" not in array.methods()


def test_a_protocol_that_changed_under_the_task_deletes_the_new_share_again(array):
    # The project was NFS when read, SMB by the time the share was created (another writer).
    array.expect(
        MISSING,
        ("isProjectExposedOverSMB", True),
        ("isProjectExposedOverNFS", True),
        ("createShare", wire.SUCCESS),
        ("getShare", wire.share(quotaInByte=10 * GIB, sharesmb="on"), [PATH]),
        ("deleteShare", wire.NOTHING, [PATH, False, False]),
    )
    result = run(**rules_of())
    assert result["failed"] is True and result["dataset"] == PATH
    assert result["msg"].startswith("access_rules[0]: ip rules are not allowed on an SMB share")
    assert result["msg"].endswith("the share this task created was deleted again, so the array is as before")
    assert result.get("changed", False) is False


@pytest.mark.parametrize("args, words", [
    (dict(access_rules=[dict(type="ip", to="10.0.0.1/24")]), "access_rules[0].to: '10.0.0.1/24'"),
    (dict(access_rules=[RULES[0], RULES[0]]), "access_rules[1]: duplicates access_rules[0]"),
    (dict(access_rules=[dict(type="user", to="alice", root_access=True)]), "access_rules[0].root_access"),
    (dict(access_rules=[dict(type="share", to="x")]), "access_rules"),
    (dict(access_rules=RULES, nfs=False, smb=True), "access_rules[0]: ip rules are not allowed on an SMB share"),
])
def test_bad_rules_fail_naming_the_field_before_any_call(array, args, words):
    result = run(**rules_of(**args))
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []
