# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.share_access over a mocked array: what it decides and which calls it makes.

The simulator-backed tests of the module are in tests/python/modules/test_share_access.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import share_access
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module, warnings_of

SHARE = "pool-a/Local/p1/s1"
PROJECT = "pool-a/Local/p1"
NFS_SHARE = ("getShare", wire.share(sharenfs="on", overrideSharenfs=True), [SHARE])  # its own list
NET_A = wire.network_rule("10.0.0.0/24")
NET_B = wire.network_rule("10.1.0.0/24", access="ro")
RULE_A = dict(type="ip", to="10.0.0.0/24")
RULE_B = dict(type="ip", to="10.1.0.0/24", access_level="ro")


def run(**args):
    return run_module(share_access.main, **dict(dict(pool="pool-a", project="p1", share="s1"), **args))


def acls(*rules):
    return ("getNFSNetworkACLsOnShare", list(rules), [SHARE])


def test_one_missing_rule_is_added_with_one_call_and_not_read_back(array):
    array.expect(NFS_SHARE, acls(NET_B),
                 ("addNFSNetworkACLOnShare", wire.SUCCESS, [SHARE, "IP", "10.0.0.0/24", "rw", False]))
    result = run(rules=[RULE_A], diff=True)
    assert result["changed"] is True and result["protocol"] == "nfs" and result["dataset"] == SHARE
    assert result["diff"] == {"before": {"rules": []},
                              "after": {"rules": [dict(RULE_A, access_level="rw", root_access=False)]}}
    assert [rule["to"] for rule in result["rules"]] == ["10.1.0.0/24", "10.0.0.0/24"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_converged_rules_are_read_and_not_written(array, check_mode):
    array.expect(NFS_SHARE, acls(NET_A, NET_B))
    result = run(rules=[RULE_B, RULE_A], purge=True, check_mode=check_mode, diff=True)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}


def test_check_mode_predicts_the_change_and_writes_nothing(array):
    array.expect(NFS_SHARE, acls(NET_A, NET_B))
    result = run(rules=[RULE_A], purge=True, check_mode=True)
    assert result["changed"] is True
    assert [rule["to"] for rule in result["rules"]] == ["10.0.0.0/24"]


def test_purge_of_several_rules_replaces_the_list_in_one_call(array):
    host1 = wire.network_rule("host1.example.com", host_type="FQDN")
    array.expect(
        NFS_SHARE, acls(NET_A),
        ("setNFSNetworkACLsOnShare", wire.SUCCESS, [SHARE, [NET_B, host1]]),
    )
    result = run(rules=[RULE_B, dict(type="host", to="host1.example.com")], purge=True)
    assert result["changed"] is True
    assert [(rule["type"], rule["to"]) for rule in result["rules"]] == [("ip", "10.1.0.0/24"),
                                                                        ("host", "host1.example.com")]


def test_absent_removes_the_listed_rule_whatever_its_level(array):
    array.expect(NFS_SHARE, acls(NET_A, NET_B),
                 ("removeNFSNetworkACLOnShare", wire.SUCCESS, [SHARE, "IP", "10.1.0.0/24"]))
    result = run(rules=[dict(RULE_B, access_level="rw")], state="absent")
    assert result["changed"] is True
    assert [rule["to"] for rule in result["rules"]] == ["10.0.0.0/24"]


def test_a_rule_another_writer_added_meanwhile_is_read_and_set_with_a_warning(array):
    net_a_ro = wire.network_rule("10.0.0.0/24", access="ro")
    array.expect(NFS_SHARE, acls(NET_B),
                 ("addNFSNetworkACLOnShare", wire.error("EZEBI_RESOURCE_EXIST", "exists")),
                 acls(NET_B, net_a_ro),  # read only after the refusal
                 ("setNFSNetworkACLsOnShare", wire.SUCCESS, [SHARE, [NET_B, NET_A]]))
    result = run(rules=[RULE_A])
    assert result["changed"] is True
    assert any("Another writer changed the access rules of %s" % SHARE in text for text in warnings_of(result))


def test_user_rules_are_the_share_file_acl(array):
    both = [wire.user_rule("bob", "ro"), wire.user_rule("alice")]
    array.expect(
        ("getShare", wire.share(sharesmb="on", aclList=both[:1])),
        ("modifyShareProperties", wire.SUCCESS, [SHARE, {"aclList": both}]),
    )
    result = run(rules=[dict(type="user", to="alice")])
    assert result["changed"] is True and result["protocol"] == "smb"
    assert result["rules"] == [dict(type="user", to="bob", access_level="ro"),
                               dict(type="user", to="alice", access_level="rw")]


def test_network_rules_on_an_smb_share_are_refused_before_any_write(array):
    array.expect(("getShare", wire.share(sharesmb="on")))
    result = run(rules=[RULE_A])
    assert result["failed"] is True
    assert result["msg"].startswith("rules[0]: ip rules are not allowed on an SMB share")


def test_rules_of_a_share_not_exported_over_nfs_come_with_a_warning(array):
    array.expect(("getShare", wire.share(overrideSharenfs=True)), acls(),
                 ("addNFSNetworkACLOnShare", wire.SUCCESS))
    result = run(rules=[RULE_A])
    assert result["changed"] is True
    assert any("is not exported over NFS" in text for text in warnings_of(result))


def test_a_rule_added_to_a_list_the_share_inherits_is_read_back(array):
    # The add copies the project's list as it is then (C16), maybe not as it was read.
    array.expect(("getShare", wire.share(sharenfs="on"), [SHARE]), acls(NET_B),
                 ("addNFSNetworkACLOnShare", wire.SUCCESS, [SHARE, "IP", "10.0.0.0/24", "rw", False]),
                 acls(NET_B, NET_A))
    result = run(rules=[RULE_A])
    assert result["changed"] is True
    assert [rule["to"] for rule in result["rules"]] == ["10.1.0.0/24", "10.0.0.0/24"]


def test_project_rules_and_the_last_one_removed(array):
    array.expect(
        ("getNFSNetworkACLsOnProject", [NET_A], [PROJECT]),
        ("removeNFSNetworkACLOnProject", wire.SUCCESS, [PROJECT, "IP", "10.0.0.0/24"]),
    )
    result = run(share=None, rules=[RULE_A], state="absent")
    assert result["changed"] is True and result["rules"] == [] and result["dataset"] == PROJECT
    assert any("has no NFS network rule left" in text for text in warnings_of(result))


def test_missing_project_is_named(array):
    array.expect(
        ("getNFSNetworkACLsOnProject", wire.not_found("Project %s" % PROJECT)),
        ("getProject", wire.not_found("Project %s" % PROJECT)),
        ("listPools", wire.pools()),
    )
    result = run(share=None, rules=[RULE_A])
    assert result["failed"] is True
    assert result["msg"] == "project: project 'p1' does not exist in pool 'pool-a'"


@pytest.mark.parametrize("args, words", [
    (dict(rules=[RULE_A], purge=True, state="absent"), "purge: only with state=present"),
    (dict(share=None, protocol="smb", rules=[]), "protocol: a project's rules are its NFS network rules"),
    (dict(rules=[dict(type="ip", to="host1.example.com")]), "rules[0].to: 'host1.example.com' is not an IP address"),
    (dict(rules=[RULE_A, dict(RULE_A, access_level="ro")]), "rules[1]: duplicates rules[0]"),
    (dict(rules=[dict(type="user", to="EXAMPLE\\alice")]), "the array refuses DOMAIN\\name"),
    (dict(share=None, rules=[dict(type="group", to="staff")]), "rules[0]: group rules are share-only"),
])
def test_bad_input_fails_naming_the_field_before_any_call(array, args, words):
    result = run(**args)
    assert result["failed"] is True and words in result["msg"]
    assert array.calls == []


def _many_network_rules(count, second_octet=0):
    return [wire.network_rule("10.%d.%d.%d" % (second_octet, index // 256, index % 256)) for index in range(count)]


def test_a_merge_past_the_array_bound_is_refused_before_the_first_add(array):
    # 1,020 rules on the share and 5 new ones: each is fine, together they exceed an ACL (C34).
    array.expect(NFS_SHARE, acls(*_many_network_rules(1020)))
    new = [dict(type="ip", to="10.9.0.%d" % index) for index in range(5)]
    result = run(rules=new)
    assert result["failed"] is True
    assert result["msg"].startswith("rules: 1025 network (ip and host) rules; an ACL on the array holds at most 1024")
    assert array.methods() == ["getShare", "getNFSNetworkACLsOnShare"]


def test_more_rules_than_an_acl_holds_are_refused_before_any_call(array):
    result = run(rules=[dict(type="ip", to=rule["host"]) for rule in _many_network_rules(1025)], purge=True)
    assert result["failed"] is True
    assert "rules: 1025 network (ip and host) rules; an ACL on the array holds at most 1024" in result["msg"]
    assert array.calls == []
