# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""v2 handlers for snapshots, clones and rollback (spec §8): arguments in, ``ops.snapshots`` out."""

import copy

from .. import convert, core, model
from ..errors import ApiError, INVALID_ARGUMENT, RESOURCE_EXIST, RESOURCE_INUSE, RESOURCE_NOT_FOUND
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
    delete_dependents = args.bool(1, "deleteDependents", False)
    core.require_local(path, "rollBackToShareSnapshot")
    share = ctx.txn.share(snap["dataset"])
    model.check_not_busy(share, ctx.now, "rollBackToShareSnapshot")
    snaps.check_ready(snap, ctx.now, "rollBackToShareSnapshot")
    snaps.apply_rollback(ctx, [(share["path"], snap)], delete_dependents)
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
    path = core.Path(pool, "Local" if local else "Replica", project_name)
    core.get_pool(ctx.txn, pool)
    project = core.get_project(ctx.txn, path)
    core.require_local(path, "createProjectSnapshot")
    core.validate_name(name, "snapshotName")
    full = snaps.PROJECT_PREFIX + name
    snap_path = "%s@%s" % (project["path"], full)
    shares = ctx.txn.shares_of_project(project["path"])
    for target in [snap_path] + ["%s@%s" % (s["path"], full) for s in shares]:
        if ctx.txn.snapshot(target) is not None:
            raise ApiError(RESOURCE_EXIST, "Snapshot %s already exists" % target)
    ready_at = ctx.now + ctx.delays.snapshot_ms / 1000.0
    ctx.txn.put_snapshot({"path": snap_path, "dataset": project["path"], "name": full,
                          "kind": "project", "used": 0, "created": ctx.now,
                          "ready_at": ready_at})
    for share in shares:
        model.check_not_busy(share, ctx.now, "createProjectSnapshot")
        ctx.txn.put_snapshot({"path": "%s@%s" % (share["path"], full), "dataset": share["path"],
                              "name": full, "kind": "member", "used": share.get("used", 0),
                              "created": ctx.now, "ready_at": ready_at})
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
    name = args.str(1, "cloneName")
    inherit = args.bool(2, "inheritProjectSettings", False)
    core.require_local(path, "cloneProjectSnapshot")
    snaps.check_ready(snap, ctx.now, "cloneProjectSnapshot")
    core.validate_name(name, "cloneName")
    source = ctx.txn.project(snap["dataset"])
    clone = model.new_project(source["pool"], name)
    if ctx.txn.project(clone["path"]) is not None:
        raise ApiError(RESOURCE_EXIST, "Project %s already exists" % clone["path"])
    if inherit:
        clone["props"] = copy.deepcopy(source["props"])
        clone["props"]["mountPoint"] = "/export/%s" % name
        for key in ("nfs", "smb"):
            clone[key] = source[key]
            clone[key + "_acls"] = copy.deepcopy(source[key + "_acls"])
    clone["origin"] = snap["path"]
    ready_at = ctx.now + ctx.delays.clone_ms / 1000.0
    clone["ready_at"] = ready_at
    parts = snaps.members(ctx.txn, snap)
    clone["clone_count"] = len(parts)
    core.check_growth(ctx.txn, source["pool"], 0, sum(m.get("used", 0) for m in parts),
                      "cloning %s" % snap["path"])
    ctx.txn.put_project(clone)
    shares = []
    for member in parts:
        share = ctx.txn.share(member["dataset"])
        new = snaps.clone_share_doc(ctx, share, clone, member, share["name"], inherit)
        new["ready_at"] = ready_at
        shares.append(new)
    core.check_mount_points(ctx.txn, [(new, clone) for new in shares])
    for new in shares:
        ctx.txn.put_share(new)
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
    delete_dependents = args.bool(1, "deleteDependents", False)
    core.require_local(path, "rollBackToProjectSnapshot")
    snaps.check_ready(snap, ctx.now, "rollBackToProjectSnapshot")
    newer_projects = [s for s in ctx.txn.snapshots_of(snap["dataset"]) if s["seq"] > snap["seq"]]
    if newer_projects and not delete_dependents:
        raise ApiError(RESOURCE_INUSE, "newer project snapshots exist (%s); use "
                       "deleteDependents=true" % ", ".join(s["path"] for s in newer_projects))
    for newer in newer_projects:
        if snaps.has_clones(ctx.txn, newer):
            raise ApiError(RESOURCE_INUSE, "newer snapshot %s has clones" % newer["path"])
    plan = [(m["dataset"], m) for m in snaps.members(ctx.txn, snap)]
    for share_path, _ignored in plan:
        model.check_not_busy(ctx.txn.share(share_path), ctx.now, "rollBackToProjectSnapshot")
    snaps.apply_rollback(ctx, plan, delete_dependents)
    for newer in newer_projects:
        if ctx.txn.snapshot(newer["path"]) is not None:
            snaps.destroy_snapshot(ctx.txn, newer)
    return 0
