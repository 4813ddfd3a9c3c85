# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Operations on projects and shares (spec §7.4-7.6; protocol choices C5-C10, C20, C21).

Called by the v2 and openstack handlers; nothing here parses a request.
"""

import copy

from .. import convert, core, model
from ..errors import (
    ApiError, INVALID_ARGUMENT, INVALID_DATASET_TYPE, INVALID_INHERITABLE_PROPERTY,
    INVALID_MOUNT_POINT, INVALID_QUOTA_RESERVATION, OPERATION_NOT_ALLOWED, RESOURCE_EXIST, RESOURCE_INUSE,
)
from . import snapshots as snaps

PROJECT_PROPS = ("purpose", "compression", "compressionClass", "compressedLog", "dedup",
                 "copies", "primaryCache", "secondaryCache", "readonly", "logbias", "sync",
                 "aclInherit", "aclMode", "krbStatus", "recordSize", "mountPoint",
                 "intendedProtocolList", "defaultVolumeSizeInByte", "defaultVolumeBlockSize",
                 "defaultThinProvisioning")
PROJECT_READ_ONLY = ("projectName", "poolName", "zfsDataSetName", "localDataset")
SHARE_READ_ONLY = ("name", "guid", "containerName", "projectName", "poolName", "localDataset",
                   "zfsDataSetName", "sharenfs", "sharesmb")
SHARE_INHERITABLE = tuple(model.KEY_GROUP)  # compression ... recordSize, mountPoint


# -- projects --------------------------------------------------------------------------------
def apply_project_props(txn, project, obj, creating):
    """Validate every key of a partial Project_V2_1, then apply them (all or nothing)."""
    changes = {}
    for key in PROJECT_PROPS:
        if key in obj and obj[key] is not None:
            changes[key] = model.validate_property(key, obj[key])
    quota = model.parse_space(obj, "quota")
    if "mountPoint" in changes and changes["mountPoint"] != project["props"]["mountPoint"] \
            and not creating and (project["nfs"] or project["smb"]):
        raise ApiError(INVALID_MOUNT_POINT, "the mount point of %s can only change while NFS "
                       "and SMB sharing are off" % project["path"])
    if "mountPoint" in changes and changes["mountPoint"] != project["props"]["mountPoint"] \
            and not creating:
        # Shares that inherit the mount point move with it (C33).
        moved = dict(project, props=dict(project["props"], mountPoint=changes["mountPoint"]))
        inheriting = [share for share in txn.shares_of_project(project["path"])
                      if "mountPoint" not in share["own"]]
        core.check_mount_points(txn, [(share, moved) for share in inheriting])
    if quota is not None and quota > 0 and not creating:
        used = core.project_consumption(txn, project["path"])
        if quota < used:
            raise ApiError(INVALID_QUOTA_RESERVATION, "quota %d of project %s is below the %d "
                           "bytes its shares use or reserve" % (quota, project["path"], used))
    project["props"].update(changes)
    if quota is not None:
        project["quota"] = quota


def project_for_write(ctx, value, field="datasetPath", what="this operation"):
    path = core.parse_path(value, field, kind="project")
    project = core.get_project(ctx.txn, path)
    core.require_local(path, what)
    if project.get("ready_at", 0) > ctx.now:
        raise ApiError("EZEBI_RESOURCE_BUSY", "%s: clone %s is still being created"
                       % (what, path.dataset))
    return path, project


def delete_project_doc(txn, project):
    """Delete a project without shares; its project snapshots go with it unless cloned."""
    if txn.shares_of_project(project["path"]):
        raise ApiError(RESOURCE_INUSE, "Project %s still holds shares" % project["path"])
    for snap in txn.snapshots_of(project["path"]):
        if snaps.has_clones(txn, snap):
            raise ApiError(RESOURCE_INUSE, "Snapshot %s of project %s has clones"
                           % (snap["path"], project["path"]))
    for snap in txn.snapshots_of(project["path"]):
        txn.delete_snapshot(snap["path"])
    txn.delete_project(project["path"])


# -- shares ----------------------------------------------------------------------------------
def share_for_write(ctx, value, field="datasetPath", what="this operation"):
    path = core.parse_path(value, field, kind="share")
    share = core.get_share(ctx.txn, path)
    core.require_local(path, what)
    model.check_not_busy(share, ctx.now, what)
    project = ctx.txn.project(share["project_path"])
    return path, share, project


def _option_size(options, key):
    if options.get(key) in (None, ""):
        return 0
    value = convert.to_int(options[key], key, INVALID_QUOTA_RESERVATION)
    if value == -1 or value == 0:
        return 0
    if value < 0:
        raise ApiError(INVALID_QUOTA_RESERVATION, "%s must be positive or -1 (none), got %r"
                       % (key, options[key]))
    return value


def create_share_doc(txn, project, name, options=None, permissions=None):
    """createShare semantics shared with the openstack service; returns the stored share."""
    core.validate_name(name, "shareName")
    if project["container"] != "Local":
        raise ApiError(OPERATION_NOT_ALLOWED, "cannot create shares in Replica project %s"
                       % project["path"])
    share = model.new_share(project, name)
    if txn.share(share["path"]) is not None:
        raise ApiError(RESOURCE_EXIST, "Share %s already exists" % share["path"])
    options = options or {}
    block = options.get("blockSize")
    if block not in (None, ""):
        share["own"]["recordSize"] = model.validate_property("blockSize", block)
    mount = options.get("mountPoint")
    if mount not in (None, ""):
        share["own"]["mountPoint"] = model.validate_mount_point(mount)
    quota = _option_size(options, "quota")
    reservation = _option_size(options, "reservation")
    if quota and reservation and reservation > quota:
        raise ApiError(INVALID_QUOTA_RESERVATION, "reservation %d exceeds quota %d"
                       % (reservation, quota))
    core.check_growth(txn, project["pool"], 0, reservation, "reservation of %s" % share["path"])
    core.check_project_growth(txn, project, 0, reservation, "reservation of %s" % share["path"])
    share["quota"] = quota
    share["reservation"] = reservation
    if permissions is not None:
        if not isinstance(permissions, list) or not all(isinstance(p, dict) for p in permissions):
            raise ApiError(INVALID_ARGUMENT, "sharePermissions must be a list of objects")
        share["permissions"] = copy.deepcopy(permissions)
    core.check_mount_points(txn, [(share, project)])
    if model.sharing(share, project, "smb")[0]:
        # C27: the project shares over SMB, so the new share is exported at once under its
        # default name, which another share may have chosen.
        core.check_smb_names(txn, [share])
    txn.put_share(share)
    return share


def _apply_space(txn, share, project, obj):
    quota = model.parse_space(obj, "quota")
    reservation = model.parse_space(obj, "reservation")
    if quota is None and reservation is None:
        return
    new_quota = share["quota"] if quota is None else quota
    new_res = share["reservation"] if reservation is None else reservation
    used = share.get("used", 0)
    if new_quota and new_quota < used:
        raise ApiError(INVALID_QUOTA_RESERVATION, "quota %d of %s is below its %d used bytes"
                       % (new_quota, share["path"], used))
    if new_quota and new_res and new_res > new_quota:
        raise ApiError(INVALID_QUOTA_RESERVATION, "reservation %d of %s exceeds its quota %d"
                       % (new_res, share["path"], new_quota))
    core.check_growth(txn, share["pool"], core.share_consumption(share),
                      max(used, new_res), "reservation of %s" % share["path"])
    core.check_project_growth(txn, project, core.share_consumption(share), max(used, new_res),
                              "reservation of %s" % share["path"])
    share["quota"] = new_quota
    share["reservation"] = new_res


def apply_share_changes(ctx, share, project, obj):
    """modifyShareProperties semantics: validate everything, then apply (all or nothing)."""
    current = model.share_model(share, project, 0)
    model.check_read_only(obj, current, SHARE_READ_ONLY)
    own = dict(share["own"])
    # override<X> flags: false reverts to the project, true pins the current effective value.
    for group, keys in model.OVERRIDE_GROUPS.items():
        flag = "override" + group
        if obj.get(flag) is None:
            continue
        if convert.to_bool(obj[flag], flag):
            for key in keys:
                own.setdefault(key, model.effective(share, project, key)
                               if key != "projectSnapshotSettings" else True)
        else:
            for key in keys:
                own.pop(key, None)
    for key in SHARE_INHERITABLE:
        if key == "projectSnapshotSettings" or obj.get(key) is None:
            continue
        value = model.validate_property(key, obj[key])
        # C23: aclInherit changes only while the share overrides it, counting the request's
        # own overrideAclInherit (applied to ``own`` above: true pins, false reverts).
        if key == "aclInherit" and "aclInherit" not in own:
            if value != model.effective(dict(share, own=own), project, key):
                raise ApiError(OPERATION_NOT_ALLOWED, "aclInherit of %s can only change while "
                               "overrideAclInherit is true (send overrideAclInherit: true with "
                               "it)" % share["path"])
            continue
        own[key] = value
    old_mount = model.effective(share, project, "mountPoint")
    probe = dict(share, own=own)
    if model.effective(probe, project, "mountPoint") != old_mount:
        nfs_on, _ignored = model.sharing(share, project, "nfs")
        smb_on, _ignored = model.sharing(share, project, "smb")
        if nfs_on or smb_on:
            raise ApiError(INVALID_MOUNT_POINT, "the mount point of %s can only change while NFS "
                           "and SMB sharing are off" % share["path"])
        core.check_mount_points(ctx.txn, [(probe, project)])
    direct = {}
    for key in ("atime", "nbmand", "krbStatus", "guestStatus"):
        if obj.get(key) is not None:
            direct[key] = model.validate_property(key, obj[key])
    if obj.get("cifsDisplayName") is not None:
        name = model.validate_display_name(obj["cifsDisplayName"])
        if name != model.display_name(share):
            core.check_smb_names(ctx.txn, [dict(share, cifsDisplayName=name)])
            direct["cifsDisplayName"] = name
    acl_list = None
    if obj.get("aclList") is not None:
        acl_list = model.validate_acl_list(obj["aclList"])
    _apply_space(ctx.txn, share, project, obj)
    share["own"] = own
    share.update(direct)
    if acl_list is not None:
        share["aclList"] = acl_list


def check_sharing_inherited(txn, share, project, smb_was_on):
    """``share`` (as it will be stored) inherits sharing from ``project`` again: it may now be
    shared over both protocols (refused in SMB3 mode, C17) or exported over SMB under a name
    another share has (C27)."""
    core.check_smb3(txn, share, project)
    if not smb_was_on and model.sharing(share, project, "smb")[0]:
        core.check_smb_names(txn, [share])


def delete_dataset(ctx, value, recursive, error_if_missing, what):
    """deleteShare / deleteDataset semantics: only ``deleteDataset`` takes a project path."""
    # A 4th "promote" argument (firmware >= 3.11) is accepted and ignored (C10).
    path = core.parse_path(value)
    if path.share is None:
        if what != "deleteDataset":
            raise ApiError(INVALID_DATASET_TYPE, "%s %r is a project, a share was expected"
                           % ("datasetPath", value))
        project = _existing(ctx, path, ctx.txn.project(path.project_path), core.get_project,
                            error_if_missing, what)
        if project is None:
            return
        if recursive:
            for share in ctx.txn.shares_of_project(project["path"]):
                snaps.destroy_share(ctx.txn, share)
            for snap in ctx.txn.snapshots_of(project["path"]):
                snaps.destroy_snapshot(ctx.txn, snap, [])
        delete_project_doc(ctx.txn, project)
        return
    share = _existing(ctx, path, ctx.txn.share(path.dataset), core.get_share, error_if_missing,
                      what)
    if share is None:
        return
    snapshots = ctx.txn.snapshots_of(share["path"])
    if snapshots and not recursive:
        raise ApiError(RESOURCE_INUSE, "Share %s has %d snapshot(s); delete them first or use "
                       "recursive=true" % (share["path"], len(snapshots)))
    snaps.destroy_share(ctx.txn, share)


def _existing(ctx, path, found, get, error_if_missing, what):
    """The dataset a delete names, or None when it is missing and that is no error; ``get``
    raises the array's not-found error. A replica is refused only once it is known to exist."""
    if found is None:
        if error_if_missing:
            get(ctx.txn, path)
        return None
    core.require_local(path, what)
    return found


def inherit_property(ctx, share, project, prop):
    """inheritPropertyFromProject: the share drops its own value of ``prop`` (C9); Sharenfs and
    Sharesmb turn the share's own sharing off and drop its ACLs."""
    if prop in ("Sharenfs", "Sharesmb"):
        proto = prop[5:].lower()
        smb_was_on = model.sharing(share, project, "smb")[0]
        share[proto + "_override"] = False
        share[proto] = False
        share[proto + "_acls"] = []
        check_sharing_inherited(ctx.txn, share, project, smb_was_on)
        ctx.txn.put_share(share)
        return
    if prop not in model.INHERITABLE:
        raise ApiError(INVALID_INHERITABLE_PROPERTY,
                       "%r cannot be inherited from the project; one of %s"
                       % (prop, ", ".join(sorted(list(model.INHERITABLE) +
                                                 ["Sharenfs", "Sharesmb"]))))
    if prop == "MountPoint" and "mountPoint" in share["own"]:
        nfs_on, _ignored = model.sharing(share, project, "nfs")
        smb_on, _ignored = model.sharing(share, project, "smb")
        default = model.effective(dict(share, own={}), project, "mountPoint")
        if (nfs_on or smb_on) and default != share["own"]["mountPoint"]:
            raise ApiError(INVALID_MOUNT_POINT, "the mount point of %s can only change while "
                           "NFS and SMB sharing are off" % share["path"])
        core.check_mount_points(ctx.txn, [(dict(share, own={}), project)])
    for key in model.INHERITABLE[prop]:
        share["own"].pop(key, None)
    ctx.txn.put_share(share)


# -- replicas (control API) -----------------------------------------------------------------
def receive_replica(txn, project_path):
    """Control API: give the array a Replica copy of a Local project and its shares, as if a
    peer array had replicated it here (the simulator receives no replication stream).

    The copy is ``<pool>/Replica/<project>``: the project's and the shares' properties, quotas,
    reservations, used bytes and file ACLs, new GUIDs, no snapshots. It is not shared (NFS and SMB
    off as its own settings, no network ACLs), as a replica is until it is promoted or cloned, and
    it is mounted below ``/export/Replica`` so that its mount points are not the source's (C33).
    Refused when the source is not a Local project, the copy exists, the pool has no room, or a
    share of the copy would take another share's mount point.
    """
    path = core.parse_path(project_path, "project", kind="project")
    core.require_local(path, "replicating")
    source = core.get_project(txn, path)
    target = "%s/Replica/%s" % (path.pool, path.project)
    if txn.project(target) is not None:
        raise ApiError(RESOURCE_EXIST, "Project %s already exists" % target)
    shares = txn.shares_of_project(source["path"])
    core.check_growth(txn, path.pool, 0, sum(core.share_consumption(s) for s in shares),
                      "replica %s" % target)
    replica = copy.deepcopy(source)
    replica.pop("seq", None)
    replica.update(path=target, container="Replica", guid=model.new_guid(), nfs=False,
                   smb=False, nfs_acls=[], smb_acls=[], origin=None, ready_at=0, clone_count=0)
    replica["props"]["mountPoint"] = "/export/Replica/%s" % path.project
    docs = []
    for share in shares:
        doc = copy.deepcopy(share)
        doc.pop("seq", None)
        doc["own"].pop("mountPoint", None)
        doc.update(path="%s/%s" % (target, share["name"]), project_path=target,
                   container="Replica", guid=model.new_guid(), nfs_override=True, nfs=False,
                   nfs_acls=[], smb_override=True, smb=False, smb_acls=[], cifsDisplayName="",
                   origin=None, ready_at=0)
        docs.append(doc)
    # C33 holds for replicas too: the replica of a project of the same name in another pool,
    # or a Local share with its own mount point there, may hold /export/Replica/<project>/<s>.
    core.check_mount_points(txn, [(doc, replica) for doc in docs])
    txn.put_project(replica)
    copied = []
    for doc in docs:
        txn.put_share(doc)
        copied.append(doc["path"])
    return {"project": target, "shares": copied}


def drop_replica(txn, project_path):
    """Control API: the array stops holding a Replica project (replication to it was removed
    on the peer): the project and its shares go. Refused for a Local path or a missing one."""
    path = core.parse_path(project_path, "project", kind="project")
    if path.container != "Replica":
        raise ApiError(OPERATION_NOT_ALLOWED, "%s is not a Replica project" % path.dataset)
    replica = core.get_project(txn, path)
    shares = [share["path"] for share in txn.shares_of_project(replica["path"])]
    for share in shares:
        txn.delete_share(share)
    txn.delete_project(replica["path"])
    return {"project": replica["path"], "shares": shares}
