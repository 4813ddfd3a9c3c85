# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Projects and shares: defaults, property validation, inheritance, quotas, reply models.

Documents (stored as JSON by ``store``):

- project: ``path pool container name guid props{} quota nfs smb nfs_acls smb_acls origin
  ready_at``; ``props`` holds every Project_V2_1 property.
- share: ``path project_path pool project container name guid own{} atime nbmand krbStatus quota
  reservation used nfs_override nfs nfs_acls smb_override smb smb_acls cifsDisplayName
  guestStatus aclList permissions origin ready_at``; ``own`` holds the properties the share
  overrides (the ``override<X>`` flags are derived from it).
"""

import copy
import re
import unicodedata
import uuid
from fractions import Fraction

from .convert import INT64_MAX, to_bool, to_int, to_number, to_str
from .errors import (
    ApiError, INVALID_ACL_PARAM, INVALID_ARGUMENT, INVALID_BLOCK_SIZE, INVALID_CACHE_TYPE,
    INVALID_COMPRESSION_ALGORITHM, INVALID_COPY_VALUE, INVALID_DEFAULT_VOLUME_SIZE,
    INVALID_LOG_BIAS_TYPE, INVALID_MOUNT_POINT, INVALID_NON_READONLY_PROPERTY,
    INVALID_PROJECT_PROTOCOL, INVALID_QUOTA_RESERVATION, INVALID_SPACE_METRIC_UNIT,
    INVALID_SYNC_TYPE, INVALID_TOGGLE_VALUE, INVALID_WINDOWS_DISPLAY_NAME, RESOURCE_BUSY,
)

GiB = 1024 ** 3
MiB = 1024 ** 2
BLOCK_SIZES = ("4KB", "8KB", "16KB", "32KB", "64KB", "128KB")
COMPRESSION_CLASSES = ("OFF", "Optimal Performance", "High Compression")
COMPRESSIONS = ("off", "lz4", "gzip", "igzip") + tuple("gzip-%d" % i for i in range(1, 10))
TOGGLES = ("on", "off")
CACHES = ("all", "metadata", "none")
LOGBIAS = ("latency", "throughput")
SYNCS = ("standard", "always", "disabled")
ACL_INHERIT = ("on", "off", "discard", "noallow", "restricted", "passthrough", "passthrough-x")
ACL_MODES = ("discard", "mask", "groupmask", "passthrough", "restricted")
PROTOCOLS = ("NFS", "SMB", "iSCSI", "FC")
METRICS = {"KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4, "PB": 1024 ** 5}

# inheritPropertyFromProject vocabulary (SDK >= v23) -> the property keys it reverts.
INHERITABLE = {
    "Compression": ("compression", "compressionClass"),
    "Dedup": ("dedup",),
    "Copies": ("copies",),
    "PrimaryCache": ("primaryCache",),
    "SecondaryCache": ("secondaryCache",),
    "Readonly": ("readonly",),
    "Logbias": ("logbias",),
    "Sync": ("sync",),
    "CompressedLog": ("compressedLog",),
    "ProjectSnapshotSettings": ("projectSnapshotSettings",),
    "MountPoint": ("mountPoint",),
    "AclInherit": ("aclInherit",),
}
# Share_V2_1 override flags: the above plus RecordSize (settable, but not through
# inheritPropertyFromProject; ``overrideRecordSize: false`` in modifyShareProperties reverts it).
OVERRIDE_GROUPS = dict(INHERITABLE, RecordSize=("recordSize",))
KEY_GROUP = {key: group for group, keys in OVERRIDE_GROUPS.items() for key in keys}

PROJECT_DEFAULTS = {
    "purpose": "",
    "compression": "lz4",
    "compressionClass": "Optimal Performance",
    "compressedLog": "off",
    "dedup": "off",
    "copies": "1",
    "primaryCache": "all",
    "secondaryCache": "all",
    "readonly": "off",
    "logbias": "latency",
    "sync": "standard",
    "aclInherit": "on",
    "aclMode": "passthrough",
    "krbStatus": False,
    "recordSize": "64KB",
    "intendedProtocolList": [],
    "defaultVolumeSizeInByte": GiB,
    "defaultVolumeBlockSize": "32KB",
    "defaultThinProvisioning": False,
    "projectSnapshotSettings": False,
}

_DISPLAY_NAME_BAD = set('\\/[]:|<>+=;,*?"')

# File ACL (C18)
ACL_VALUES = {"read_set": 0x000200A9, "modify_set": 0x001301BF, "full_set": 0x001F01FF}
ACL_TYPES = ("user", "group")
ACL_MODES_FILE = ("allow", "deny")
_PRINCIPAL_RE = re.compile(r"^[^\s:/\\\[\]\"<>|+=;,?*@]{1,255}(@[A-Za-z0-9.-]{1,253})?$")
_INVISIBLE = ("Cc", "Cf", "Cs")


def invisible_chars(text):
    """The control, format and surrogate characters of ``text``, by code point (C5)."""
    invisible = sorted({c for c in text if unicodedata.category(c) in _INVISIBLE})
    return " ".join("U+%04X" % ord(c) for c in invisible)


def new_guid():
    return str(uuid.uuid4())


# -- property validation (C20) ---------------------------------------------------------------
def _choice(value, key, allowed, code, lower=False):
    text = to_str(value, key) if not isinstance(value, bool) else None
    if text is None:
        raise ApiError(code, "%s: %r is not one of %s" % (key, value, ", ".join(allowed)))
    if lower:
        text = text.lower()
    if text not in allowed:
        raise ApiError(code, "%s: %r is not one of %s" % (key, value, ", ".join(allowed)))
    return text


def validate_mount_point(value, key="mountPoint"):
    text = value if isinstance(value, str) else None
    if (not text or not text.startswith("/") or any(c.isspace() for c in text) or
            "//" in text or text.endswith("/") and text != "/" or "/../" in text + "/" or
            # "/a/./b" and "/a/b/." are /a/b: one directory under two spellings would escape
            # the uniqueness of mount points (C33).
            "/./" in text + "/" or len(text) > 1024):
        raise ApiError(INVALID_MOUNT_POINT,
                       "%s %r is not a valid absolute path without spaces" % (key, value))
    invisible = invisible_chars(text)
    if invisible:  # C33: a path of names, so no invisible character either (C5)
        raise ApiError(INVALID_MOUNT_POINT, "%s %r contains invisible characters: %s"
                       % (key, value, invisible))
    return text


def validate_display_name(value):
    text = to_str(value, "displayName")
    # C17: no invisible (control, format, surrogate) character either, as in names (C5).
    if len(text) > 80 or any(c in _DISPLAY_NAME_BAD for c in text) or invisible_chars(text):
        raise ApiError(INVALID_WINDOWS_DISPLAY_NAME,
                       "SMB display name %r is not a valid Windows share name (at most 80 "
                       "characters, none of \\ / [ ] : | < > + = ; , * ? \" and nothing "
                       "invisible)" % text)
    return text


def validate_property(key, value):
    """Validate one dataset property; returns the normalised value."""
    if key == "compression":
        return _choice(value, key, COMPRESSIONS, INVALID_COMPRESSION_ALGORITHM)
    if key == "compressionClass":
        return _choice(value, key, COMPRESSION_CLASSES, INVALID_COMPRESSION_ALGORITHM)
    if key in ("dedup", "readonly", "atime", "nbmand", "compressedLog"):
        return _choice(value, key, TOGGLES, INVALID_TOGGLE_VALUE)
    if key in ("recordSize", "defaultVolumeBlockSize", "blockSize"):  # blockSize: createShare
        return _choice(value, key, BLOCK_SIZES, INVALID_BLOCK_SIZE)
    if key == "copies":
        if isinstance(value, bool):
            raise ApiError(INVALID_COPY_VALUE, "copies must be 1, 2 or 3")
        text = str(value).strip()
        if text not in ("1", "2", "3"):
            raise ApiError(INVALID_COPY_VALUE, "copies: %r is not 1, 2 or 3" % (value,))
        return text
    if key in ("primaryCache", "secondaryCache"):
        return _choice(value, key, CACHES, INVALID_CACHE_TYPE)
    if key == "logbias":
        return _choice(value, key, LOGBIAS, INVALID_LOG_BIAS_TYPE)
    if key == "sync":
        return _choice(value, key, SYNCS, INVALID_SYNC_TYPE)
    if key == "aclInherit":
        return _choice(value, key, ACL_INHERIT, INVALID_ARGUMENT)
    if key == "aclMode":
        return _choice(value, key, ACL_MODES, INVALID_ARGUMENT)
    if key == "mountPoint":
        return validate_mount_point(value)
    if key in ("krbStatus", "defaultThinProvisioning", "guestStatus", "projectSnapshotSettings"):
        return to_bool(value, key)
    if key == "purpose":
        return to_str(value, key)
    if key == "intendedProtocolList":
        if not isinstance(value, list):
            raise ApiError(INVALID_PROJECT_PROTOCOL, "intendedProtocolList must be a list")
        out = []
        for item in value:
            if item not in PROTOCOLS:
                raise ApiError(INVALID_PROJECT_PROTOCOL, "intendedProtocolList: %r is not one "
                               "of %s" % (item, ", ".join(PROTOCOLS)))
            if item not in out:
                out.append(item)
        return out
    if key == "defaultVolumeSizeInByte":
        size = to_int(value, key, INVALID_DEFAULT_VOLUME_SIZE)
        if size < MiB:
            raise ApiError(INVALID_DEFAULT_VOLUME_SIZE,
                           "defaultVolumeSizeInByte must be at least 1 MiB")
        return size
    raise KeyError(key)


def parse_space(obj, prefix):
    """Quota/reservation from a partial model (C6): None = not given, 0 = none, else bytes."""
    in_byte = prefix + "InByte"
    enabled_key = prefix + "Enabled"
    metric_key = prefix + "Metric"
    result = None
    if obj.get(in_byte) is not None:
        value = to_int(obj[in_byte], in_byte, INVALID_QUOTA_RESERVATION)
        if value < -1:  # -1 and 0 mean none (C7); other negatives are no size
            raise ApiError(INVALID_QUOTA_RESERVATION, "%s must be positive, 0 or -1 (none), "
                           "got %r" % (in_byte, obj[in_byte]))
        result = max(0, value)
    elif obj.get(prefix) is not None:
        value = to_number(obj[prefix], prefix, INVALID_QUOTA_RESERVATION)
        if obj.get(metric_key) not in (None, ""):
            unit = METRICS.get(str(obj[metric_key]).strip().upper())
            if unit is None:
                raise ApiError(INVALID_SPACE_METRIC_UNIT, "%s %r is not one of %s"
                               % (metric_key, obj[metric_key], ", ".join(METRICS)))
        else:
            unit = 1
        if value == -1 or value == 0:
            result = 0
        elif value < 0:
            raise ApiError(INVALID_QUOTA_RESERVATION, "%s must be positive or -1 (none), got %r"
                           % (prefix, obj[prefix]))
        else:
            # C6: every size is a whole number of bytes. Rounding made 0.4 bytes no quota at
            # all (0) and 0.1 KB 102 bytes; Fraction keeps the product exact (1.5 GB is whole).
            exact = Fraction(value) * unit
            if exact.denominator != 1:
                raise ApiError(INVALID_QUOTA_RESERVATION, "%s %r %s is not a whole number of "
                               "bytes" % (prefix, obj[prefix], obj.get(metric_key) or "bytes"))
            result = int(exact)
            if result > INT64_MAX:
                raise ApiError(INVALID_QUOTA_RESERVATION, "%s %r %s is more than a 64-bit byte "
                               "count" % (prefix, obj[prefix], obj.get(metric_key) or "bytes"))
    if obj.get(enabled_key) is not None and not to_bool(obj[enabled_key], enabled_key):
        result = 0
    return result


def space_model(prefix, nbytes):
    return {
        prefix + "InByte": nbytes,
        prefix: round(nbytes / GiB, 6) if nbytes else 0.0,
        prefix + "Metric": "GB",
        prefix + "Enabled": nbytes > 0,
    }


# C34: entries an ACL may hold (a network ACL list per dataset and protocol, a file ACL);
# illumos caps an ACL at 1024 entries.
MAX_ACL_ENTRIES = 1024


def check_acl_size(count, where):
    """Refuse an ACL that would hold more than MAX_ACL_ENTRIES entries (C34)."""
    if count > MAX_ACL_ENTRIES:
        raise ApiError(INVALID_ACL_PARAM, "%s would hold %d entries; an ACL holds at most %d"
                       % (where, count, MAX_ACL_ENTRIES))


# -- file ACL (C18) --------------------------------------------------------------------------
def validate_acl_list(entries):
    if not isinstance(entries, list):
        raise ApiError(INVALID_ACL_PARAM, "aclList must be a list of ACL entries")
    check_acl_size(len(entries), "aclList")
    out = []
    seen = set()
    for index, entry in enumerate(entries):
        where = "aclList[%d]" % index
        if not isinstance(entry, dict):
            raise ApiError(INVALID_ACL_PARAM, "%s must be an object" % where)
        kind = entry.get("aclType")
        if kind not in ACL_TYPES:
            raise ApiError(INVALID_ACL_PARAM, "%s.aclType must be user or group, got %r"
                           % (where, kind))
        name_key = "aclUser" if kind == "user" else "aclGroup"
        name = entry.get(name_key)
        if not isinstance(name, str) or not _PRINCIPAL_RE.fullmatch(name):
            raise ApiError(INVALID_ACL_PARAM, "%s.%s must be a %s name, got %r"
                           % (where, name_key, kind, name))
        if invisible_chars(name):
            # C31 takes C5's rule: U+200B in "admin" would grant access to a name nobody types.
            raise ApiError(INVALID_ACL_PARAM, "%s.%s %r contains invisible characters: %s"
                           % (where, name_key, name, invisible_chars(name)))
        mode = entry.get("aclMode", "allow")
        if mode not in ACL_MODES_FILE:
            raise ApiError(INVALID_ACL_PARAM, "%s.aclMode must be allow or deny" % where)
        display = entry.get("aclValDisplay")
        raw_val = entry.get("aclVal", entry.get("int aclVal"))
        if display is None and raw_val is not None:
            matches = [d for d, v in ACL_VALUES.items()
                       if not isinstance(raw_val, bool) and str(raw_val) == str(v)]
            display = matches[0] if matches else None
        if display not in ACL_VALUES:
            raise ApiError(INVALID_ACL_PARAM, "%s.aclValDisplay must be one of %s, got %r"
                           % (where, ", ".join(ACL_VALUES), display))
        if raw_val is not None:
            value = to_int(raw_val, where + ".aclVal", INVALID_ACL_PARAM)
            if value != ACL_VALUES[display]:
                raise ApiError(INVALID_ACL_PARAM, "%s.aclVal %d does not match aclValDisplay %s "
                               "(%d)" % (where, value, display, ACL_VALUES[display]))
        flags = entry.get("aclInheritanceFlag", "file_inherit,dir_inherit")
        if not isinstance(flags, str):
            raise ApiError(INVALID_ACL_PARAM, "%s.aclInheritanceFlag must be a string" % where)
        for flag in [f for f in flags.split(",") if f]:
            if flag not in ("file_inherit", "dir_inherit", "inherit_only", "no_propagate"):
                raise ApiError(INVALID_ACL_PARAM, "%s.aclInheritanceFlag: unknown flag %r"
                               % (where, flag))
        identity = (kind, name.lower())
        if identity in seen:
            raise ApiError(INVALID_ACL_PARAM, "%s: duplicate entry for %s %s" % (where, kind, name))
        seen.add(identity)
        out.append({
            "aclType": kind,
            "aclUser": name if kind == "user" else "",
            "aclGroup": name if kind == "group" else "",
            "aclMode": mode,
            "aclValDisplay": display,
            "aclVal": ACL_VALUES[display],
            "aclInheritanceFlag": flags,
            "includeSubShares": to_bool(entry.get("includeSubShares", False),
                                        where + ".includeSubShares"),
            "userId": to_int(entry.get("userId", -1) if entry.get("userId") not in ("", None)
                             else -1, where + ".userId", INVALID_ACL_PARAM),
            "groupId": to_int(entry.get("groupId", -1) if entry.get("groupId") not in ("", None)
                              else -1, where + ".groupId", INVALID_ACL_PARAM),
        })
    return out


def acl_entry(kind, name, access):
    display = "modify_set" if access == "rw" else "read_set"
    return validate_acl_list([{"aclType": kind, "aclUser" if kind == "user" else "aclGroup": name,
                               "aclMode": "allow", "aclValDisplay": display}])[0]


def acl_identity(entry):
    name = entry["aclUser"] if entry["aclType"] == "user" else entry["aclGroup"]
    return entry["aclType"], name.lower()


# -- documents -------------------------------------------------------------------------------
def new_project(pool, name, container="Local"):
    props = copy.deepcopy(PROJECT_DEFAULTS)
    props["mountPoint"] = "/export/%s" % name
    return {
        "path": "%s/%s/%s" % (pool, container, name),
        "pool": pool, "container": container, "name": name, "guid": new_guid(),
        "props": props, "quota": 0,
        "nfs": False, "smb": False, "nfs_acls": [], "smb_acls": [],
        "origin": None, "ready_at": 0, "clone_count": 0,
    }


def new_share(project, name):
    return {
        "path": "%s/%s" % (project["path"], name),
        "project_path": project["path"], "pool": project["pool"], "project": project["name"],
        "container": project["container"], "name": name, "guid": new_guid(),
        "own": {}, "atime": "on", "nbmand": "off", "krbStatus": False,
        "quota": 0, "reservation": 0, "used": 0,
        "nfs_override": False, "nfs": False, "nfs_acls": [],
        "smb_override": False, "smb": False, "smb_acls": [],
        "cifsDisplayName": "", "guestStatus": False, "aclList": [], "permissions": [],
        "origin": None, "ready_at": 0,
    }


def effective(share, project, key):
    if key in share["own"]:
        return share["own"][key]
    if key == "mountPoint":
        return "%s/%s" % (project["props"]["mountPoint"].rstrip("/"), share["name"])
    return project["props"][key]


def sharing(share, project, proto):
    """Effective (on, acls) of ``proto`` ("nfs" or "smb") for a share."""
    if share[proto + "_override"]:
        return share[proto], share[proto + "_acls"]
    return project[proto], project[proto + "_acls"]


def take_ownership(share, project, proto):
    """Copy-on-write (C16): the share starts overriding the project's settings for ``proto``."""
    if not share[proto + "_override"]:
        share[proto] = project[proto]
        share[proto + "_acls"] = copy.deepcopy(project[proto + "_acls"])
        share[proto + "_override"] = True


def display_name(share):
    return share["cifsDisplayName"] or default_display_name(share)


def default_display_name(share):
    """The SMB name of a share that has none of its own (C9, C17)."""
    return "%s_%s" % (share["project"], share["name"])


def smb_name_key(share):
    """What C27 compares SMB names by (case-insensitive), or None for a Replica share, which is
    never exported and holds no name."""
    if share.get("container", "Local") != "Local":
        return None
    return display_name(share).lower()


def check_not_busy(share, now, what="this operation"):
    if share.get("ready_at", 0) > now:
        raise ApiError(RESOURCE_BUSY, "%s: clone %s is still being created"
                       % (what, share["path"]))


def share_model(share, project, available):
    props = {}
    for key in ("compression", "compressionClass", "compressedLog", "dedup", "copies",
                "primaryCache", "secondaryCache", "readonly", "logbias", "sync", "aclInherit",
                "recordSize", "mountPoint"):
        props[key] = effective(share, project, key)
    nfs_on, _ignored = sharing(share, project, "nfs")
    smb_on, _ignored = sharing(share, project, "smb")
    used = share.get("used", 0)
    out = {
        "name": share["name"],
        "guid": share["guid"],
        "containerName": share["container"],
        "projectName": share["project"],
        "poolName": share["pool"],
        "localDataset": share["container"] == "Local",
        "purpose": project["props"]["purpose"],
        "zfsDataSetName": share["path"],
    }
    out.update(props)
    for group, keys in OVERRIDE_GROUPS.items():
        out["override" + group] = any(k in share["own"] for k in keys)
    out["overrideSharenfs"] = share["nfs_override"]
    out["overrideSharesmb"] = share["smb_override"]
    out.update(space_model("quota", share.get("quota", 0)))
    out.update(space_model("reservation", share.get("reservation", 0)))
    out.update({
        "availableSize": available,
        "totalSize": used + available,
        "krbStatus": share["krbStatus"],
        "cifsDisplayName": display_name(share),
        "guestStatus": share["guestStatus"],
        "atime": share["atime"],
        "nbmand": share["nbmand"],
        "aclList": copy.deepcopy(share["aclList"]),
        "sharenfs": "on" if nfs_on else "off",
        "sharesmb": "on" if smb_on else "off",
    })
    return out


def share_v1_model(share, project, available):
    return {
        "name": share["name"],
        "poolName": share["pool"],
        "projectName": share["project"],
        "datasetPath": share["path"],
        "mountpoint": effective(share, project, "mountPoint"),
        "availableSize": available,
        "totalSize": share.get("used", 0) + available,
        "local": share["container"] == "Local",
    }


def project_model(project):
    props = project["props"]
    out = {
        "projectName": project["name"],
        "poolName": project["pool"],
        "localDataset": project["container"] == "Local",
        "zfsDataSetName": project["path"],
    }
    for key in ("purpose", "compression", "compressedLog", "dedup", "copies", "primaryCache",
                "secondaryCache", "readonly", "logbias", "sync", "compressionClass",
                "mountPoint", "intendedProtocolList", "aclInherit", "aclMode", "krbStatus",
                "defaultVolumeSizeInByte", "defaultVolumeBlockSize", "defaultThinProvisioning",
                "recordSize"):
        out[key] = copy.deepcopy(props[key])
    out.update(space_model("quota", project.get("quota", 0)))
    out["defaultVolumeSize"] = round(props["defaultVolumeSizeInByte"] / GiB, 6)
    out["defaultVolumeSizeUnit"] = "GB"
    return out


def project_v1_model(project):
    return {"name": project["name"], "poolName": project["pool"],
            "local": project["container"] == "Local"}


def check_read_only(obj, current, keys):
    """Read-only keys may be sent back unchanged (whole-object round trips); changes are refused."""
    for key in keys:
        if key in obj and obj[key] is not None and obj[key] != current.get(key):
            raise ApiError(INVALID_NON_READONLY_PROPERTY, "%s is read-only" % key)
