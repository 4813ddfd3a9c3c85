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


def test_forget_all_during_a_first_count_counts_again(driver, array):
    """ensure_shares gives a share its quota back and then forgets every pool's total. A count
    of a pool not counted yet (no total: the first count, or one after a forget) that read the
    share before the change must not be kept: forget(None) used to skip pools without a total,
    so that stale count was kept for RECOUNT_INTERVAL (an hour)."""
    share = create(driver, "NFS", size=2)
    pool, project, name = where(driver, share)
    array.set_share_quota(share_ref(pool, project, name), 0)  # lost by hand: counts 0
    driver._backend.allocated.forget()

    def ensure():
        update = driver.ensure_shares(None, [share])[share["id"]]
        assert update["status"] == "available"
        assert array.get_share(share_ref(pool, project, name)).quota_bytes == 2 * GiB

    state = _during_count(driver, ensure)
    assert _pool_stats(driver)["allocated_capacity_gb"] == 0  # read before the ensure
    assert state["done"]
    del driver._backend.client.get_share
    assert _pool_stats(driver)["allocated_capacity_gb"] == 2
