# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Semantics shared by the v2 and openstack services: paths, names, capacity, lookups.

All functions take the current ``Txn`` and raise ``ApiError`` with the spec's codes.
"""

import dataclasses
import typing
import unicodedata

from . import model
from .errors import (
    ApiError, INVALID_ARGUMENT, INVALID_DATASET_TYPE, INVALID_MOUNT_POINT, INVALID_SMB_PARAM,
    NOSPACE, OPERATION_NOT_ALLOWED, RESOURCE_EXIST, RESOURCE_NOT_FOUND, not_found,
)

GiB = 1024 ** 3
CONTAINERS = ("Local", "Replica")
_FORBIDDEN = set(",/\\!?@<>#$'%^*()~+=}|:{[];\"&")
MAX_NAME = 255
_INVISIBLE = ("Cc", "Cf", "Cs")


def _show(char):
    """A character for an error message: invisible ones by code point (U+202E)."""
    if char.isspace() or unicodedata.category(char) in _INVISIBLE:
        return "U+%04X" % ord(char)
    return repr(char)


# -- names and paths (C5, C21) ---------------------------------------------------------------
def validate_name(value, field):
    if not isinstance(value, str) or not value:
        raise ApiError(INVALID_ARGUMENT, "%s must be a non-empty string" % field)
    if len(value) > MAX_NAME:
        raise ApiError(INVALID_ARGUMENT, "%s is longer than %d characters" % (field, MAX_NAME))
    # Control (Cc: NUL, ESC, DEL, C1 ...), format (Cf: zero-width space, direction overrides,
    # BOM ...) and surrogate (Cs) characters are invisible: a name holding one cannot be typed
    # and may pass for another (C5). The client refuses them too.
    bad = sorted({c for c in value if c in _FORBIDDEN or c.isspace() or
                  unicodedata.category(c) in _INVISIBLE})
    if bad:
        raise ApiError(
            INVALID_ARGUMENT,
            "%s %r contains characters that are not allowed: %s"
            % (field, value, " ".join(_show(c) for c in bad)),
        )
    if value in (".", ".."):
        # Names are path components (mount points /export/<project>/<share>): C5.
        raise ApiError(INVALID_ARGUMENT, "%s %r is not a valid name" % (field, value))
    return value


@dataclasses.dataclass(frozen=True)
class Path:
    """A parsed dataset path: ``pool/Container/project[/share][@snapshot]`` (a value; not a
    tuple, so that ``"%s" % path`` formats it)."""

    pool: str
    container: str
    project: str
    share: typing.Optional[str] = None
    snapshot: typing.Optional[str] = None

    @property
    def project_path(self):
        return "%s/%s/%s" % (self.pool, self.container, self.project)

    @property
    def dataset(self):
        if self.share is None:
            return self.project_path
        return "%s/%s" % (self.project_path, self.share)

    def __str__(self):
        return self.dataset + ("@" + self.snapshot if self.snapshot is not None else "")


def parse_path(value, field="datasetPath", kind=None, snapshot=False):
    """Parse a dataset path. ``kind`` is "project", "share" or None (either).

    ``snapshot=True`` requires a ``@snapshot`` part, ``False`` forbids it.
    """
    if not isinstance(value, str) or not value:
        raise ApiError(INVALID_ARGUMENT, "%s must be a non-empty dataset path" % field)
    base, at, snap = value.partition("@")
    if snapshot and not at:
        raise ApiError(INVALID_ARGUMENT, "%s %r is not a snapshot path (dataset@snapshot)"
                       % (field, value))
    if not snapshot and at:
        raise ApiError(INVALID_DATASET_TYPE, "%s %r is a snapshot path, a dataset was expected"
                       % (field, value))
    parts = base.split("/")
    if len(parts) not in (3, 4) or not all(parts):
        raise ApiError(INVALID_ARGUMENT, "%s %r is not a dataset path "
                       "(pool/Local/project or pool/Local/project/share)" % (field, value))
    if parts[1] not in CONTAINERS:
        raise ApiError(INVALID_ARGUMENT, "%s %r: container must be Local or Replica, not %r"
                       % (field, value, parts[1]))
    path = Path(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None,
                snap if at else None)
    if kind == "project" and path.share is not None:
        raise ApiError(INVALID_DATASET_TYPE, "%s %r is a share, a project was expected"
                       % (field, value))
    if kind == "share" and path.share is None:
        raise ApiError(INVALID_DATASET_TYPE, "%s %r is a project, a share was expected"
                       % (field, value))
    if at and not snap:
        raise ApiError(INVALID_ARGUMENT, "%s %r has an empty snapshot name" % (field, value))
    return path


def require_local(path, what="this operation"):
    if path.container != "Local":
        raise ApiError(OPERATION_NOT_ALLOWED, "%s is not allowed on Replica dataset %s"
                       % (what, path.dataset))


# -- lookups ---------------------------------------------------------------------------------
def get_pool(txn, name, field="poolName"):
    if not isinstance(name, str) or not name:
        raise ApiError(INVALID_ARGUMENT, "%s must be a non-empty string" % field)
    pool = txn.pool(name)
    if pool is None:
        raise not_found("Pool", name)
    return pool


def get_project(txn, path):
    doc = txn.project(path.project_path)
    if doc is None:
        get_pool(txn, path.pool)
        raise not_found("Project", path.project_path)
    return doc


def get_share(txn, path):
    doc = txn.share(path.dataset)
    if doc is None:
        get_project(txn, path)
        raise not_found("Share", path.dataset)
    return doc


# -- capacity (C7, C8) -----------------------------------------------------------------------
def share_consumption(share):
    return max(share.get("used", 0), share.get("reservation", 0))


def pool_used(txn, pool_name):
    return txn.pool_consumption(pool_name)


def pool_free(txn, pool_name):
    pool = txn.pool(pool_name)
    return max(0, pool["total"] - pool_used(txn, pool_name))


def project_consumption(txn, project_path):
    """What a project's quota limits (C7): Σ max(used, reservation) over its shares.

    A reservation is space guaranteed to its share, so it counts against the project's quota
    exactly as it counts against the pool (C8), whether or not it has been written yet.
    """
    return txn.project_consumption(project_path)


def check_project_growth(txn, project, old_consumption, new_consumption, what):
    """Refuse with EZEBI_NOSPACE a growth that takes the project beyond its quota (C7)."""
    quota = project.get("quota", 0)
    growth = new_consumption - old_consumption
    if quota and growth > 0:
        total = project_consumption(txn, project["path"]) + growth
        if total > quota:
            raise ApiError(
                NOSPACE,
                "%s would take project %s to %d bytes, beyond its quota of %d"
                % (what, project["path"], total, quota),
            )


def share_available(txn, share, free=None):
    """C8: min(quota - used, pool free); ``free`` may be passed when already computed."""
    if free is None:
        free = pool_free(txn, share["pool"])
    if share.get("quota", 0) > 0:
        return max(0, min(share["quota"] - share.get("used", 0), free))
    return free


def check_growth(txn, pool_name, old_consumption, new_consumption, what):
    """Refuse with EZEBI_NOSPACE if growing a share's consumption exceeds the pool's free bytes."""
    growth = new_consumption - old_consumption
    if growth > 0:
        free = pool_free(txn, pool_name)
        if growth > free:
            raise ApiError(
                NOSPACE,
                "%s needs %d more bytes but pool %s has only %d free"
                % (what, growth, pool_name, free),
            )


def set_used(txn, dataset, nbytes):
    """Control API: pretend clients wrote data into a share (``bytes`` = its new used size).

    Refused (``ApiError`` → HTTP 400 in the control API) when the share does not exist, when the
    value exceeds the share's quota or its project's quota, or the pool has no room.
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes < 0:
        raise ApiError(INVALID_ARGUMENT, "bytes must be a non-negative integer")
    path = parse_path(dataset, "dataset", kind="share")
    share = get_share(txn, path)
    if share.get("quota", 0) and nbytes > share["quota"]:
        raise ApiError(NOSPACE, "%d bytes exceed the quota (%d) of %s"
                       % (nbytes, share["quota"], path.dataset))
    project = get_project(txn, path)
    old = share_consumption(share)
    new = max(nbytes, share.get("reservation", 0))
    check_project_growth(txn, project, old, new, "writing %d bytes" % nbytes)
    check_growth(txn, share["pool"], old, new, "writing %d bytes" % nbytes)
    share["used"] = nbytes
    txn.put_share(share)
    return {"dataset": path.dataset, "used": nbytes,
            "availableSize": share_available(txn, share)}


def check_mount_points(txn, changed):
    """C33: the shares of ``changed`` ((share, project) pairs as they will be stored) must not
    take the effective mount point of another share: EZEBI_INVALID_MOUNT_POINT names both."""
    wanted = {}
    for share, project in changed:
        mount = model.effective(share, project, "mountPoint")
        if mount in wanted:
            raise ApiError(INVALID_MOUNT_POINT, "%s and %s would both be mounted at %s"
                           % (wanted[mount], share["path"], mount))
        wanted[mount] = share["path"]
    skip = set(wanted.values())
    projects = {}
    for mount, path in wanted.items():
        for other in txn.shares_maybe_mounted_at(mount):
            if other["path"] in skip:
                continue
            project = projects.get(other["project_path"])
            if project is None:
                project = projects[other["project_path"]] = txn.project(other["project_path"])
            if model.effective(other, project, "mountPoint") == mount:
                raise ApiError(INVALID_MOUNT_POINT, "mount point %s of %s is already the "
                               "mount point of %s" % (mount, path, other["path"]))


def check_smb_names(txn, shares):
    """C27: the shares of ``shares`` (as they will be stored), each about to take its SMB name
    or to be exported under it, must not have a name another Local share has (case-insensitive,
    the default ``<project>_<share>`` included): EZEBI_RESOURCE_EXIST names both shares."""
    wanted = {}
    for share in shares:
        key = model.smb_name_key(share)
        if key is None:
            continue
        if key in wanted:
            raise ApiError(RESOURCE_EXIST, "%s and %s would both be shared over SMB as %r"
                           % (wanted[key], share["path"], model.display_name(share)))
        wanted[key] = share["path"]
    skip = set(wanted.values())
    for other in txn.shares_with_smb_names(list(wanted)):
        if other["path"] not in skip:
            raise ApiError(RESOURCE_EXIST, "SMB share name %r of %s is already used by %s"
                           % (model.display_name(other), wanted[model.smb_name_key(other)],
                              other["path"]))


def check_smb3(txn, share, project):
    """C17: refuse a change that leaves ``share`` (with ``project``, both as they will be
    stored) shared over NFS and SMB while smbProtocolMode is SMB3."""
    if model.sharing(share, project, "nfs")[0] and model.sharing(share, project, "smb")[0] \
            and txn.setting("smb_config")["smbProtocolMode"] == "SMB3":
        raise ApiError(INVALID_SMB_PARAM, "NFS and SMB cannot both be on for %s while "
                       "smbProtocolMode is SMB3" % share["path"])


def floating_ip_for_pool(txn, pool_name):
    for ip in txn.floating_ips():
        if pool_name in [p.strip() for p in ip["poolName"].split(",")]:
            return ip["ipAddress"]
    raise ApiError(RESOURCE_NOT_FOUND, "no floating IP serves pool %s" % pool_name)
