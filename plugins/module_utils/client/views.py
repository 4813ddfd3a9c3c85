# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Typed, immutable views of what the array reports (the client's read model).

The client's reads return these instead of wire dicts: sizes are bytes (``int``, 0 = no limit),
on/off values are booleans, and a share tells its own settings from those it inherits from its
project. Callers (modules, driver) read attributes and never a wire key; the wire vocabulary
(``quotaInByte``, ``sharenfs``, ``overrideSharenfs``, ``usedSize``...) stays in this file.
"""

import dataclasses
import types
from typing import Optional, Tuple

from . import paths

# Share_V2_1 property -> override flag (spec §9.5); a share property whose flag is true is the
# share's own value, otherwise it is inherited from the project.
_OVERRIDES = (
    ("compression", "overrideCompression"), ("dedup", "overrideDedup"),
    ("copies", "overrideCopies"), ("primary_cache", "overridePrimaryCache"),
    ("secondary_cache", "overrideSecondaryCache"), ("readonly", "overrideReadonly"),
    ("logbias", "overrideLogbias"), ("sync", "overrideSync"),
    ("compressed_log", "overrideCompressedLog"),
    ("project_snapshot_settings", "overrideProjectSnapshotSettings"),
    ("mount_point", "overrideMountPoint"), ("acl_inherit", "overrideAclInherit"),
    ("record_size", "overrideRecordSize"),
)
# The data settings of a project (Project_V2_1 keys) its shares inherit: what a project made
# to hold shares like another project's takes from it (``ProjectInfo.data_settings``).
DATA_SETTINGS = (
    "compression", "compressionClass", "compressedLog", "dedup", "copies", "primaryCache",
    "secondaryCache", "readonly", "logbias", "sync", "aclInherit", "aclMode", "recordSize",
)
# Some firmware reports the used bytes directly (C8); the first key present wins.
USED_KEYS = ("usedSize", "usedInByte", "usedBytes")


def _int(value):
    """Bytes from a wire value (int, digit string, None); anything else counts as 0."""
    if isinstance(value, bool):
        return 0
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _limit(value):
    """A quota/reservation in bytes; the array writes -1 or 0 for "none" (C7): 0 here."""
    return max(0, _int(value))


def _on(value):
    """``on``/``off`` (or booleans) as a bool; None when the array did not report it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("off", "false", "0", "")


def _flag(value):
    return value is True or str(value).lower() == "true"


def _container(wire, default):
    """The container a reply names: Share_V2_1 ``containerName``, else the ``localDataset``
    (BaseDataset_V2_1) or ``local`` (list items) flag, else ``default`` (what was read),
    else Local."""
    if wire.get("containerName") in paths.CONTAINERS:
        return wire["containerName"]
    for key in ("localDataset", "local"):
        if wire.get(key) is not None:
            return paths.LOCAL if _flag(wire[key]) else paths.REPLICA
    return default or paths.LOCAL


def used_bytes(wire):
    """Bytes a share uses (C8): the reported used size when the reply carries one, else
    ``totalSize - availableSize`` (totalSize = used + availableSize)."""
    for key in USED_KEYS:
        if key in wire:
            return _int(wire[key])
    return max(0, _int(wire.get("totalSize")) - _int(wire.get("availableSize")))


def _frozen(wire):
    return types.MappingProxyType(dict(wire))


@dataclasses.dataclass(frozen=True)
class PoolInfo(object):
    """A pool (Pool_V1_0): its name and its free and total bytes."""

    name: str
    available_bytes: int
    total_bytes: int

    @classmethod
    def from_wire(cls, wire):
        return cls(name=wire.get("name"), available_bytes=_int(wire.get("availableSize")),
                   total_bytes=_int(wire.get("totalSize")))


@dataclasses.dataclass(frozen=True)
class FloatingIP(object):
    """A data IP (FloatingIP_V2_2) and the pools it serves."""

    address: str
    pools: Tuple[str, ...]
    netmask: Optional[str] = None
    resource_group: Optional[str] = None
    description: Optional[str] = None
    failover_mode: Optional[str] = None

    @classmethod
    def from_wire(cls, wire):
        pools = tuple(p.strip() for p in str(wire.get("poolName") or "").split(",")
                      if p.strip())
        return cls(address=str(wire.get("ipAddress") or "").strip(), pools=pools,
                   netmask=wire.get("netmask"), resource_group=wire.get("resourceGroupName"),
                   description=wire.get("description"), failover_mode=wire.get("failoverMode"))

    def serves(self, pool):
        return pool in self.pools


@dataclasses.dataclass(frozen=True)
class _Dataset(object):
    """What projects and shares have in common (BaseDataset_V2_1)."""

    pool: str
    project: str
    path: str
    compression: Optional[str]
    dedup: Optional[bool]
    readonly: Optional[bool]
    record_size: Optional[str]
    mount_point: str
    quota_bytes: int
    nfs: Optional[bool]                  # effective NFS sharing (None: not reported)
    smb: Optional[bool]                  # effective SMB sharing
    # The reply as the array sent it (read-only), for what only the client reads from it.
    _wire: types.MappingProxyType = dataclasses.field(repr=False, compare=False)

    def sharing(self, protocol):
        """Effective sharing state of ``"nfs"`` or ``"smb"`` (None: not reported)."""
        return self.nfs if protocol == "nfs" else self.smb


@dataclasses.dataclass(frozen=True)
class ProjectInfo(_Dataset):
    """A project (Project_V2_1 from getProject)."""

    name: str = ""
    container: str = paths.LOCAL

    @property
    def ref(self):
        return paths.DatasetRef(self.pool, self.container, self.name, None, None)

    def data_settings(self):
        """The project's data settings (DATA_SETTINGS present in the reply), as Project_V2_1
        keys for ``create_project``/``modify_project`` of a project that is to hold shares
        like this one's."""
        return dict((key, self._wire[key]) for key in DATA_SETTINGS
                    if self._wire.get(key) not in (None, ""))

    @classmethod
    def from_wire(cls, wire, pool=None, container=None):
        name = wire.get("projectName") or wire.get("name")
        pool = wire.get("poolName") or pool
        container = _container(wire, container)
        return cls(
            pool=pool, project=name, name=name, container=container,
            path=wire.get("zfsDataSetName") or "%s/%s/%s" % (pool, container, name),
            compression=wire.get("compression"), dedup=_on(wire.get("dedup")),
            readonly=_on(wire.get("readonly")), record_size=wire.get("recordSize"),
            mount_point=wire.get("mountPoint") or "/export/%s" % name,
            quota_bytes=_limit(wire.get("quotaInByte")),
            nfs=_on(wire.get("sharenfs")), smb=_on(wire.get("sharesmb")), _wire=_frozen(wire))


@dataclasses.dataclass(frozen=True)
class ShareInfo(_Dataset):
    """A share (Share_V2_1 from getShare, or a Share_V1_0 listShares item: then only the
    name, parents, mount point and sizes are known)."""

    name: str = ""
    container: str = paths.LOCAL
    reservation_bytes: int = 0
    used_bytes: int = 0
    available_bytes: int = 0
    total_bytes: int = 0
    smb_name: Optional[str] = None       # cifsDisplayName (None: the default, C9)
    guest: Optional[bool] = None         # SMB guest access
    nfs_own: bool = False                # NFS sharing + network ACLs are the share's own
    smb_own: bool = False                # SMB sharing + network ACLs are the share's own
    own_properties: frozenset = frozenset()   # properties set on the share, not inherited

    @property
    def ref(self):
        return paths.DatasetRef(self.pool, self.container, self.project, self.name, None)

    @property
    def user_acls(self):
        """The share's file ACL (C18) as UserRule objects (parsed when asked for)."""
        from .acl import UserRule  # the rules' parser: only a client with the access calls needs it
        return [UserRule.from_wire(item) for item in (self._wire.get("aclList") or [])]

    @property
    def thick(self):
        """The share reserves space (a reservation is set)."""
        return self.reservation_bytes > 0

    def owns(self, prop):
        """True when ``prop`` (e.g. ``"dedup"``, ``"nfs"``) is the share's own setting."""
        if prop == "nfs":
            return self.nfs_own
        if prop == "smb":
            return self.smb_own
        return prop in self.own_properties

    def owns_sharing(self, protocol):
        """The share's sharing setting (and network ACLs) for ``protocol`` is its own."""
        return self.nfs_own if protocol == "nfs" else self.smb_own

    def sets_sharing(self, protocol, on):
        """The share's own setting (not one inherited from its project, which changes when
        the project does) turns ``protocol`` on (``on`` True) or off."""
        return self.owns_sharing(protocol) and self.sharing(protocol) is on

    @property
    def default_smb_name(self):
        return "%s_%s" % (self.project, self.name)

    @property
    def effective_smb_name(self):
        """The name SMB clients use: its own display name or the default (C9)."""
        return self.smb_name or self.default_smb_name

    @classmethod
    def from_wire(cls, wire, pool=None, project=None, name=None, container=None):
        pool = wire.get("poolName") or pool
        project = wire.get("projectName") or project
        name = wire.get("name") or name
        container = _container(wire, container)
        path = (wire.get("zfsDataSetName") or wire.get("datasetPath")
                or "%s/%s/%s/%s" % (pool, container, project, name))
        available = _int(wire.get("availableSize"))
        used = used_bytes(wire)
        total = _int(wire.get("totalSize")) or used + available
        own = frozenset(prop for prop, flag in _OVERRIDES if _flag(wire.get(flag)))
        guest = wire.get("guestStatus")
        return cls(
            pool=pool, project=project, name=name, path=path,
            container=container,
            compression=wire.get("compression"), dedup=_on(wire.get("dedup")),
            readonly=_on(wire.get("readonly")), record_size=wire.get("recordSize"),
            mount_point=paths.mount_point(wire, project, name),
            quota_bytes=_limit(wire.get("quotaInByte")),
            reservation_bytes=_limit(wire.get("reservationInByte")),
            used_bytes=used, available_bytes=available, total_bytes=total,
            nfs=_on(wire.get("sharenfs")), smb=_on(wire.get("sharesmb")),
            nfs_own=_flag(wire.get("overrideSharenfs")),
            smb_own=_flag(wire.get("overrideSharesmb")),
            smb_name=wire.get("cifsDisplayName") or None,
            guest=None if guest is None else _flag(guest),
            own_properties=own,
            _wire=_frozen(wire))


@dataclasses.dataclass(frozen=True)
class CloneStatus(object):
    """getProjectCloneStatus: ``state`` is in_progress, success, partial or failure."""

    state: str
    total: Optional[int] = None
    failed: Optional[int] = None

    @property
    def done(self):
        return self.state != "in_progress"

    @classmethod
    def from_wire(cls, wire, state):
        return cls(state=state, total=wire.get("totalSubProjects"),
                   failed=wire.get("failedSubProjects"))


@dataclasses.dataclass(frozen=True)
class SnapshotInfo(object):
    """A snapshot as listSnapshots reports it (§8.2): the reply names the snapshots of one
    dataset, prefix included, in creation order (C11), and nothing else (no size, no date).

    ``full_name`` is the on-array name (``Manual-S-x``), ``name`` the one it was created with
    (``x``); ``kind`` is ``"share"`` (``Manual-S-``), ``"project"`` (``Manual-P-``: on a share,
    its part of a project snapshot) or None for names without those prefixes (scheduled
    snapshots); ``dataset`` the DatasetRef of the share or project listed."""

    dataset: paths.DatasetRef
    full_name: str

    @property
    def name(self):
        return paths.strip_snapshot_prefix(self.full_name)

    @property
    def kind(self):
        for prefix, kind in ((paths.SHARE_SNAPSHOT_PREFIX, "share"),
                             (paths.PROJECT_SNAPSHOT_PREFIX, "project")):
            if self.full_name.startswith(prefix):
                return kind
        return None

    @property
    def path(self):
        """``dataset@full_name``."""
        return "%s@%s" % (self.dataset.path, self.full_name)

    @property
    def ref(self):
        return self.dataset._replace(snapshot=self.full_name)

    @classmethod
    def from_wire(cls, wire, dataset):
        return cls(dataset=dataset, full_name=str(wire))


@dataclasses.dataclass(frozen=True)
class SnapshotDeletion(object):
    """A SnapShotDeletionStatus (§9.13): the paths the array reports deleted (the snapshot, and
    with ``recursive`` what depended on it) and those it could not delete. ``delete_snapshot``
    returns one only for a complete deletion (status 0); a missing snapshot (``missing_ok``)
    gives one with nothing deleted."""

    deleted: Tuple[str, ...] = ()
    failed: Tuple[str, ...] = ()
    status: int = 0                       # 0 success, 1 partial, 2 failure

    @property
    def complete(self):
        return self.status == 0

    @classmethod
    def from_wire(cls, wire):
        wire = wire if isinstance(wire, dict) else {}
        return cls(deleted=tuple(wire.get("deletedList") or ()),
                   failed=tuple(wire.get("failedToDeleteList") or ()),
                   status=_int(wire.get("snapshotDeletionStatus")))


# ZEBI_SYSTEM_PROPERTY (§7.1) -> SystemInfo attribute.
SYSTEM_PROPERTY_FIELDS = (
    ("ZEBI_APPLIANCE_MODEL", "model"),
    ("ZEBI_APPLIANCE_VERSION", "appliance_version"),
    ("ZEBI_GUI_VERSION", "version"),
    ("ZEBI_API_VERSION", "api_version"),
    ("ZEBI_API_MINOR_VERSION", "api_minor_version"),
    ("ZEBI_SUPPORTED_TDPS_API_VERSIONS", "supported_api_versions"),
    ("INTELLIFLASH_ARRAY_GUID", "guid"),
    ("INTELLIFLASH_ARRAY_FQDN", "fqdn"),
)


@dataclasses.dataclass(frozen=True)
class SystemInfo(object):
    """The array's system properties (listSystemProperties, §7.1), opaque strings; None for
    a property that was not asked for."""

    model: Optional[str] = None                  # ZEBI_APPLIANCE_MODEL
    appliance_version: Optional[str] = None      # ZEBI_APPLIANCE_VERSION
    version: Optional[str] = None                # ZEBI_GUI_VERSION (the OS version, 3.7.1.x)
    api_version: Optional[str] = None            # ZEBI_API_VERSION
    api_minor_version: Optional[str] = None      # ZEBI_API_MINOR_VERSION
    supported_api_versions: Optional[str] = None   # ZEBI_SUPPORTED_TDPS_API_VERSIONS
    guid: Optional[str] = None                   # INTELLIFLASH_ARRAY_GUID
    fqdn: Optional[str] = None                   # INTELLIFLASH_ARRAY_FQDN

    @classmethod
    def from_wire(cls, names, values):
        """From the names asked for and the reply (one value per name, same order); a
        property this view has no attribute for is left out."""
        fields = dict(SYSTEM_PROPERTY_FIELDS)
        return cls(**dict((fields[name], value) for name, value in zip(names, values)
                          if name in fields))


@dataclasses.dataclass(frozen=True)
class SmbConfig(object):
    """The SMB service configuration (SMBConfig_V2_2, §9.11)."""

    protocol_mode: Optional[str] = None          # smbProtocolMode: CIFS or SMB3
    pdc: Optional[str] = None                    # primary domain controller
    subshares: Optional[bool] = None             # subsharesFeatureEnabled
    restrict_anonymous: Optional[bool] = None
    restrict_guest: Optional[bool] = None

    @classmethod
    def from_wire(cls, wire):
        wire = wire if isinstance(wire, dict) else {}
        return cls(protocol_mode=wire.get("smbProtocolMode"), pdc=wire.get("pdc"),
                   subshares=_on(wire.get("subsharesFeatureEnabled")),
                   restrict_anonymous=_on(wire.get("restrictAnonymous")),
                   restrict_guest=_on(wire.get("restrictGuest")))
