# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Dataset paths and names of the IntelliFlash API, built in one place.

Paths (spec §1.1): ``pool/Local/project``, ``pool/Local/project/share`` and snapshots
``<dataset>@<full snapshot name>``. The array prefixes snapshot names with ``Manual-S-`` (share
snapshots) or ``Manual-P-`` (project snapshots); paths always carry the full name.
"""

import collections
import ipaddress
import unicodedata

from .errors import invalid_argument

LOCAL = "Local"
REPLICA = "Replica"
CONTAINERS = (LOCAL, REPLICA)
SHARE_SNAPSHOT_PREFIX = "Manual-S-"
PROJECT_SNAPSHOT_PREFIX = "Manual-P-"
MAX_NAME_LENGTH = 255

# Rule C5: no white space and none of these characters.
FORBIDDEN_NAME_CHARS = frozenset(",/\\!?@<>#$'%^*()~+=}|:{[];\"&")
# Rule C5: no control (Cc), format (Cf: zero-width, direction marks and overrides, BOM) or
# surrogate (Cs) characters: invisible, they make a name impossible to type and easy to spoof.
INVISIBLE_CATEGORIES = {"Cc": "control", "Cf": "invisible format", "Cs": "surrogate"}

# Rule C17: an SMB (display) name is what clients type in \\host\name.
SMB_NAME_MAX_LENGTH = 80
FORBIDDEN_SMB_NAME_CHARS = frozenset('\\/[]:|<>+=;,*?"')

_DatasetRefBase = collections.namedtuple("DatasetRef", "pool container project share snapshot")


class DatasetRef(_DatasetRefBase):
    """Where a dataset lives: pool, container, project, share (None for a project) and
    snapshot (None unless it names one). Every client call that works on a project or share
    takes one; build it with ``project_ref``, ``share_ref``, ``dataset_ref`` or ``parse_path``.
    """

    __slots__ = ()

    def __new__(cls, pool, container=LOCAL, project=None, share=None, snapshot=None):
        return super(DatasetRef, cls).__new__(cls, pool, container, project, share, snapshot)

    @property
    def is_share(self):
        return self.share is not None

    @property
    def name(self):
        """The share's name, or the project's for a project reference."""
        return self.project if self.share is None else self.share

    @property
    def path(self):
        """``pool/Local/project[/share]`` (without the snapshot)."""
        parts = [self.pool, self.container or LOCAL, self.project]
        if self.share is not None:
            parts.append(self.share)
        return "/".join(parts)

    @property
    def project_ref(self):
        """The reference of the project holding this dataset."""
        return DatasetRef(self.pool, self.container, self.project)

    def child(self, share):
        """The reference of share ``share`` in this dataset's project."""
        return DatasetRef(self.pool, self.container, self.project, share)

    def __repr__(self):
        return "<dataset %s>" % self.path


def project_ref(pool, project):
    """DatasetRef of a project (not validated until a call uses it)."""
    return DatasetRef(pool, LOCAL, project)


def share_ref(pool, project, share):
    """DatasetRef of a share."""
    return DatasetRef(pool, LOCAL, project, share)


def dataset_ref(pool, project, share=None):
    """DatasetRef of a share, or of the project when ``share`` is None."""
    return DatasetRef(pool, LOCAL, project, share)


def as_ref(value, field="dataset", share=None):
    """A DatasetRef from a DatasetRef or a dataset path (``pool/Local/project[/share]``).

    ``share`` True requires a share, False a project, None accepts either. Raises
    InvalidArgumentError naming ``field`` (``container`` for a container other than Local or
    Replica; None means Local).
    """
    if isinstance(value, str):
        value = parse_path(value)
    if not isinstance(value, DatasetRef) or value.project is None:
        raise invalid_argument(field, "must be a project or share reference (DatasetRef or "
                                      "pool/Local/project[/share]), got %r" % (value,))
    if value.container is None:
        value = value._replace(container=LOCAL)
    if value.container not in CONTAINERS:
        raise invalid_argument("container", "must be Local or Replica, got %r"
                               % (value.container,))
    if share is True and value.share is None:
        raise invalid_argument(field, "%s is a project; this call needs a share" % value.path)
    if share is False and value.share is not None:
        raise invalid_argument(field, "%s is a share; this call needs a project" % value.path)
    return value


def invisible_problem(value):
    """The invisible characters of ``value`` (rule C5) as ``"<kind> character(s) U+..."``, or None.

    One rule for every name a person types or reads: dataset names (C5), SMB names (C17) and
    file-ACL principals (C31).
    """
    invisible = sorted(set(ch for ch in value
                           if unicodedata.category(ch) in INVISIBLE_CATEGORIES))
    if not invisible:
        return None
    return "%s character(s) %s" % (INVISIBLE_CATEGORIES[unicodedata.category(invisible[0])],
                                   " ".join("U+%04X" % ord(ch) for ch in invisible))


def validate_name(value, field):
    """Check a project, share, snapshot or clone name (rule C5); returns it unchanged.

    Raises InvalidArgumentError (code EZEBI_INVALID_ARGUMENT) naming ``field``.
    """
    if not isinstance(value, str):
        raise invalid_argument(field, "must be a string, got %s" % type(value).__name__)
    if value == "":
        raise invalid_argument(field, "must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise invalid_argument(field, "must be at most %d characters (got %d)"
                               % (MAX_NAME_LENGTH, len(value)))
    if any(ch.isspace() for ch in value):
        raise invalid_argument(field, "%r must not contain white space" % value)
    bad = sorted(set(ch for ch in value if ch in FORBIDDEN_NAME_CHARS))
    if bad:
        raise invalid_argument(field, "%r contains forbidden character(s) %s"
                               % (value, " ".join(bad)))
    invisible = invisible_problem(value)
    if invisible:
        raise invalid_argument(field, "%r contains %s" % (value, invisible))
    if value in (".", ".."):
        # A dataset name is a path component (mount point /export/<project>/<share>).
        raise invalid_argument(field, "%r is not a name (a path component)" % value)
    return value


def smb_name_problem(value):
    """Why ``value`` cannot be an SMB share name (rule C17), or None."""
    if len(value) > SMB_NAME_MAX_LENGTH:
        return "must be at most %d characters long, got %d" % (SMB_NAME_MAX_LENGTH, len(value))
    bad = sorted(set(value) & FORBIDDEN_SMB_NAME_CHARS)
    if bad:
        return "must not contain %s" % " ".join(repr(char) for char in bad)
    invisible = invisible_problem(value)
    if invisible:
        return "must not contain %s" % invisible
    return None


def validate_pool(value, field="pool"):
    """Check a pool name: a non-empty string without ``/``, ``@``, white space or invisible characters."""
    if not isinstance(value, str) or not value:
        raise invalid_argument(field, "must be a non-empty string")
    if "/" in value or "@" in value or any(ch.isspace() for ch in value) or invisible_problem(value):
        raise invalid_argument(field, "%r is not a pool name (no '/', '@', white space or "
                               "invisible character)" % value)
    return value


def project_path(pool, project):
    """``pool/Local/project``."""
    validate_pool(pool)
    validate_name(project, "project")
    return "%s/%s/%s" % (pool, LOCAL, project)


def share_path(pool, project, share):
    """``pool/Local/project/share``."""
    validate_name(share, "share")
    return "%s/%s" % (project_path(pool, project), share)


def dataset_path(pool, project, share=None, container=LOCAL):
    """The share path when ``share`` is given, else the project path; ``container`` Local
    (the default) or Replica."""
    path = project_path(pool, project) if share is None else share_path(pool, project, share)
    if container == LOCAL:
        return path
    if container not in CONTAINERS:
        raise invalid_argument("container", "must be Local or Replica, got %r" % (container,))
    return "/".join([pool, container] + path.split("/")[2:])


def share_snapshot_name(name, field="snapshot"):
    """``"x"`` -> ``"Manual-S-x"`` (the name the array gives a share snapshot)."""
    return snapshot_name(name, True, field)


def project_snapshot_name(name, field="snapshot"):
    """``"x"`` -> ``"Manual-P-x"`` (the name the array gives a project snapshot)."""
    return snapshot_name(name, None, field)


def snapshot_name(name, share=None, field="snapshot"):
    """The full name of a share (share given) or project snapshot: at most 255 (C5, C11)."""
    prefix = PROJECT_SNAPSHOT_PREFIX if share is None else SHARE_SNAPSHOT_PREFIX
    if len(prefix + validate_name(name, field)) > MAX_NAME_LENGTH:
        raise invalid_argument(field, "must be at most %d characters long (the array adds %s), "
                                      "got %d" % (MAX_NAME_LENGTH - len(prefix), prefix, len(name)))
    return prefix + name


def strip_snapshot_prefix(full_name):
    """``"Manual-S-x"`` -> ``"x"``; names without a known prefix come back unchanged."""
    for prefix in (SHARE_SNAPSHOT_PREFIX, PROJECT_SNAPSHOT_PREFIX):
        if full_name.startswith(prefix):
            return full_name[len(prefix):]
    return full_name


def snapshot_path(dataset_path_, full_snapshot_name):
    """``dataset@full_snapshot_name`` (the name must carry its prefix, e.g. Manual-S-x)."""
    if not isinstance(dataset_path_, str) or not dataset_path_ or "@" in dataset_path_:
        raise invalid_argument("dataset_path", "%r is not a dataset path" % (dataset_path_,))
    validate_name(full_snapshot_name, "snapshot")
    return "%s@%s" % (dataset_path_, full_snapshot_name)


def parse_path(path):
    """Split a dataset path into a DatasetRef(pool, container, project, share, snapshot).

    ``pool-a/Local/p/s@Manual-S-x`` -> DatasetRef("pool-a", "Local", "p", "s", "Manual-S-x").
    ``pool-a`` alone is a pool; ``pool-a/Local/p`` a project. Raises InvalidArgumentError.
    """
    if not isinstance(path, str) or not path:
        raise invalid_argument("path", "must be a non-empty string")
    snapshot = None
    base = path
    if "@" in path:
        base, snapshot = path.split("@", 1)
        validate_name(snapshot, "snapshot")
    parts = base.split("/")
    if len(parts) not in (1, 3, 4) or any(p == "" for p in parts):
        raise invalid_argument("path", "%r is not pool[/Local|Replica/project[/share]]" % path)
    pool = validate_pool(parts[0], "path")
    container = project = share = None
    if len(parts) >= 3:
        container = parts[1]
        if container not in CONTAINERS:
            raise invalid_argument("path", "%r: container must be Local or Replica, not %r"
                                   % (path, container))
        project = validate_name(parts[2], "project")
    if len(parts) == 4:
        share = validate_name(parts[3], "share")
    if snapshot is not None and project is None:
        raise invalid_argument("path", "%r: a snapshot needs a project or share path" % path)
    return DatasetRef(pool, container, project, share, snapshot)


# -- export locations --------------------------------------------------------------------------

def _ipv6(address):
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).version == 6
    except ValueError:
        return False


def mount_point(share_info, project, share):
    """A share's NFS mount point: its ``mountPoint`` (``mountpoint`` in listShares items), else the
    default ``/export/<project>/<share>``."""
    return share_info.get("mountPoint") or share_info.get("mountpoint") or "/export/%s/%s" % (project, share)


def smb_name(share_info, project, share):
    """A share's SMB name: its ``cifsDisplayName``, else the default ``<project>_<share>`` (C9)."""
    return share_info.get("cifsDisplayName") or "%s_%s" % (project, share)


def nfs_export(address, mount_point):
    """``host:/mount/point``; an IPv6 address in brackets (``[fd00::10]:/export/p/s``)."""
    host = "[%s]" % address if _ipv6(address) else address
    return "%s:%s" % (host, mount_point)


def smb_export(address, name):
    r"""``\\host\name``. An IPv6 address takes Windows' UNC form for IPv6 literals
    (``fd00::10`` -> ``fd00--10.ipv6-literal.net``, a zone ``%`` becomes ``s``): a bare or
    bracketed IPv6 address is not a valid UNC host."""
    host = address
    if _ipv6(address):
        host = address.replace(":", "-").replace("%", "s") + ".ipv6-literal.net"
    return "\\\\%s\\%s" % (host, name)
