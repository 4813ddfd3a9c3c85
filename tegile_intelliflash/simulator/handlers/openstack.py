# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""The ``/zebi/api/openstack`` service used by Manila's in-tree Tegile driver (spec §12, C22)."""

from .. import convert, core, model
from ..errors import (ApiError, INVALID_ACL_PARAM, INVALID_ARGUMENT,
                      INVALID_QUOTA_RESERVATION)
from ..ops import access, datasets, snapshots


def _gib(nbytes):
    return round(nbytes / core.GiB, 2)


def get_array_stats(ctx, args):
    pools = []
    total = free = 0
    for pool in ctx.txn.pools():
        pool_free = core.pool_free(ctx.txn, pool["name"])
        allocated = ctx.txn.pool_quota_total(pool["name"])
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


# -- shares ----------------------------------------------------------------------------------
PROTOCOLS = ("NFS", "CIFS")


def _proto(value):
    if value not in PROTOCOLS:
        raise ApiError(INVALID_ARGUMENT, "shareProto must be NFS or CIFS, got %r" % (value,))
    return value


def _location(txn, share, project):
    """The ``"<IP> <REALNAME>"`` reply: mount point for NFS, SMB share name for SMB-only."""
    ip = core.floating_ip_for_pool(txn, share["pool"])
    nfs_on, _ignored = model.sharing(share, project, "nfs")
    smb_on, _ignored = model.sharing(share, project, "smb")
    if smb_on and not nfs_on:
        return "%s %s" % (ip, model.display_name(share))
    return "%s %s" % (ip, model.effective(share, project, "mountPoint"))


def create_share(ctx, args):
    pool = args.str(0, "poolName")
    project_name = args.str(1, "projectName")
    name = args.str(2, "shareName")
    proto = _proto(args.raw(3, "shareProto"))
    core.get_pool(ctx.txn, pool)
    core.validate_name(project_name, "projectName")
    core.validate_name(name, "shareName")
    project = ctx.txn.project("%s/Local/%s" % (pool, project_name))
    if project is None:
        project = model.new_project(pool, project_name)
        ctx.txn.put_project(project)
    share = datasets.create_share_doc(ctx.txn, project, name)
    access.turn_on_share(ctx, share, project, "nfs" if proto == "NFS" else "smb")
    ctx.txn.put_share(share)
    return _location(ctx.txn, share, project)


def delete_share(ctx, args):
    datasets.delete_dataset(ctx, args.raw(0, "datasetPath"), args.bool(1, "recursive", False),
                            args.bool(2, "errorIfNotExist", True), "deleteShare")
    return 0


def resize_share(ctx, args):
    path, share, project = datasets.share_for_write(ctx, args.raw(0, "datasetPath"),
                                                    what="resizeShare")
    # C22: a string of the integer size (spec §12), at least 1: a resize never clears the quota.
    value = args.raw(1, "size")
    size = convert.to_int(value, "size", INVALID_QUOTA_RESERVATION)
    if size < 1:
        raise ApiError(INVALID_QUOTA_RESERVATION, "size must be a whole number of GB, at least "
                       "1, got %.60r" % (value,))
    unit = args.raw(2, "unit", "GB")
    datasets.apply_share_changes(ctx, share, project, {"quota": size, "quotaMetric": unit})
    ctx.txn.put_share(share)
    return 0


def create_share_snapshot(ctx, args):
    snapshots.create_share_snapshot_doc(ctx, args.raw(0, "share"), args.str(1, "snapshotName"))
    return 0


def delete_share_snapshot(ctx, args):
    path, snap = snapshots.get_snapshot(ctx.txn, args.raw(0, "snapshotPath"), "snapshotPath",
                                        "share")
    return snapshots.delete_snapshot_doc(ctx, snap, args.bool(1, "recursive", False))


def clone_share_snapshot(ctx, args):
    """Manila passes the new share's pool/project with the source share's name (§12)."""
    clone = snapshots.clone_share_snapshot_doc(
        ctx, args.raw(0, "snapshotPath"), args.str(1, "cloneName"),
        args.bool(2, "inheritShareSettings", True))
    return _location(ctx.txn, clone, ctx.txn.project(clone["project_path"]))


def get_share_ip_and_mount_point(ctx, args):
    path = core.parse_path(args.raw(0, "datasetPath"), kind="share")
    share = core.get_share(ctx.txn, path)
    return _location(ctx.txn, share, ctx.txn.project(share["project_path"]))


def _access_args(ctx, args, what):
    path, share, project = datasets.share_for_write(ctx, args.raw(0, "datasetPath"),
                                                    what=what)
    proto = _proto(args.raw(1, "shareProto"))
    access_type = args.raw(2, "accessType")
    access_to = args.str(3, "accessTo")
    level = args.raw(4, "accessLevel")
    if level not in ("rw", "ro"):
        raise ApiError(INVALID_ACL_PARAM, "accessLevel must be rw or ro, got %r" % (level,))
    if access_type == "ip" and proto == "NFS":
        access.validate_host("IP", access_to, "accessTo")
    elif access_type != "user":
        raise ApiError(INVALID_ACL_PARAM, "access type %r is not supported for %s"
                       % (access_type, proto))
    return share, project, proto, access_type, access_to, level


def share_allow_access(ctx, args):
    share, project, proto, access_type, access_to, level = _access_args(
        ctx, args, "shareAllowAccess")
    if access_type == "ip":
        access.allow_ip(share, project, access_to, level)
    else:
        access.allow_user(share, access_to, level)
    ctx.txn.put_share(share)
    return 0


def share_deny_access(ctx, args):
    share, project, proto, access_type, access_to, level = _access_args(
        ctx, args, "shareDenyAccess")
    if access_type == "ip":
        access.deny_ip(share, project, access_to)
    else:
        access.deny_user(share, access_to)
    ctx.txn.put_share(share)
    return 0


def clear_access_rules(ctx, args):
    path, share, project = datasets.share_for_write(ctx, args.raw(0, "datasetPath"),
                                                    what="clearAccessRules")
    proto = _proto(args.raw(1, "shareProto"))
    access.clear_rules(share, project, nfs=proto == "NFS")
    ctx.txn.put_share(share)
    return 0
