# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Shares: listShares, getShare, createShare, modifyShareProperties, inheritPropertyFromProject,
deleteShare, and the share quota and reservation."""

from . import paths as paths_mod
from . import sizes as sizes_mod
from .base import check_bool
from .errors import NotFoundError, invalid_argument
from .views import ShareInfo

BLOCK_SIZES = ("4KB", "8KB", "16KB", "32KB", "64KB", "128KB")
DEFAULT_SHARE_PERMISSIONS = [{"sharePermissionEnum": 0, "sharePermissionMode": 0}]


class ShareCalls(object):
    """The share calls of IntelliFlashClient."""

    def list_shares(self, ref, local=None):
        """The shares of a project (ShareInfo from the list items: name, parents, mount point
        and sizes). ``local`` (listShares' flag) follows the reference's container; a value
        that contradicts it is refused."""
        ref = self._ref(ref, share=False)
        path = self._ref_path("listShares", ref)
        with self._context("listShares", path):
            in_local = ref.container == paths_mod.LOCAL
            if local is not None and check_bool(local, "local") is not in_local:
                raise invalid_argument("local", "%r contradicts the %s container of %s"
                                       % (local, ref.container, path))
        reply = self.call("listShares", ref.pool, ref.project, in_local, dataset=path) or []
        return [ShareInfo.from_wire(item, pool=ref.pool, project=ref.project,
                                    container=ref.container) for item in reply]

    def _read_share(self, pool, project, share, container=paths_mod.LOCAL):
        """The getShare reply (wire dict), for the checks of a write."""
        path = self._dataset("getShare", pool, project, share, container)
        return self.call("getShare", path, dataset=path)

    def _find_share_wire(self, pool, project, share):
        return self._or_none(self._read_share, pool, project, share)

    def get_share(self, ref):
        """ShareInfo; NotFoundError when the share (or its project) does not exist."""
        ref = self._ref(ref, share=True)
        wire = self._read_share(ref.pool, ref.project, ref.share, ref.container)
        return ShareInfo.from_wire(wire, pool=ref.pool, project=ref.project, name=ref.share,
                                   container=ref.container)

    def find_share(self, ref):
        """ShareInfo, or None when the share (or its project) does not exist."""
        return self._or_none(self.get_share, ref)

    def create_share(self, ref, quota=None, reservation=None,
                     block_size=None, mount_point=None):
        """createShare; sizes as bytes or human strings (``"10G"``); None = no quota."""
        pool, project, share = self._unpack(ref, share=True)
        with self._context("createShare", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            quota_b = sizes_mod.parse_optional_size(quota, "quota")
            reservation_b = sizes_mod.parse_optional_size(reservation, "reservation")
            if quota_b and reservation_b and reservation_b > quota_b:
                raise invalid_argument("reservation", "%s is larger than the quota %s"
                                       % (sizes_mod.format_size(reservation_b),
                                          sizes_mod.format_size(quota_b)),
                                       code="EZEBI_INVALID_QUOTA_RESERVATION_VALUE")
            options = {"quota": quota_b or -1, "reservation": reservation_b or -1}
            if block_size is not None and block_size != "":
                bs = str(block_size).strip().upper()
                if bs.endswith("K"):
                    bs += "B"
                if bs not in BLOCK_SIZES:
                    raise invalid_argument("block_size", "must be one of %s, got %r"
                                           % (", ".join(BLOCK_SIZES), block_size),
                                           code="EZEBI_INVALID_BLOCK_SIZE_VALUE_GENERAL")
                options["blockSize"] = bs
            if mount_point is not None and mount_point != "":
                if not isinstance(mount_point, str) or not mount_point.startswith("/") or \
                        any(ch.isspace() for ch in mount_point) or "//" in mount_point or \
                        paths_mod.invisible_problem(mount_point):  # C33; invisible: as in C5
                    raise invalid_argument("mount_point", "must be an absolute path without white "
                                           "space or invisible characters, got %r" % (mount_point,))
                options["mountPoint"] = mount_point

        def verify():
            from . import written  # write verification: after a lost reply only
            current = self._find_share_wire(pool, project, share)
            return current is not None and written.share_created(
                current, quota_b, reservation_b, options.get("blockSize"),
                options.get("mountPoint"))

        self.call("createShare", pool, project, share, options,
                  list(DEFAULT_SHARE_PERMISSIONS), write=True, dataset=path, verify=verify)

    def modify_share(self, ref, properties):
        """modifyShareProperties with a partial Share_V2_1 dict."""
        pool, project, share = self._unpack(ref, share=True)
        with self._context("modifyShareProperties", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            if not isinstance(properties, dict) or not properties:
                raise invalid_argument("properties", "must be a non-empty dict")
        props = dict(properties)

        def verify():
            from . import written  # write verification: after a lost reply only
            return written.properties_written(self._read_share(pool, project, share), props,
                                              share_level=True)

        self.call("modifyShareProperties", path, props, write=True, dataset=path,
                  verify=verify)

    def _set_share_size(self, pool, project, share, key, field, value):
        with self._context("modifyShareProperties", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            wanted = sizes_mod.parse_optional_size(value, field)

        def verify():
            return int(self._read_share(pool, project, share).get(key) or 0) == wanted

        self.call("modifyShareProperties", path, {key: wanted}, write=True, dataset=path,
                  verify=verify)

    def set_share_quota(self, ref, quota_bytes):
        """Set (or with 0/None clear) the share quota via ``quotaInByte``."""
        pool, project, share = self._unpack(ref, share=True)
        self._set_share_size(pool, project, share, "quotaInByte", "quota", quota_bytes)

    def set_share_reservation(self, ref, reservation_bytes):
        """Set (or with 0/None clear) the share reservation via ``reservationInByte``."""
        pool, project, share = self._unpack(ref, share=True)
        self._set_share_size(pool, project, share, "reservationInByte", "reservation",
                             reservation_bytes)

    def inherit_share_property(self, ref, prop):
        """inheritPropertyFromProject (``prop`` in the SDK >= v23 vocabulary, e.g. Dedup)."""
        pool, project, share = self._unpack(ref, share=True)
        with self._context("inheritPropertyFromProject",
                           "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            if not isinstance(prop, str) or not prop or not prop.isalnum():
                raise invalid_argument("prop", "must be a property name such as 'Dedup', "
                                               "got %r" % (prop,))
        flag = "override" + prop

        def verify():
            current = self._read_share(pool, project, share)
            if flag in current:
                return current[flag] is False
            return False

        self.call("inheritPropertyFromProject", path, prop, write=True, dataset=path,
                  verify=verify)

    def delete_share(self, ref, recursive=False, missing_ok=True):
        """deleteShare (errorIfNotExist = not missing_ok); recursive deletes snapshots and
        their clones."""
        pool, project, share = self._unpack(ref, share=True)
        with self._context("deleteShare", "%s/Local/%s/%s" % (pool, project, share)):
            path = paths_mod.share_path(pool, project, share)
            check_bool(recursive, "recursive")
        try:
            self.call("deleteShare", path, recursive, not missing_ok, write=True, dataset=path,
                      verify=lambda: self._find_share_wire(pool, project, share) is None)
        except NotFoundError:
            if not missing_ok:
                raise
