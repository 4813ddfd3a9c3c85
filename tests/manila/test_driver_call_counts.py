# SPDX-License-Identifier: Apache-2.0
"""TegileShareDriver: how many REST calls each operation makes (issue 12), counted by the
simulator (``/sim/v1/calls``). No timing is measured here.

The bounds are what the work needs: e.g. an NFS share is created with createShare (quota and
reservation in it), its two sharing settings of its own (both off: not exported until its first
rule) and one read for its mount point; nothing the driver already knows (its project, checked
at set-up; the floating IPs, cached) is read again.
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
    if proto == "NFS":
        # createShare, both protocols off as settings of the share's own (issue 8: an
        # inherited "off" changes when the project does), one read (issue 12: at most 4).
        assert calls.by_method == {"createShare": 1, "setSMBSharingOnShare": 1,
                                   "setNFSSharingOnShare": 1, "getShare": 1}, calls
    else:
        # SMB on (its name checked, protocols/base.py) and NFS off, the closed list, one read.
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
    # The clone, its progress, its quota, both sharing settings off, one read.
    assert calls.total <= 6, calls
    assert "setNFSNetworkACLsOnShare" not in calls.by_method, calls


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


def _by_hand(array, project, names, quota=GiB, pool=None):
    """Shares made outside the driver (in the back end's project, made if missing)."""
    from tegile_intelliflash.client.paths import project_ref
    from tegile_driver_helpers import POOL

    pool = pool or POOL
    if array.find_project(project_ref(pool, project)) is None:
        array.create_project(project_ref(pool, project))
    for name in names:
        array.create_share(share_ref(pool, project, name), quota=quota)


def _set_up(driver):
    driver.do_setup(None)
    driver.check_for_setup_error()


@pytest.mark.parametrize("n_shares", [0, 50, 500, 5000])
def test_stats_refresh_is_listpools_alone_whatever_the_shares(simulator, array, n_shares):
    """Steady state: one call per refresh (the in-tree driver's), whatever the number of
    shares and of pools: the allocated capacity is kept (allocation.py) and the floating IPs
    are read on their TTL (set-up read them), not at every refresh. Set-up lists the shares
    (listProjects and listShares per pool, bounded by the projects): the first refresh reads
    those the driver did not record (one getShare each) and lists nothing."""
    from tegile_driver_helpers import POOL, new_driver

    driver = new_driver(simulator, setup=False)
    try:
        project = driver.configuration.safe_get("tegile_default_project")
        _by_hand(array, project, ["s%05d" % index for index in range(n_shares)])
        with count(simulator) as setup:
            _set_up(driver)
        n_pools = len(array.list_pools())
        assert setup.by_method.get("listProjects") == n_pools, setup
        assert "getShare" not in setup.by_method, setup
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == n_shares
        print(n_shares, "first", first)
        assert first.by_method == (
            dict({"listPools": 1}, **({"getShare": n_shares} if n_shares else {}))), first
        assert len(driver._stats["pools"]) > 1  # the cost does not grow with the pools either
        for _refresh in range(3):
            with count(simulator) as calls:
                stats = _pool_stats(driver, POOL)
            print(n_shares, calls)
            assert calls.by_method == {"listPools": 1}, calls
            assert stats["allocated_capacity_gb"] == n_shares
    finally:
        driver.client.close()


def test_setup_lists_projects_in_place_of_reading_the_project(simulator, array):
    """listProjects tells set-up whether the back end's project is there: no getProject. A
    pool where the project was made by set-up has no shares to list."""
    from tegile_driver_helpers import new_driver

    n_pools = len(array.list_pools())
    with count(simulator) as first:
        first_driver = new_driver(simulator)
    project = first_driver.configuration.safe_get("tegile_default_project")
    first_driver.client.close()
    assert first.by_method == {"listSystemProperties": 1, "listPools": 1,
                               "listProjects": n_pools, "createProject": n_pools,
                               "getFloatingIPList": 1}, first
    with count(simulator) as again:
        new_driver(simulator, tegile_default_project=project).client.close()
    assert again.by_method == {"listSystemProperties": 1, "listPools": 1,
                               "listProjects": n_pools, "listShares": n_pools,
                               "getFloatingIPList": 1}, again


def test_shares_of_share_groups_are_listed_at_setup(simulator, array):
    """A share group's project is counted (groups.is_group_project), another project is not."""
    from tegile_intelliflash.manila_driver import backend as backend_mod
    from tegile_driver_helpers import POOL, new_driver

    driver = new_driver(simulator, setup=False)
    try:
        project = driver.configuration.safe_get("tegile_default_project")
        _by_hand(array, project, ["mine"], quota=2 * GiB)
        _by_hand(array, backend_mod.group_project(project, "5a1d0f3e-7c2b-4e8a-9f61-2d3c4b5a6e7f"), ["grouped"],
                 quota=3 * GiB)
        _by_hand(array, project + "-other", ["other"], quota=5 * GiB)
        _set_up(driver)
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5
        assert first.by_method == {"listPools": 1, "getShare": 2}, first
    finally:
        driver.client.close()


@pytest.mark.parametrize("method", ["listProjects", "listShares"])
def test_a_failed_listing_at_setup_leaves_the_pool_to_its_first_refresh(
        simulator, array, caplog, method):
    """Set-up goes on (Manila would not start the back end otherwise) with one warning per
    pool that names it and carries no secret; that pool's first refresh counts it as it
    would without set-up's listing."""
    import logging
    from tegile_driver_helpers import POOL, new_driver

    driver = new_driver(simulator, setup=False)
    try:
        project = driver.configuration.safe_get("tegile_default_project")
        pools = [pool.name for pool in array.list_pools()]
        for pool in pools:  # the project in every pool: each has shares to list
            _by_hand(array, project, [], pool=pool)
        _by_hand(array, project, ["a", "b"])
        n_pools = len(pools)
        simulator.set_faults(error_rate=1.0, methods=[method], count=n_pools)
        try:
            with caplog.at_level(logging.WARNING):
                _set_up(driver)
        finally:
            simulator.clear_faults()
        warnings = [r.getMessage() for r in caplog.records
                    if "at set-up" in r.getMessage()]
        assert len(warnings) == n_pools, warnings
        assert any("pool %s " % POOL in text for text in warnings), warnings
        assert not any(simulator.password in text for text in warnings)
        # Set-up did its work: the share is created in the project it checked.
        mine = create(driver, "NFS", size=2)
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 4
        # Counted as before: listed, and read but for the share the driver created.
        assert first.by_method.get("listProjects") == n_pools, first
        assert first.by_method.get("getShare") == 2, first
        with count(simulator) as calls:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 4
        assert calls.by_method == {"listPools": 1}, calls
        assert mine
    finally:
        driver.client.close()


def test_setup_listing_keeps_the_drivers_own_outcomes(simulator, array):
    """Shares listed at set-up: one deleted by the driver since is not counted (nor read),
    one extended is recorded by its extend (not read), one created after set-up by its
    creation; the others are read once."""
    from tegile_driver_helpers import POOL, new_driver

    first_driver = new_driver(simulator)
    project = first_driver.configuration.safe_get("tegile_default_project")
    doomed, grown = create(first_driver, "NFS", size=2), create(first_driver, "NFS", size=2)
    first_driver.client.close()
    _by_hand(array, project, ["by-hand"], quota=3 * GiB)
    driver = new_driver(simulator, tegile_default_project=project)
    try:
        driver.delete_share(None, doomed)
        driver.extend_share(grown, 4)
        create(driver, "NFS", size=1)
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 4 + 3 + 1
        assert first.by_method == {"listPools": 1, "getShare": 1}, first
    finally:
        driver.client.close()


def test_a_share_deleted_during_the_setup_listing_is_not_brought_back(
        simulator, array, monkeypatch):
    """The listing began before the deletion: the deletion wins."""
    from tegile_driver_helpers import POOL, new_driver

    first_driver = new_driver(simulator)
    project = first_driver.configuration.safe_get("tegile_default_project")
    doomed = create(first_driver, "NFS", size=2)
    create(first_driver, "NFS", size=1)
    first_driver.client.close()
    driver = new_driver(simulator, setup=False, tegile_default_project=project)
    driver.do_setup(None)
    real_list_shares = driver.client.list_shares

    def list_then_delete(ref, *args, **kwargs):
        listed = real_list_shares(ref, *args, **kwargs)
        if ref.pool == POOL and ref.project == project:
            driver.delete_share(None, doomed)
        return listed

    monkeypatch.setattr(driver.client, "list_shares", list_then_delete)
    try:
        driver.check_for_setup_error()
        monkeypatch.undo()
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 1
        assert first.by_method == {"listPools": 1, "getShare": 1}, first
    finally:
        driver.client.close()


def test_a_new_setup_forgets_the_record_and_lists_again(simulator, array):
    """Manila's retried set-up (or a restart): do_setup closes the client, which forgets the
    record; the new set-up lists again and the first refresh reads every share listed."""
    from tegile_driver_helpers import POOL, new_driver

    driver = new_driver(simulator)
    try:
        project = driver.configuration.safe_get("tegile_default_project")
        create(driver, "NFS", size=2)
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 2
        _by_hand(array, project, ["by-hand"], quota=3 * GiB)
        assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 2  # not seen yet
        with count(simulator) as setup:
            _set_up(driver)
        assert setup.by_method.get("listShares") == len(array.list_pools()), setup
        with count(simulator) as first:
            assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5
        assert first.by_method == {"listPools": 1, "getShare": 2}, first
    finally:
        driver.client.close()


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
    # sending again rules applied before a restart), so the share is read; it is not exported
    # (new): NFS on, then its list, written without reading it.
    assert change(add=[first]).by_method == {
        "getShare": 1, "setNFSSharingOnShare": 1, "setNFSNetworkACLsOnShare": 1}
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


def test_a_pool_whose_count_fails_reports_what_the_driver_knows(driver, simulator, array,
                                                                caplog):
    """One pool's count failing does not fail the refresh (Manila would keep every pool's old
    figures): that pool reports what the record holds, the others their counts, and the pool is
    counted again at the next refresh."""
    import logging
    from tegile_driver_helpers import POOL

    create(driver, "NFS", size=2)
    project = driver.configuration.safe_get("tegile_default_project")
    array.create_share(share_ref(POOL, project, "by-hand"), quota=3 * GiB)
    pools = [pool.name for pool in array.list_pools()]
    assert pools[0] == POOL and len(pools) > 1  # the fault below hits POOL's count
    driver._backend.allocated.interval = 0  # every refresh counts
    simulator.set_faults(error_rate=1.0, methods=["listProjects"], count=1)
    try:
        with caplog.at_level(logging.WARNING):
            driver._update_share_stats()
    finally:
        simulator.clear_faults()
    stats = dict((p["pool_name"], p) for p in driver._stats["pools"])
    assert sorted(stats) == sorted(pools)
    assert stats[POOL]["allocated_capacity_gb"] == 2  # the driver's own share, not the count
    assert "Could not count the allocated capacity of pool %s" % POOL in caplog.text
    assert simulator.password not in caplog.text
    assert _pool_stats(driver, POOL)["allocated_capacity_gb"] == 5  # counted again


def test_a_pool_gone_from_the_array_leaves_the_record(driver, monkeypatch):
    """A pool the array no longer lists is dropped from the record (and from the stats)."""
    from tegile_driver_helpers import HOST, POOL

    other = [pool.name for pool in driver.client.list_pools() if pool.name != POOL][0]
    create(driver, "NFS", size=2, host=HOST.replace(POOL, other))
    assert _pool_stats(driver, other)["allocated_capacity_gb"] == 2
    listed = driver.client.list_pools()
    monkeypatch.setattr(driver._backend.client, "list_pools",
                        lambda: [pool for pool in listed if pool.name != other])
    driver._update_share_stats()
    assert [p["pool_name"] for p in driver._stats["pools"]] == [POOL]
    assert driver._backend.allocated.recorded(other) == 0
    assert other not in driver._backend.allocated._pools
