# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: how many REST calls each operation makes (issue 12), counted by the
simulator (``/sim/v1/calls``). No timing is measured here.

The bounds are what the work needs: e.g. an NFS share is created with createShare (quota and
reservation in it), its two sharing settings of its own, the closing ACL write and one read for
its mount point; nothing the driver already knows (its project, checked at set-up; the
floating IPs, cached) is read again.
"""

import pytest

from tegile_driver_helpers import GiB, create, make_share, make_snapshot, where
from tegile_intelliflash.client.paths import share_ref


class Counter(object):
    """Calls the simulator received during a ``with`` block (nothing else may talk to the
    simulator meanwhile)."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.by_method = {}

    def __enter__(self):
        self.simulator.reset_calls()
        return self

    def __exit__(self, *exc):
        self.by_method = dict(self.simulator.calls()["by_method"])

    @property
    def total(self):
        return sum(self.by_method.values())

    def __repr__(self):
        return "%d calls: %r" % (self.total, self.by_method)


def count(simulator):
    return Counter(simulator)


@pytest.mark.parametrize("proto", ["NFS", "CIFS"])
def test_create_share_calls(driver, simulator, proto):
    create(driver, proto)  # the first create may refresh what is cached
    with count(simulator) as calls:
        create(driver, proto)
    print(proto, calls)
    assert calls.by_method.get("createShare") == 1
    assert "getProject" not in calls.by_method, calls
    assert "getFloatingIPList" not in calls.by_method, calls
    assert calls.by_method.get("getShare", 0) <= 1, calls
    # createShare, this protocol on and the other off as settings of the share's own (issue 8:
    # an inherited "off" changes when the project does), the closed list, one read.
    assert calls.total <= 5, calls


def test_floating_ips_are_read_again_once_their_ttl_has_passed(driver, simulator):
    """Kept between stats refreshes; after FLOATING_IP_TTL, the next refresh reads them and the
    IP versions and new export locations follow the list read."""
    from unittest import mock
    from tegile_intelliflash.client.views import FloatingIP
    from tegile_intelliflash.manila_driver import backend as backend_mod
    from tegile_driver_helpers import POOL

    backend = driver._backend
    now = [backend.clock()]
    backend.clock = lambda: now[0]
    before = create(driver, "NFS")["export_locations"][0]["path"]
    assert driver.get_share_stats(refresh=True)["ipv6_support"] is False
    moved = [FloatingIP.from_wire({"ipAddress": "192.0.2.99", "poolName": POOL}),
             FloatingIP.from_wire({"ipAddress": "2001:db8::99", "poolName": POOL})]
    with mock.patch.object(driver.client, "list_floating_ips", return_value=moved) as listed:
        now[0] += backend_mod.FLOATING_IP_TTL - 1
        kept = create(driver, "NFS")["export_locations"][0]["path"]
        stats = driver.get_share_stats(refresh=True)
        assert listed.call_count == 0
        assert (stats["ipv4_support"], stats["ipv6_support"]) == (True, False)
        now[0] += 1  # the TTL has passed: the refresh reads them, once
        stats = driver.get_share_stats(refresh=True)
        assert listed.call_count == 1
        driver.get_share_stats(refresh=True)
        after = create(driver, "NFS")["export_locations"][0]["path"]
        assert listed.call_count == 1
    assert kept.split(":")[0] == before.split(":")[0] != "192.0.2.99"
    assert (stats["ipv4_support"], stats["ipv6_support"]) == (True, True)
    assert after.startswith("192.0.2.99:/export/")


def test_ensure_reads_the_floating_ips_again(driver):
    """Ensure (a restart whose settings changed, or an administrator's ensure-shares request)
    rewrites every share's export locations: from the floating IPs as they are now, one
    reading for all the shares, whatever the TTL."""
    from unittest import mock
    from tegile_intelliflash.client.views import FloatingIP
    from tegile_driver_helpers import POOL

    shares = [create(driver, "NFS"), create(driver, "CIFS")]
    moved = [FloatingIP.from_wire({"ipAddress": "192.0.2.99", "poolName": POOL})]
    with mock.patch.object(driver.client, "list_floating_ips", return_value=moved) as listed:
        updates = driver.ensure_shares(None, shares)
        assert listed.call_count == 1
    assert updates[shares[0]["id"]]["export_locations"][0]["path"].startswith("192.0.2.99:/")
    assert updates[shares[1]["id"]]["export_locations"][0]["path"].startswith("\\\\192.0.2.99\\")


def test_floating_ips_are_read_again_when_a_pool_appears(driver, simulator):
    """A pool new since the last reading may come with floating IPs of its own: the stats
    refresh whose listPools shows it reads them (before the scheduler can place a share
    there); a pool gone, or the same pools, read nothing."""
    from unittest import mock
    from tegile_intelliflash.client.views import PoolInfo

    backend = driver._backend
    pools = driver.client.list_pools()
    new = PoolInfo(name="pool-new", available_bytes=GiB, total_bytes=GiB)
    reads = []
    for listed in (pools, pools[:1], pools + [new], pools + [new], pools):
        with mock.patch.object(driver.client, "list_pools", return_value=listed):
            backend.list_pools()
        with count(simulator) as calls:
            backend.floating_ips()
            backend.floating_ips()
        reads.append(calls.by_method.get("getFloatingIPList", 0))
    assert reads == [0, 0, 1, 0, 0]


def test_a_project_deleted_since_setup_is_made_again(driver, array):
    from tegile_intelliflash.client.paths import project_ref
    from tegile_driver_helpers import POOL

    project = driver.configuration.safe_get("tegile_default_project")
    array.delete_project(project_ref(POOL, project))
    share = create(driver, "NFS", size=2)
    pool, project, name = where(driver, share)
    assert array.get_share(share_ref(pool, project, name)).quota_bytes == 2 * GiB


def test_clone_calls(driver, simulator):
    source = create(driver, "NFS")
    snapshot = make_snapshot(source)
    snapshot.update(driver.create_snapshot(None, snapshot))
    with count(simulator) as calls:
        clone = make_share("NFS", size=2)
        result = driver.create_share_from_snapshot(None, clone, snapshot)
    print("clone", calls)
    assert result["status"] == "available"
    assert calls.total <= 7, calls


@pytest.mark.parametrize("thin", [True, False])
def test_extend_and_shrink_write_without_reading(driver, simulator, array, share_type_specs,
                                                 thin):
    share_type_specs["t"] = {"thin_provisioning": thin}
    share = create(driver, "NFS", size=2, share_type_id="t")
    with count(simulator) as calls:
        driver.extend_share(share, 4)
    assert calls.total == (1 if thin else 2), calls
    assert "getShare" not in calls.by_method, calls
    share["size"] = 4
    with count(simulator) as calls:
        driver.shrink_share(share, 3)
    assert calls.total == (1 if thin else 2), calls
    info = array.get_share(share_ref(*where(driver, share)))
    assert info.quota_bytes == 3 * GiB
    assert info.reservation_bytes == (0 if thin else 3 * GiB)


@pytest.mark.parametrize("thin", [True, False])
def test_shrink_below_used_is_refused_and_leaves_the_limits(driver, simulator, array,
                                                            share_type_specs, thin):
    from manila import exception

    share_type_specs["t"] = {"thin_provisioning": thin}
    share = create(driver, "NFS", size=3, share_type_id="t")
    pool, project, name = where(driver, share)
    assert _pool_stats(driver, pool)["allocated_capacity_gb"] == 3
    simulator.control("POST", "/sim/v1/used", {
        "dataset": "%s/Local/%s/%s" % (pool, project, name), "bytes": 2 * GiB + 1})
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        driver.shrink_share(share, 2)
    info = array.get_share(share_ref(pool, project, name))
    assert info.quota_bytes == 3 * GiB
    assert info.reservation_bytes == (0 if thin else 3 * GiB)
    # Its outcome is known (nothing changed): the share is not read again.
    with count(simulator) as calls:
        assert _pool_stats(driver, pool)["allocated_capacity_gb"] == 3
    assert calls.by_method == {"listPools": 1}, calls


def test_resize_of_limits_changed_on_the_array_reads_the_share(driver, array):
    # Created thin; an administrator reserved 2 GiB on the array since: the shrink to 1 GiB
    # is refused by the array (reservation above quota), then planned from what is read.
    share = create(driver, "NFS", size=2)
    ref = share_ref(*where(driver, share))
    array.set_share_reservation(ref, 2 * GiB)
    driver.shrink_share(share, 1)
    info = array.get_share(ref)
    assert (info.quota_bytes, info.reservation_bytes) == (GiB, GiB)


def test_delete_is_one_call_like_the_in_tree_driver(driver, simulator):
    share = create(driver, "NFS")
    with count(simulator) as calls:
        driver.delete_share(None, share)
    assert calls.by_method == {"deleteShare": 1}, calls


def _pool_stats(driver, pool):
    driver._update_share_stats()
    return [p for p in driver._stats["pools"] if p["pool_name"] == pool][0]


@pytest.mark.parametrize("n_shares", [0, 50, 500, 5000])
def test_stats_refresh_is_listpools_alone_whatever_the_shares(driver, simulator, array,
                                                              n_shares):
    """Steady state: one call per refresh (the in-tree driver's), whatever the number of
    shares and of pools: the allocated capacity is kept (allocation.py) and the floating IPs
    are read on their TTL (set-up read them), not at every refresh."""
    from tegile_driver_helpers import POOL

    project = driver.configuration.safe_get("tegile_default_project")
    for index in range(n_shares):
        array.create_share(share_ref(POOL, project, "s%05d" % index), quota=GiB)
    with count(simulator) as first:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == n_shares  # counted once
    assert "getFloatingIPList" not in first.by_method, first
    assert len(driver._stats["pools"]) > 1  # the cost does not grow with the pools either
    for _refresh in range(3):
        with count(simulator) as calls:
            stats = _pool_stats(driver, POOL)
        print(n_shares, calls)
        assert calls.by_method == {"listPools": 1}, calls
        assert stats["allocated_capacity_gb"] == n_shares


def test_allocated_capacity_follows_the_drivers_changes(driver, simulator, share_type_specs):
    from tegile_driver_helpers import POOL

    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 0
    share_type_specs["thick"] = {"thin_provisioning": False}
    thin = create(driver, "NFS", size=2)
    thick = create(driver, "CIFS", size=3, share_type_id="thick")
    driver.extend_share(thin, 5)
    thin["size"] = 5
    driver.shrink_share(thick, 1)
    thick["size"] = 1
    snapshot = make_snapshot(thin)
    snapshot.update(driver.create_snapshot(None, snapshot))
    driver.create_share_from_snapshot(None, make_share("NFS", size=7), snapshot)
    reverted = create(driver, "NFS", size=2)
    old = make_snapshot(reverted)
    old.update(driver.create_snapshot(None, old))
    driver.extend_share(reverted, 6)
    driver.revert_to_snapshot(None, old, [], [])  # back to 2 GiB
    gone = create(driver, "NFS", size=4)
    driver.delete_share(None, gone)
    never_made = make_share("NFS", size=9)
    driver.delete_share(None, never_made)  # not on the array: gives nothing back
    with count(simulator) as calls:
        stats = _pool_stats(driver, POOL)
    assert stats["allocated_capacity_gb"] == 5 + 1 + 7 + 2
    assert "getShare" not in calls.by_method and "listShares" not in calls.by_method, calls


def test_allocated_capacity_is_counted_again_after_a_failure_and_on_the_slow_period(
        driver, simulator, array):
    from manila import exception
    from tegile_driver_helpers import POOL

    share = create(driver, "NFS", size=2)
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 2
    # Changed on the array by an administrator: seen at the next count only.
    project = driver.configuration.safe_get("tegile_default_project")
    array.create_share(share_ref(POOL, project, "by-hand"), quota=3 * GiB)
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 2
    allocated = driver._backend.allocated
    allocated.interval = 0  # the slow period is over
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5
    allocated.interval = 3600
    array.set_share_quota(share_ref(POOL, project, "by-hand"), 4 * GiB)
    # A failed operation: its effect on its share is unknown; that share alone is read again
    # (the change by hand waits for the next count).
    simulator.set_faults(error_rate=1.0, methods=["modifyShareProperties"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.extend_share(share, 3)
    finally:
        simulator.clear_faults()
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5
    assert calls.by_method == {"listPools": 1, "getShare": 1}, calls
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5
    assert calls.by_method == {"listPools": 1}, calls
    allocated.interval = 0
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 6


def test_first_count_reads_only_the_shares_the_driver_does_not_know(driver, simulator, array):
    """Shares the driver created (or read in ensure_shares) before the first stats refresh are
    listed by its count, not read again; shares made by hand are read."""
    from tegile_driver_helpers import POOL

    project = driver.configuration.safe_get("tegile_default_project")
    mine = [create(driver, "NFS", size=2) for _index in range(3)]
    for index in range(2):
        array.create_share(share_ref(POOL, project, "by-hand-%d" % index), quota=GiB)
    managed = create(driver, "NFS", size=1)
    driver._backend.allocated.forget()  # as after a restart: nothing known
    driver.ensure_shares(None, [managed])  # reads it: known
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 3 * 2 + 2 + 1
    print(calls)
    # The shares listed (once per pool: each has the project), and read: the 3 created before
    # the forget and the 2 by hand, not the one ensure_shares read.
    assert calls.by_method.get("listShares") == len(driver._stats["pools"]), calls
    assert calls.by_method.get("getShare") == 5, calls
    driver._backend.allocated.forget()
    for share in mine:
        driver.extend_share(share, 3)
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 3 * 3 + 2 + 1
    assert calls.by_method.get("getShare") == 3, calls  # the two by hand and the managed one


def test_usage_gathering_feeds_the_allocated_capacity(driver, simulator, array):
    """update_share_usage_size reads every Manila share of the host anyway (getShare each): what
    it reads goes into the allocated record, at no extra call. The first count then reads only
    the shares Manila does not know; a quota changed or a share deleted by hand on a Manila share
    shows without waiting for the hourly count; a share marked by a failure is read by it, not
    again by the next refresh."""
    from manila import exception
    from tegile_driver_helpers import POOL

    project = driver.configuration.safe_get("tegile_default_project")
    mine = [create(driver, "NFS", size=2) for _index in range(3)]
    array.create_share(share_ref(POOL, project, "by-hand"), quota=GiB)
    driver._backend.allocated.forget()  # as after a restart: nothing known
    array.set_share_quota(share_ref(*where(driver, mine[0])), 5 * GiB)  # by hand
    array.delete_share(share_ref(*where(driver, mine[1])))             # by hand
    with count(simulator) as calls:
        assert len(driver.update_share_usage_size(None, mine)) == 2
    assert calls.by_method == {"getShare": 3}, calls
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5 + 2 + 1
    assert calls.by_method.get("getShare") == 1, calls  # by-hand alone

    array.set_share_quota(share_ref(*where(driver, mine[2])), 3 * GiB)  # by hand
    simulator.set_faults(error_rate=1.0, methods=["modifyShareProperties"], count=1)
    try:
        with pytest.raises(exception.ShareBackendException):
            driver.extend_share(mine[2], 4)  # fails: mine[2] is read again
    finally:
        simulator.clear_faults()
    with count(simulator) as calls:
        driver.update_share_usage_size(None, [mine[0], mine[2]])
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5 + 3 + 1
    assert calls.by_method == {"listPools": 1}, calls


def test_a_usage_read_does_not_undo_an_operation_recorded_meanwhile(driver, simulator,
                                                                    monkeypatch):
    """The usage gathering read a share, then an extend of it wrote the array and recorded its
    size before the reading was kept: the extend's 4 GiB stays, not the 2 GiB read before."""
    from tegile_driver_helpers import POOL

    share = create(driver, "NFS", size=2)
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 2
    client = driver._backend.client
    real_get_share = client.get_share

    def read_then_extend(ref):
        info = real_get_share(ref)
        monkeypatch.undo()
        driver.extend_share(share, 4)
        return info

    monkeypatch.setattr(client, "get_share", read_then_extend)
    usage = driver.update_share_usage_size(None, [share])
    assert [item["id"] for item in usage] == [share["id"]]
    with count(simulator) as calls:
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 4
    assert calls.by_method == {"listPools": 1}, calls


def _hosts(array, driver, share):
    from tegile_intelliflash.client.paths import dataset_ref

    return sorted((r.host, r.access) for r in
                  array.get_network_acls("nfs", dataset_ref(*where(driver, share))))


def test_access_changes_cost_one_call_each(driver, simulator, array):
    from tegile_driver_helpers import make_rule
    from tegile_intelliflash.manila_driver.driver import NO_ACCESS_HOST

    share = create(driver, "NFS")
    rules = []

    def change(add=(), delete=(), update=()):
        for rule in delete:
            rules.remove(rule)
        rules.extend(add)
        with count(simulator) as calls:
            updates = driver.update_access(None, share, list(rules), list(add), list(delete),
                                           list(update))
        assert updates == {}
        return calls

    first = make_rule("ip", "10.0.0.1")
    # The first rule: nothing tells the array's lists but the array (this could be Manila
    # sending again rules applied before a restart), so they are read.
    assert change(add=[first]).by_method == {
        "getShare": 1, "getNFSNetworkACLsOnShare": 1, "setNFSNetworkACLsOnShare": 1}
    for host in ("10.0.0.2", "10.0.1.0/24", "10.0.0.3"):
        calls = change(add=[make_rule("ip", host)])
        assert calls.by_method == {"addNFSNetworkACLOnShare": 1}, calls
    assert change(add=[make_rule("user", "alice")]).by_method == {"modifyShareProperties": 1}
    calls = change(delete=[first])
    assert calls.by_method == {"removeNFSNetworkACLOnShare": 1}, calls
    assert _hosts(array, driver, share) == [
        ("10.0.0.2", "rw"), ("10.0.0.3", "rw"), ("10.0.1.0/24", "rw")]
    # A level change: the whole list, once.
    rules[0]["access_level"] = "ro"
    calls = change(update=[rules[0]])
    assert calls.by_method.get("setNFSNetworkACLsOnShare") == 1, calls
    assert "getNFSNetworkACLsOnShare" not in calls.by_method, calls
    assert ("10.0.0.2", "ro") in _hosts(array, driver, share)
    # Every rule gone: the closed list again, in one call.
    calls = change(delete=list(rules))
    assert calls.total == 2, calls  # the closed NFS list and the empty file ACL
    assert _hosts(array, driver, share) == [(NO_ACCESS_HOST, "ro")]


def test_a_resync_of_a_converged_share_reads_and_writes_nothing(driver, simulator):
    from tegile_driver_helpers import make_rule

    share = create(driver, "NFS")
    rules = [make_rule("ip", "10.0.0.%d" % i) for i in range(1, 6)] + [make_rule("user", "bob")]
    driver.update_access(None, share, rules, rules, [], [])
    with count(simulator) as calls:
        assert driver.update_access(None, share, rules, [], [], []) == {}
    assert calls.by_method == {"getShare": 1, "getNFSNetworkACLsOnShare": 1}, calls


def test_a_change_the_array_refuses_falls_back_to_the_whole_lists(driver, array):
    from tegile_driver_helpers import make_rule
    from tegile_intelliflash.client.paths import dataset_ref

    share = create(driver, "NFS")
    old = make_rule("ip", "10.0.0.1")
    driver.update_access(None, share, [old], [old], [], [])
    # Added on the array by hand meanwhile: the add is refused (entry exists).
    array.add_network_acl("nfs", dataset_ref(*where(driver, share)),
                          {"host": "10.0.0.2", "access": "ro"})
    new = make_rule("ip", "10.0.0.2")
    assert driver.update_access(None, share, [old, new], [new], [], []) == {}
    assert _hosts(array, driver, share) == [("10.0.0.1", "rw"), ("10.0.0.2", "rw")]


def test_issue_12_workload_stays_within_its_call_budget(driver, simulator):
    """Issue 12's driver workload: 50 shares created, extended and snapshotted, 10 clones,
    20 stats refreshes, everything deleted. Goal: at most 1.5x the ~480 calls the work needs."""
    with count(simulator) as calls:
        shares, snapshots, clones = [], [], []
        for index in range(50):
            share = create(driver, "NFS" if index % 2 else "CIFS")
            driver.extend_share(share, 2)
            share["size"] = 2
            snapshot = make_snapshot(share)
            snapshot.update(driver.create_snapshot(None, snapshot))
            shares.append(share)
            snapshots.append(snapshot)
        for snapshot in snapshots[:10]:
            clone = make_share(snapshot["share"]["share_proto"], size=2)
            driver.create_share_from_snapshot(None, clone, snapshot)
            clones.append(clone)
        for _refresh in range(20):
            driver._update_share_stats()
        for clone in clones:
            driver.delete_share(None, clone)
        for snapshot in snapshots:
            driver.delete_snapshot(None, snapshot)
        for share in shares:
            driver.delete_share(None, share)
    print("workload", calls)
    assert calls.total <= 720, calls
