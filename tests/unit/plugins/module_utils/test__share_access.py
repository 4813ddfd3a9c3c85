# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decision logic of tegile.intelliflash.share_access: rule parsing, planning, call choice."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils._share_access import (
    RuleError,
    current_user_rules,
    describe_plans,
    nfs_warning,
    parse_rules,
    plan_rules,
    protocol_of,
    rule_to_dict,
    rules_result,
    share_protocol,
    sharing_after,
    split_rules,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import NetworkRule, UserRule
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.views import ShareInfo


def rule(type_, to, level="rw", root=False):
    return dict(type=type_, to=to, access_level=level, root_access=root)


def net(host, access="rw", root=False):
    return NetworkRule(None, host, access, root)


# -- parse_rules -----------------------------------------------------------------------------

def test_ip_rules_are_normalised():
    parsed = parse_rules([rule("ip", "10.0.0.1/32"), rule("ip", "FD00:0::5"), rule("ip", "10.1.0.0/16")],
                         "nfs", True)
    assert [(r.host_type, r.host) for r in parsed] == [
        ("IP", "10.0.0.1"), ("IP", "fd00::5"), ("IP", "10.1.0.0/16")]


def test_host_rule_is_fqdn_lower_cased_and_host_with_an_address_is_an_ip_rule():
    parsed = parse_rules([rule("host", "DB1.Example.com", "ro", True), rule("host", "10.0.0.9")], "nfs", True)
    assert parsed[0] == NetworkRule("FQDN", "db1.example.com", "ro", True)
    assert parsed[1] == NetworkRule("IP", "10.0.0.9", "rw", False)


def test_user_and_group_rules():
    parsed = parse_rules([rule("user", "alice", "ro"), rule("group", "Domain Users")], "smb", True)
    assert parsed == [UserRule("user", "alice", "ro"), UserRule("group", "Domain Users", "rw")]


@pytest.mark.parametrize("entry, field, words", [
    (rule("ip", "10.0.0.1/24"), "rules[1].to", "host bits"),
    (rule("ip", "db1.example.com"), "rules[1].to", "type=host"),
    (rule("ip", "300.1.1.1"), "rules[1].to", "not a valid"),
    (rule("host", "bad_host!"), "rules[1].to", "not a valid"),
    (rule("ip", "  "), "rules[1].to", "non-empty"),
    # C15: a host is taken as written, as the array takes it (never stripped), and an IPv4 host
    # has one spelling (no IPv4-mapped IPv6 address)
    (rule("ip", " 10.0.0.1"), "rules[1].to", "white space"),
    (rule("host", "db1.example.com\n"), "rules[1].to", "white space"),
    (rule("ip", "::ffff:10.0.0.1"), "rules[1].to", "IPv4-mapped"),
    (rule("user", "alice", root=True), "rules[1].root_access", "ip and host rules only"),
    (rule("user", "bad\tname"), "rules[1].to", "control characters"),
    (rule("user", " alice"), "rules[1].to", "white space around"),  # C31: never stripped
    (rule("group", "staff\n"), "rules[1].to", "white space around"),
    (rule("user", "EXAMPLE\\alice"), "rules[1].to", "write directory users as name@domain (alice@"),
    (rule("group", "EXAMPLE\\Domain Admins"), "rules[1].to", "directory groups as name@domain"),
    # C31: invisible characters (the client refuses them too, naming its own field, not the option)
    (rule("user", "adm\u200bin"), "rules[1].to", "invisible format character(s) U+200B"),
    (rule("group", "staff\u202e"), "rules[1].to", "invisible format character(s) U+202E"),
    (rule("user", "b\x85ob"), "rules[1].to", "control character(s) U+0085"),
])
def test_bad_rules_name_the_field(entry, field, words):
    with pytest.raises(RuleError) as err:
        parse_rules([rule("ip", "10.9.9.9"), entry], "nfs", True)
    assert field in str(err.value)
    assert words in str(err.value)


@pytest.mark.parametrize("kind", ["ip", "host"])
def test_network_rules_are_refused_on_smb_shares(kind):
    with pytest.raises(RuleError) as err:
        parse_rules([rule(kind, "10.0.0.1")], "smb", True)
    assert "rules[0]" in str(err.value)
    assert "NFS-only" in str(err.value)


@pytest.mark.parametrize("kind", ["user", "group"])
def test_user_rules_are_refused_on_projects(kind):
    with pytest.raises(RuleError) as err:
        parse_rules([rule("ip", "10.0.0.1"), rule(kind, "alice")], "nfs", False)
    assert "rules[1]" in str(err.value)
    assert "share-only" in str(err.value)


@pytest.mark.parametrize("first, second, text", [
    (rule("ip", "10.0.0.1"), rule("ip", "10.0.0.1/32", "ro"), "ip 10.0.0.1"),
    (rule("host", "DB1.example.com"), rule("host", "db1.example.com."), "host db1.example.com"),
    (rule("user", "Alice"), rule("user", "alice", "ro"), "user alice"),
])
def test_duplicate_identities_name_both_rules(first, second, text):
    with pytest.raises(RuleError) as err:
        parse_rules([first, rule("group", "staff"), second], "nfs", True)
    message = str(err.value)
    assert "rules[2]" in message and "rules[0]" in message and text in message


def test_errors_name_the_option_the_rules_came_from():
    with pytest.raises(RuleError) as err:
        parse_rules([rule("ip", "10.0.0.1"), rule("ip", "10.0.0.1/32")], "nfs", True, option="access_rules")
    assert str(err.value).startswith("access_rules[1]: duplicates access_rules[0]")
    with pytest.raises(RuleError) as err:
        parse_rules([rule("ip", "10.0.0.1")], "smb", True, option="access_rules")
    assert str(err.value).startswith("access_rules[0]: ip rules are not allowed on an SMB share")


def test_user_and_group_of_the_same_name_are_different_rules():
    assert len(parse_rules([rule("user", "ops"), rule("group", "ops")], "smb", True)) == 2


def test_split_keeps_order():
    parsed = parse_rules([rule("user", "a"), rule("ip", "10.0.0.1"), rule("group", "g"),
                          rule("ip", "10.0.0.2")], "nfs", True)
    network, users = split_rules(parsed)
    assert [r.host for r in network] == ["10.0.0.1", "10.0.0.2"]
    assert [r.name for r in users] == ["a", "g"]


# -- plan_rules ------------------------------------------------------------------------------

CURRENT = [net("10.0.0.1"), net("10.0.1.0/24", "ro"), NetworkRule("FQDN", "db1.example.com", "rw", True)]


def test_omitted_list_changes_nothing():
    plan = plan_rules(CURRENT, None, purge=True)
    assert not plan.changed and plan.final == CURRENT and plan.network_actions(purge=True) == []


def test_converged_list_in_another_order_with_other_spelling_changes_nothing():
    wanted = [NetworkRule("FQDN", "DB1.example.com", "rw", True), net("10.0.1.0/24", "ro"), net("10.0.0.1/32")]
    plan = plan_rules(CURRENT, wanted, purge=True)
    assert not plan.changed
    assert plan.before_after() == ([], [])


def test_merge_adds_missing_changes_levels_and_keeps_others():
    plan = plan_rules(CURRENT, [net("10.0.1.0/24", "rw"), net("10.0.2.0/24")], purge=False)
    assert plan.add == [net("10.0.2.0/24")]
    assert plan.remove == []
    assert plan.change == [(net("10.0.1.0/24", "ro"), net("10.0.1.0/24", "rw"))]
    # current order kept, changed rule in place, additions last
    assert plan.final == [CURRENT[0], net("10.0.1.0/24", "rw"), CURRENT[2], net("10.0.2.0/24")]
    # a changed level has no per-rule call: the whole list, in one call
    assert plan.network_actions() == [("set", plan.final)]


def test_root_access_difference_is_a_change():
    plan = plan_rules(CURRENT, [NetworkRule("FQDN", "db1.example.com", "rw", False)])
    assert plan.change == [(CURRENT[2], NetworkRule("FQDN", "db1.example.com", "rw", False))]


def test_purge_makes_the_list_exact():
    plan = plan_rules(CURRENT, [net("10.0.0.1"), net("10.9.0.0/16")], purge=True)
    assert plan.remove == [CURRENT[1], CURRENT[2]]
    assert plan.add == [net("10.9.0.0/16")]
    assert plan.final == [net("10.0.0.1"), net("10.9.0.0/16")]


def test_purge_with_empty_list_removes_everything():
    plan = plan_rules(CURRENT, [], purge=True)
    assert plan.final == [] and plan.count == 3
    assert plan.network_actions(purge=True) == [("set", [])]


def test_absent_removes_listed_identities_whatever_their_level():
    plan = plan_rules(CURRENT, [net("10.0.1.0/24", "rw"), net("10.7.7.7")], state="absent")
    assert plan.remove == [CURRENT[1]]
    assert plan.add == [] and plan.change == []
    assert plan.network_actions() == [("remove", CURRENT[1])]


def test_absent_of_missing_rules_is_converged():
    assert not plan_rules(CURRENT, [net("10.7.7.7")], state="absent").changed


def test_single_addition_is_one_add():
    plan = plan_rules(CURRENT, [net("10.0.3.0/24")])
    assert plan.network_actions() == [("add", net("10.0.3.0/24"))]


def test_merge_adds_each_rule_on_its_own():
    # One add per rule (never a whole-list write): another writer's rules added meanwhile stay.
    plan = plan_rules(CURRENT, [net("10.0.3.0/24"), net("10.0.4.0/24"), net("10.0.0.1")])
    assert plan.network_actions() == [("add", net("10.0.3.0/24")), ("add", net("10.0.4.0/24"))]


def test_absent_removes_each_rule_on_its_own():
    plan = plan_rules(CURRENT, [net("10.0.0.1"), net("10.0.1.0/24")], state="absent")
    assert plan.network_actions() == [("remove", CURRENT[0]), ("remove", CURRENT[1])]


def test_purge_adds_first_and_replaces_the_list_when_it_removes():
    one = plan_rules(CURRENT[:1], [CURRENT[0], net("10.0.9.0/24")], purge=True)
    assert one.network_actions(purge=True) == [("add", net("10.0.9.0/24"))]
    several = plan_rules(CURRENT, [net("10.0.9.0/24")], purge=True)
    assert several.network_actions(purge=True) == [("set", [net("10.0.9.0/24")])]


def test_single_level_change_is_one_set_not_remove_and_add():
    plan = plan_rules(CURRENT, [net("10.0.0.1", "ro")])
    [(verb, final)] = plan.network_actions()
    assert verb == "set" and net("10.0.0.1", "ro") in final and len(final) == 3


def test_diff_holds_exactly_what_changes():
    plan = plan_rules(CURRENT, [net("10.0.0.1", "ro"), net("10.5.0.0/16")], purge=True)
    before, after = plan.before_after()
    assert before == [
        dict(type="ip", to="10.0.1.0/24", access_level="ro", root_access=False),
        dict(type="host", to="db1.example.com", access_level="rw", root_access=True),
        dict(type="ip", to="10.0.0.1", access_level="rw", root_access=False),
    ]
    assert after == [
        dict(type="ip", to="10.0.0.1", access_level="ro", root_access=False),
        dict(type="ip", to="10.5.0.0/16", access_level="rw", root_access=False),
    ]


@pytest.mark.parametrize("wanted", [[], [net("10.0.0.1")], [net("10.0.0.1"), net("10.0.1.0/24", "ro")]])
def test_replace_writes_the_whole_list_whatever_it_holds(wanted):
    # A share created by the task inherits its project's list (C16): one whole-list write makes
    # it the share's own and exactly what is wanted, also when that is no rule at all.
    plan = plan_rules(CURRENT, wanted, purge=True, replace=True)
    assert plan.changed and plan.final == wanted
    assert plan.network_actions(purge=True) == [("set", wanted)]
    assert plan.before_after() == ([], [rule_to_dict(item) for item in wanted])


def test_replace_without_an_opinion_changes_nothing():
    assert not plan_rules(CURRENT, None, purge=True, replace=True).changed


def test_describe_plans_and_result_of_several_lists():
    net_plan = plan_rules(CURRENT[:1], [net("10.0.9.0/24")], purge=True)
    user_plan = plan_rules([], [UserRule("user", "alice", "ro")], purge=True)
    assert describe_plans(net_plan, user_plan) == "add or change ip 10.0.9.0/24, user alice; remove ip 10.0.0.1"
    assert describe_plans(plan_rules(CURRENT, None)) == "add or change none; remove none"
    assert rules_result(net_plan, user_plan) == [
        dict(type="ip", to="10.0.9.0/24", access_level="rw", root_access=False),
        dict(type="user", to="alice", access_level="ro")]


@pytest.mark.parametrize("share_level, nfs_on, rules, words", [
    (True, True, [net("10.0.0.1")], None),
    (True, True, [], "has no NFS network rule left: the array exports it to every host"),
    (True, False, [net("10.0.0.1")], "is not exported over NFS"),
    (False, None, [], "its NFS-shared shares that inherit the project's rules"),
    (False, None, [net("10.0.0.1")], None),
])
def test_nfs_warning(share_level, nfs_on, rules, words):
    text = nfs_warning("pool-a/Local/p1/s1", share_level, nfs_on, rules)
    if words is None:
        assert text is None
    else:
        assert text.startswith("pool-a/Local/p1/s1 ") and words in text


def test_user_rules_plan_ignores_name_case():
    current = [UserRule("user", "Alice", "rw"), UserRule("group", "staff", "ro")]
    plan = plan_rules(current, [UserRule("user", "alice", "rw")], purge=True)
    assert plan.remove == [UserRule("group", "staff", "ro")]
    assert plan.final == [UserRule("user", "Alice", "rw")]


# -- reading ---------------------------------------------------------------------------------

def test_current_user_rules_from_get_share():
    share = ShareInfo.from_wire({"aclList": [
        {"aclType": "user", "aclUser": "alice", "aclGroup": "", "aclMode": "allow",
         "aclValDisplay": "read_set", "aclVal": 131241},
        {"aclType": "group", "aclUser": "", "aclGroup": "staff", "aclMode": "allow",
         "aclValDisplay": "modify_set", "aclVal": 1245631},
    ]})
    assert current_user_rules(share) == [UserRule("user", "alice", "ro"), UserRule("group", "staff", "rw")]
    assert current_user_rules(ShareInfo.from_wire({})) == []


@pytest.mark.parametrize("nfs, smb, requested, expected", [
    ("on", "off", None, "nfs"),
    ("off", "on", None, "smb"),
    ("on", "on", None, "nfs"),
    ("off", "off", None, "nfs"),
    ("on", "off", "smb", "smb"),
    ("off", "on", "nfs", "nfs"),
])
def test_share_protocol(nfs, smb, requested, expected):
    assert share_protocol(ShareInfo.from_wire({"sharenfs": nfs, "sharesmb": smb}), requested) == expected


@pytest.mark.parametrize("nfs, smb, expected", [
    (True, False, "nfs"), (False, True, "smb"), (True, True, "nfs"), (False, False, "nfs"),
    (True, None, "nfs"), (None, False, "nfs"),
    # not known before the share exists: its project decides
    (None, None, None), (None, True, None), (False, None, None)])
def test_protocol_of(nfs, smb, expected):
    assert protocol_of(nfs, smb) == expected


def test_sharing_after_the_task():
    assert sharing_after((None, None), (True, False)) == (True, False)
    assert sharing_after((False, True), (True, False)) == (False, True)
    assert sharing_after((None, True), (True, None)) == (True, True)
    assert sharing_after((None, None), (None, None)) == (False, False)


def test_rule_to_dict():
    assert rule_to_dict(NetworkRule("FQDN", "h.example.com", "ro", True)) == dict(
        type="host", to="h.example.com", access_level="ro", root_access=True)
    assert rule_to_dict(UserRule("group", "staff", "rw")) == dict(type="group", to="staff", access_level="rw")
