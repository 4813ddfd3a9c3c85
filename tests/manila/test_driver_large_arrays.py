# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver on a large array: an operation on one share or snapshot costs the same
calls, and answers of the same size, whatever else the project or the share holds (issue 12:
no call the work does not need). Counted by the simulator (``/sim/v1/calls``,
``/sim/v1/calls/log``); no timing is measured here.
"""

import pytest

from tegile_driver_helpers import create, make_share, make_snapshot, where
from tegile_intelliflash.client.paths import dataset_ref, share_ref

POOL = "pool-a"


def measure(simulator, operation):
    """(calls by method, answer bytes by method) of ``operation()``; nothing else may talk to
    the simulator meanwhile."""
    simulator.reset_calls()
    operation()
    calls = dict(simulator.calls()["by_method"])
    sizes = {}
    for entry in simulator.call_log()["entries"]:
        sizes[entry["method"]] = sizes.get(entry["method"], 0) + (entry["reply_bytes"] or 0)
    return calls, sizes


def _legacy_share(array, project, name, proto):
    """A share made on the array, outside Manila, exported over ``proto``."""
    array.create_share(share_ref(POOL, project, name), quota=1024 ** 3)
    array.set_nfs_sharing(dataset_ref(POOL, project, name), proto == "NFS")
    array.set_smb_sharing(dataset_ref(POOL, project, name), proto == "CIFS")


def _export_path(array, project, name, proto):
    address = array.list_floating_ips(POOL)[0].address
    if proto == "NFS":
        return "%s:/export/%s/%s" % (address, project, name)
    return "\\\\%s\\%s_%s" % (address, project, name)   # the default SMB name (C17)


@pytest.mark.parametrize("proto", ["NFS", "CIFS"])
def test_manage_reads_the_share_its_export_path_names(simulator, driver, array, proto):
    """Managing a share exported under its default path or SMB name reads that share: not
    every share of the project (a CIFS manage read each one, since only getShare carries the
    SMB name), nor a listing of them."""
    project = driver.configuration.safe_get("tegile_default_project")
    costs = []
    made = 0
    for others in (2, 25):
        for number in range(made, others):
            _legacy_share(array, project, "other-%02d" % number, proto)
        made = others
        name = "legacy-%02d" % others
        _legacy_share(array, project, name, proto)
        share = make_share(proto, size=None, export_locations=[
            {"path": _export_path(array, project, name, proto)}])
        costs.append(measure(simulator, lambda: driver.manage_existing(share, {})))
    (calls_few, sizes_few), (calls_many, sizes_many) = costs
    assert calls_few == calls_many, costs
    assert "listShares" not in calls_many and calls_many["getShare"] == 1, costs
    assert sizes_few == sizes_many, costs


def test_manage_under_a_name_of_its_own_still_finds_the_share(simulator, driver, array):
    """A share exported under an SMB name it chose (or a mount point of its own) is not at its
    default name: the project's shares are looked through, as before."""
    project = driver.configuration.safe_get("tegile_default_project")
    _legacy_share(array, project, "named", "CIFS")
    array.set_smb_sharing(dataset_ref(POOL, project, "named"), True, display_name="Finance")
    address = array.list_floating_ips(POOL)[0].address
    share = make_share("CIFS", size=None, export_locations=[
        {"path": "\\\\%s\\finance" % address}])
    result = driver.manage_existing(share, {})
    assert result["size"] == 1
    assert result["export_locations"][0]["path"].endswith("\\Finance")


def test_manage_snapshot_lists_only_that_snapshot(simulator, driver, array):
    """Managing one snapshot of a share with many (an array's schedules) lists that snapshot
    only: the answer does not grow with the others."""
    share = create(driver, size=2)
    pool, project, name = where(driver, share)
    ref = dataset_ref(pool, project, name)
    sizes = []
    made = 0
    for others in (2, 30):
        for number in range(made, others):
            array.create_snapshot(ref, "hourly-%02d" % number)
        made = others
        array.create_snapshot(ref, "legacy-%02d" % others)
        snapshot = make_snapshot(share, provider_location="legacy-%02d" % others)
        calls, size = measure(simulator, lambda: driver.manage_existing_snapshot(snapshot, {}))
        assert calls == {"listSnapshots": 1}, calls
        sizes.append(size)
    assert sizes[0] == sizes[1] == {"listSnapshots": len('["Manual-S-legacy-02"]')}, sizes


def test_access_calls_do_not_grow_with_the_rules_on_the_share(simulator, driver):
    """A share with 1,000 rules (C34 allows 1,024 per list): a recovery of the converged share,
    one rule added and one deleted cost what they cost with 10."""
    from tegile_driver_helpers import make_rule

    costs = []
    for total in (10, 1000):
        share = create(driver, "NFS")
        rules = [make_rule("ip", "10.%d.%d.1" % (n // 250, n % 250)) for n in range(total - 1)]
        rules.append(make_rule("user", "bob"))
        assert driver.update_access(None, share, rules, rules, [], []) == {}
        cost = []
        cost.append(measure(simulator, lambda: driver.update_access(None, share, rules, [], [], []))[0])
        added = make_rule("ip", "192.168.0.1")
        cost.append(measure(simulator, lambda: driver.update_access(
            None, share, rules + [added], [added], [], []))[0])
        cost.append(measure(simulator, lambda: driver.update_access(
            None, share, rules, [], [added], []))[0])
        costs.append(cost)
    assert costs[0] == costs[1], costs
    assert costs[1][0] == {"getShare": 1, "getNFSNetworkACLsOnShare": 1}, costs


def test_one_share_operations_do_not_grow_with_the_other_shares(simulator, driver):
    """Ensure, extend, snapshot, revert, clone and delete of one share cost the same whether the
    back end's project holds 2 shares or 25, and the share 2 snapshots or 25."""
    costs = []
    made = []
    for others in (2, 25):
        while len(made) < others:
            made.append(create(driver))
        share = create(driver)
        pool, project, name = where(driver, share)
        for number in range(others):
            driver._backend.client.create_snapshot(dataset_ref(pool, project, name),
                                                   "scheduled-%02d" % number)
        snapshot = make_snapshot(share)
        cost = [measure(simulator, lambda: driver.ensure_shares(None, [share]))[0],
                measure(simulator, lambda: driver.extend_share(share, 2))[0]]
        share["size"] = 2
        cost.append(measure(simulator, lambda: snapshot.update(
            driver.create_snapshot(None, snapshot) or {}))[0])
        clone = make_share()
        cost.append(measure(simulator, lambda: driver.create_share_from_snapshot(
            None, clone, dict(snapshot, provider_location=snapshot.get("provider_location"))))[0])
        cost.append(measure(simulator, lambda: driver.delete_share(None, clone))[0])
        cost.append(measure(simulator, lambda: driver.revert_to_snapshot(None, snapshot, [], []))[0])
        cost.append(measure(simulator, lambda: driver.delete_snapshot(None, snapshot))[0])
        costs.append(cost)
    assert costs[0] == costs[1], costs
