# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""info module helpers: subset selection and result shaping."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import NetworkRule, UserRule
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import project_ref, share_ref
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.views import (
    FloatingIP,
    PoolInfo,
    SnapshotInfo,
    SystemInfo,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils._info import (
    SUBSETS,
    access_rule_facts,
    floating_ip_facts,
    pool_facts,
    select_subsets,
    serves_pool,
    snapshot_facts,
    system_facts,
)


@pytest.mark.parametrize("requested, expected", [
    (None, {"system", "pools"}),
    ([], {"system", "pools"}),
    (["all"], set(SUBSETS)),
    (["all", "!access_rules", "!snapshots"], set(SUBSETS) - {"access_rules", "snapshots"}),
    (["!system"], set(SUBSETS) - {"system"}),
    (["projects", "projects"], {"projects"}),
    ([" shares "], {"shares"}),
])
def test_select_subsets(requested, expected):
    assert select_subsets(requested) == expected


def test_unknown_subset_names_the_option():
    with pytest.raises(ValueError) as info:
        select_subsets(["pools", "luns"])
    assert str(info.value).startswith("gather_subset: unknown subset 'luns'")


def test_system_facts_maps_every_property():
    facts = system_facts(SystemInfo.from_wire(["ZEBI_APPLIANCE_MODEL", "ZEBI_GUI_VERSION", "INTELLIFLASH_ARRAY_FQDN"],
                                              ["T4600", "3.7.1.5", "array1.example.com"]))
    assert facts["model"] == "T4600" and facts["version"] == "3.7.1.5"
    assert facts["fqdn"] == "array1.example.com" and facts["guid"] is None
    assert len(facts) == 8


def test_pool_facts():
    assert pool_facts(PoolInfo.from_wire({"name": "pool-a", "totalSize": 100, "availableSize": 60})) == {
        "name": "pool-a", "total_bytes": 100, "available_bytes": 60, "used_bytes": 40}


def test_floating_ips_serving_several_pools():
    item = FloatingIP.from_wire({"ipAddress": "192.0.2.20", "netmask": "255.255.255.0", "poolName": "pool-a, pool-b",
                                 "resourceGroupName": "rg", "description": "", "failoverMode": "AUTO"})
    assert floating_ip_facts(item)["pools"] == ["pool-a", "pool-b"]
    assert serves_pool(item, "pool-b") and serves_pool(item, None) and not serves_pool(item, "pool-c")


def test_snapshot_facts_strip_the_prefix():
    facts = snapshot_facts(SnapshotInfo.from_wire("Manual-S-daily", share_ref("pool-a", "p1", "s1")))
    assert facts == {"name": "daily", "full_name": "Manual-S-daily", "pool": "pool-a", "project": "p1",
                     "share": "s1", "path": "pool-a/Local/p1/s1@Manual-S-daily"}
    facts = snapshot_facts(SnapshotInfo.from_wire("Manual-P-weekly", project_ref("pool-a", "p1")))
    assert facts == {"name": "weekly", "full_name": "Manual-P-weekly", "pool": "pool-a", "project": "p1",
                     "share": None, "path": "pool-a/Local/p1@Manual-P-weekly"}


def test_access_rule_facts():
    share = {"pool": "pool-a", "project": "p1", "name": "s1", "path": "pool-a/Local/p1/s1"}
    user_rules = [UserRule("group", "Staff", "rw")]
    facts = access_rule_facts(share, user_rules, [NetworkRule("FQDN", "db1.example.com", "ro", True)], [])
    assert facts["nfs"] == [{"type": "host", "to": "db1.example.com", "access_level": "ro", "root_access": True}]
    assert facts["smb"] == []
    assert facts["users"] == [{"type": "group", "to": "Staff", "access_level": "rw"}]
