# SPDX-License-Identifier: Apache-2.0
"""The driver's shared state when operations overlap (Manila runs them side by side, beside the
periodic stats refresh). Each interleaving is forced by wrapping a function of the driver or of
its client, never by timing."""

from tegile_driver_helpers import POOL, create, where
from tegile_intelliflash.client.paths import share_ref

GiB = 1024 ** 3


def _pool_stats(driver, pool=POOL):
    driver._update_share_stats()
    return [p for p in driver._stats["pools"] if p["pool_name"] == pool][0]


def _during_count(driver, action):
    """Run ``action`` once, inside the next count of the allocated bytes, right after the count
    read the first share's quota (the count has seen the share as it was before ``action``)."""
    client = driver._backend.client
    real = client.get_share
    state = {"done": False}

    def get_share(ref, *args, **kwargs):
        info = real(ref, *args, **kwargs)
        if not state["done"]:
            state["done"] = True
            action()
        return info

    client.get_share = get_share
    return state


def test_an_ensure_during_a_first_count_wins_over_what_the_count_read(driver, simulator, array):
    """ensure_shares gives a share its quota back while a first count runs, after the count
    read the share without quota: the share's entry is the ensure's (2 GiB), not the count's
    0, and the count is kept for the rest of the pool (the next refresh is listPools alone;
    the record used to be dropped and the whole pool counted again)."""
    share = create(driver, "NFS", size=2)
    pool, project, name = where(driver, share)
    array.set_share_quota(share_ref(pool, project, name), 0)  # lost by hand: counts 0
    driver._backend.allocated.forget()

    def ensure():
        update = driver.ensure_shares(None, [share])[share["id"]]
        assert update["status"] == "available"
        assert array.get_share(share_ref(pool, project, name)).quota_bytes == 2 * GiB

    state = _during_count(driver, ensure)
    assert _pool_stats(driver)["allocated_capacity_gb"] == 2
    assert state["done"]
    del driver._backend.client.get_share
    simulator.reset_calls()
    assert _pool_stats(driver)["allocated_capacity_gb"] == 2
    assert simulator.calls()["by_method"] == {"listPools": 1}


def test_an_extend_during_a_count_is_kept_and_the_count_too(driver, simulator):
    """A count reads a share, then the share is extended before the count ends: the share's
    entry is the extend's and the count is kept (the whole pool is not counted again)."""
    share = create(driver, "NFS", size=1)
    create(driver, "NFS", size=1)
    driver._backend.allocated.forget()

    def extend():
        driver.extend_share(share, 4)

    state = _during_count(driver, extend)
    assert _pool_stats(driver)["allocated_capacity_gb"] == 5
    assert state["done"]
    del driver._backend.client.get_share
    simulator.reset_calls()
    assert _pool_stats(driver)["allocated_capacity_gb"] == 5
    assert simulator.calls()["by_method"] == {"listPools": 1}


def _after_first_call(obj, name, action):
    """Wrap ``obj.name``: its first call runs ``action`` once the real call returned."""
    real = getattr(obj, name)
    state = {"done": False}

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if not state["done"]:
            state["done"] = True
            action()
        return result

    setattr(obj, name, wrapper)
    return state


def test_count_between_the_array_write_and_the_add_of_a_creation(driver):
    """A stats refresh counts the pool after createShare wrote the share on the array but before
    create_share added its size to the total (it still sets the share up: properties, sharing,
    export locations). The count holds the share, then the add counts it a second time; the
    count was kept as fresh, so the pool showed 4 GiB instead of 2 for RECOUNT_INTERVAL."""
    backend = driver._backend
    # Not counted (set-up's listing forgotten, as after a failed one): the refresh in the
    # middle of the creation counts the pool.
    backend.allocated.forget()
    seen = []
    state = _after_first_call(backend, "apply_type_properties",
                              lambda: seen.append(_pool_stats(driver)["allocated_capacity_gb"]))
    create(driver, "NFS", size=2)
    assert state["done"] and seen == [2]  # the count held the new share
    del backend.apply_type_properties
    assert _pool_stats(driver)["allocated_capacity_gb"] == 2


def test_count_between_the_array_write_and_the_add_of_a_deletion(driver):
    """The same for delete_share: a count between deleteShare and the share's size taken away
    from the total no longer holds the share, then the share's size was taken away a second
    time (1 GiB instead of 3, until the next count an hour later)."""
    kept = create(driver, "NFS", size=3)
    gone = create(driver, "NFS", size=2)
    assert _pool_stats(driver)["allocated_capacity_gb"] == 5
    driver._backend.allocated.forget()
    client = driver._backend.client
    seen = []
    state = _after_first_call(client, "delete_share",
                              lambda: seen.append(_pool_stats(driver)["allocated_capacity_gb"]))
    driver.delete_share(None, gone)
    assert state["done"] and seen == [3]  # the count no longer held the share
    del client.delete_share
    assert kept["size"] == 3
    assert _pool_stats(driver)["allocated_capacity_gb"] == 3


def test_ensure_during_a_floating_ip_reading_uses_the_addresses_as_they_are_now(driver):
    """An administrator moved a floating IP and asks for an ensure, which forgets the floating
    IPs to write every share's export locations from the addresses as they are now. A stats
    refresh was reading them meanwhile (its reading predates the move): it stored its old list
    after the forget, as fresh, and the ensure (and every share made for FLOATING_IP_TTL) used
    the old address."""
    import threading
    from tegile_intelliflash.client.views import FloatingIP
    from tegile_driver_helpers import pass_floating_ip_ttl

    share = create(driver, "NFS")
    old_ip = share["export_locations"][0]["path"].split(":")[0]
    backend = driver._backend
    client = backend.client
    real_list = client.list_floating_ips
    real_forget = backend.forget_floating_ips
    moved = [FloatingIP.from_wire({"ipAddress": "192.0.2.99", "poolName": POOL})]
    read_old, forgotten, refreshed = threading.Event(), threading.Event(), threading.Event()
    readings = []

    def list_floating_ips(*args, **kwargs):
        if not readings:  # the stats refresh: reads before the move, returns after the forget
            readings.append(real_list(*args, **kwargs))
            read_old.set()
            assert forgotten.wait(30)
            return readings[0]
        readings.append(moved)
        return moved

    def forget_floating_ips():
        real_forget()
        forgotten.set()
        assert refreshed.wait(30)  # the ensure goes on once the refresh has stored its list

    client.list_floating_ips = list_floating_ips
    backend.forget_floating_ips = forget_floating_ips
    pass_floating_ip_ttl(driver)  # the refresh reads them
    errors = []

    def refresh():
        try:
            driver._update_share_stats()
        except Exception as err:  # pylint: disable=broad-except
            errors.append(err)
        finally:
            refreshed.set()

    thread = threading.Thread(target=refresh)
    thread.start()
    try:
        assert read_old.wait(30)
        update = driver.ensure_shares(None, [share])[share["id"]]
    finally:
        forgotten.set()
        refreshed.set()
        thread.join(30)
    assert not errors and not thread.is_alive()
    assert update["export_locations"][0]["path"].startswith("192.0.2.99:/")
    assert [ips[0].address for ips in readings] == [old_ip, "192.0.2.99"]
    # Kept for the shares that follow, too.
    assert create(driver, "NFS")["export_locations"][0]["path"].startswith("192.0.2.99:/")
