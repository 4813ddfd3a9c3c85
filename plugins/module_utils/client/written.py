# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Did the array keep what a write wrote? Checks used by the write methods' verifications.

A lost reply is followed by reads until the write's effect shows (docs/client.md, "Retries").
The effect is what the write wrote, not only the effective value: a share inherits most
properties, its sharing state and its network ACLs from its project, so the effective value
can match before the write ran (the project has the same value) while the share's own setting
(``override<X>`` flag + value) was never written. Such a share changes when the project does
(issue 8, item 4: a CIFS share whose NFS "off" was inherited became NFS-exported when the
project turned NFS on). Every share-level check here therefore also requires the override flag.
"""

# Share_V2_1 property key -> the override flag a share-level write of it sets (spec §9, C24).
OVERRIDE_FLAGS = {
    "compression": "overrideCompression",
    "compressionClass": "overrideCompression",
    "dedup": "overrideDedup",
    "copies": "overrideCopies",
    "primaryCache": "overridePrimaryCache",
    "secondaryCache": "overrideSecondaryCache",
    "readonly": "overrideReadonly",
    "logbias": "overrideLogbias",
    "sync": "overrideSync",
    "compressedLog": "overrideCompressedLog",
    "projectSnapshotSettings": "overrideProjectSnapshotSettings",
    "mountPoint": "overrideMountPoint",
    "aclInherit": "overrideAclInherit",
    "recordSize": "overrideRecordSize",
}
SHARING_FLAGS = {"nfs": ("overrideSharenfs", "sharenfs"), "smb": ("overrideSharesmb", "sharesmb")}


def same_value(wanted, actual):
    """Compare a written property with what the array reports (lenient on types)."""
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return str(wanted).lower() == str(actual).lower()
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)):
        return wanted == actual
    if isinstance(wanted, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(wanted) == len(actual) and all(
            same_value(w, a) for w, a in zip(wanted, actual))
    if isinstance(wanted, dict) and isinstance(actual, dict):
        return all(k in actual and same_value(v, actual[k]) for k, v in wanted.items())
    return str(wanted) == str(actual)


def _flag_set(current, flag):
    return current.get(flag) is True or str(current.get(flag)).lower() == "true"


def properties_written(current, props, share_level):
    """``current`` (a getShare/getProject reply) shows every written key with its value; for a
    share, an inheritable key also has its override flag set, unless the write set that flag
    itself (``override<X>: false`` reverts to the project, C24). Keys the reply does not carry
    cannot be checked and are skipped."""
    for key, value in props.items():
        if key in current and not same_value(value, current[key]):
            return False
        flag = OVERRIDE_FLAGS.get(key) if share_level else None
        if flag and flag not in props and flag in current and not _flag_set(current, flag):
            return False
    return True


def sharing_written(current, protocol, on):
    """A share's own sharing setting for ``protocol`` is ``on``: override flag and value."""
    flag, key = SHARING_FLAGS[protocol]
    if not _flag_set(current, flag):
        return False
    value = current.get(key)
    return (str(value).lower() in ("on", "true")) == on


def acls_owned(current, protocol):
    """The share holds its own network ACL list for ``protocol`` (set by every share-level ACL
    write, C16), so an ACL list read from it is the share's, not its project's."""
    return _flag_set(current, SHARING_FLAGS[protocol][0])


def share_created(current, quota, reservation, block_size=None, mount_point=None):
    """A share created with these options: quota and reservation bytes (0 = none) and, when
    given, its own record size and mount point."""
    if int(current.get("quotaInByte") or 0) != (quota or 0):
        return False
    if int(current.get("reservationInByte") or 0) != (reservation or 0):
        return False
    wanted = {}
    if block_size:
        wanted["recordSize"] = block_size
    if mount_point:
        wanted["mountPoint"] = mount_point
    return properties_written(current, wanted, share_level=True)
