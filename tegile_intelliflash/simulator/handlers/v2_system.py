# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 handlers for system, pools and network (spec §7.1-7.3)."""

from .. import core, seed
from ..errors import ApiError, INVALID_ARGUMENT


def list_system_properties(ctx, args):
    wanted = args.list(0, "properties")
    values = seed.system_properties(ctx.txn.setting("array_guid", ""))
    out = []
    for name in wanted:
        if not isinstance(name, str) or name not in values:
            raise ApiError(INVALID_ARGUMENT, "unknown system property %r" % (name,))
        out.append(values[name])
    return out


def list_pools(ctx, args):
    return [
        {"name": p["name"], "availableSize": core.pool_free(ctx.txn, p["name"]),
         "totalSize": p["total"]}
        for p in ctx.txn.pools()
    ]


def get_floating_ip_list(ctx, args):
    pool = args.str(0, "poolName")
    if pool != "All":
        core.get_pool(ctx.txn, pool)
    return [
        dict(ip) for ip in ctx.txn.floating_ips()
        if pool == "All" or pool in [p.strip() for p in ip["poolName"].split(",")]
    ]
