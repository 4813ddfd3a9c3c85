# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 handlers for snapshots, clones and rollback (spec §8): arguments in, ``ops.snapshots`` out."""

from .. import convert, core
from ..errors import ApiError, INVALID_ARGUMENT, RESOURCE_NOT_FOUND
from ..ops import snapshots as snaps
from ..pattern import Budget, Pattern, PatternError
from ..registry import VOID


def create_share_snapshot(ctx, args):
    snaps.create_share_snapshot_doc(ctx, args.raw(0, "share"), args.str(1, "snapshotName"))
    args.bool(2, "quiesce", False)
    return VOID


def get_share_snapshot_creation_status(ctx, args):
    path = core.parse_path(args.raw(0, "datasetPath"), kind="share")
    name = snaps.full_name(args.str(1, "snapshotName"), snaps.SHARE_PREFIX)
    share = core.get_share(ctx.txn, path)
    snap = ctx.txn.snapshot("%s@%s" % (share["path"], name))
    if snap is None:
        raise ApiError(RESOURCE_NOT_FOUND, "Snapshot %s@%s does not exist" % (share["path"], name))
    return snaps.status_reply(snap, ctx.now)


def list_snapshots(ctx, args):
    path = core.parse_path(args.raw(0, "datasetPath"))
    pattern = args.str(1, "snapshotPattern", "")
    try:
        # C11: a linear-time subset, compiled before any lookup and matched within a budget.
        compiled = Pattern(pattern) if pattern else None
        if path.share is None:
            core.get_project(ctx.txn, path)
        else:
            core.get_share(ctx.txn, path)
        names = [s["name"] for s in ctx.txn.snapshots_of(path.dataset)]
        if compiled is not None:
            budget = Budget()
            names = [n for n in names if compiled.fullmatch(n, budget)]
    except PatternError as exc:
        raise ApiError(INVALID_ARGUMENT, "snapshotPattern %.80r: %s" % (pattern, exc)) from None
    return names


def delete_share_snapshot(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "shareSnapshotPath"), "shareSnapshotPath",
                                    "share")
    core.require_local(path, "deleteShareSnapshot")
    return snaps.delete_snapshot_doc(ctx, snap, args.bool(1, "recursive", False))


def clone_share_snapshot(ctx, args):
    snaps.clone_share_snapshot_doc(ctx, args.raw(0, "snapshotPath"), args.str(1, "cloneName"),
                                   args.bool(2, "inheritShareSettings", False))
    return VOID


def roll_back_to_share_snapshot(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "snapshotPath"), "snapshotPath", "share")
    snaps.roll_back_share(ctx, path, snap, args.bool(1, "deleteDependents", False))
    return 0


# -- project snapshots -----------------------------------------------------------------------
def create_project_snapshot(ctx, args):
    obj = args.obj(0, "project")
    name = args.str(1, "snapshotName")
    args.bool(2, "quiesce", False)
    pool = obj.get("poolName")
    project_name = obj.get("name", obj.get("projectName"))
    if not isinstance(pool, str) or not pool or not isinstance(project_name, str) or \
            not project_name:
        raise ApiError(INVALID_ARGUMENT, "project.poolName and project.name are required")
    local = convert.to_bool(obj.get("local", True), "project.local")
    snaps.create_project_snapshot_doc(
        ctx, core.Path(pool, "Local" if local else "Replica", project_name), name)
    return VOID


def get_project_snapshot_creation_status(ctx, args):
    value = args.str(0, "datasetPath")
    name = snaps.full_name(args.str(1, "snapshotName"), snaps.PROJECT_PREFIX)
    if "/" not in value:
        # S5 posts a bare pool name: find the project snapshot with that name in the pool.
        core.get_pool(ctx.txn, value)
        for project in ctx.txn.projects(value, "Local"):
            snap = ctx.txn.snapshot("%s@%s" % (project["path"], name))
            if snap is not None:
                return snaps.status_reply(snap, ctx.now)
        raise ApiError(RESOURCE_NOT_FOUND, "no project snapshot %s in pool %s" % (name, value))
    path = core.parse_path(value, kind="project")
    project = core.get_project(ctx.txn, path)
    snap = ctx.txn.snapshot("%s@%s" % (project["path"], name))
    if snap is None:
        raise ApiError(RESOURCE_NOT_FOUND, "Snapshot %s@%s does not exist"
                       % (project["path"], name))
    return snaps.status_reply(snap, ctx.now)


def delete_project_snapshot(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "projectSnapshotPath"),
                                    "projectSnapshotPath", "project")
    core.require_local(path, "deleteProjectSnapshot")
    return snaps.delete_snapshot_doc(ctx, snap, args.bool(1, "recursive", False))


def clone_project_snapshot(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "snapshotPath"), "snapshotPath", "project")
    snaps.clone_project_snapshot_doc(ctx, path, snap, args.str(1, "cloneName"),
                                     args.bool(2, "inheritProjectSettings", False))
    return VOID


def get_project_clone_status(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "snapshotPath"), "snapshotPath", None)
    name = args.str(1, "cloneName")
    if snap["kind"] == "project":
        clone = ctx.txn.project("%s/%s/%s" % (path.pool, path.container, name))
        total = clone.get("clone_count", 0) if clone else 0
    else:
        project_path = ctx.txn.share(snap["dataset"])["project_path"]
        clone = ctx.txn.share("%s/%s" % (project_path, name))
        total = 1
    if clone is None or clone.get("origin") != snap["path"]:
        raise ApiError(RESOURCE_NOT_FOUND, "no clone %s of snapshot %s" % (name, snap["path"]))
    state = 0 if clone.get("ready_at", 0) > ctx.now else 1
    return {"totalSubProjects": total, "failedSubProjects": 0, "projectCloneState": state}


def roll_back_to_project_snapshot(ctx, args):
    path, snap = snaps.get_snapshot(ctx.txn, args.raw(0, "snapshotPath"), "snapshotPath", "project")
    snaps.roll_back_project(ctx, path, snap, args.bool(1, "deleteDependents", False))
    return 0
