# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.info over a mocked array: which calls each subset makes, and the facts.

The simulator-backed tests of the module are in tests/python/modules/test_info.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tegile.intelliflash.plugins.modules import info
from ansible_collections.tegile.intelliflash.tests.unit.framework import wire
from ansible_collections.tegile.intelliflash.tests.unit.framework.mock_array import run_module

PROPERTIES = ["ZEBI_APPLIANCE_MODEL", "ZEBI_APPLIANCE_VERSION", "ZEBI_GUI_VERSION", "ZEBI_SUPPORTED_TDPS_API_VERSIONS",
              "ZEBI_API_MINOR_VERSION", "ZEBI_API_VERSION", "INTELLIFLASH_ARRAY_GUID", "INTELLIFLASH_ARRAY_FQDN"]
PROJECT = "pool-a/Local/p1"
SHARE = PROJECT + "/s1"


def run(**args):
    return run_module(info.main, **args)


def test_default_subsets_are_two_reads(array):
    array.expect(("listSystemProperties", wire.system_properties(PROPERTIES), [PROPERTIES]),
                 ("listPools", wire.pools(**{"pool-a": 4 * wire.TIB})))
    result = run()
    assert result["changed"] is False and result["gathered_subsets"] == ["pools", "system"]
    assert result["system"]["fqdn"] == "array1.example.com" and result["system"]["api_version"] == "2"
    assert result["pools"] == [dict(name="pool-a", total_bytes=10 * wire.TIB, available_bytes=4 * wire.TIB,
                                    used_bytes=6 * wire.TIB)]


def test_one_project_with_its_shares_snapshots_and_rules(array):
    array.expect(
        ("listPools", wire.pools()),
        ("getProject", wire.project(), ["pool-a", "p1", True]),
        ("isProjectExposedOverNFS", True, [PROJECT]),
        ("isProjectExposedOverSMB", False, [PROJECT]),
        ("listSnapshots", ["Manual-P-weekly"], [PROJECT, ""]),
        ("listShares", [wire.share_item("s1")], ["pool-a", "p1", True]),
        ("getShare", wire.share(sharenfs="on", aclList=[wire.user_rule("staff", "ro", kind="group")]), [SHARE]),
        ("listSnapshots", ["Manual-S-nightly"], [SHARE, ""]),
        ("getNFSNetworkACLsOnShare", [wire.network_rule("10.0.0.0/24")], [SHARE]),
        ("getSMBNetworkACLsOnShare", [], [SHARE]),
    )
    result = run(gather_subset=["all", "!system", "!floating_ips", "!pools"], pool="pool-a", project="p1")
    assert result["changed"] is False and array.writes() == []
    assert [(p["path"], p["nfs"], p["smb"]) for p in result["projects"]] == [(PROJECT, True, False)]
    assert [(s["path"], s["nfs"], s["smb"]) for s in result["shares"]] == [(SHARE, True, False)]
    assert [s["path"] for s in result["snapshots"]] == [PROJECT + "@Manual-P-weekly", SHARE + "@Manual-S-nightly"]
    rules = result["access_rules"][0]
    assert rules["nfs"] == [dict(type="ip", to="10.0.0.0/24", access_level="rw", root_access=False)]
    assert rules["smb"] == [] and rules["users"] == [dict(type="group", to="staff", access_level="ro")]


def test_unknown_project_gives_empty_lists(array):
    array.expect(("listPools", wire.pools()), ("getProject", wire.not_found("Project %s" % PROJECT)))
    result = run(gather_subset=["projects", "shares"], pool="pool-a", project="p1")
    assert result["projects"] == [] and result["shares"] == []


def test_floating_ips_of_one_pool(array):
    array.expect(("getFloatingIPList", [wire.floating_ip("192.0.2.11", "pool-b"), wire.floating_ip()], ["All"]))
    result = run(gather_subset=["floating_ips"], pool="pool-a")
    assert [item["ip_address"] for item in result["floating_ips"]] == ["192.0.2.10"]


def test_refused_credentials_fail_with_the_array_code(array):
    array.expect(("listSystemProperties",
                  wire.error("EZEBI_PERMISSION_DENIED", "authentication required", status=401)))
    result = run(gather_subset=["system"])
    assert result["failed"] is True and result["error_code"] == "EZEBI_PERMISSION_DENIED"
    assert "the array refused the credentials of user 'admin' (HTTP 401)" in result["msg"]


def test_unknown_subset_is_named_before_any_call(array):
    result = run(gather_subset=["luns"])
    assert result["failed"] is True and result["msg"].startswith("gather_subset: unknown subset 'luns'")
    assert array.calls == []
