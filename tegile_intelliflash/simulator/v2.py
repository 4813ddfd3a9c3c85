# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The ``/zebi/api/v2`` service: system, pools and network methods.

Projects and shares are in ``v2_datasets``, snapshots in ``snapshots``, sharing and ACLs in
``access``; importing this module registers them all.
"""

from . import access, core, seed, snapshots, v2_datasets  # noqa: F401  pylint: disable=unused-import
from .errors import ApiError, INVALID_ARGUMENT
from .registry import V2


@V2.method("listSystemProperties")
def list_system_properties(ctx, args):
    wanted = args.list(0, "properties")
    values = seed.system_properties(ctx.txn.setting("array_guid", ""))
    out = []
    for name in wanted:
        if not isinstance(name, str) or name not in values:
            raise ApiError(INVALID_ARGUMENT, "unknown system property %r" % (name,))
        out.append(values[name])
    return out


@V2.method("listPools")
def list_pools(ctx, args):
    return [
        {"name": p["name"], "availableSize": core.pool_free(ctx.txn, p["name"]),
         "totalSize": p["total"]}
        for p in ctx.txn.pools()
    ]


@V2.method("getFloatingIPList")
def get_floating_ip_list(ctx, args):
    pool = args.str(0, "poolName")
    if pool != "All":
        core.get_pool(ctx.txn, pool)
    return [
        dict(ip) for ip in ctx.txn.floating_ips()
        if pool == "All" or pool in [p.strip() for p in ip["poolName"].split(",")]
    ]
