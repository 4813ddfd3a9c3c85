# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The ``/zebi/api/openstack`` service used by Manila's in-tree Tegile driver (spec §12, C22)."""

from . import core
from .registry import OPENSTACK


def _gib(nbytes):
    return round(nbytes / core.GiB, 2)


@OPENSTACK.method("getArrayStats")
def get_array_stats(ctx, args):
    pools = []
    total = free = 0
    for pool in ctx.txn.pools():
        pool_free = core.pool_free(ctx.txn, pool["name"])
        allocated = sum(s.get("quota", 0) for s in ctx.txn.shares_of_pool(pool["name"]))
        total += pool["total"]
        free += pool_free
        pools.append({
            "pool_name": pool["name"],
            "total_capacity_gb": _gib(pool["total"]),
            "free_capacity_gb": _gib(pool_free),
            "allocated_capacity_gb": _gib(allocated),
            "QoS_support": False,
            "reserved_percentage": 0,
        })
    return {"total_capacity_gb": _gib(total), "free_capacity_gb": _gib(free), "pools": pools}
