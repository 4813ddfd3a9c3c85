# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Operations on snapshots, clones and rollback (spec §8; protocol choices C10-C14).

A snapshot document: ``path dataset name kind used created ready_at seq`` where ``kind`` is
``share`` (a share snapshot, ``Manual-S-``), ``project`` (a project snapshot, ``Manual-P-``) or
``member`` (the per-share part of a project snapshot, same ``Manual-P-`` name). Clones are shares
(or, for project snapshots, projects) whose ``origin`` is the snapshot path.
"""

import copy

from .. import convert, core, model
from ..errors import (
    ApiError, INVALID_ARGUMENT, INVALID_DATASET_TYPE, NOSPACE, RESOURCE_BUSY, RESOURCE_EXIST,
    RESOURCE_INUSE, RESOURCE_NOT_FOUND,
)

SHARE_PREFIX = "Manual-S-"
PROJECT_PREFIX = "Manual-P-"


def _prefixed(prefix, name):
    """The stored name (C11): a name (C5) too, so at most 255 characters with its prefix."""
    core.validate_name(name, "snapshotName")
    if len(prefix + name) > core.MAX_NAME:
        raise ApiError(INVALID_ARGUMENT, "snapshotName is longer than %d characters: the "
                       "snapshot is named %s<snapshotName>, at most %d characters"
                       % (core.MAX_NAME - len(prefix), prefix, core.MAX_NAME))
    return prefix + name


# -- dependency graph ------------------------------------------------------------------------
def clones_of(txn, snap):
    return txn.shares_with_origin(snap["path"]), txn.projects_with_origin(snap["path"])


def has_clones(txn, snap):
    shares, projects = clones_of(txn, snap)
    if shares or projects:
        return True
    if snap["kind"] == "project":
        return any(has_clones(txn, m) for m in members(txn, snap))
    return False


def members(txn, project_snap):
    name = project_snap["name"]
    out = []
    for share in txn.shares_of_project(project_snap["dataset"]):
        member = txn.snapshot("%s@%s" % (share["path"], name))
        if member is not None and member["kind"] == "member":
            out.append(member)
    return out


def destroy_share(txn, share, deleted=None):
    """Delete a share with its snapshots and, recursively, their clones."""
    for snap in txn.snapshots_of(share["path"]):
        destroy_snapshot(txn, snap, deleted)
    txn.delete_share(share["path"])


def destroy_project(txn, project, deleted=None):
    for share in txn.shares_of_project(project["path"]):
        destroy_share(txn, share, deleted)
    for snap in txn.snapshots_of(project["path"]):
        destroy_snapshot(txn, snap, deleted)
    txn.delete_project(project["path"])


def destroy_snapshot(txn, snap, deleted=None):
    """Delete a snapshot and everything that depends on it (clones, members)."""
    shares, projects = clones_of(txn, snap)
    for clone in shares:
        destroy_share(txn, clone, deleted)
    for clone in projects:
        destroy_project(txn, clone, deleted)
    if snap["kind"] == "project":
        for member in members(txn, snap):
            destroy_snapshot(txn, member, deleted)
    txn.delete_snapshot(snap["path"])
    if deleted is not None:
        deleted.append(snap["path"])


# -- helpers ---------------------------------------------------------------------------------
def full_name(name, prefix):
    return name if name.startswith(prefix) else prefix + name


def get_snapshot(txn, value, field, kind):
    """Look up a snapshot by path; ``kind`` "share" accepts share and member snapshots."""
    path = core.parse_path(value, field, snapshot=True)
    if kind == "share" and path.share is None:
        raise ApiError(INVALID_DATASET_TYPE, "%s %r is a project snapshot, a share snapshot was "
                       "expected" % (field, value))
    if kind == "project" and path.share is not None:
        raise ApiError(INVALID_DATASET_TYPE, "%s %r is a share snapshot, a project snapshot was "
                       "expected" % (field, value))
    snap = txn.snapshot(str(path))
    if snap is None:
        if path.share is not None:
            core.get_share(txn, path)
        else:
            core.get_project(txn, path)
        raise ApiError(RESOURCE_NOT_FOUND, "Snapshot %s does not exist" % path)
    return path, snap


def status_reply(snap, now):
    return {"snapshotProgressStatus": 1 if snap.get("ready_at", 0) > now else 0}


def _deletion_reply(deleted):
    return {"deletedList": deleted, "failedToDeleteList": [], "snapshotDeletionStatus": 0}


def check_ready(snap, now, what):
    if snap.get("ready_at", 0) > now:
        raise ApiError(RESOURCE_BUSY, "%s: snapshot %s is still being created"
                       % (what, snap["path"]))


# -- share snapshots -------------------------------------------------------------------------
def create_share_snapshot_doc(ctx, share_obj, name):
    if not isinstance(share_obj, dict):
        raise ApiError(INVALID_ARGUMENT, "share must be a Share_V1_0 object")
    for key in ("poolName", "projectName", "name"):
        if not isinstance(share_obj.get(key), str) or not share_obj.get(key):
            raise ApiError(INVALID_ARGUMENT, "share.%s is required" % key)
    local = convert.to_bool(share_obj.get("local", True), "share.local")
    path = core.Path(share_obj["poolName"], "Local" if local else "Replica",
                     share_obj["projectName"], share_obj["name"])
    core.get_pool(ctx.txn, path.pool)
    share = core.get_share(ctx.txn, path)
    core.require_local(path, "createShareSnapshot")
    model.check_not_busy(share, ctx.now, "createShareSnapshot")
    full = _prefixed(SHARE_PREFIX, name)
    snap_path = "%s@%s" % (share["path"], full)
    if ctx.txn.snapshot(snap_path) is not None:
        raise ApiError(RESOURCE_EXIST, "Snapshot %s already exists" % snap_path)
    ctx.txn.put_snapshot({
        "path": snap_path, "dataset": share["path"], "name": full, "kind": "share",
        "used": share.get("used", 0), "created": ctx.now,
        "ready_at": ctx.now + ctx.delays.snapshot_ms / 1000.0,
    })
    return snap_path


def delete_snapshot_doc(ctx, snap, recursive):
    if has_clones(ctx.txn, snap) and not recursive:
        raise ApiError(RESOURCE_INUSE, "Snapshot %s has clones; delete them first or use "
                       "recursive=true" % snap["path"])
    deleted = []
    destroy_snapshot(ctx.txn, snap, deleted)
    deleted.reverse()
    deleted.remove(snap["path"])
    return _deletion_reply([snap["path"]] + deleted)


def clone_share_doc(ctx, source, project, snap, name, inherit):
    clone = model.new_share(project, name)
    if inherit:
        clone["own"] = copy.deepcopy(source["own"])
        clone["own"].pop("mountPoint", None)
        for key in ("atime", "nbmand", "krbStatus", "guestStatus", "nfs_override", "nfs",
                    "smb_override", "smb"):
            clone[key] = source[key]
        for key in ("nfs_acls", "smb_acls", "aclList", "permissions"):
            clone[key] = copy.deepcopy(source[key])
    clone["used"] = snap.get("used", 0)
    clone["origin"] = snap["path"]
    clone["ready_at"] = ctx.now + ctx.delays.clone_ms / 1000.0
    return clone


def _check_clone_space(ctx, pool, project, added):
    core.check_growth(ctx.txn, pool, 0, added, "cloning")
    core.check_project_growth(ctx.txn, project, 0, added, "the clone")


def _check_clone_smb_names(txn, clones, project):
    """C27: a clone exported over SMB at once (its source's or its project's sharing) goes out
    under its own default name, which another share may have."""
    core.check_smb_names(txn, [clone for clone in clones
                               if model.sharing(clone, project, "smb")[0]])


def clone_share_snapshot_doc(ctx, snap_value, name, inherit):
    path, snap = get_snapshot(ctx.txn, snap_value, "snapshotPath", "share")
    core.require_local(path, "cloneShareSnapshot")
    check_ready(snap, ctx.now, "cloneShareSnapshot")
    core.validate_name(name, "cloneName")
    source = ctx.txn.share(snap["dataset"])
    project = ctx.txn.project(source["project_path"])
    if ctx.txn.share("%s/%s" % (project["path"], name)) is not None:
        raise ApiError(RESOURCE_EXIST, "Share %s/%s already exists" % (project["path"], name))
    clone = clone_share_doc(ctx, source, project, snap, name, inherit)
    _check_clone_space(ctx, project["pool"], project, clone["used"])
    core.check_mount_points(ctx.txn, [(clone, project)])
    _check_clone_smb_names(ctx.txn, [clone], project)
    ctx.txn.put_share(clone)
    return clone


def _rollback_plan(txn, share_path, target):
    """Snapshots of ``share_path`` newer than ``target`` (its dependents for rollback, C14)."""
    return [s for s in txn.snapshots_of(share_path) if s["seq"] > target["seq"]]


def _check_rollback_space(txn, snaps_by_share):
    """C7/C14: the bytes a rollback brings back must fit the share's quota (ZFS refuses a
    rollback beyond ``refquota``), its project's quota and the pool, summed over the shares
    rolled back together (one project). Checked before anything changes."""
    old = new = 0
    for share_path, target in snaps_by_share:
        share = txn.share(share_path)
        restored = target.get("used", 0)
        if share.get("quota", 0) and restored > share["quota"]:
            raise ApiError(NOSPACE, "rollback of %s to %s would bring back %d bytes, beyond "
                           "its quota of %d" % (share_path, target["name"], restored,
                                                share["quota"]))
        old += core.share_consumption(share)
        new += max(restored, share.get("reservation", 0))
    if not snaps_by_share:
        return
    what = "rolling back to %s" % snaps_by_share[0][1]["name"]
    core.check_project_growth(txn, txn.project(share["project_path"]), old, new, what)
    core.check_growth(txn, share["pool"], old, new, what)


def apply_rollback(ctx, snaps_by_share, delete_dependents):
    newer_all = []
    for share_path, target in snaps_by_share:
        newer_all.extend(_rollback_plan(ctx.txn, share_path, target))
    if newer_all and not delete_dependents:
        raise ApiError(RESOURCE_INUSE, "newer snapshots exist (%s); use deleteDependents=true"
                       % ", ".join(s["path"] for s in newer_all))
    for snap in newer_all:
        if has_clones(ctx.txn, snap):
            raise ApiError(RESOURCE_INUSE, "newer snapshot %s has clones" % snap["path"])
    _check_rollback_space(ctx.txn, snaps_by_share)
    for snap in newer_all:
        if ctx.txn.snapshot(snap["path"]) is not None:
            destroy_snapshot(ctx.txn, snap)
    for share_path, target in snaps_by_share:
        share = ctx.txn.share(share_path)
        share["used"] = target.get("used", 0)
        ctx.txn.put_share(share)


def roll_back_share(ctx, path, snap, delete_dependents):
    """rollBackToShareSnapshot."""
    core.require_local(path, "rollBackToShareSnapshot")
    share = ctx.txn.share(snap["dataset"])
    model.check_not_busy(share, ctx.now, "rollBackToShareSnapshot")
    check_ready(snap, ctx.now, "rollBackToShareSnapshot")
    apply_rollback(ctx, [(share["path"], snap)], delete_dependents)


# -- project snapshots -----------------------------------------------------------------------
def create_project_snapshot_doc(ctx, path, name):
    """createProjectSnapshot: the project's snapshot and one member per share (C12)."""
    core.get_pool(ctx.txn, path.pool)
    project = core.get_project(ctx.txn, path)
    core.require_local(path, "createProjectSnapshot")
    full = _prefixed(PROJECT_PREFIX, name)
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


def clone_project_snapshot_doc(ctx, path, snap, name, inherit):
    """cloneProjectSnapshot: a new project holding a clone of every member (C13)."""
    core.require_local(path, "cloneProjectSnapshot")
    check_ready(snap, ctx.now, "cloneProjectSnapshot")
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
    parts = members(ctx.txn, snap)
    clone["clone_count"] = len(parts)
    core.check_growth(ctx.txn, source["pool"], 0, sum(m.get("used", 0) for m in parts),
                      "cloning %s" % snap["path"])
    ctx.txn.put_project(clone)
    shares = []
    for member in parts:
        share = ctx.txn.share(member["dataset"])
        new = clone_share_doc(ctx, share, clone, member, share["name"], inherit)
        new["ready_at"] = ready_at
        shares.append(new)
    core.check_mount_points(ctx.txn, [(new, clone) for new in shares])
    _check_clone_smb_names(ctx.txn, shares, clone)
    for new in shares:
        ctx.txn.put_share(new)


def roll_back_project(ctx, path, snap, delete_dependents):
    """rollBackToProjectSnapshot: every member share back; newer project snapshots go."""
    core.require_local(path, "rollBackToProjectSnapshot")
    check_ready(snap, ctx.now, "rollBackToProjectSnapshot")
    newer_projects = [s for s in ctx.txn.snapshots_of(snap["dataset"]) if s["seq"] > snap["seq"]]
    if newer_projects and not delete_dependents:
        raise ApiError(RESOURCE_INUSE, "newer project snapshots exist (%s); use "
                       "deleteDependents=true" % ", ".join(s["path"] for s in newer_projects))
    for newer in newer_projects:
        if has_clones(ctx.txn, newer):
            raise ApiError(RESOURCE_INUSE, "newer snapshot %s has clones" % newer["path"])
    plan = [(m["dataset"], m) for m in members(ctx.txn, snap)]
    for share_path, _ignored in plan:
        model.check_not_busy(ctx.txn.share(share_path), ctx.now, "rollBackToProjectSnapshot")
    apply_rollback(ctx, plan, delete_dependents)
    for newer in newer_projects:
        if ctx.txn.snapshot(newer["path"]) is not None:
            destroy_snapshot(ctx.txn, newer)
