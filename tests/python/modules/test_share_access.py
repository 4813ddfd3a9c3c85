# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.share_access run in-process against the simulator (HTTPS, verification on).

The integration target covers the full flow; these tests cover what is easier to see from
inside: no call at all on bad input, the password never reaching the output, and a lost
reply of the one write a change makes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible_collections.tegile.intelliflash.plugins.modules import share_access
from ansible_collections.tegile.intelliflash.plugins.module_utils._array import MAX_RULE_WRITES
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.access import AccessCalls
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.api import (
    IntelliFlashClient,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref
from module_runner import (
    PASSWORD,
    connection,
    run_module,
    let_in,
    module_result,
    run_examples,
    simulator,
    start_module,
)

POOL, PROJECT, SHARE = "pool-a", "unit_access", "data"


@pytest.fixture
def sim(tmp_path):
    # One simulator per test, stopped by the test's own teardown: ansible-test runs every unit
    # test in a fork that exits without tearing down module-scoped fixtures, which would leave
    # a simulator process behind per test.
    with simulator(tmp_path / "sim") as proc:
        conn = connection(proc)
        with IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"]) as client:
            client.create_project(project_ref(POOL, PROJECT))
            client.create_share(share_ref(POOL, PROJECT, SHARE))
            client.set_nfs_sharing(dataset_ref(POOL, PROJECT, SHARE), True)
            client.create_share(share_ref(POOL, PROJECT, "unexported"))
        yield proc


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Module warnings are process-global in ansible-core; give each in-process run its own."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", type(ansible_warnings._global_warnings)())  # dict since 2.19


def run(sim, capsys, **args):
    """Run the module on the test share unless told otherwise; returns (result, stdout)."""
    params = dict(pool=POOL, project=PROJECT, share=SHARE)
    params.update(args)
    return run_module(share_access.main, sim, capsys, **params)


@pytest.mark.parametrize("args, words", [
    (dict(rules=[dict(type="ip", to="10.0.0.1/8")]), "rules[0].to: '10.0.0.1/8' has host bits set"),
    (dict(rules=[dict(type="ip", to="printer")]), "use type=host"),
    (dict(rules=[dict(type="host", to="a.example.com"), dict(type="host", to="A.example.com")]),
     "rules[1]: duplicates rules[0]"),
    (dict(rules=[dict(type="group", to="staff", root_access=True)]), "rules[0].root_access"),
    (dict(rules=[dict(type="ip", to="10.0.0.1")], protocol="smb"), "not allowed on an SMB share"),
    (dict(share=None, rules=[dict(type="user", to="alice")]), "share-only"),
    (dict(share=None, protocol="smb", rules=[]), "protocol: "),
    (dict(state="absent", purge=True, rules=[]), "purge: only with state=present"),
    # purge=true without rules changed nothing and said nothing (rules=[] is "remove them all")
    (dict(purge=True), "purge: needs rules (rules: [] removes every rule)"),
    (dict(share="a b", rules=[]), "share: 'a b' must not contain white space"),
    (dict(project="p#1", rules=[]), "project: 'p#1' contains forbidden character"),
    (dict(rules=[dict(type="ip", to="10.0.0.1"), dict(type="user", to="EXAMPLE\\alice")]),
     "rules[1].to: 'EXAMPLE\\\\alice': the array refuses DOMAIN\\name"),
    (dict(rules=[dict(type="ip", to="10.0.0.1"), dict(type="user", to="adm\u200bin")]),
     "rules[1].to: 'adm\\u200bin' is not a valid user name: it contains invisible format character(s) U+200B"),
])
def test_bad_input_fails_before_any_call(sim, capsys, args, words):
    sim.reset_calls()
    result, _out = run(sim, capsys, **args)
    assert result["failed"] is True
    assert words in result["msg"]
    assert sim.calls()["total"] == 0


def test_password_never_in_output(sim, capsys):
    _result, out = run(sim, capsys, rules=[dict(type="ip", to="10.1.1.0/24")], _ansible_diff=True)
    _result, failed = run(sim, capsys, share="missing", rules=[dict(type="ip", to="10.1.1.0/24")])
    assert "does not exist" in json.loads(failed)["msg"]
    assert PASSWORD not in out and PASSWORD not in failed
    run(sim, capsys, state="absent", rules=[dict(type="ip", to="10.1.1.0/24")])


def test_lost_reply_of_a_rule_write_is_recovered(sim, capsys):
    rules = [dict(type="ip", to="10.2.0.0/16"), dict(type="host", to="nfs-client.example.com", access_level="ro")]
    sim.set_faults(drop_reply_rate=1, count=1, methods=["addNFSNetworkACLOnShare"])
    try:
        result, _out = run(sim, capsys, rules=rules)
        assert sim.get_faults()["fired"] == 1
    finally:
        sim.clear_faults()
    assert result["changed"] is True
    assert [rule["to"] for rule in result["rules"]] == ["10.2.0.0/16", "nfs-client.example.com"]
    sim.reset_calls()
    again, _out = run(sim, capsys, rules=rules)
    assert again["changed"] is False
    assert sim.calls()["writes"] == 0


def test_rules_on_a_share_not_exported_over_nfs_warn_that_enabling_nfs_clears_them(sim, capsys):
    result, _out = run(sim, capsys, share="unexported", rules=[dict(type="ip", to="10.3.0.0/16")])
    assert result["changed"] is True and result["protocol"] == "nfs"
    # ansible-core 2.19 reports warnings as structured events
    assert "turning NFS sharing on later clears them" in json.dumps(result["warnings"])
    ansible_warnings._global_warnings.clear()
    again, _out = run(sim, capsys, share="unexported", rules=[dict(type="ip", to="10.3.0.0/16")])
    assert again["changed"] is False and "warnings" not in again


def test_user_name_the_array_refuses_changes_nothing(sim, capsys):
    # The array is the authority on user and group names (C31); when it refuses the file ACL, the
    # network rules of the same task must not have been applied already.
    rules = [dict(type="ip", to="10.4.0.0/16"), dict(type="group", to="Domain Users")]
    result, _out = run(sim, capsys, rules=rules)
    assert result["failed"] is True
    assert result["error_code"] == "EZEBI_INVALID_ACL_API_PARAM_GENERAL"
    assert result["dataset"] == "%s/Local/%s/%s" % (POOL, PROJECT, SHARE)
    sim.reset_calls()
    after, _out = run(sim, capsys)
    assert after["rules"] == []
    assert sim.calls()["writes"] == 0


def test_emptying_a_project_list_warns_that_inheriting_shares_are_open(sim, capsys):
    result, _out = run(sim, capsys, share=None, rules=[dict(type="ip", to="10.5.0.0/16")])
    assert result["changed"] is True and "warnings" not in result
    ansible_warnings._global_warnings.clear()
    emptied, _out = run(sim, capsys, share=None, rules=[], purge=True)
    assert emptied["changed"] is True and emptied["rules"] == []
    assert "exported to every host, read-write" in json.dumps(emptied["warnings"])


def test_merge_adds_each_rule_with_a_call_of_its_own(sim, capsys):
    # Per-rule calls keep what another writer adds at the same time (a whole-list write would not).
    rules = [dict(type="ip", to="10.6.0.%d" % n) for n in range(1, 4)]
    sim.reset_calls()
    result, _out = run(sim, capsys, rules=rules)
    assert result["changed"] is True
    by_method = sim.calls()["by_method"]
    assert by_method.get("addNFSNetworkACLOnShare") == 3
    assert "setNFSNetworkACLsOnShare" not in by_method
    removed, _out = run(sim, capsys, rules=rules, state="absent")
    assert removed["changed"] is True and sim.calls()["by_method"].get("removeNFSNetworkACLOnShare") == 3


def test_a_merge_the_array_would_refuse_as_too_long_writes_nothing(sim, capsys):
    # Before: adds went out one by one until the array refused the 1,025th (C34), leaving the
    # first ones written; the whole merge is refused now, before any write.
    held = [dict(type="ip", to="10.7.%d.%d" % (n // 256, n % 256)) for n in range(1020)]
    filled, _out = run(sim, capsys, rules=held, purge=True)
    assert filled["changed"] is True and len(filled["rules"]) == 1020
    sim.reset_calls()
    more = [dict(type="ip", to="10.8.0.%d" % n) for n in range(1, 6)]
    result, _out = run(sim, capsys, rules=more)
    assert result["failed"] is True
    assert result["msg"].startswith("rules: 1025 network (ip and host) rules; an ACL on the array holds at most 1024")
    assert sim.calls()["writes"] == 0
    after, _out = run(sim, capsys)
    assert len(after["rules"]) == 1020


def get_in_the_way(monkeypatch, sim, times):
    """Make another writer add each rule (read-only) just before the module adds it, and remove it
    again right after the array refused the module's add, ``times`` times."""
    original = AccessCalls.add_network_acl
    crossed = []

    def other_writer():
        conn = connection(sim)
        return IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"])

    def add_in_the_way(self, protocol, where, rule):
        if len(crossed) >= times:
            return original(self, protocol, where, rule)
        crossed.append(rule)
        with other_writer() as other:
            original(other, protocol, where, dict(host=rule.host, access="ro"))
        try:
            return original(self, protocol, where, rule)
        finally:
            if times > 1:  # gone again before the module reads: its add is needed once more
                with other_writer() as other:
                    other.remove_network_acl(protocol, where, rule.host_type, rule.host)

    monkeypatch.setattr(AccessCalls, "add_network_acl", add_in_the_way)
    return crossed


def test_a_rule_another_writer_added_meanwhile_gets_the_tasks_level(sim, capsys, monkeypatch):
    crossed = get_in_the_way(monkeypatch, sim, times=1)
    result, _out = run(sim, capsys, rules=[dict(type="ip", to="10.7.0.0/16")])
    assert crossed and result["changed"] is True
    assert [(rule["to"], rule["access_level"]) for rule in result["rules"]] == [("10.7.0.0/16", "rw")]
    assert "Another writer changed the access rules" in json.dumps(result["warnings"])
    monkeypatch.undo()
    sim.reset_calls()
    again, _out = run(sim, capsys, rules=[dict(type="ip", to="10.7.0.0/16")])
    assert again["changed"] is False and sim.calls()["writes"] == 0


def test_a_writer_in_the_way_every_time_fails_naming_what_is_left(sim, capsys, monkeypatch):
    crossed = get_in_the_way(monkeypatch, sim, times=100)
    result, _out = run(sim, capsys, rules=[dict(type="ip", to="10.8.0.0/16")])
    assert len(crossed) == MAX_RULE_WRITES
    assert result["failed"] is True
    assert "changed by another writer each time" in result["msg"] and "ip 10.8.0.0/16" in result["msg"]


def test_rules_are_not_read_back_after_a_write(sim, capsys):
    rules = [dict(type="ip", to="10.6.0.%d" % i) for i in range(1, 4)] + [dict(type="user", to="carol")]
    sim.reset_calls()
    result, _out = run(sim, capsys, rules=rules)
    assert result["changed"] is True
    # One read of the share (sharing state, file ACL) and one of the NFS list, then the writes.
    assert sim.calls()["by_method"] == {"getShare": 1, "getNFSNetworkACLsOnShare": 1,
                                        "addNFSNetworkACLOnShare": 3, "modifyShareProperties": 1}
    sim.reset_calls()
    again, _out = run(sim, capsys, rules=rules)
    assert again["changed"] is False and again["rules"] == result["rules"]
    assert sim.calls()["by_method"] == {"getShare": 1, "getNFSNetworkACLsOnShare": 1}


def test_an_unusable_lock_directory_fails_before_any_call(sim, capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(blocker))
    sim.reset_calls()
    result, _out = run(sim, capsys, rules=[dict(type="ip", to="10.9.0.0/16")])
    assert result["failed"] is True and "INTELLIFLASH_LOCK_DIR" in result["msg"]
    assert sim.calls()["total"] == 0
    # check mode writes nothing and needs no lock
    checked, _out = run(sim, capsys, rules=[dict(type="ip", to="10.9.0.0/16")], _ansible_check_mode=True)
    assert checked["changed"] is True


def test_check_mode_warns_as_the_real_run_would(sim, capsys):
    result, _out = run(sim, capsys, share="unexported", rules=[dict(type="ip", to="10.3.1.0/24")],
                       _ansible_check_mode=True)
    assert result["changed"] is True
    assert "turning NFS sharing on later clears them" in json.dumps(result["warnings"])


def test_a_rule_another_process_revokes_meanwhile_does_not_come_back(sim, capsys, monkeypatch, tmp_path):
    """Task one changes a rule's level: one write of the whole list, planned from its read. Task
    two, another process on this machine, revokes another rule of the share after that read. Task
    two waits for task one's lock, so the list task one writes does not bring the revoked rule
    back (without the lock, task two removed it first and task one's list put it back)."""
    locks = tmp_path / "locks"
    monkeypatch.setenv("INTELLIFLASH_LOCK_DIR", str(locks))
    kept, revoked = "10.11.0.0/16", "10.12.0.0/16"
    run(sim, capsys, rules=[dict(type="ip", to=kept, access_level="ro"), dict(type="ip", to=revoked)], purge=True)
    original = AccessCalls.set_network_acls
    other = []

    def set_while_the_other_task_runs(self, protocol, ref, rules):
        if not other:
            other.append(start_module(share_access, dict(connection(sim), pool=POOL, project=PROJECT, share=SHARE,
                                                         state="absent", rules=[dict(type="ip", to=revoked)]),
                                      tmp_path))
            let_in(other[0], locks)
        return original(self, protocol, ref, rules)

    monkeypatch.setattr(AccessCalls, "set_network_acls", set_while_the_other_task_runs)
    result, _out = run(sim, capsys, rules=[dict(type="ip", to=kept, access_level="rw")])
    assert result["changed"] is True and module_result(other[0])["changed"] is True
    monkeypatch.undo()
    after, _out = run(sim, capsys)
    assert [(rule["to"], rule["access_level"]) for rule in after["rules"]] == [(kept, "rw")]


def test_a_rule_added_to_a_long_list_costs_what_it_costs_on_a_short_one(sim, capsys):
    """A share holding 1,000 rules (C34 allows 1,024): adding, converging and removing one rule
    costs the calls it costs on a share with 10."""
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import NetworkRule

    costs = []
    with IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path) as client:
        for total in (10, 1000):
            name = "long-%d" % total
            client.create_share(share_ref(POOL, PROJECT, name))
            client.set_nfs_sharing(dataset_ref(POOL, PROJECT, name), True)
            client.set_network_acls("nfs", dataset_ref(POOL, PROJECT, name), [
                NetworkRule("IP", "10.%d.%d.1" % (n // 250, n % 250), "ro") for n in range(total)])
            cost = []
            for state in ("present", "present", "absent"):
                sim.reset_calls()
                result, _out = run(sim, capsys, share=name, state=state,
                                   rules=[dict(type="ip", to="192.168.1.1", access_level="rw")])
                assert not result.get("failed"), result
                cost.append(sim.calls()["by_method"])
            costs.append(cost)
    assert costs[0] == costs[1], costs
    assert costs[1][1] == {"getShare": 1, "getNFSNetworkACLsOnShare": 1}, costs


def test_a_purge_of_an_inherited_list_holds_the_rules_added_to_the_project_meanwhile_out(sim, capsys, monkeypatch):
    """The share follows its project's rules [A, B]; the task purges it to [A]. Another task adds C
    to the project after this task's read. A per-rule remove of B on the share first copied the
    project's list as it was then, C included (C16): the share was left open to C, and the task
    reported [A]. The list is written whole instead."""
    a, b, c = "10.21.0.0/16", "10.22.0.0/16", "10.23.0.0/16"
    project = dataset_ref(POOL, PROJECT, None)
    with IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path) as api:
        api.set_nfs_sharing(project, True)
        api.set_network_acls("nfs", project, [dict(host=a), dict(host=b)])
        api.create_share(share_ref(POOL, PROJECT, "inherits"))
    crossed = []

    def other_task_adds_to_the_project(method):
        def write_after(self, *args, **kwargs):
            if not crossed:
                crossed.append(method.__name__)
                with IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path) as other:
                    other.add_network_acl("nfs", project, dict(host=c))
            return method(self, *args, **kwargs)
        return write_after

    for name in ("add_network_acl", "remove_network_acl", "set_network_acls"):
        monkeypatch.setattr(AccessCalls, name, other_task_adds_to_the_project(getattr(AccessCalls, name)))
    result, _out = run(sim, capsys, share="inherits", rules=[dict(type="ip", to=a)], purge=True)
    monkeypatch.undo()
    assert crossed and result["changed"] is True and [rule["to"] for rule in result["rules"]] == [a]
    after, _out = run(sim, capsys, share="inherits")
    assert [rule["to"] for rule in after["rules"]] == [a]


def test_examples_run_as_written(sim, capsys):
    conn = connection(sim)
    with IntelliFlashClient(conn["host"], conn["username"], PASSWORD, ca_path=conn["ca_path"]) as api:
        api.create_project(project_ref(POOL, "finance"))
        api.create_share(share_ref(POOL, "finance", "ledger"))
        api.set_nfs_sharing(dataset_ref(POOL, "finance", "ledger"), True)
        api.create_share(share_ref(POOL, "finance", "reports"))
        api.set_smb_sharing(dataset_ref(POOL, "finance", "reports"), True)
    results = run_examples(share_access, sim, capsys)
    assert [result["changed"] for result in results.values()] == [True, True, True, True, True, False]
    current = results["Read the current rules"]["rules"]
    assert [(rule["type"], rule["to"]) for rule in current] == [("ip", "10.20.0.0/24")]


def test_a_revoke_on_an_inherited_list_reports_what_the_share_holds(sim, capsys, monkeypatch):
    """The share follows its project's rules [A, B]; the task revokes B. Another task revokes A on
    the project after this task's read: the share's remove of B copies the project's list as it is
    then, [B] (C16), and leaves the share with no rule, open to every host. The task reported [A]
    and no warning; it reads the share's list after such per-rule calls and reports that."""
    a, b = "10.41.0.0/16", "10.42.0.0/16"
    project = dataset_ref(POOL, PROJECT, None)
    with IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path) as api:
        api.set_nfs_sharing(project, True)
        api.set_network_acls("nfs", project, [dict(host=a), dict(host=b)])
        api.create_share(share_ref(POOL, PROJECT, "follows"))
    original = AccessCalls.remove_network_acl
    crossed = []

    def remove_after_the_other_task(self, protocol, ref, host_type, host, missing_ok=True):
        if not crossed:
            crossed.append(host)
            with IntelliFlashClient(sim.address, "admin", PASSWORD, ca_path=sim.ca_path) as other:
                original(other, "nfs", project, "IP", a)
        return original(self, protocol, ref, host_type, host, missing_ok)

    monkeypatch.setattr(AccessCalls, "remove_network_acl", remove_after_the_other_task)
    result, _out = run(sim, capsys, share="follows", state="absent", rules=[dict(type="ip", to=b)])
    monkeypatch.undo()
    assert crossed == [b] and result["changed"] is True and result["rules"] == []
    assert "exports it to every host" in json.dumps(result["warnings"])
