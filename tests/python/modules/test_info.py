# -*- coding: utf-8 -*-
# Copyright (c) tegile.intelliflash developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tegile.intelliflash.info in-process against the simulator (HTTPS, verification on)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.tegile.intelliflash.plugins.modules import info
from module_runner import (
    client,
    PASSWORD,
    run_examples,
    run_module,
    simulator_fixture,
)
from ansible_collections.tegile.intelliflash.plugins.module_utils.client.paths import dataset_ref, project_ref, share_ref

POOL, PROJECT = "pool-a", "unit_info"


def prepare(api, _sim):
    from ansible_collections.tegile.intelliflash.plugins.module_utils.client.acl import (
        NetworkRule, UserRule,
    )
    api.create_project(project_ref(POOL, PROJECT))
    api.create_share(share_ref(POOL, PROJECT, "s1"), quota="1G")
    api.create_share(share_ref(POOL, PROJECT, "s2"))
    api.set_nfs_sharing(dataset_ref(POOL, PROJECT, "s1"), True)
    api.add_network_acl("nfs", dataset_ref(POOL, PROJECT, "s1"), NetworkRule("IP", "10.0.0.0/24", "rw"))
    api.set_user_acls(share_ref(POOL, PROJECT, "s1"), [UserRule("user", "alice", "ro")])
    api.create_snapshot(dataset_ref(POOL, PROJECT, "s1"), "daily")
    api.create_snapshot(project_ref(POOL, PROJECT), "weekly")


sim = simulator_fixture(prepare)


def run(sim, capsys, **args):
    return run_module(info.main, sim, capsys, **args)


def test_default_subsets(sim, capsys):
    sim.reset_calls()
    result, _out = run(sim, capsys)
    assert result["changed"] is False
    assert result["gathered_subsets"] == ["pools", "system"]
    assert set(result) - {"changed", "invocation"} == {"gathered_subsets", "system", "pools"}
    assert result["system"]["model"] and result["system"]["api_version"] == "2"
    assert [pool["name"] for pool in result["pools"]] == ["pool-a", "pool-b"]
    assert set(result["pools"][0]) == {"name", "total_bytes", "available_bytes", "used_bytes"}
    assert sim.calls()["writes"] == 0


def test_backend_check_as_the_manila_role_does_it(sim, capsys):
    result, _out = run(sim, capsys, gather_subset=["system", "pools", "projects"], pool=POOL, project=PROJECT)
    assert [pool["name"] for pool in result["pools"]] == [POOL]
    assert [(p["pool"], p["name"], p["path"]) for p in result["projects"]] == [(POOL, PROJECT, "pool-a/Local/unit_info")]
    assert result["projects"][0]["nfs"] is False and result["projects"][0]["smb"] is False

    for args in (dict(pool="pool-z"), dict(pool=POOL, project="missing"), dict(pool="pool-b", project=PROJECT)):
        result, _out = run(sim, capsys, gather_subset=["system", "pools", "projects"], **args)
        assert "failed" not in result
        assert result["projects"] == []
    assert result["pools"] and result["pools"][0]["name"] == "pool-b"


def test_wrong_password_is_a_clear_failure(sim, capsys):
    result, out = run(sim, capsys, password="wrong-" + PASSWORD, gather_subset=["system"])
    assert result["failed"] is True
    assert result["msg"].startswith("Error reading the system properties:")
    assert result["error_code"] == "EZEBI_PERMISSION_DENIED"
    assert "refused the credentials of user 'admin'" in result["msg"]
    assert "wrong-" + PASSWORD not in out and PASSWORD not in out


def test_untrusted_certificate_is_a_clear_failure(sim, capsys):
    # Without ca_path the system trust store is used, which does not know the simulator's CA.
    result, _out = run(sim, capsys, ca_path=None, gather_subset=["pools"])
    assert result["failed"] is True
    assert result["msg"].startswith("Error listing pools: TLS verification failed")
    assert "set ca_path" in result["msg"]


def test_everything_of_one_project(sim, capsys):
    result, _out = run(sim, capsys, gather_subset=["all", "!system", "!pools"], pool=POOL, project=PROJECT)
    assert "system" not in result and "pools" not in result
    assert [share["name"] for share in result["shares"]] == ["s1", "s2"]
    s1 = result["shares"][0]
    assert (s1["quota_bytes"], s1["nfs"], s1["smb"]) == (1024 ** 3, True, False)
    assert [(snap["share"], snap["name"], snap["full_name"]) for snap in result["snapshots"]] == [
        (None, "weekly", "Manual-P-weekly"), ("s1", "daily", "Manual-S-daily"), ("s1", "weekly", "Manual-P-weekly"),
        ("s2", "weekly", "Manual-P-weekly")]
    rules = dict((item["share"], item) for item in result["access_rules"])
    assert rules["s1"]["nfs"] == [{"type": "ip", "to": "10.0.0.0/24", "access_level": "rw", "root_access": False}]
    assert rules["s1"]["users"] == [{"type": "user", "to": "alice", "access_level": "ro"}]
    assert rules["s2"]["nfs"] == [] and rules["s2"]["users"] == []
    assert [ip["ip_address"] for ip in result["floating_ips"]] == ["192.0.2.10"]


def test_share_filter(sim, capsys):
    result, _out = run(sim, capsys, gather_subset=["shares", "snapshots"], pool=POOL, project=PROJECT, name="s2")
    assert [share["name"] for share in result["shares"]] == ["s2"]
    assert [snap["path"] for snap in result["snapshots"]] == ["pool-a/Local/unit_info/s2@Manual-P-weekly"]
    result, _out = run(sim, capsys, gather_subset=["shares"], share="missing")
    assert result["shares"] == []


@pytest.mark.parametrize("pool", ["pool-a/Local", " pool-a", "pool@a", "pool-a\u200b"])
def test_malformed_pool_fails_before_any_call(sim, capsys, pool):
    """An unknown pool gives empty lists; a pool name no array can have is refused, naming it."""
    sim.reset_calls()
    result, _out = run(sim, capsys, gather_subset=["projects"], pool=pool)
    assert result["failed"] is True and result["msg"].startswith("pool: "), result
    assert sim.calls()["total"] == 0


def test_unknown_subset(sim, capsys):
    sim.reset_calls()
    result, _out = run(sim, capsys, gather_subset=["pools", "volumes"])
    assert result["failed"] is True
    assert "gather_subset: unknown subset 'volumes'" in result["msg"]
    assert sim.calls()["total"] == 0


def test_examples_run_as_written(sim, capsys):
    with client(sim) as api:
        api.create_project(project_ref("pool-a", "openstack"))
        api.create_project(project_ref("pool-a", "engineering"))
    results = run_examples(info, sim, capsys)
    check = results["Check that the array answers, the credentials work and pool-a has the project openstack"]
    assert len(check["pools"]) == 1 and len(check["projects"]) == 1


def test_no_call_per_object_for_what_is_not_asked(sim, capsys):
    # A subset must not pay for another's reads: snapshots need each dataset's snapshot list and
    # nothing more (no getProject per project, no getShare per share: on an array of thousands
    # of shares, thousands of calls); shares need no getProject.
    with client(sim) as api:
        projects = [item.name for item in api.list_projects(POOL)]
        shares = sum(len(api.list_shares(project_ref(POOL, name))) for name in projects)
    sim.reset_calls()
    result, _out = run(sim, capsys, gather_subset=["snapshots"], pool=POOL)
    assert "pool-a/Local/unit_info/s1@Manual-S-daily" in [snap["path"] for snap in result["snapshots"]]
    by_method = sim.calls()["by_method"]
    assert by_method == {"listPools": 1, "listProjects": 1, "listShares": len(projects),
                         "listSnapshots": len(projects) + shares}, by_method

    sim.reset_calls()
    result, _out = run(sim, capsys, gather_subset=["shares"], pool=POOL)
    ours = dict((share["name"], share) for share in result["shares"] if share["project"] == PROJECT)
    assert sorted(ours) == ["s1", "s2"] and ours["s1"]["quota_bytes"] == 1024 ** 3
    by_method = sim.calls()["by_method"]
    assert by_method == {"listPools": 1, "listProjects": 1, "listShares": len(projects), "getShare": shares}, by_method
