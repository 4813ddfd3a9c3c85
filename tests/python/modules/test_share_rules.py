# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``access_rules`` option of tegile.intelliflash.share, in-process against the simulator.

One module run per share does what ``share`` + ``quota`` + ``share_access`` (purge) did: the calls
each run makes are counted per method (issue 12: each object read once, nothing written when
converged). The integration target ``share`` runs the same through ansible-playbook.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import share, share_access
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import NetworkRule
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref
from module_runner import assert_refused, client, run_module, simulator_fixture, writes

GIB = 1024 ** 3
POOL, PROJECT, SMB_PROJECT = "pool-a", "unit_rules", "unit_rules_smb"
RULES = [dict(type="ip", to="10.1.0.0/24"), dict(type="ip", to="10.2.0.0/24", access_level="ro"),
         dict(type="host", to="Backup.Example.com", root_access=True)]
AS_RETURNED = [dict(type="ip", to="10.1.0.0/24", access_level="rw", root_access=False),
               dict(type="ip", to="10.2.0.0/24", access_level="ro", root_access=False),
               dict(type="host", to="backup.example.com", access_level="rw", root_access=True)]


def prepare(api, _sim):
    api.create_project(project_ref(POOL, PROJECT))
    # The project's rules, which a new share inherits until it has rules of its own (C16).
    api.add_network_acl("nfs", project_ref(POOL, PROJECT), NetworkRule("IP", "10.99.0.0/16", "rw", False))
    api.create_project(project_ref(POOL, SMB_PROJECT))
    api.set_smb_sharing(project_ref(POOL, SMB_PROJECT), True)


sim = simulator_fixture(prepare)


def run(sim, capsys, **args):
    args.setdefault("pool", POOL)
    args.setdefault("project", PROJECT)
    return run_module(share.main, sim, capsys, **args)


def by_method(sim):
    calls = sim.calls()["by_method"]
    sim.reset_calls()
    return calls


def nfs_rules(sim, name):
    """(host, access) of the NFS rules of share ``name``; the call counters start again after it."""
    with client(sim) as api:
        rules = [(rule.host, rule.access) for rule in api.get_network_acls("nfs", dataset_ref(POOL, PROJECT, name))]
    sim.reset_calls()
    return rules


def test_first_run_and_converged_run_read_each_object_once(sim, capsys):
    args = dict(name="one", size="10G", access_rules=RULES)
    sim.reset_calls()
    first, _out = run(sim, capsys, _ansible_diff=True, **args)
    assert first["changed"] is True and first["access_rules"] == AS_RETURNED
    # Looked up, its project asked whether the share would be SMB-only (nfs/smb not given: IP
    # rules depend on it), created with its quota, its own NFS list written whole (it inherited
    # the project's: no read), read once for its facts. No quota write, no NFS list read.
    assert by_method(sim) == {"getShare": 2, "isProjectExposedOverSMB": 1, "createShare": 1,
                              "setNFSNetworkACLsOnShare": 1}
    assert first["share"]["quota_bytes"] == 10 * GIB
    assert first["diff"]["before"] == {"state": "absent", "quota_bytes": 0, "access_rules": []}
    assert first["diff"]["after"] == {"state": "present", "quota_bytes": 10 * GIB, "access_rules": AS_RETURNED}
    # the project's rule is not the share's any more: exactly the list
    assert nfs_rules(sim, "one") == [("10.1.0.0/24", "rw"), ("10.2.0.0/24", "ro"), ("backup.example.com", "rw")]
    assert "is not exported over NFS" in json.dumps(first["warnings"])

    args["access_rules"] = list(reversed(RULES))
    again, _out = run(sim, capsys, _ansible_diff=True, **args)
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
    assert again["access_rules"] == AS_RETURNED
    assert by_method(sim) == {"getShare": 1, "getNFSNetworkACLsOnShare": 1}

    # share_access sees the same rules, and purging to them changes nothing.
    same, _out = run_module(share_access.main, sim, capsys, pool=POOL, project=PROJECT, share="one", purge=True,
                            rules=RULES)
    assert same["changed"] is False and same["rules"] == AS_RETURNED


def test_check_mode_predicts_the_rules_and_writes_nothing(sim, capsys):
    args = dict(name="checked", size="1G", nfs=True, access_rules=RULES[:1], _ansible_check_mode=True,
                _ansible_diff=True)
    sim.reset_calls()
    new, _out = run(sim, capsys, **args)
    assert new["changed"] is True and writes(sim) == 0
    assert new["diff"]["after"]["access_rules"] == AS_RETURNED[:1] and new["access_rules"] == AS_RETURNED[:1]
    run(sim, capsys, name="checked", size="1G", nfs=True, access_rules=RULES)
    sim.reset_calls()
    existing, _out = run(sim, capsys, **args)
    assert existing["changed"] is True and writes(sim) == 0
    assert existing["diff"] == {"before": {"access_rules": AS_RETURNED[1:]}, "after": {"access_rules": []}}
    assert existing["access_rules"] == AS_RETURNED[:1]
    assert len(nfs_rules(sim, "checked")) == 3


def test_rules_change_exactly_and_purge_to_none_warns(sim, capsys):
    run(sim, capsys, name="purged", nfs=True, access_rules=RULES)
    sim.reset_calls()
    result, _out = run(sim, capsys, name="purged", nfs=True, _ansible_diff=True,
                       access_rules=[dict(type="ip", to="10.1.0.0/24", access_level="ro"), RULES[1]])
    assert result["changed"] is True
    # one whole-list write (a changed level and a removal); the share itself is not written or re-read
    # (the floating IPs are read for the export locations of a share exported over NFS)
    assert by_method(sim) == {"getShare": 1, "getNFSNetworkACLsOnShare": 1, "setNFSNetworkACLsOnShare": 1,
                              "getFloatingIPList": 1}
    assert result["diff"]["before"] == {"access_rules": [AS_RETURNED[2], AS_RETURNED[0]]}
    assert nfs_rules(sim, "purged") == [("10.1.0.0/24", "ro"), ("10.2.0.0/24", "ro")]

    result, _out = run(sim, capsys, name="purged", access_rules=[])
    assert result["changed"] is True and result["access_rules"] == [] and nfs_rules(sim, "purged") == []
    assert "has no NFS network rule left: the array exports it to every host" in json.dumps(result["warnings"])
    # Omitted: the rules are left as they are (and not read).
    run_module(share_access.main, sim, capsys, pool=POOL, project=PROJECT, share="purged", rules=RULES[:1])
    sim.reset_calls()
    result, _out = run(sim, capsys, name="purged", nfs=True)
    assert result["changed"] is False and "access_rules" not in result
    assert "getNFSNetworkACLsOnShare" not in by_method(sim) and len(nfs_rules(sim, "purged")) == 1


def test_rules_after_turning_nfs_on_are_written_whole_without_a_read(sim, capsys):
    run(sim, capsys, name="toggled", nfs=False)
    run_module(share_access.main, sim, capsys, pool=POOL, project=PROJECT, share="toggled", rules=RULES[2:])
    sim.reset_calls()
    result, _out = run(sim, capsys, name="toggled", nfs=True, access_rules=RULES[:1])
    assert result["changed"] is True and result["access_rules"] == AS_RETURNED[:1]
    # Turning NFS on clears the list (C17): it is written after that, whole, and never read.
    assert by_method(sim) == {"getShare": 2, "setNFSSharingOnShare": 1, "setNFSNetworkACLsOnShare": 1,
                              "getFloatingIPList": 1}
    assert nfs_rules(sim, "toggled") == [("10.1.0.0/24", "rw")]
    again, _out = run(sim, capsys, name="toggled", nfs=True, access_rules=RULES[:1])
    assert again["changed"] is False and writes(sim) == 0


def test_smb_share_takes_user_and_group_rules(sim, capsys):
    users = [dict(type="group", to="finance"), dict(type="user", to="auditor", access_level="ro")]
    sim.reset_calls()
    result, _out = run(sim, capsys, name="smb", project=SMB_PROJECT, access_rules=users)
    assert result["changed"] is True, result
    assert result["access_rules"] == [dict(type="group", to="finance", access_level="rw"),
                                      dict(type="user", to="auditor", access_level="ro")]
    # The file ACL in one write; an SMB share's NFS list is not touched
    assert by_method(sim) == {"getShare": 2, "createShare": 1, "modifyShareProperties": 1, "getFloatingIPList": 1}
    again, _out = run(sim, capsys, name="smb", project=SMB_PROJECT, access_rules=list(reversed(users)))
    assert again["changed"] is False and by_method(sim) == {"getShare": 1, "getFloatingIPList": 1}
    result = assert_refused(run, sim, capsys, dict(name="smb", project=SMB_PROJECT, access_rules=RULES),
                            "access_rules[0]: ip rules are not allowed on an SMB share", no_call=False)
    assert result["dataset"] == "%s/Local/%s/smb" % (POOL, SMB_PROJECT)


def test_rules_the_inherited_protocol_refuses_create_nothing(sim, capsys):
    # The new share's protocol is its project's (SMB): asked before creating, nothing is written.
    sim.reset_calls()
    result, _out = run(sim, capsys, name="refused", project=SMB_PROJECT, size="1G", access_rules=RULES)
    assert result["failed"] is True
    assert result["msg"].startswith("access_rules[0]: ip rules are not allowed on an SMB share")
    assert "deleted again" not in result["msg"]
    assert sim.calls()["writes"] == 0
    with client(sim) as api:
        assert api.find_share(share_ref(POOL, SMB_PROJECT, "refused")) is None
    # check mode tells it from the project, and writes nothing
    result = assert_refused(run, sim, capsys, dict(name="refused", project=SMB_PROJECT, access_rules=RULES,
                                                   _ansible_check_mode=True),
                            "access_rules[0]: ip rules are not allowed on an SMB share", no_call=False)


def test_check_mode_of_a_clone_predicts_its_rules_from_the_source_share(sim, capsys):
    # A clone takes its source share's sharing state and file ACL (C13), not its project's (NFS
    # off here, no file ACL): check mode must predict what the real run does, with no write.
    alice = dict(type="user", to="alice", access_level="rw")
    run(sim, capsys, name="src_smb", nfs=False, smb=True, access_rules=[alice])
    run(sim, capsys, name="src_nfs", nfs=True, access_rules=[RULES[0], alice])
    with client(sim) as api:
        for name in ("src_smb", "src_nfs"):
            api.create_snapshot(dataset_ref(POOL, PROJECT, name), "snap")

    # An SMB-only source: the clone is an SMB share, which takes no ip rule.
    args = dict(name="clone_smb", source_share="src_smb", source_snapshot="snap", access_rules=RULES[:1])
    assert_refused(run, sim, capsys, dict(args, _ansible_check_mode=True),
                   "access_rules[0]: ip rules are not allowed on an SMB share", no_call=False)
    real, _out = run(sim, capsys, **args)
    assert real["failed"] is True
    assert real["msg"].startswith("access_rules[0]: ip rules are not allowed on an SMB share")

    # The clone starts with its source's file ACL: the diff removes alice in both runs.
    args = dict(name="clone_nfs", source_share="src_nfs", source_snapshot="snap",
                access_rules=[dict(type="user", to="bob")], _ansible_diff=True)
    sim.reset_calls()
    checked, _out = run(sim, capsys, _ansible_check_mode=True, **args)
    assert checked["changed"] is True and writes(sim) == 0
    real, _out = run(sim, capsys, **args)
    assert real["changed"] is True
    assert real["diff"]["before"]["access_rules"] == [alice]
    assert checked["diff"] == real["diff"]
    assert checked["access_rules"] == real["access_rules"] == [dict(type="user", to="bob", access_level="rw")]


@pytest.mark.parametrize("rules, words", [
    ([dict(type="ip", to="10.0.0.1/24")], "access_rules[0].to: '10.0.0.1/24'"),
    ([RULES[0], dict(RULES[0], access_level="ro")], "access_rules[1]: duplicates access_rules[0]"),
    ([dict(type="user", to="EXAMPLE\\alice")], "access_rules[0].to: 'EXAMPLE\\\\alice': the array refuses"),
    ([dict(type="group", to="staff", root_access=True)], "access_rules[0].root_access"),
    ([dict(type="ip")], "missing required arguments: to found in access_rules"),
    ([RULES[0]], "access_rules[0]: ip rules are not allowed on an SMB share"),
    ([dict(type="ip", to="10.9.%d.%d" % (n // 256, n % 256)) for n in range(1025)],
     "access_rules: 1025 network (ip and host) rules; an ACL on the array holds at most 1024"),
])
def test_bad_rules_are_refused_before_any_call(sim, capsys, rules, words):
    args = dict(name="bad", size="1G", access_rules=rules)
    if "SMB" in words:
        args.update(nfs=False, smb=True)
    assert_refused(run, sim, capsys, args, words)


def test_the_rules_take_share_access_lock(sim, capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(blocker))
    assert_refused(run, sim, capsys, dict(name="locked", access_rules=RULES), "INTELLIFLASH_LOCK_DIR")
    # without access_rules too (a share it creates and deletes again must be nobody else's); check
    # mode writes nothing and takes no lock
    assert_refused(run, sim, capsys, dict(name="locked"), "INTELLIFLASH_LOCK_DIR")
    result, _out = run(sim, capsys, name="locked", _ansible_check_mode=True)
    assert result["changed"] is True


def test_rules_replacing_an_inherited_list_keep_out_a_rule_added_to_the_project(sim, capsys, monkeypatch):
    """The share follows its project's list [A, B]; access_rules [A]. Another task adds C to the
    project after this task's read: a per-rule remove of B on the share copied the project's list
    as it was then, C included (C16), and left the share open to C. One write of the list instead."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.access import AccessCalls

    a, b, c = "10.31.0.0/16", "10.32.0.0/16", "10.33.0.0/16"
    project = project_ref(POOL, "unit_rules_inh")
    with client(sim) as api:
        api.create_project(project)
        api.set_nfs_sharing(project, True)
        api.set_network_acls("nfs", project, [dict(host=a), dict(host=b)])
        api.create_share(share_ref(POOL, "unit_rules_inh", "inherits"))
    crossed = []

    def other_task_adds_to_the_project(method):
        def write_after(self, *args, **kwargs):
            if not crossed:
                crossed.append(method.__name__)
                with client(sim) as other:
                    other.add_network_acl("nfs", project, dict(host=c))
            return method(self, *args, **kwargs)
        return write_after

    for name in ("add_network_acl", "remove_network_acl", "set_network_acls"):
        monkeypatch.setattr(AccessCalls, name, other_task_adds_to_the_project(getattr(AccessCalls, name)))
    result, _out = run(sim, capsys, project="unit_rules_inh", name="inherits", access_rules=[dict(type="ip", to=a)])
    monkeypatch.undo()
    assert crossed and result["changed"] is True and [rule["to"] for rule in result["access_rules"]] == [a]
    with client(sim) as api:
        assert [rule.host for rule in api.get_network_acls("nfs", dataset_ref(POOL, "unit_rules_inh", "inherits"))] == [a]
